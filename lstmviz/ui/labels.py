"""Labels and controls that change at every step without laying the window out again
(Qt only: the window imports this before pyqtgraph)."""

from __future__ import annotations

import contextlib
import math
import re
import weakref
from collections.abc import Sequence
from typing import TypeVar

from PySide6 import QtCore, QtGui, QtWidgets

from lstmviz.text import markup


def text_tip(text: str) -> str:
    """A tooltip that shows ``text`` (a name from a file, a path) as it is: Qt takes a
    tooltip that looks like HTML for HTML, so ``<img src=...>`` in a layer name would be a
    picture read from disk. Escaped and held as rich text, one line per line."""
    return "<p style='white-space:pre'>" + markup(text).replace("\n", "<br>") + "</p>"


def plain_box(box: QtWidgets.QMessageBox) -> QtWidgets.QMessageBox:
    """``box`` showing its text as plain text (a message naming a layer from a file)."""
    box.setTextFormat(QtCore.Qt.TextFormat.PlainText)
    return box


class FigureSpin(QtWidgets.QDoubleSpinBox):
    """A number box that keeps a number to ``FIGURES`` significant figures (0.0005, 1e-06,
    12345.6), not rounded to a count of decimals: a ``QDoubleSpinBox`` of 3 decimals made
    Units at scale's threshold of 0.0005 0.001 without a word (a unit of tiny amplitude
    crossed another threshold than the one typed), and showed a file's ``mask_value`` of
    1e-4 as 0.000, its value 0. The arrows step by ``singleStep`` as ever."""

    FIGURES = 6
    #: the decimals Qt rounds a value to (its own rounding; the text shows ``FIGURES``)
    KEPT_DECIMALS = 12

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setDecimals(self.KEPT_DECIMALS)

    def textFromValue(self, value: float) -> str:  # noqa: N802 (Qt's name)
        text = f"{value:.{self.FIGURES}g}"
        return "0" if text in ("-0", "+0") else text

    def _bare(self, text: str) -> str:
        if self.prefix() and text.startswith(self.prefix()):
            text = text[len(self.prefix()):]
        if self.suffix() and text.endswith(self.suffix()):
            text = text[:len(text) - len(self.suffix())]
        return text.strip()

    def valueFromText(self, text: str) -> float:  # noqa: N802 (Qt's name)
        try:
            return float(self._bare(text))
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):
        bare = self._bare(text)
        acceptable, between = QtGui.QValidator.State.Acceptable, QtGui.QValidator.State.Intermediate
        if bare in ("", "-", "+", ".", "-.", "+.") or bare.lower().endswith(("e", "e-", "e+")):
            return between, text, pos
        if not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", bare):
            return QtGui.QValidator.State.Invalid, text, pos
        value = float(bare)
        return (acceptable if self.minimum() <= value <= self.maximum() else between), text, pos


class ElidedCombo(QtWidgets.QComboBox):
    """A combo box whose text, where the box is narrower than it, ends in "…": Qt's cuts it
    at the box's edge, mid-letter ('bidi_concat (Bidirectic', 'Your data (imported /
    edite'). Its list shows every item whole."""

    def _option(self) -> QtWidgets.QStyleOptionComboBox:
        opt = QtWidgets.QStyleOptionComboBox()
        self.initStyleOption(opt)
        return opt

    def shown_text(self, opt: QtWidgets.QStyleOptionComboBox | None = None) -> str:
        """The text the box shows: its current one, cut to "…" where its field is narrower."""
        style = QtWidgets.QStyle
        opt = opt or self._option()
        field = self.style().subControlRect(style.ComplexControl.CC_ComboBox, opt,
                                            style.SubControl.SC_ComboBoxEditField, self)
        # (the style draws the label 1 px in from the field's left; a text as wide as the
        # field, its last letter's side bearing over the edge, still shows whole)
        return self.fontMetrics().elidedText(opt.currentText, QtCore.Qt.TextElideMode.ElideRight,
                                             max(0, field.width()))

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt)
        style = QtWidgets.QStyle
        painter = QtWidgets.QStylePainter(self)
        opt = self._option()
        painter.drawComplexControl(style.ComplexControl.CC_ComboBox, opt)
        opt.currentText = self.shown_text(opt)
        painter.drawControl(style.ControlElement.CE_ComboBoxLabel, opt)
        painter.end()


def at_a_word(cut: str, whole: str) -> str:
    """``cut``, ``whole`` cut to its room ending in "…", ending where a word of ``whole``
    ends, without the separator before it (at 800 x 600 the demo's message ended in
    "return_sequences) -> TimeDistrib…": it ends in "return_sequences)…"); a first word
    longer than the room stays cut within it."""
    if not cut.endswith("\u2026") or not whole.startswith(cut[:-1]):
        return cut
    kept = cut[:-1]
    if not whole[len(kept):len(kept) + 1].isspace():
        space = kept.rfind(" ")
        if space <= 0:
            return cut
        kept = kept[:space]
    kept = kept.rstrip(" ,;:·-–>")
    return kept + "\u2026" if kept else cut


class MessageBar(QtWidgets.QStatusBar):
    """A status bar whose message, where its room is narrower than it, ends in "…" after
    its last word that fits (``at_a_word``): Qt's cuts it at the edge, mid-word (the demo's
    description at 1366 x 768, "... the next value of a sine"). Its tooltip then holds the
    whole message (escaped, wrapped);
    ``currentMessage`` is always the whole of it. A message that fits is Qt's own paint."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._permanent: list[QtWidgets.QWidget] = []
        self.messageChanged.connect(self._set_tip)

    def addPermanentWidget(self, widget, stretch: int | None = 0) -> None:  # noqa: N802 (Qt)
        self._permanent.append(widget)
        super().addPermanentWidget(widget, stretch)

    def insertPermanentWidget(self, index: int, widget, stretch: int | None = 0) -> int:  # noqa: N802 (Qt)
        self._permanent.append(widget)
        return super().insertPermanentWidget(index, widget, stretch)

    def removeWidget(self, widget) -> None:  # noqa: N802 (Qt)
        if widget in self._permanent:
            self._permanent.remove(widget)
        super().removeWidget(widget)

    def message_room(self) -> QtCore.QRect:
        """Where Qt draws the message (``QStatusBarPrivate::messageRect``): from 6 px in to
        12 px before the end or the size grip, and to 2 px before the permanent widgets shown."""
        rtl = self.layoutDirection() == QtCore.Qt.LayoutDirection.RightToLeft
        left, right = 6, self.width() - 12
        grip = self.findChild(QtWidgets.QSizeGrip, options=QtCore.Qt.FindChildOption.FindDirectChildrenOnly)
        if grip is not None and grip.isVisible():
            if rtl:
                left = grip.x() + grip.width()
            else:
                right = grip.x()
        shown = [w for w in self._permanent if w.isVisible()]
        if shown:
            if rtl:
                left = max(left, max(w.x() + w.width() for w in shown) + 2)
            else:
                right = min(right, min(w.x() for w in shown) - 2)
        return QtCore.QRect(left, 0, right - left, self.height())

    def shown_message(self) -> str:
        """The message as the bar shows it: whole, or cut to "…" where its room is narrower."""
        message = self.currentMessage()
        if not message:
            return message
        room = max(0, self.message_room().width())
        if self.fontMetrics().horizontalAdvance(message) <= room:
            return message
        # (one line, as Qt draws it: a line break is a space)
        line = " ".join(message.splitlines())
        return at_a_word(self.fontMetrics().elidedText(line, QtCore.Qt.TextElideMode.ElideRight, room), line)

    def _set_tip(self, *_) -> None:
        message = self.currentMessage()
        cut = self.shown_message() != message
        # (as rich text, escaped: wrapped, and a file's name in it shown as its characters)
        self.setToolTip(f"<p style='white-space:normal'>{markup(message)}</p>" if cut else "")

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt)
        super().resizeEvent(event)
        self._set_tip()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt)
        message = self.currentMessage()
        shown = self.shown_message()
        if shown == message:
            return super().paintEvent(event)
        # what QStatusBar::paintEvent draws with a message shown, with the message cut
        style, painter = self.style(), QtGui.QPainter(self)
        opt = QtWidgets.QStyleOption()
        opt.initFrom(self)
        style.drawPrimitive(QtWidgets.QStyle.PrimitiveElement.PE_PanelStatusBar, opt, painter, self)
        for widget in self._permanent:
            frame = widget.geometry().adjusted(-2, -1, 2, 1)
            if widget.isVisible() and event.rect().contains(frame):
                item = QtWidgets.QStyleOption()
                item.rect, item.palette, item.state = frame, self.palette(), QtWidgets.QStyle.StateFlag.State_None
                style.drawPrimitive(QtWidgets.QStyle.PrimitiveElement.PE_FrameStatusBarItem, item, painter, widget)
        painter.setPen(self.palette().windowText().color())
        flags = QtCore.Qt.AlignmentFlag.AlignLeading | QtCore.Qt.AlignmentFlag.AlignVCenter
        painter.drawText(self.message_room(), flags | QtCore.Qt.TextFlag.TextSingleLine, shown)
        painter.end()


class ShrinkCombo(ElidedCombo):
    """A combo box as wide as its longest item where there is room (its size hint), and
    down to ``least`` characters where there is not (its least width): a form of them
    in a narrow column wraps or shrinks instead of scrolling sideways."""

    def __init__(self, least: int = 10, parent=None):
        super().__init__(parent)
        self._least = int(least)
        self.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToContents)

    def minimumSizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt's name)
        hint = super().minimumSizeHint()
        fm = self.fontMetrics()
        widest = max((fm.horizontalAdvance(self.itemText(i)) for i in range(self.count())), default=0)
        least = self._least * fm.horizontalAdvance("x")
        if widest > least:
            hint.setWidth(hint.width() - widest + least)
        return hint


# -- hints for the mouse ---------------------------------------------------------------------
#: A label's words for the mouse ("click a bar to pick its unit", "hover a weight to read
#: it") are marked in its rich text with this span (``hint``): the window shows them, an
#: exported picture leaves them out (``hints_hidden``, which ``ui/export.py`` holds while it
#: renders). Any label that shows such a text is a ``HintLabel`` or a ``QuietLabel``.
HINT_OPEN = '<span class="lstmviz-hint">'
_HINTS = re.compile(re.escape(HINT_OPEN) + r"[^<]*</span>")
_hidden = 0
_holders: weakref.WeakSet = weakref.WeakSet()  # the labels whose text holds a hint
#: controls in a view that draw nothing of the trace (the Cell view's check box that writes
#: the terms out): an exported picture leaves them out too (``control_only``), and
#: ``_left_out`` holds those hidden for it, shown again afterwards
_controls: weakref.WeakSet = weakref.WeakSet()
_left_out: list = []


_Control = TypeVar("_Control", bound=QtWidgets.QWidget)


def control_only(widget: _Control) -> _Control:
    """``widget``, a control of a view that shows nothing of what the view draws, left out
    of an exported picture while ``hints_hidden`` is held (the Cell view's "Write W·x_t and
    U·h_t-1 out term by term" check box stood in every exported Cell view, a box to tick
    on a slide, its subscripts Unicode glyphs a hall cannot read; the Weights view's
    forward/backward and cell buttons, whose choice its formula's line names; the Over
    time view's cell buttons, whose cell its header names)."""
    _controls.add(widget)
    return widget


def hint(text: str, before: str = " · ") -> str:
    """``text`` marked as a hint for the mouse, with the separator ``before`` it (left out
    with it): plain text only (escaped)."""
    return f"{HINT_OPEN}{markup(before + text)}</span>"


def without_hints(text: str) -> str:
    """``text`` with its hints (``hint``) left out."""
    return _HINTS.sub("", text) if HINT_OPEN in text else text


def hints_shown() -> bool:
    """Whether hints for the mouse are shown now (not while a picture is exported)."""
    return _hidden == 0


def holds_hints(holder):
    """``holder`` (anything with a ``refresh_hints()``, called when hints are hidden and
    shown again) joins the labels: the Train tab's "▶ Play or One update to train", a text
    item in its empty loss plot, which stood in every exported picture of the tab."""
    _holders.add(holder)
    return holder


def shown_text(text: str) -> str:
    """What a label given ``text`` shows now: its hints only while they are shown."""
    return text if _hidden == 0 else without_hints(text)


@contextlib.contextmanager
def hints_hidden():
    """While it is held, every label leaves its hints out (also texts set meanwhile: an
    animation's steps), and the views' controls (``control_only``) are hidden; afterwards
    they show them again. Their layouts follow at the next
    turn of the event loop."""
    global _hidden
    _hidden += 1
    try:
        if _hidden == 1:
            _refresh_hints()
            _leave_out_controls()
        yield
    finally:
        _hidden -= 1
        if _hidden == 0:
            _refresh_hints()
            _controls_back()


def _leave_out_controls() -> None:
    for widget in list(_controls):
        with contextlib.suppress(RuntimeError):  # (a widget Qt deleted meanwhile)
            parent = widget.parentWidget()
            if parent is not None and widget.isVisibleTo(parent):
                widget.hide()
                _left_out.append(weakref.ref(widget))


def _controls_back() -> None:
    while _left_out:
        widget = _left_out.pop()()
        if widget is not None:
            with contextlib.suppress(RuntimeError):
                widget.show()


def _refresh_hints() -> None:
    for label in list(_holders):
        with contextlib.suppress(RuntimeError):  # (a label Qt deleted meanwhile)
            label.refresh_hints()


class HintLabel(QtWidgets.QLabel):
    """A QLabel whose text may hold hints for the mouse (``hint``): ``text()`` is the text
    given, what it shows leaves the hints out while a picture is exported."""

    def __init__(self, text: str = "", parent=None):
        super().__init__(parent)
        self._full = ""
        self.setText(text)

    def text(self) -> str:
        return self._full

    def setText(self, text: str) -> None:  # noqa: N802 (QLabel's name)
        self._full = text
        if HINT_OPEN in text:
            _holders.add(self)
        super().setText(shown_text(text))

    def refresh_hints(self) -> None:
        super().setText(shown_text(self._full))


class SteadyLabel(QtWidgets.QLabel):
    """A plain label whose text changes at every step (``t = 6 / 199``), held at a fixed
    size: as wide as the widest text it is told it will show (``set_widest``), as tall as
    its font. ``QLabel.setText`` asks the parent's layout for a pass when the widget's size
    can change, and that pass reached the window's splitter, which measured every tab
    again (1-2 ms a step); a widget of fixed size asks for none. The size follows the font
    (presentation mode, themes) and grows for a text wider than the widest."""

    def __init__(self, text: str = "", parent=None, minimum_width: int = 0):
        super().__init__(text, parent)
        self._widest = text
        self._minimum = int(minimum_width)
        # measured from the font only: sizeHint() would polish the label under the app's
        # style sheet now, and a polished label loses the font set on it (bold, larger)
        # when it is moved into the window
        self._fit()

    def set_widest(self, text: str) -> None:
        if text != self._widest:
            self._widest = text
            self._fit()

    def setText(self, text: str) -> None:  # noqa: N802 (QLabel's name)
        if text == self.text():
            return
        super().setText(text)
        if self._need(text) > self.width():
            self._widest = text
            self._fit()
        holder = self.parentWidget()
        if isinstance(holder, LabelSlot):
            holder.show_if_whole()

    def text_width(self) -> int:
        """The width its present text takes (right-aligned, the rest of the label is blank)."""
        return self._need(self.text())

    def _need(self, text: str) -> int:
        """The width ``text`` takes in this label: its advance and the label's margins."""
        fm = self.fontMetrics()
        m = self.contentsMargins()
        extra = m.left() + m.right() + 2 * self.margin() + max(0, self.indent())
        return math.ceil(fm.horizontalAdvance(text)) + extra + 2

    def _fit(self) -> None:
        w = max(self._minimum, self._need(self._widest), self._need(self.text()))
        m = self.contentsMargins()
        h = math.ceil(self.fontMetrics().height()) + m.top() + m.bottom() + 2 * self.margin()
        if self.minimumSize() != QtCore.QSize(w, h) or self.maximumSize() != QtCore.QSize(w, h):
            self.setFixedSize(w, h)
            holder = self.parentWidget()
            if isinstance(holder, LabelSlot):
                holder.follow()

    def changeEvent(self, event) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() in (QtCore.QEvent.Type.FontChange, QtCore.QEvent.Type.StyleChange):
            self._fit()


class _FitsItsWidth:
    """For a widget whose text follows its width (``_fit``): fitted again when it is
    resized, and when its font or style changes."""

    def _fit(self) -> None:
        raise NotImplementedError

    # (a mixin: the Qt widget class after it in the MRO has these two; mypy sees object's)
    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt)
        super().resizeEvent(event)  # type: ignore[misc]
        self._fit()

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt)
        super().changeEvent(event)  # type: ignore[misc]
        if event.type() in (QtCore.QEvent.Type.FontChange, QtCore.QEvent.Type.StyleChange):
            self._fit()


class ElidedLabel(_FitsItsWidth, QtWidgets.QLabel):
    """A one-line plain label that takes the width its layout gives it (its least width is
    0: it never holds the window wider) and shows as much of its text as fits (or a shorter
    form of it given, ``set_full_text``), its end cut to "…", the whole text in its tooltip."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._full = ""
        self._shorter: tuple[str, ...] = ()
        self.setTextFormat(QtCore.Qt.TextFormat.PlainText)  # (names from files)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)

    def full_text(self) -> str:
        return self._full

    def set_full_text(self, text: str, shorter: tuple[str, ...] = ()) -> None:
        """``text``, or where it does not fit the first of ``shorter`` (forms of it, each
        shorter than the one before) that does, else the last cut at its end."""
        if (text, shorter) != (self._full, self._shorter):
            self._full, self._shorter = text, tuple(shorter)
            self.setToolTip(text)
            self._fit()

    def _fit(self) -> None:
        fm, room = self.fontMetrics(), max(0, self.width())
        forms = (self._full,) + self._shorter
        shown = next((f for f in forms if fm.horizontalAdvance(f) <= room), None)
        if shown is None:
            shown = fm.elidedText(forms[-1], QtCore.Qt.TextElideMode.ElideRight, room)
        if self.text() != shown:
            super().setText(shown)


class FormsLabel(_FitsItsWidth, QtWidgets.QLabel):
    """A one-line plain label with a whole text and shorter forms of it (``set_forms``):
    it asks for the whole one's width, shows the longest form its width holds, and where
    even the shortest does not fit, nothing (never a form cut mid-word); its least width is
    0, so it gives its room way where the layout has none (the header's "weights of update
    80 of 160", then "update 80"). Its tooltip is the whole text. No forms: hidden."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._forms: tuple[str, ...] = ()
        self.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.hide()

    def forms(self) -> tuple[str, ...]:
        return self._forms

    def set_forms(self, forms: tuple[str, ...]) -> None:
        forms = tuple(forms)
        if forms == self._forms:
            return
        self._forms = forms
        self.setToolTip(forms[0] if forms else "")
        self.setVisible(bool(forms))
        self.updateGeometry()
        self._fit()

    def form_width(self, k: int) -> int:
        """The width form ``k`` takes in this label (0 without forms)."""
        if not self._forms:
            return 0
        m = self.contentsMargins()
        extra = m.left() + m.right() + 2 * self.margin() + max(0, self.indent())
        return math.ceil(self.fontMetrics().horizontalAdvance(self._forms[k])) + extra + 2

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt's name)
        return QtCore.QSize(self.form_width(0), super().sizeHint().height())

    def minimumSizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt's name)
        return QtCore.QSize(0, super().minimumSizeHint().height())

    def _fit(self) -> None:
        room = self.width()
        shown = next((f for k, f in enumerate(self._forms) if self.form_width(k) <= room), "")
        if self.text() != shown:
            super().setText(shown)


class ShortCheckBox(_FitsItsWidth, QtWidgets.QCheckBox):
    """A check box that says ``text`` where its width holds it, else ``short`` (a shorter
    form of it): its least width is the short form's, so its words never hold the window
    wider (the Cell view's "Write W·x_t and U·h_t-1 out term by term" held an 800 x 600
    window 1022 px wide in the projector theme, with the charts in two rows beside it)."""

    def __init__(self, text: str, short: str, parent=None):
        super().__init__(text, parent)
        self.whole, self.short = text, short
        # (a check box's own policy, Minimum, holds it at its size hint: the whole text)
        policy = self.sizePolicy()
        policy.setHorizontalPolicy(QtWidgets.QSizePolicy.Policy.Preferred)
        self.setSizePolicy(policy)

    def set_forms(self, text: str, short: str) -> None:
        """New whole and short forms (another theme's), shown as its width allows."""
        if (text, short) != (self.whole, self.short):
            self.whole, self.short = text, short
            self.updateGeometry()
            self._fit()

    def _as(self, text: str) -> QtCore.QSize:
        """The check box's size hint with ``text`` instead of the text it shows (Qt's own
        hint: its least is that too, which asks for the hint the overridden way)."""
        hint = QtWidgets.QCheckBox.sizeHint(self)
        fm = self.fontMetrics()
        hint.setWidth(hint.width() - fm.horizontalAdvance(self.text()) + fm.horizontalAdvance(text))
        return hint

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt's name)
        return self._as(self.whole)

    def minimumSizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt's name)
        return self._as(self.short)

    def _fit(self) -> None:
        text = self.whole if self.width() >= self.sizeHint().width() else self.short
        if self.text() != text:
            self.setText(text)


class ShyLabel(QtWidgets.QLabel):
    """A label that asks for its text's width but gives it up, whole, where the layout has
    no room: its least width is 0, and squeezed narrower than its text it shows nothing
    (the header's "layer" before the layer box, which says the layer itself, held a
    Bidirectional model's 800 x 600 window wider in the projector theme)."""

    def minimumSizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt's name)
        return QtCore.QSize(0, super().minimumSizeHint().height())

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt)
        if self.width() >= self.sizeHint().width():
            super().paintEvent(event)


class ShortComboBox(_FitsItsWidth, ElidedCombo):
    """A combo box of ``items`` ((whole, short) texts; each item's data its whole text)
    that shows the whole words where its width holds the widest of them, else the short
    forms: its least width is the short forms', so its words never hold the window wider
    (a Bidirectional layer's "forward"/"backward" box held an 800 x 600 window 831 px wide
    beside the side panel, 929 in the projector theme). Read and set it by data
    (``currentData``, ``findData``): the text changes with the width."""

    def __init__(self, items: list[tuple[str, str]], parent=None, data: list | None = None):
        super().__init__(parent)
        # its hints its own (``_as``): Qt's with no text in it, the frame and arrow, and the
        # widest of the forms asked for; never Qt's measure of the texts shown, which Qt
        # keeps from its first measure unless it adjusts to its contents (then the whole
        # words got the short forms' width, "fo…" for "fwd"), and a box that adjusts to its
        # contents is resized to its hint 20 ms after its texts change (QComboBox's
        # adjustSize timer): at the window's least width the short words' box was made the
        # whole words' width, swapped to them, given its room back by the layout, swapped
        # back, and again 20 ms later, for ever (``at_rest`` used all its turns)
        self.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(0)
        self.items = list(items)
        for k, (whole, _) in enumerate(self.items):  # (each item's data its whole text, or ``data``'s)
            self.addItem(whole, whole if data is None else data[k])
        self._short = False

    def _as(self, texts) -> QtCore.QSize:
        """The box's size hint holding the widest of ``texts`` (Qt's own hint of a box
        that holds no text, as its policy measures it, with that text's width added)."""
        hint = QtWidgets.QComboBox.sizeHint(self)
        fm = self.fontMetrics()
        hint.setWidth(hint.width() + max((fm.horizontalAdvance(t) for t in texts), default=0))
        return hint

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt's name)
        return self._as([whole for whole, _ in self.items])

    def minimumSizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt's name)
        return self._as([short for _, short in self.items])

    def _fit(self) -> None:
        short = self.width() < self.sizeHint().width()
        if short != self._short:
            self._short = short
            for i, (whole, brief) in enumerate(self.items):
                self.setItemText(i, brief if short else whole)


def set_if_changed(widget, maximum: int | None = None, value: int | None = None) -> None:
    """A spin box's or slider's maximum and value, each set only when it changes: Qt's
    ``setMaximum`` asks for a layout pass (and a repaint) even for the same maximum."""
    if maximum is not None and widget.maximum() != maximum:
        widget.setMaximum(maximum)
    if value is not None and widget.value() != value:
        widget.setValue(value)


class LabelSlot(QtWidgets.QWidget):
    """A place in a layout for a ``SteadyLabel`` that leaves the layout's minimum width
    alone: the slot asks for the label's size but can be squeezed (its minimum width is
    0), as a label whose minimum is its current text was. The label, a child outside any
    layout, keeps its fixed size; right-aligned in the slot when ``right`` (then a squeezed
    slot cuts the label's left end, where its right-aligned text has room to spare, and
    hides it when its text does not fit whole)."""

    def __init__(self, label: SteadyLabel, right: bool = False, parent=None):
        super().__init__(parent)
        self.label = label
        self.right = right
        label.setParent(self)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred, QtWidgets.QSizePolicy.Policy.Fixed)
        self.follow()

    def follow(self) -> None:
        """The label's size changed: ask the layout for it, and place the label."""
        self.updateGeometry()
        self._place()

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802
        return self.label.size()

    def minimumSizeHint(self) -> QtCore.QSize:  # noqa: N802
        return QtCore.QSize(0, self.label.height())

    def _place(self) -> None:
        # squeezed, a right-aligned label loses its left end (blank room), never its right
        # one ("t = 0 / 999" cut at the right read "t = 0 / 99")
        x = self.width() - self.label.width() if self.right else 0
        self.label.move(x, max(0, (self.height() - self.label.height()) // 2))
        self.show_if_whole()

    def show_if_whole(self) -> None:
        """A right-aligned label squeezed into less than its text is hidden, not cut: a
        piece of "t = 2 / 3" read "3", a step that is not the one shown."""
        if self.right:
            whole = self.width() >= self.label.text_width()
            if self.label.isVisibleTo(self) != whole:
                self.label.setVisible(whole)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._place()


_DIGITS = re.compile("[0-9]")
#: a number as a step's text writes it (``12,345``, ``0.53``): one token for ``QuietLabel``'s
#: steady height, whatever its digits
_NUMBER = re.compile(r"[0-9](?:[0-9,.]*[0-9])?")


# -- a number kept on its word's line ----------------------------------------------------------
_TAG_OR_ENTITY = re.compile(r"<[^>]*>|&[#\w]+;")
#: tags that end a line of their own: nothing is bound across them
_BREAKS = re.compile(r"<\s*(?:br|p|/p|div|/div|li|tr|td)\b", re.IGNORECASE)
#: in the text as read (tags left out): the spaces after a word that a number of its own
#: follows ("step 12", "unit 3", "of 1,234"; "step t = 12", "t = 12" itself)
_WORD_NUMBER = re.compile(
    r"(?<=[^\W\d_])( +)(?=[-\u2212]?[0-9]|[^\W\d_] = [-\u2212]?[0-9])"  # a word, then its number
    r"|(?<=\b[^\W\d_])( +)(?== +[-\u2212]?[0-9])"  # "t" before "= 12"
    r"|(?<=\b[^\W\d_] =)( +)(?=[-\u2212]?[0-9])"  # "t =" before "12"
    r"|(?<=[<>\u2264\u2265])( +)(?=[-\u2212]?[0-9])"  # "< 0", "> 0": a sign and its number
)
#: a range's dash between its numbers ("3–5", "<b>0</b>–<b>255</b>"): a line may break after
#: an en dash (Unicode's line breaking), "3–" at a line's end and "5" below it
_RANGE_DASH = re.compile(r"(?<=[0-9])\u2013(?=[-\u2212]?[0-9])")
#: what binds it to the number after it: a word joiner, where Qt's line breaking never
#: breaks (it still breaks anywhere in a run wider than its line: its emergency wrap)
WORD_JOINER = "\u2060"
#: a range at a number's start ("3–5", "1,000–2,047"): the word before it stays unbound
#: (``bound_numbers``), so that the run wrapped whole is the range alone
_RANGE_AHEAD = re.compile(r"[-\u2212]?[0-9][0-9,.]*\u2013[-\u2212]?[0-9]")
#: entities read as the characters they stand for (``_WORD_NUMBER``'s signs); any other one character
_ENTITIES = {"&nbsp;": "\u00a0", "&lt;": "<", "&gt;": ">"}


def bound_numbers(html: str) -> str:
    """``html`` with the spaces between a word and the number that belongs to it non-
    breaking ("step <b>12</b>", "= input step 4", "unit <b>3</b>", "sample 0",
    "t = 1,234"; a sign and its number, "&lt; 0"): a wrapped line never ends in "step"
    with its number alone on the next (at 800 x 600 beside the side panel, Over time's
    header ended a line in "unit", "0" below it; the Unrolled legend in "(<"). Only the
    text between tags changes (a space becomes U+00A0, a character, not the entity
    "&nbsp;", so what is read out of the label is the text itself), never a tag's
    attributes; a run of spaces becomes one, as rich text shows it. A range's en dash
    between numbers ("steps 3–5") is bound to the number after it (``WORD_JOINER``), and
    the word before it is not bound to it: "steps 3–5" as one run wider than its line was
    broken where Qt breaks such a run, anywhere: "steps 3–" and "5" below it; the range
    alone wraps whole.
    ``QuietLabel`` lays out every text it is given through this."""
    if not any(c.isdigit() for c in html):
        return html
    # the text as read: each tag nothing (a line break a newline), each entity one character
    read: list[str] = []
    where: list[int] = []  # the position in ``html`` of each character of ``read``
    at = 0
    for m in _TAG_OR_ENTITY.finditer(html):
        for k in range(at, m.start()):
            read.append(html[k])
            where.append(k)
        token = m.group()
        if token.startswith("<"):
            if _BREAKS.match(token):
                read.append("\n")
                where.append(-1)
        else:
            read.append(_ENTITIES.get(token, "\x00"))
            where.append(-1)
        at = m.end()
    for k in range(at, len(html)):
        read.append(html[k])
        where.append(k)
    spaces: dict[int, str] = {}  # position in ``html`` -> what it becomes
    text = "".join(read)
    for m in _WORD_NUMBER.finditer(text):
        group = next(g for g in (1, 2, 3, 4) if m.group(g) is not None)
        if _RANGE_AHEAD.match(text, m.end(group)):
            continue  # ("steps 3–5": the range is the run that wraps whole, not "steps 3–")
        first = True
        for k in range(m.start(group), m.end(group)):
            if where[k] >= 0:
                spaces[where[k]] = "\u00a0" if first else ""
                first = False
    for m in _RANGE_DASH.finditer(text):  # (a range: its dash bound to the number after it)
        if where[m.start()] >= 0:
            spaces[where[m.start()]] = "\u2013" + WORD_JOINER
    if not spaces:
        return html
    return "".join(spaces.get(k, c) for k, c in enumerate(html))


#: what a ``QuietLabel``'s hints cost at a width (``_hints_cost_a_line``): no line, a line,
#: or nothing as its text with them is past ``max_lines`` (its short form shows)
_HINTS_FIT, _HINTS_COST, _HINTS_PAST_MOST = 0, 1, 2


def _blocks(doc: QtGui.QTextDocument):
    """The text blocks (paragraphs) of ``doc``, laid out, in order."""
    block = doc.begin()
    while block.isValid():
        yield block
        block = block.next()


def _tabular_digits(font: QtGui.QFont) -> bool:
    """Whether every digit is as wide as the others in ``font`` and its bold face."""
    key = font.toString()
    got = _TABULAR.get(key)
    if got is None:
        got = True
        for bold in (False, True):
            f = QtGui.QFont(font)
            f.setBold(bold)
            fm = QtGui.QFontMetricsF(f)
            got = got and len({fm.horizontalAdvance(d) for d in "0123456789"}) == 1
        _TABULAR[key] = got
    return got


_TABULAR: dict[str, bool] = {}


class QuietLabel(QtWidgets.QWidget):
    """A word-wrapped rich-text label whose new text does not lay its view out again.

    ``QLabel.setText`` invalidates the parent's layout, which re-measures every widget of
    a view (the Cell view's rich-text equations, its nine charts) at every step. Here the
    label sits in a holder without a layout, and the holder's height changes (and lays
    the view out) only when the text needs another height: ``set_text`` measures the
    label's height at the holder's width, one small text layout. The height is the
    holder's size hint, not a minimum: a minimum that changes with the width (more lines
    when narrower) made the window's minimum size change, and Qt then resized a window
    smaller than that out of full screen.

    Where its layout gives it less height than its text needs (a small window or export:
    the plots below at their least heights), it shows the lines that fit, the last ending
    in "…", not the top half of a line cut through (``_elide``), and the whole text in
    its tooltip. ``one_line``: never less than its first line (a view's header: Over time's
    at the window's least size beside the side panel was squeezed to 4 px, nothing of it
    read); a minimum of the font's, not of the width, so the window's least size stays
    put while the width changes. ``max_lines``: never more than that many lines (Over
    time's header: 4 and 5 lines at 800 x 600 beside a stack of cells' buttons, or with a
    long input's window in the projector theme, took the heatmaps' room): a longer text
    shows its short form, cut to those lines, the whole text in the tooltip. ``whole``
    (``set_whole``): never less than its whole text, in a page that scrolls where the view
    is shorter than it (the Cell view's header beside two rows of charts at 760 x 540).
    """

    def __init__(self, parent=None, one_line: bool = False, max_lines: int | None = None,
                 hints_give_way: bool = False):
        super().__init__(parent)
        self.one_line = one_line
        self.max_lines = max_lines
        #: its hints for the mouse left out where they would take a line of their own
        #: (``_hints_cost_a_line``): a view's header; a legend fits its own forms, hints too
        self.hints_give_way = hints_give_way
        #: never less than its whole text (``set_whole``): in a page that scrolls anyway
        self.whole = False
        #: never less than its short form's text (``set_short_whole``), and that height
        self.short_whole = False
        self._short_height = 0
        self._short_heights: dict[tuple, int] = {}  # (width, font, short text, numbers 0) -> height
        self._short_laid: dict[tuple, float] = {}  # (width, font, short text, digits 0) -> its height
        self._line: tuple = (None, 0)  # (font key, the height of one line in that font)
        self._lines: tuple = (None, 0)  # (font key, the height of max_lines lines)
        self.label = QtWidgets.QLabel(self)
        self.label.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.label.setWordWrap(True)
        # at the top: the lines that fit (``_elide``) are shorter than the label, which
        # centred them, the first line's top half in the holder and the rest below it
        self.label.setAlignment(QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignTop)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred, QtWidgets.QSizePolicy.Policy.Maximum)
        self._height = -1  # the height its text needs at its width
        self._hint = -1  # and the height it asks for (``max_lines``: at most those lines)
        self._unfit = False
        self._heights: dict[tuple, int] = {}  # (width, font, text with 0 for every digit) -> height
        #: (width, font, text with one token for every number) -> the tallest it has been
        self._tallest: dict[tuple, int] = {}
        self._text = ""  # the text given (the label shows it without hints in an export)
        self._shown = ""  # what it shows of it: without hints while they are hidden, numbers bound to their words
        self._hinted = ""  # the text as shown with its hints (while shown), and without them
        self._bare = ""
        #: (width, font, text with 0 for every digit) -> whether its hints would take a line
        #: (``_HINTS_COST``), not (``_HINTS_FIT``), or it is past ``max_lines`` with them
        self._hint_costs: dict[tuple, int] = {}
        self._short = ""  # the text's short form given (``setText(short=)``), and as shown
        self._short_shown = ""
        self._widest = ""  # the text at the widest numbers it will show (``set_widest``)
        self._widest_heights: dict[tuple, int] = {}  # (width, font, shown widest) -> height

    def set_widest(self, text: str) -> None:
        """``text`` is what this label will show at its widest numbers (a view's header at
        the sequence's last step): a text that differs from it in its numbers only is
        given its height from the start, not a line more once the steps reach 100 (at
        1024 x 768 the Unrolled view's header took a second line at step 100, and the
        plots below moved up and down at the first 99 <-> 100)."""
        if text != self._widest:
            self._widest = text
            if self.isVisible():
                self._fit()
            else:
                self._unfit = True

    def text(self) -> str:
        return self._text

    def setText(self, text: str, short: str = "") -> None:  # noqa: N802 (QLabel's name)
        """``text``; ``short``: what shows instead where the holder cuts ``text`` (its data
        first, its decoration left out), itself cut where even it does not fit."""
        if text != self._text or short != self._short:
            self._text, self._short = text, short
            if HINT_OPEN in text or HINT_OPEN in short:
                _holders.add(self)
            self._show()

    def refresh_hints(self) -> None:
        self._show()

    def _show(self) -> None:
        shown = bound_numbers(shown_text(self._text))
        short = bound_numbers(shown_text(self._short)) if self._short else ""
        if shown != self._hinted or short != self._short_shown:
            self._hinted, self._short_shown = shown, short
            self._bare = bound_numbers(without_hints(self._text)) if HINT_OPEN in shown else shown
            self._shown = shown
            self.label.setText(shown)
            if self.isVisible():  # a hidden view (another tab) is measured when shown
                self._fit()
            else:
                self._unfit = True

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if self._unfit:
            self._fit()

    def setFont(self, font: QtGui.QFont | str | Sequence[str]) -> None:  # noqa: N802 (as QWidget's)
        self.label.setFont(font)
        self._fit()

    def _fit(self) -> None:
        self._unfit = False
        w = max(1, self.width())
        self._shown = self._bare if self._hints_cost_a_line(w) else self._hinted
        if self.label.text() != self._shown:  # (it showed the lines that fitted: measure it whole)
            self.label.setText(self._shown)
        # A step's text differs from the last one's in its digits only: where every digit
        # is as wide as the others (tabular figures, as in DejaVu Sans) it wraps the same,
        # so its height is known without laying it out again (~1 ms a step).
        font = self.label.font()
        key = None
        if _tabular_digits(font):
            key = (w, font.key(), _DIGITS.sub("0", self.label.text()))
        h = self._heights.get(key, -1) if key is not None else -1
        if h < 0:
            h = self.label.heightForWidth(w)
            if h < 0:
                h = self.label.sizeHint().height()
            if key is not None:
                if len(self._heights) > 64:
                    self._heights.clear()
                self._heights[key] = h
        # Steady while only its numbers change: the tallest the same text has been at this
        # width (a long input's header took a third line at steps of five digits, "16,230",
        # and gave it back at "1,712": every heatmap below was laid out and painted again at
        # each such seek, 13 ms more of a seek in Over time, the plots jumping while playing)
        steady = (w, font.key(), _NUMBER.sub("0", self.label.text()))
        h = max(h, self._tallest.get(steady, 0))
        widest = bound_numbers(shown_text(self._widest)) if self._widest else ""
        if widest and _NUMBER.sub("0", widest) == steady[2]:
            # (with tabular figures, as above, another step's widest text wraps the same where
            # only its digits differ: each far seek of a long input gave a new one, and
            # the label laid it out anew, its rich text set twice)
            wkey = (w, font.key(), _DIGITS.sub("0", widest) if key is not None else widest)
            if wkey not in self._widest_heights:
                if len(self._widest_heights) > 16:
                    self._widest_heights.clear()
                shown = self.label.text()
                self.label.setText(widest)
                hw = self.label.heightForWidth(w)
                self._widest_heights[wkey] = hw if hw >= 0 else self.label.sizeHint().height()
                self.label.setText(shown)
            h = max(h, self._widest_heights[wkey])
        if len(self._tallest) > 64:
            self._tallest.clear()
        self._tallest[steady] = h
        hint = self._capped(h)
        if hint < h and self._short_shown:  # (past max_lines: the short form's lines, no blank one)
            hint = min(hint, math.ceil(self._short_laid_out(w)))
        short = 0
        if self.short_whole and self._short_shown:  # (its least: ``set_short_whole``)
            skey = (w, font.key(), _NUMBER.sub("0", self._short_shown))
            short = self._short_heights.get(skey, -1)
            if short < 0:
                if len(self._short_heights) > 64:
                    self._short_heights.clear()
                short = self._short_heights[skey] = math.ceil(self._document(self._short_shown, w).size().height())
        if short != self._short_height:
            self._short_height = short
            self.updateGeometry()
        if (h, hint) != (self._height, self._hint):
            self._height, self._hint = h, hint
            self.updateGeometry()  # the layout's pass comes later: take the height now
            if self.height() != hint:
                self.resize(self.width(), hint)
        self.label.setGeometry(0, 0, w, h)
        cut = 0 < self.height() < h
        if cut and self._short_shown:
            self.label.setText(self._short_shown)
            if self._short_laid_out(w) > self.height() + 0.5:
                self._elide(w, self.height(), self._short_shown)
        elif cut:
            self._elide(w, self.height(), self._shown)
        # (the whole text where it ends in "…", as it was given: its spaces plain, read as
        # spaces; where its hints gave way, they: ``_hints_cost_a_line``)
        tip = shown_text(self._text) if cut else self._hints_said()
        if self.toolTip() != tip:
            self.setToolTip(tip)

    def _hints_cost_a_line(self, w: int) -> bool:
        """Whether the text's hints for the mouse (``hint``) would take a line of their own
        at width ``w``: then it shows them not, and its tooltip says them (presenting at
        800 x 600 and 1024 x 768, "· click a heatmap to pick a step and unit" took Over
        time's and the Cell view's header onto a second line, the heatmaps and charts
        below a line lower); decided by the text at the widest numbers where the label is
        told it (``set_widest``), so they do not come and go as the steps' numbers widen.
        Never where the text with them is past ``max_lines`` (its short form shows, which
        has none). (Kept away at a width once gone, as the height is kept, ``_tallest``, a
        long input's header at 760 x 540 showed its whole text in two lines, not its short
        form: the window 3 px taller.)"""
        if self._bare == self._hinted or not self.hints_give_way:
            return False
        font = self.label.font()
        key = (w, font.key(), _DIGITS.sub("0", self._hinted))
        cost = self._hint_costs.get(key)
        if cost is None:
            lines = self._lines_of(self._hinted, w)
            if self.max_lines and lines > self.max_lines:
                # (even with its hints past ``max_lines``: it shows its short form, which has
                # none; shown whole without them, it took a line more)
                cost = _HINTS_PAST_MOST
            else:
                texts = [(lines, self._bare)]
                widest = bound_numbers(shown_text(self._widest)) if self._widest else ""
                if widest and _NUMBER.sub("0", widest) == _NUMBER.sub("0", self._hinted):  # (the steps to come)
                    texts.append((self._lines_of(widest, w), bound_numbers(without_hints(self._widest))))
                costs = any(self._lines_of(bare, w) < n and not (self.max_lines and n > self.max_lines)
                            for n, bare in texts)
                cost = _HINTS_COST if costs else _HINTS_FIT
            if len(self._hint_costs) > 64:
                self._hint_costs.clear()
            self._hint_costs[key] = cost
        return cost == _HINTS_COST

    def _lines_of(self, html: str, w: int) -> int:
        """The lines ``html`` takes at width ``w``, laid out as the label lays it out."""
        doc = self._document(html, w)
        doc.size()  # (laid out: its blocks' line counts are 0 before)
        return sum(block.layout().lineCount() for block in _blocks(doc))

    def _short_laid_out(self, w: int) -> float:
        """The short form's height at width ``w`` as the label lays it out (``_document``),
        known without laying it out again where only its digits changed (tabular figures,
        as ``_fit``'s heights: a long input's header is cut at 1400 x 800, and each seek
        laid its short form out twice, ~0.04 ms each)."""
        font = self.label.font()
        key = (w, font.key(), _DIGITS.sub("0", self._short_shown)) if _tabular_digits(font) else None
        h = self._short_laid.get(key) if key is not None else None
        if h is None:
            h = self._document(self._short_shown, w).size().height()
            if key is not None:
                if len(self._short_laid) > 64:
                    self._short_laid.clear()
                self._short_laid[key] = h
        return h

    def _hints_said(self) -> str:
        """The hints the label leaves out where they would take a line (``_hints_cost_a_line``),
        in plain words for its tooltip; "" where it shows them or there are none."""
        if self._shown == self._hinted:
            return ""
        said = [QtGui.QTextDocumentFragment.fromHtml(h).toPlainText().strip(" ·\u00a0")
                for h in _HINTS.findall(self._hinted)]
        return "; ".join(s for s in said if s)

    def _elide(self, w: int, room: int, html: str) -> None:
        """Show the lines of ``html`` that fit in ``room`` px at width ``w``, the last one
        ending in "…" (the first line at least: the holder cuts it where even that does
        not fit)."""
        doc = self._document(html, w)
        layout = doc.documentLayout()
        ends: list[tuple[float, int]] = []  # (bottom, position after it) of every line
        block = doc.begin()
        while block.isValid():
            top = layout.blockBoundingRect(block).top()
            lines = block.layout()
            for k in range(lines.lineCount()):
                line = lines.lineAt(k)
                ends.append((top + line.y() + line.height(), block.position() + line.textStart() + line.textLength()))
            block = block.next()
        if len(ends) < 2:
            return
        fit = [e for e in ends if e[0] <= room + 0.5] or ends[:1]
        bottom, cut = fit[-1]
        start = ends[len(fit) - 2][1] if len(fit) > 1 else 0  # where that line begins
        words = [p for p in range(cut, start, -1) if doc.characterAt(p - 1).isspace()]
        # at a word's end where one fits, else within the one word that line holds
        for end in dict.fromkeys([cut, *words, *range(cut - 1, start - 1, -1)]):
            trial = self._document(html, w)
            cursor = QtGui.QTextCursor(trial)
            cursor.setPosition(end)
            cursor.movePosition(QtGui.QTextCursor.MoveOperation.End, QtGui.QTextCursor.MoveMode.KeepAnchor)
            cursor.removeSelectedText()
            while cursor.position() > 0 and trial.characterAt(cursor.position() - 1) in " \u00a0·":
                cursor.deletePreviousChar()  # (a separator does not end a line before "…")
            cursor.insertText("\u2026")
            if trial.size().height() <= bottom + 0.5:
                break
        self.label.setText(trial.toHtml())

    def _document(self, html: str, w: int) -> QtGui.QTextDocument:
        """``html`` laid out as the label lays it out at width ``w``."""
        doc = QtGui.QTextDocument()
        doc.setDefaultFont(self.label.font())
        doc.setDocumentMargin(0)
        doc.setHtml(html)
        doc.setTextWidth(w)
        return doc

    def height_of(self, html: str) -> float:
        """The height (px) ``html`` takes at the label's width, laid out as the label shows
        it (its hints while shown, its numbers bound): what a holder that picks among
        forms of its text measures them by (the Unrolled legend's entries)."""
        return self._document(bound_numbers(shown_text(html)), max(1, self.width())).size().height()

    def short_height(self) -> int | None:
        """The height (px) the short form (``setText(short=)``) takes at the label's width,
        None without one: what a holder that would rather cut the text gives it."""
        if not self._short_shown:
            return None
        return math.ceil(self._short_laid_out(max(1, self.width())))

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802
        return QtCore.QSize(0, max(self._hint, 0))  # the width is the layout's to give

    def _capped(self, h: int) -> int:
        """``h``, at most ``max_lines`` lines of the label's font."""
        if not self.max_lines:
            return h
        font = self.label.font()
        key, most = self._lines
        if key != font.key():
            most = math.ceil(self._document("<br>".join(["<b>Xg</b> Xg"] * self.max_lines), 10_000).size().height())
            self._lines = (font.key(), most)
        return min(h, most)

    def minimumSizeHint(self) -> QtCore.QSize:  # noqa: N802
        if self.whole and self._shown:
            return QtCore.QSize(0, max(self._hint, 0))
        if self.short_whole and self._shown and self._short_shown:
            return QtCore.QSize(0, min(max(self._hint, 0), self._short_height))
        if not self.one_line or not self._shown:
            return QtCore.QSize(0, 0)
        return QtCore.QSize(0, min(max(self._height, 0), self.line_height()))

    def set_whole(self, on: bool) -> None:
        """Its least height its whole text's (``on``), or its usual least: the Cell view's
        header where its page scrolls (``TallPage``), which squeezed it to nothing."""
        if on != self.whole:
            self.whole = on
            self.updateGeometry()

    def set_short_whole(self, on: bool) -> None:
        """Never less than its short form's lines (``on``; ``setText(short=)``), or its usual
        least: the Cell view's header in its short form beside two rows of charts, which the
        equations' two lines squeezed to a line cut through."""
        if on != self.short_whole:
            self.short_whole = on
            if self.isVisible():
                self._fit()
            else:  # (measured when shown)
                self._unfit = True
                self.updateGeometry()

    def line_height(self) -> int:
        """The height of one line of rich text (bold parts too) in the label's font."""
        font = self.label.font()
        key, height = self._line
        if key != font.key():
            height = math.ceil(self._document("<b>Xg</b> Xg", 10_000).size().height())
            self._line = (font.key(), height)
        return height

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def changeEvent(self, event) -> None:  # noqa: N802
        super().changeEvent(event)
        # a font it inherits changed (a theme, presentation mode): the text's height with it
        if event.type() == QtCore.QEvent.Type.FontChange:
            if self.isVisible():
                self._fit()
            else:
                self._unfit = True


class _Refits(QtWidgets.QWidget):
    """A row of parts that fits them to its width (``fit``) when resized, and when a part
    grew or shrank (a text set after the fit: Units at scale's scores, set once its summary
    came, squeezed the rank box to "model ord" in one row)."""

    def fit(self) -> None:
        raise NotImplementedError

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.fit()

    def event(self, event) -> bool:
        if event.type() == QtCore.QEvent.Type.LayoutRequest:
            self.fit()
        return super().event(event)


class WrapRow(_Refits):
    """Parts side by side where the width holds them all, else one above the other: a row
    of controls that would otherwise set its window's least width (the Train tab's gradient
    controls held the main window 1,177 px wide, past a 1024 x 768 screen)."""

    def __init__(self, groups, parent=None):
        """``groups``: the parts, each a sequence of widgets kept side by side."""
        super().__init__(parent)
        self.parts: list[QtWidgets.QWidget] = []
        self.row = QtWidgets.QBoxLayout(QtWidgets.QBoxLayout.Direction.LeftToRight, self)
        self.row.setContentsMargins(0, 0, 0, 0)
        for widgets in groups:
            part = QtWidgets.QWidget()
            line = QtWidgets.QHBoxLayout(part)
            line.setContentsMargins(0, 0, 0, 0)
            for w in widgets:
                line.addWidget(w)
            line.addStretch(1)
            self.row.addWidget(part)
            self.parts.append(part)
        self.row.addStretch(1)
        # its width never sets the window's least width (it goes one above the other)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)

    def needed(self) -> int:
        """The width the visible parts need side by side."""
        shown = [p for p in self.parts if not p.isHidden()]
        return sum(p.sizeHint().width() for p in shown) + self.row.spacing() * max(len(shown) - 1, 0)

    def fit(self) -> None:
        want = (QtWidgets.QBoxLayout.Direction.LeftToRight if self.width() >= self.needed()
                else QtWidgets.QBoxLayout.Direction.TopToBottom)
        if self.row.direction() != want:
            self.row.setDirection(want)
            self.updateGeometry()


class FlowRow(_Refits):
    """Parts side by side as far as the width holds them, the next ones on a line below:
    a ``WrapRow`` whose lines hold as many parts as fit (``WrapRow`` puts every part on a
    line of its own once they do not all fit in one)."""

    def __init__(self, groups, parent=None):
        """``groups``: the parts, each a sequence of widgets kept side by side."""
        super().__init__(parent)
        self.parts: list[QtWidgets.QWidget] = []
        self.lines_box = QtWidgets.QVBoxLayout(self)
        self.lines_box.setContentsMargins(0, 0, 0, 0)
        for widgets in groups:
            part = QtWidgets.QWidget(self)
            line = QtWidgets.QHBoxLayout(part)
            line.setContentsMargins(0, 0, 0, 0)
            for w in widgets:
                line.addWidget(w)
            self.parts.append(part)
        #: the parts of each line, by index (``fit``)
        self.lines: list[list[int]] = []
        self._lay_out([list(range(len(self.parts)))])
        # its width never sets the window's least width (its parts go on lines below)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)

    def spacing(self) -> int:
        return max(0, self.lines_box.spacing())

    def packed(self, width: int) -> list[list[int]]:
        """The visible parts, line by line, each line as many as ``width`` holds (one at least)."""
        lines: list[list[int]] = []
        used = 0
        for k, part in enumerate(self.parts):
            if part.isHidden():
                continue
            w = part.sizeHint().width()
            if lines and used + self.spacing() + w <= width:
                lines[-1].append(k)
                used += self.spacing() + w
            else:
                lines.append([k])
                used = w
        return lines

    def _lay_out(self, lines: list[list[int]]) -> None:
        while self.lines_box.count():
            item = self.lines_box.takeAt(0)
            box = item.layout() if item is not None else None
            if box is not None:
                while box.count():
                    box.takeAt(0)
                box.setParent(None)
                box.deleteLater()
        for ks in lines:
            box = QtWidgets.QHBoxLayout()
            for k in ks:
                box.addWidget(self.parts[k])
            box.addStretch(1)
            self.lines_box.addLayout(box)
        self.lines = lines

    def fit(self) -> None:
        lines = self.packed(self.width())
        if lines != self.lines:
            self._lay_out(lines)
            self.updateGeometry()


#: a tab's padding left and right of its name (px, the application's style sheet), and the
#: less a ``TabNames`` gives its tabs where their names would not fit otherwise
TAB_PADDING = 14
TAB_PADDING_COMPACT = 8
#: and less again before the names are cut (in the projector theme at 800 x 600 the
#: window's short names with compact padding took 392 px of 370: "Unrol…", "Ti…")
TAB_PADDING_TIGHT = 4
#: a tab widget's width beyond its tab bar's (its pane's frame, px)
TAB_BAR_FRAME = 4


class TabNames(QtCore.QObject):
    """A tab widget's tab names fitted to its width: the whole names where the tab bar has
    their room, else the short ones, else the short ones with less padding
    (``TAB_PADDING_COMPACT``, then ``TAB_PADDING_TIGHT``), else with shorter names still
    (``shorter``: (tab, name) taken one more at a time, in their order; the tab's tooltip
    names it whole), else (``elide``) those cut at their end ("Unro…"): every tab in sight
    without scroll arrows where it can be.
    Fitted again when the tab widget is resized; ``fit()`` after a change of font (a theme).
    The Train tab's inner tabs (Connectivity: dy/dx) and the window's views (Over time:
    Time) take the same rule."""

    def __init__(self, tabs: QtWidgets.QTabWidget, short: dict[int, str], elide: bool = False,
                 shorter: tuple[tuple[int, str], ...] = ()):
        super().__init__(tabs)
        #: whether the names are cut where even the short compact ones do not fit (then the
        #: tab bar's least width is its tabs' cut names', not its scroll arrows')
        self.elide = elide
        self.tabs = tabs
        #: the tabs' whole names and their short forms (``short``: by tab index)
        self.whole = [tabs.tabText(i) for i in range(tabs.count())]
        self.short = [short.get(i, name) for i, name in enumerate(self.whole)]
        #: the short names with one more of ``shorter`` taken each, before they are cut (in
        #: the projector theme at 760 x 540 the short ones with the least padding took 352
        #: px of the bar's 330: "Unrol…", "Ti…")
        self.shorter: list[list[str]] = []
        names = list(self.short)
        for i, name in shorter:
            names[i] = name
            self.shorter.append(list(names))
        self.padding = TAB_PADDING  # (px left and right of each name: ``fit``)
        bar = tabs.tabBar()
        #: the bar's own elide mode and scroll arrows, given back where the names fit
        self._own = (bar.elideMode(), bar.usesScrollButtons())
        self.elided = False
        tabs.installEventFilter(self)

    def add(self, name: str, short: str | None = None) -> None:
        """A tab added after the others (its name already in the widget), with its short name."""
        self.whole.append(name)
        self.short.append(short or name)
        for names in self.shorter:
            names.append(short or name)
        self.fit()

    @property
    def compact(self) -> bool:
        """Whether the tabs have less than their padding."""
        return self.padding < TAB_PADDING

    def width(self, names, compact: bool | int) -> int:
        """The tab bar's widest width (px) with these names, its tabs' padding compact or
        not (or that many px): each tab's present width, its name and padding exchanged, and the name the
        bold of the selected tab widens most written bold, whichever tab is selected (the
        Train tab's inner tabs fitted with 'Curves' selected overflowed into scroll arrows
        once 'Connectivity', longer bold, was picked, at 1024 x 768)."""
        bar = self.tabs.tabBar()
        plain = QtGui.QFontMetrics(bar.font())
        bold_font = QtGui.QFont(bar.font())
        bold_font.setBold(True)
        bold = QtGui.QFontMetrics(bold_font)
        padding = compact if not isinstance(compact, bool) else TAB_PADDING_COMPACT if compact else TAB_PADDING
        pad = 2 * (padding - self.padding)
        current = bar.currentIndex()
        total = 0
        for i, name in enumerate(names):
            shown = bold if i == current else plain  # (the style sheet's font for the tab)
            total += bar.tabSizeHint(i).width() - shown.horizontalAdvance(bar.tabText(i)) + pad
            total += plain.horizontalAdvance(name)
        return total + max((bold.horizontalAdvance(n) - plain.horizontalAdvance(n) for n in names), default=0)

    def fit(self) -> None:
        room = self.tabs.width() - TAB_BAR_FRAME
        names, padding = (self.shorter or [self.short])[-1], TAB_PADDING_TIGHT
        for names_, padding_ in ((self.whole, TAB_PADDING), (self.short, TAB_PADDING),
                                 (self.short, TAB_PADDING_COMPACT), (self.short, TAB_PADDING_TIGHT),
                                 *((n, TAB_PADDING_TIGHT) for n in self.shorter)):
            if self.width(names_, padding_) <= room:
                names, padding = names_, padding_
                break
        bar = self.tabs.tabBar()
        if padding != self.padding:
            self.padding = padding
            bar.setStyleSheet(f"QTabBar::tab {{ padding: 6px {padding}px; }}" if padding != TAB_PADDING else "")
        for i, name in enumerate(names):
            if bar.tabText(i) != name:
                bar.setTabText(i, name)
        # narrower still (the window at its least, 714 px beside the side panel): the names
        # cut at their end ("Unro…"), every tab in sight, not a few behind scroll arrows
        elided = self.elide and self.width(names, padding) > room
        if elided != self.elided:
            self.elided = elided
            bar.setElideMode(QtCore.Qt.TextElideMode.ElideRight if elided else self._own[0])
            bar.setUsesScrollButtons(not elided and self._own[1])

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt)
        if obj is self.tabs and event.type() == QtCore.QEvent.Type.Resize:
            self.fit()
        return False
