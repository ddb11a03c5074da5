"""Lecture mode: presentation mode (F5, Esc leaves), keyboard-only control, focus and
spotlight, the keys' help overlay, and guided tours.

``Presenter.install(window)`` is the one hook the main window calls: it adds the menu
entries and the keys (QActions on the window with ``WindowShortcut`` context, so they work
wherever the focus is; an application event filter hands Up/Down/Tab back to a spin box or
line edit being edited, and keeps the lecturer's keys -- PageDown/PageUp, F5, F1, L -- for
the lesson and the player even there: a presenter remote never edits a spin box).

Presentation mode: full screen on the chosen screen, the projector theme (or the one
picked in View > Theme while presenting) with every font at least ``MIN_PT`` points
(about 25 px at 96 dpi, i.e. readable from the back of a hall on a 1920x1080 projector),
the menu bar, status bar and side panel hidden (S shows the side panel). Esc restores the
layout, theme and window state that were there before; Focus on the unit (F), the equations
(E) and the Cell view's terms, the work's settings (its session keeps them), stay as they are.

Tours: the lessons of ``lstmviz.app.tours`` (Qt-free data), run by ``TourRunner``: each
step is put on the ``AppState``, the view tab is switched, and its caption is shown in a
caption bar in large type. Next/previous: PageDown/PageUp or Right/Left; Esc ends the
tour and puts back the stack that was there before.
"""

from __future__ import annotations

import html
import logging
from dataclasses import replace

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from lstmviz.app import tours
from lstmviz.errors import LstmvizError
from lstmviz.text import safe_text
from lstmviz.ui import theme as th
from lstmviz.ui.spotlight import Spotlight

log = logging.getLogger("lstmviz")

#: Body text size in presentation mode (points), and the floor every text gets, on a
#: screen ``DESIGN_HEIGHT`` pixels tall (device-independent); other screens scale both by
#: their height (``lecture_scale``): a hall sees the same picture on a 1280x720 projector,
#: where 21 pt took half again as much of the screen and squeezed the Cell tab's charts flat.
BASE_PT = 21
MIN_PT = 19
DESIGN_HEIGHT = 1080


def lecture_scale(height: float) -> float:
    """Presentation sizes for a screen ``height`` pixels tall, relative to a 1080 one (a
    1280x720 projector: 2/3; never below 0.6 nor above 2)."""
    return min(2.0, max(0.6, height / DESIGN_HEIGHT))


#: The side panel's least width while presenting (S shows it): on an 800-wide projector,
#: beside the views' least width, the window still fits (its forms scroll or elide).
SIDE_MIN_PRESENTING = 300
#: Presenting on a screen narrower than this in lecture terms (its width over
#: ``lecture_scale``: 1,440 on 800 x 600 and 1024 x 768, 1,920 on 16:9 screens), the side
#: panel gives way on the Train tab: beside it the tab's controls left its plots a column
#: ~280 px wide, their legends in three rows over views 69-84 px high (the stack's editor
#: has nothing to do with the run that tab trains); another tab brings it back
SIDE_BESIDE_TRAIN_LEAST = 1600
#: said in the status bar when the side panel gives way to the Train tab (its plots or its
#: Play) outside presentation mode
SIDE_GAVE_WAY = "The side panel gives way to the Train tab here; View > Side panel (S) shows it"
#: The Cell view's equations relative to body text while presenting.
EQ_SCALE = 1.0
#: Qt draws sub- and superscripts at 2/3 of their font's size.
SUBSCRIPT_RATIO = 2 / 3

#: (action name, keys, menu text, what it does) -- the help overlay lists these.
KEYS = (
    ("present", ("F5",), "&Presentation mode", "Presentation mode on / off (Esc leaves)"),
    ("next_view", ("Tab",), "Next view", "Next view while presenting (1-4 pick one; else Tab moves the focus)"),
    ("prev_view", ("Shift+Tab",), "Previous view", "Previous view while presenting"),
    ("next_unit", ("Down",), "Next unit", "Next unit"),
    ("prev_unit", ("Up",), "Previous unit", "Previous unit"),
    ("next_layer", ("]",), "Next layer", "Next layer"),
    ("prev_layer", ("[",), "Previous layer", "Previous layer"),
    ("equations", ("E",), "&Equations", "Equation panel on / off (Cell view)"),
    ("side", ("S",), "&Side panel", "Side panel on / off"),
    ("focus", ("F",), "&Focus on the unit", "Focus: the selected unit bright, the rest dimmed"),
    ("pointer", ("P",), "Poi&nter (spotlight)", "Spotlight that follows the mouse"),
    ("help", ("F1", "?"), "&Keys", "This list of keys"),
    ("lessons", ("L",), "&Lessons\u2026", "Guided lessons (then 1-9, or "
     + " ".join(tours.menu_key(k) for k in range(9, len(tours.ALL_LESSONS))) + " for lessons 10 on)"),
    ("tour_next", ("PgDown", "Right"), "Next lesson step", "Next lesson step (during a lesson)"),
    ("tour_prev", ("PgUp", "Left"), "Previous lesson step", "Previous lesson step"),
    ("tour_steps", ("G",), "Lesson steps\u2026", "The lesson's steps, to go to any (then its number)"),
    ("escape", ("Esc",), "Leave", "Close help / end the lesson / leave presentation mode"),
)
PLAYER_KEYS = (("Space", "Play / pause (on a button or box reached with Tab: presses it)"),
               ("\u2190 \u2192  PgUp PgDn", "Step back / forward"),
               ("Home  End", "First / last step"), ("1 2 3 4", "Unrolled, Cell, Over time, Weights"),
               ("N  Shift+N", "Next batch / back to batch 0 (stateful layers)"))

#: Keys an editor (spin box, line edit, list, table, combo box) keeps while it has the focus.
EDITOR_KEYS = {QtCore.Qt.Key.Key_Up, QtCore.Qt.Key.Key_Down, QtCore.Qt.Key.Key_Tab,
               QtCore.Qt.Key.Key_Backtab}
#: The lecturer's keys (a presenter remote sends PageDown/PageUp, F5, ...): they drive the
#: lesson / presentation / player wherever the focus is and never change a spin box.
#: Letters among them are still typed into a text field (a line edit, the text input).
LECTURE_KEYS = {QtCore.Qt.Key.Key_PageUp, QtCore.Qt.Key.Key_PageDown, QtCore.Qt.Key.Key_F5,
                QtCore.Qt.Key.Key_F1, QtCore.Qt.Key.Key_L, QtCore.Qt.Key.Key_G}
#: Those of them that a text field types
LETTER_KEYS = {QtCore.Qt.Key.Key_L, QtCore.Qt.Key.Key_G}
TEXT_FIELDS = (QtWidgets.QLineEdit, QtWidgets.QTextEdit, QtWidgets.QPlainTextEdit)
EDITORS = (QtWidgets.QAbstractSpinBox, QtWidgets.QLineEdit, QtWidgets.QTextEdit,
           QtWidgets.QPlainTextEdit, QtWidgets.QAbstractItemView, QtWidgets.QComboBox)


def presentation_theme(name: str | th.Theme, scale: float = 1.0) -> th.Theme:
    """The theme ``name`` with body text at ``BASE_PT`` and nothing below ``MIN_PT``, both
    times ``scale`` (``lecture_scale`` of the screen)."""
    base = th.THEMES.get(name.name if isinstance(name, th.Theme) else name) or th.get(name)
    return replace(base, scale=BASE_PT * scale / base.font_pt, min_pt=round(MIN_PT * scale),
                   line_width=max(base.line_width, 3.5), lecture=True)


def _menu(window, title: str) -> QtWidgets.QMenu:
    for a in window.menuBar().actions():
        if a.menu() is not None and a.text().replace("&", "") == title:
            return a.menu()
    return window.menuBar().addMenu(f"&{title}")


class HelpOverlay(QtWidgets.QFrame):
    """The keys in large type, over the whole window; any key or click closes it."""

    def __init__(self, parent: QtWidgets.QWidget):
        super().__init__(parent)
        self.setAutoFillBackground(True)
        self.label = QtWidgets.QLabel(self)
        self.label.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.label.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        lay = QtWidgets.QVBoxLayout(self)
        lay.addWidget(self.label)
        self._rows: list[tuple[str, str]] = []  # (keys, what they do): refresh
        parent.installEventFilter(self)
        self.hide()

    def refresh(self) -> None:
        t = th.current()
        pal = self.palette()
        bg = QtGui.QColor(t.background)
        bg.setAlpha(245)
        pal.setColor(QtGui.QPalette.ColorRole.Window, bg)
        pal.setColor(QtGui.QPalette.ColorRole.WindowText, QtGui.QColor(t.foreground))
        self.setPalette(pal)
        self.label.setPalette(pal)
        rows = [(" ".join(keys), what) for name, keys, _, what in KEYS
                if name not in ("tour_next", "tour_prev")]
        rows.insert(-1, ("PgDn PgUp  \u2192 \u2190", "Next / previous step of a lesson"))
        self._rows = [(k, w) for k, w in PLAYER_KEYS] + rows
        self._fit()

    def _render(self, pt: int) -> None:
        f = self.label.font()
        f.setPointSize(pt)
        self.label.setFont(f)
        cells = "".join(f"<tr><td align='right' style='padding:2px 24px'><b>{k}</b></td>"
                        f"<td style='padding:2px 8px'>{w}</td></tr>" for k, w in self._rows)
        self.label.setText(f"<p style='font-size:{round(pt * 1.2)}pt'><b>Keys</b></p>"
                           f"<table>{cells}</table><p>Esc or F1 closes this</p>")

    def _fit(self) -> None:
        """Large type (a hall reads it), but no larger than the window holds: at 1280 x 720
        (Help > Keys, F1) the last keys and 'Esc or F1 closes this' ran off its bottom."""
        parent = self.parentWidget()
        room = parent.height() - 24 if parent is not None else 10 ** 6
        pt = max(th.current().pt(1.1), 20)
        self._render(pt)
        while pt > 9 and self.label.sizeHint().height() > room:
            pt -= 1
            self._render(pt)

    def toggle(self, on: bool | None = None) -> None:
        on = not self.isVisible() if on is None else on
        if on:
            self.refresh()
            parent = self.parentWidget()
            assert parent is not None  # (made over the window)
            self.setGeometry(parent.rect())
            self.show()
            self.raise_()
        else:
            self.hide()

    def eventFilter(self, obj, event):
        if obj is self.parentWidget() and event.type() == QtCore.QEvent.Type.Resize and self.isVisible():
            self.setGeometry(self.parentWidget().rect())
            self._fit()
        return False

    def mousePressEvent(self, event):
        self.hide()


class Toast(QtWidgets.QLabel):
    """What the status bar says (``MainWindow.message``) while presenting, where it hides:
    a strip along the window's bottom, over the player and the room ``NoteStrip`` keeps
    under it, where the status bar was, in the caption bar's inverse video; gone after a
    few seconds (a refusal or error a little later) or at the next key or click (a click
    goes through to what is under it). Ctrl+S in a lecture saved, or refused to, without a
    word the hall could see. Never over the views, the header or the tabs (a note over the
    tab bar's end covered the Train tab and the end of the view's header at 800 x 600,
    where the tab bar has no empty end)."""

    #: how long a note stays (ms): a reading time of its length, between these
    LEAST_MS, MOST_MS, MS_PER_CHAR = 4000, 12000, 70
    #: an error stays this much longer
    ERROR_TIMES = 1.5

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.setAlignment(QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter)
        self.setAutoFillBackground(True)
        self.setContentsMargins(note_margins())  # (again in ``say``: the theme's sizes then)
        # (clicks go to what is under it: the filter below hides it at any click)
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.timer = QtCore.QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.dismiss)
        self._filtering = False  # the application's keys and clicks watched (only while shown)
        self.error = False
        #: the text said, as given (``Presenter._status_changed``: the status bar's line that
        #: ``MainWindow.message`` had said here already)
        self.said = ""
        #: the room kept for it while presenting, which places it (``NoteStrip``)
        self.strip: NoteStrip | None = None
        self.hide()

    def say(self, text: str, error: bool = False) -> None:
        t = th.current()
        pal = self.palette()
        # inverse video as the caption bar's: reads on any projector
        pal.setColor(QtGui.QPalette.ColorRole.Window, QtGui.QColor(t.foreground))
        pal.setColor(QtGui.QPalette.ColorRole.WindowText, QtGui.QColor(t.background))
        self.setPalette(pal)
        self.setFont(t.font(0.9, bold=error))
        self.setContentsMargins(note_margins())
        self.error = bool(error)
        self.said = str(text)
        self.setText(safe_text(" ".join(str(text).split())))
        if self.strip is not None:
            self.strip.fit()  # (before it shows: placed, and room for more lines than kept)
        self.show()
        self.raise_()  # (over the player)
        ms = min(self.MOST_MS, max(self.LEAST_MS, self.MS_PER_CHAR * len(self.text())))
        self.timer.start(round(ms * (self.ERROR_TIMES if error else 1)))
        app = QtWidgets.QApplication.instance()
        if app is not None and not self._filtering:
            app.installEventFilter(self)
            self._filtering = True

    def dismiss(self) -> None:
        self.timer.stop()
        self.hide()
        self.said = ""
        app = QtWidgets.QApplication.instance()
        if app is not None and self._filtering:
            app.removeEventFilter(self)
            self._filtering = False

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt)
        if self._filtering and event.type() in (QtCore.QEvent.Type.KeyPress, QtCore.QEvent.Type.ShortcutOverride,
                                                QtCore.QEvent.Type.MouseButtonPress):
            self.dismiss()  # (the key or click goes on to do what it does)
        return False


#: Qt's QWIDGETSIZE_MAX: no maximum
QWIDGETSIZE_MAX = (1 << 24) - 1
#: the note's room above and below its text, in its lines' height (two lines had 1 px each
#: side, on the black strip's edges)
NOTE_PAD = 0.2


def note_margins() -> QtCore.QMargins:
    """The note's (``Toast``) margins in the theme now: its text clear of its edges by a
    fifth of a line above and below (at least 3 px), by half a line at its ends."""
    line = QtGui.QFontMetrics(th.current().font(0.9, bold=True)).lineSpacing()
    pad = max(3, round(NOTE_PAD * line))
    return QtCore.QMargins(max(10, line // 2), pad, max(10, line // 2), pad)


class NoteStrip(QtWidgets.QWidget):
    """The room for the note (``Toast``) while presenting, kept whether a note shows or not,
    so that the views do not move as notes come and go (the note took its room from them
    as it came and gave it back as it went: the plots jumped 40-70 px for each note's
    4-12 s). The note is laid over the player and the line above it (the lecturer's buttons
    and slider) and this strip under them, where the status bar was, which keeps what
    ``LINES`` lines of the note need beyond them: a few pixels at the usual sizes, where
    two lines nearly fit the player's height (room for two lines under the player halved
    the Cell view's bars at 1280 x 720). Where no player shows (the Train tab while
    presenting) the strip keeps the same room, so a note of two lines moves nothing there
    either (it kept one line, and the first note of two grew it under the tab's plots), but
    in a 4:3 window too short for it (800 x 600, 1024 x 768: one line). A note of more lines than kept
    makes it taller, until F5 is left (``fit``: once, not at each note).
    Where the note's text fits in that room beside it, the note ends before ``clear`` (the
    player's step readout) and leaves it and what follows it (speed, sample) in sight: it
    covered "t = 3 / 11" for its 4-12 s while the lecture played. Hidden outside
    presentation mode."""

    #: the lines of the note kept room for, over the player and where none shows; where
    #: none shows in a window less than ``ALONE_TALL`` px high and less than ``ALONE_WIDE``
    #: times as wide as high (a 4:3 projector: 800 x 600, 1024 x 768), ``LINES_SHORT``: the
    #: Train tab's plots there have no line more to give (97 px high with two at 800 x 600;
    #: at 1024 x 768 the loss legend wrapped and a stopped run's reason fell below the fold)
    LINES, LINES_SHORT, ALONE_TALL, ALONE_WIDE = 2, 1, 900, 1.5
    #: the least room between the note's end and the readout it leaves in sight
    GAP = 8

    def __init__(self, toast: "Toast", over: list[QtWidgets.QWidget], parent: QtWidgets.QWidget | None = None,
                 clear: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.toast = toast
        toast.strip = self
        #: what the note is laid over with the strip (the player and its line), where shown
        self.over = list(over)
        #: what the note leaves in sight where its text fits before it (a part of ``over``)
        self.clear = clear
        self._need = 0  # the note's height kept room for, beyond the lines (``fit``)
        #: a note of some lines, measured as the note is (``lines_height``), never shown
        self._probe = QtWidgets.QLabel(self)
        self._probe.setWordWrap(True)
        self._probe.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self._probe.hide()
        for w in self.over:
            w.installEventFilter(self)
        self.installEventFilter(self)
        self.hide()

    def lines_height(self, lines: int) -> int:
        """The height of ``lines`` lines of the note in the theme now (a bold one's: an
        error's), with its margins, as the note measures its text (a note of two lines took
        2 px more than two line spacings: the first one grew the strip)."""
        probe = self._probe
        probe.setFont(th.current().font(0.9, bold=True))
        probe.setContentsMargins(note_margins())
        probe.setText("\n".join(["Ag"] * lines))
        return probe.heightForWidth(QWIDGETSIZE_MAX // 2)

    def reserve(self, on: bool) -> None:
        """Keep the room (presentation mode entered, in its theme), or give it up (left)."""
        self._need = 0
        if on:
            self.show()
            self._keep()
        else:
            self.hide()
            self.setMinimumHeight(0)
            self.setMaximumHeight(QWIDGETSIZE_MAX)

    def _shown_over(self) -> list[QtWidgets.QWidget]:
        return [w for w in self.over if not w.isHidden() and w.parentWidget() is self.parentWidget()]

    def _keep(self) -> None:
        over = self._shown_over()
        win = self.window()
        roomy = win.height() >= self.ALONE_TALL or win.width() >= self.ALONE_WIDE * win.height()
        lines = self.LINES if over or roomy else self.LINES_SHORT
        height = max(0, max(self._need, self.lines_height(lines)) - sum(w.height() for w in over))
        if self.height() != height or self.minimumHeight() != height:
            self.setFixedHeight(height)
        self.place()

    def fit(self) -> None:
        """Room for the note's text as said now (wrapped at the window's width), if it takes
        more than kept; never less. Placed over the player and the strip."""
        if self.isHidden():
            return
        parent = self.parentWidget()
        width = parent.width() if parent is not None else 0
        need = self.toast.heightForWidth(width) if width > 0 else -1
        self._need = max(self._need, need)
        self._keep()

    def clear_from(self) -> int | None:
        """Where (x, in the strip's parent) the note ends to leave ``clear`` in sight, or None:
        none shown."""
        parent = self.parentWidget()
        w = self.clear
        if parent is None or w is None or not w.isVisibleTo(parent) or not self._shown_over():
            return None
        return w.mapTo(parent, QtCore.QPoint(0, 0)).x() - self.GAP

    def place(self) -> None:
        """The note over the player and its line (where they show) and the strip, to the
        window's bottom; ending before the step readout where its text fits there."""
        parent = self.parentWidget()
        if parent is None or self.isHidden():
            return
        top = min([w.geometry().top() for w in self._shown_over()] + [self.y()])
        height = max(1, self.y() + self.height() - top)
        width = parent.width()
        end = self.clear_from()
        if end is not None and 0 < end < width and self.toast.heightForWidth(end) <= height:
            width = end
        rect = QtCore.QRect(0, top, width, height)
        if self.toast.geometry() != rect:
            self.toast.setGeometry(rect)
        if self.toast.isVisible():
            self.toast.raise_()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt)
        kind = event.type()
        if watched is not self and kind in (QtCore.QEvent.Type.Show, QtCore.QEvent.Type.Hide,
                                            QtCore.QEvent.Type.Resize) and not self.isHidden():
            self._keep()  # (the player shown, hidden or of another height: the strip keeps the rest)
        elif kind in (QtCore.QEvent.Type.Move, QtCore.QEvent.Type.Resize) and not self.isHidden():
            self.place()
        return False


class CaptionBar(QtWidgets.QFrame):
    """One short caption in large type, with the lesson and the step count (a click on
    them: ``where_clicked``, the lesson's steps)."""

    where_clicked = QtCore.Signal()

    #: the keys beside the caption, one above the other; on one line above a caption that
    #: takes the bar's whole width (``_fit_caption``)
    HINT = ("PgDn next", "PgUp back", "Esc ends")

    def __init__(self, parent=None):
        super().__init__(parent)
        self._theme: th.Theme | None = None  # apply_theme's: the caption's sizes
        self._where_text = ""  # the lesson's title and step, one above the other (show_caption)
        self._wide: bool | None = None  # the caption under the title and keys (_place)
        self.setAutoFillBackground(True)
        lay = QtWidgets.QGridLayout(self)
        lay.setContentsMargins(20, 6, 20, 6)
        lay.setHorizontalSpacing(24)
        lay.setVerticalSpacing(2)
        self.where = QtWidgets.QLabel()
        self.where.setAlignment(QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter)
        # the lesson's title wraps where it would take more than WHERE_SHARE of the bar,
        # and the keys stand one above the other: side by side, with the title on one
        # line, they left the caption 340 px of 800 (five lines, a quarter of the screen)
        self.where.setWordWrap(True)
        self.where.setCursor(QtCore.Qt.CursorShape.PointingHandCursor)
        self.where.setToolTip("The lesson's steps (G)")
        self.where.installEventFilter(self)
        self.caption = QtWidgets.QLabel()
        self.caption.setWordWrap(True)
        # rich text for its subscripts only (``_set_caption``): what it quotes is escaped
        self.caption.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self._text = ""  # the caption as written (``text``)
        self.hint = QtWidgets.QLabel()
        self._place(False)
        self.hide()

    #: the most of the bar's width the lesson's title takes before it wraps
    WHERE_SHARE = 0.25
    #: the caption's size, times body text, and the least it is set at to keep to
    #: ``MAX_LINES`` (lesson 4's caption that quotes the stack's error took 8 lines, 38 %
    #: of an 800 x 600 projector, 4 of a 1080-line one); body text is what a hall reads
    CAPTION_SIZE, CAPTION_LEAST = 1.35, 1.0
    MAX_LINES = 3

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit_caption()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        if (obj is self.where and event.type() == QtCore.QEvent.Type.MouseButtonPress
                and event.button() == QtCore.Qt.MouseButton.LeftButton):
            self.where_clicked.emit()
            return True
        return False

    def _place(self, wide: bool) -> None:
        """The title, the caption and the keys side by side; or (``wide``) the title and
        the keys on one line each, above a caption as wide as the bar: beside them, lesson
        4's caption quoting the stack's error took five lines at 1024 x 768 even at body
        text (its title and keys took 40 % of the bar), across the bar it takes three."""
        if wide == self._wide:
            return
        self._wide = wide
        lay = self._grid()
        for w in (self.where, self.caption, self.hint):
            lay.removeWidget(w)
        right = QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter
        if wide:
            lay.addWidget(self.where, 0, 0)
            lay.addWidget(self.hint, 0, 2, right)
            lay.addWidget(self.caption, 1, 0, 1, 3)
            self.where.setText(self._where_text.replace("\n", "  \u00b7  "))
            self.hint.setText("  \u00b7  ".join(self.HINT))
        else:
            lay.addWidget(self.where, 0, 0)
            lay.addWidget(self.caption, 0, 1)
            lay.addWidget(self.hint, 0, 2)
            self.where.setText(self._where_text)
            self.hint.setText("\n".join(self.HINT))
        lay.setColumnStretch(1, 1)
        self._fit_where()

    def _grid(self) -> QtWidgets.QGridLayout:
        lay = self.layout()
        assert isinstance(lay, QtWidgets.QGridLayout)  # (__init__'s)
        return lay

    def _where_width(self, text: str, cap: int) -> int:
        """``text``'s widest line in the title's font, plus a little, up to ``cap``."""
        metrics = QtGui.QFontMetrics(self.where.font())
        one_line = max((metrics.horizontalAdvance(line) for line in text.split("\n")), default=0)
        return min(cap, one_line + 2)

    def _hint_width(self, wide: bool) -> int:
        metrics = QtGui.QFontMetrics(self.hint.font())
        lines = ["  \u00b7  ".join(self.HINT)] if wide else self.HINT
        return max(metrics.horizontalAdvance(line) for line in lines) + 2

    def _fit_where(self) -> None:
        """The title on one line up to ``WHERE_SHARE`` of the bar (a word-wrapped label
        alone wraps much earlier), wrapped beyond; above a wide caption, what the keys
        leave of the bar's line."""
        if self._wide:
            lay = self._grid()
            m = lay.contentsMargins()
            cap = self.width() - m.left() - m.right() - 2 * lay.horizontalSpacing() - self._hint_width(True)
        else:
            cap = int(self.width() * self.WHERE_SHARE)
        width = self._where_width(self.where.text(), max(80, cap))
        if (self.where.minimumWidth(), self.where.maximumWidth()) != (width, width):
            self.where.setFixedWidth(width)

    def apply_theme(self, t: th.Theme | None = None) -> None:
        t = t or th.current()
        pal = self.palette()
        bg = QtGui.QColor(t.foreground)  # inverse video: reads on any projector
        fg = QtGui.QColor(t.background)
        for w in (self, self.where, self.caption, self.hint):
            pal.setColor(QtGui.QPalette.ColorRole.Window, bg)
            pal.setColor(QtGui.QPalette.ColorRole.WindowText, fg)
            w.setPalette(pal)
        self._theme = t
        self.caption.setFont(t.font(self.CAPTION_SIZE, bold=True))
        self._set_caption()  # (its subscripts' lecture size)
        self.where.setFont(t.font(0.9))
        self.hint.setFont(t.font(0.8))
        self._fit_caption()

    def show_caption(self, where: str, text: str) -> None:
        self._where_text = where
        self.where.setText(where.replace("\n", "  \u00b7  ") if self._wide else where)
        self._text = text
        self._set_caption()
        self._fit_caption()
        self.show()

    def text(self) -> str:
        """The caption shown, as written (x_t where it draws x with a lowered t)."""
        return self._text

    def _set_caption(self) -> None:
        """The caption with its subscripts set as the views set theirs (x_t, h_(t\u22121),
        y_T: ``tours.caption_parts``), of a size a hall reads in a lecture theme
        (``Theme.subscripts``); everything else as written, escaped."""
        rich = "".join(f"<sub>{html.escape(piece)}</sub>" if sub else html.escape(piece)
                       for piece, sub in tours.caption_parts(self._text))
        rich = rich.replace("\n", "<br>")
        if self._theme is not None:
            rich = self._theme.subscripts(rich)
        if self.caption.text() != rich:
            self.caption.setText(rich)

    def caption_width(self, wide: bool | None = None) -> int:
        """The width the bar's layout gives the caption: what the title and keys leave
        beside it, or (``wide``) the bar's whole width."""
        wide = self._wide if wide is None else wide
        lay = self._grid()
        m = lay.contentsMargins()
        inner = self.width() - m.left() - m.right()
        if wide:
            return max(40, inner)
        where = self._where_width(self._where_text, max(80, int(self.width() * self.WHERE_SHARE)))
        return max(40, inner - 2 * lay.horizontalSpacing() - where - self._hint_width(False))

    def _caption_font(self, width: int) -> tuple[QtGui.QFont, bool]:
        """The caption's font at ``width``: ``CAPTION_SIZE`` where it takes at most
        ``MAX_LINES`` lines, else a point smaller at a time, down to ``CAPTION_LEAST``;
        and whether it keeps to ``MAX_LINES`` there."""
        t = self._theme
        assert t is not None
        # (measured as plain text, its subscripts at full size: a little wider than drawn)
        text = "".join(piece for piece, _ in tours.caption_parts(self._text))
        least = t.pt(self.CAPTION_LEAST)
        font = t.font(self.CAPTION_SIZE, bold=True)
        for pt in range(font.pointSize(), least - 1, -1):
            font.setPointSize(pt)
            metrics = QtGui.QFontMetrics(font)
            height = metrics.boundingRect(QtCore.QRect(0, 0, width, 10 ** 6),
                                          int(QtCore.Qt.TextFlag.TextWordWrap), text).height()
            if height < (self.MAX_LINES + 0.5) * metrics.lineSpacing():  # (3 lines: 3.1 of them)
                return font, True
        return font, False

    def _fit_caption(self) -> None:
        """The caption beside the title and keys where it keeps to ``MAX_LINES`` there
        (at ``CAPTION_SIZE`` or a few points smaller, not below ``CAPTION_LEAST``), else
        across the bar under them (``_place``), at the largest size that keeps to them
        there; all its lines shown either way."""
        if self._theme is None:
            return
        font, fits = self._caption_font(self.caption_width(wide=False))
        if not fits:
            font = self._caption_font(self.caption_width(wide=True))[0]
        self._place(not fits)
        self._fit_where()
        if self.caption.font().pointSize() != font.pointSize():
            self.caption.setFont(font)


class NotDrawn(QtWidgets.QLabel):
    """What a lesson step whose stack is meant to fail shows over the views: that stack,
    not drawn. The views keep the last stack that built (editing, the picture stays while a
    stack is being fixed); under lesson 4's "An LSTM on top cannot be built (not drawn)"
    they drew the step before's LSTM(8) -> Dense(4), a Dense on top, for the hall to read
    as the stack the caption speaks of. Laid over the tab widget's page (its tabs stay)."""

    def __init__(self, tabs: QtWidgets.QTabWidget):
        super().__init__(tabs)
        self.tabs = tabs
        self.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setAutoFillBackground(True)
        self.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        tabs.installEventFilter(self)
        tabs.currentChanged.connect(lambda *_: self._place())
        #: what the cover says in one line, but where the error is read (``status``)
        self._said = ""
        self.apply_theme()
        self.hide()

    def apply_theme(self, t: th.Theme | None = None) -> None:
        t = t or th.current()
        pal = self.palette()
        pal.setColor(QtGui.QPalette.ColorRole.Window, QtGui.QColor(t.background))
        pal.setColor(QtGui.QPalette.ColorRole.WindowText, QtGui.QColor(t.foreground))
        self.setPalette(pal)
        self._fit()

    def show_stack(self, words: str, reason: str | None = None) -> None:
        """Cover the views with ``words`` (the stack, ``tours.stack_words``), not drawn;
        ``reason``: why it cannot be built (None: what the step's caption says, not said
        again here)."""
        self.apply_theme()  # (the theme now: one picked since is the window's)
        why = "this stack cannot be built" if reason is None else safe_text(" ".join(str(reason).split()))
        self.setText(f"{words}\n\nnot drawn: {why}")
        self._said = f"{words} \u2014 not drawn: {why}"
        self._fit()
        self._place()
        self.show()
        self.raise_()

    @property
    def status(self) -> str:
        """What the cover says in one line (the window's status bar while it is up), with
        where the error is read as the side panel is now (``MainWindow.side_hint``: under F5,
        which hides it, "(see the side panel)" was said)."""
        if not self._said:
            return ""
        window = self.tabs.window()
        hint = window.side_hint() if hasattr(window, "side_hint") else "see the side panel"
        return f"{self._said} ({hint})."

    def _place(self) -> None:
        page = self.tabs.currentWidget()
        if page is None:
            return
        rect = QtCore.QRect(page.mapTo(self.tabs, QtCore.QPoint(0, 0)), page.size())
        if self.geometry() != rect:
            self.setGeometry(rect)
        self._fit()

    #: the cover's font, times the theme's: the largest whose text fits the page
    SCALES = (1.5, 1.25, 1.0, 0.85, 0.7)

    def _fit(self) -> None:
        """The text in the largest of ``SCALES`` that fits the cover's size (a reason of
        three lines in 1.5 times the projector theme's font ran off a 800 x 600 window's
        page at both ends, the stack's words cut)."""
        t = th.current()
        for scale in self.SCALES:
            font = t.font(scale, bold=True)
            if self.width() <= 0 or self._height_in(font) <= self.height():
                break
        if self.font() != font:
            self.setFont(font)

    def _height_in(self, font: QtGui.QFont) -> int:
        """The height the text takes at the cover's width in ``font``, wrapped as shown."""
        m = self.contentsMargins()
        width = max(1, self.width() - m.left() - m.right() - 2 * self.margin())
        flags = int(QtCore.Qt.TextFlag.TextWordWrap) | int(QtCore.Qt.AlignmentFlag.AlignCenter)
        box = QtGui.QFontMetrics(font).boundingRect(QtCore.QRect(0, 0, width, 100000), flags, self.text())
        return box.height() + m.top() + m.bottom() + 2 * self.margin()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt)
        if obj is self.tabs and event.type() == QtCore.QEvent.Type.Resize and self.isVisible():
            # (the page is laid out after the tab widget's resize: placed once it is)
            QtCore.QTimer.singleShot(0, self, self._place)
        return False


class TourRunner:
    """Runs one lesson on the window: ``start(k)``, ``next()``, ``prev()``, ``end()``."""

    def __init__(self, presenter: "Presenter"):
        self.p = presenter
        self.window = presenter.window
        self.lesson: tours.Lesson | None = None
        self.index = 0
        self._shown = False  # a step of the lesson was shown (``go``)
        self._saved: dict | None = None
        #: what each Train-tab step that pins a curve pinned when first shown (by index)
        self._pins: dict[int, tuple] = {}
        #: the step shown's caption and the figures it quoted (None: a Train step, or none
        #: shown): a caption naming the selected unit follows the unit picked (``_moved``)
        self._quoted: tuple[str, dict] | None = None
        self.window.state.changed.connect(self._moved)
        #: over the views while a step's stack, meant to fail, is not drawn
        self.not_drawn = NotDrawn(self.window.tabs)
        #: why the step's stack cannot be built, as its caption quotes it (``_follow_stack``)
        self._step_error: str | None = None
        self.window.state.error_changed.connect(self._error_changed)
        self.window.state.stack_changed.connect(self._follow_stack)

    @property
    def active(self) -> bool:
        return self.lesson is not None

    def start(self, which) -> None:
        if self.active:  # another lesson from within one: what was there before the first
            saved = self._saved
            self.end(restore=False)
            self._saved = saved
        else:
            self._saved = self._snapshot()
            # a lesson shows what its captions describe: not the Cell view's terms written
            # out or every unit but one dimmed, left on from before it, nor its equations
            # hidden (E): lesson 8's "the U_i·h_(t-1) terms" spoke of none shown (all three
            # come back at its end)
            self._cell_view().set_expanded(False)
            self.p.set_focus(False)
            self.p.set_equations(True)
        self.lesson = tours.lesson(which)
        self._pins = {}
        self._shown = False
        # (what the status bar said is of the work before the lesson: 'Demo: Sine wave ...'
        # stayed under `lstmviz --lesson 3`'s own stack; the caption bar says the lesson)
        self.window.statusBar().clearMessage()
        self.p.toast.dismiss()  # (and its note while presenting)
        self.p._tour_keys(True)
        self.window.setFocus()
        self.go(0)

    def _running(self) -> tours.Lesson:
        assert self.lesson is not None  # (asked only while a lesson runs: ``active``)
        return self.lesson

    def go(self, k: int) -> None:
        les = self._running()
        k = max(0, min(int(k), len(les.steps) - 1))
        state = self.window.state
        # the next step builds on what this one showed (the unit the user picked stays);
        # any other (back, or out of order) sets up what the steps before it leave it
        # (lesson 13's step 3 from step 1 showed its masked step without the Masking)
        forward = k == self.index + 1 and self._shown
        self.index, self._shown = k, True
        self._quoted = None
        step = les.steps[k] if forward else tours.step_setup(les, k, state, self._session())
        # a step shows the time step it names: the animation the lecturer left playing ran
        # on under "Masked step t = 9" (t = 3, 4, 5 ...); Space plays again from the step
        player = getattr(self.window, "player", None)
        if player is not None and player.playing:
            player.pause()
        self.not_drawn.hide()
        try:
            tours.apply_step(state, step)
        except LstmvizError as err:
            self.p.caption.show_caption(self._where(), f"(this step could not be set up: {err})")
            return
        if step.expect_error and state.error:
            self._step_error = state.error
            self._cover()
        if step.expand is not None:
            self._cell_view().set_expanded(step.expand)
        text = tours.caption_text(step, state)
        panel = getattr(self.window, "train_panel", None) if step.view == "train" else None
        if panel is not None:  # a lesson on the Train tab
            self.window.tabs.setCurrentWidget(panel)
            facts = self._train(panel, step.train or {}, k, forward)
            try:
                text = step.caption.format(**facts)
            except (KeyError, IndexError, ValueError):
                text = step.caption
        else:
            self._quoted = step.caption, tours.facts(state)
            if step.view is not None:
                self.window.tabs.setCurrentIndex(tours.VIEWS.index(step.view))
        self.p.caption.show_caption(self._where(), text)

    def _moved(self, change) -> None:
        """The unit picked in a step (↑↓, a click on a bar) is the one its caption
        names: "unit [2] (↑↓ picks another)" stayed unit [2] over the view's unit [3].
        The step's other figures stay those it showed (another layer picked with ] is not
        the layer the caption speaks of)."""
        if self._quoted is None or self.lesson is None or not change.cursor:
            return
        caption, quoted = self._quoted
        try:
            text = caption.format(**dict(quoted, unit=self.window.state.cursor.unit))
        except (KeyError, IndexError, ValueError):
            return
        if text != self.p.caption.text():
            self.p.caption.show_caption(self._where(), text)

    def _error_changed(self, message) -> None:
        """A stack fixed in the step (the side panel's edit) is drawn again: no cover; one
        edited and still failing is said as it is now (``_follow_stack``)."""
        if not message:
            self.not_drawn.hide()
        else:
            self._follow_stack()

    def _follow_stack(self) -> None:
        """The cover, while it is up, says the stack as it is now and why it cannot be built
        (the step's words while its caption's reason holds, else the new one), and the status
        bar the same: a stack edited under it and still failing kept the step's words, an
        LSTM(8) \u2192 LSTM(4) over a GRU(8) \u2192 LSTM(6) whose reason was another."""
        if self.not_drawn.isHidden() or not self.window.state.error:
            return
        self._cover()

    def _cover(self) -> None:
        """Cover the views with the stack's words and why it cannot be built (the step's
        caption says it while its reason holds), and the status bar the same."""
        state = self.window.state
        reason = None if state.error == self._step_error else state.error
        self.not_drawn.show_stack(tours.stack_words(state.layers), reason)
        # (the cover says the stack: not the note's "the stack cannot run", said as the
        # step's stack was built, before the cover went up)
        self.p.toast.dismiss()
        if hasattr(self.window, "say_stack_error"):  # (the status bar says it too)
            self.window.say_stack_error()

    def _session(self):
        """The Train tab's run (None: the tab is not built), for ``tours.step_setup``."""
        panel = getattr(self.window, "_train_panel", None)
        return None if panel is None else panel.session

    def _train(self, panel, spec: dict, k: int, forward: bool) -> dict:
        """Put step ``k``'s ``train`` (``spec``: the step's own, or ``tours.step_setup``'s
        run of the steps before it) on the Train tab; gives the numbers its caption quotes.
        A pinned curve is the run the step before the pinning one left: what that step
        pinned when first shown, else (reached out of order) that run set up, then pinned."""
        spec = dict(spec)
        at = spec.pop("pinned_at", k if spec.get("pin") else None)
        if at is not None and at not in self._pins and not forward and at > 0:
            before = tours.step_setup(self._running(), at - 1, session=panel.session)
            if before.train is not None:
                self._train(panel, before.train, at - 1, False)
                panel.pin()
                self._pins[at] = panel.pinned()
        facts = panel.lesson_step(spec, pinned=self._pins.get(at) if at is not None else None)
        if at is not None and at not in self._pins and panel.pinned() is not None:
            self._pins[at] = panel.pinned()
        return facts

    def _cell_view(self):
        return self.window.views[tours.VIEWS.index("cell")]

    def _where(self) -> str:
        les = self._running()
        return f"{les.title.replace('`', '')}\n{self.index + 1} / {len(les.steps)}"

    def next(self) -> None:
        if self.index + 1 < len(self._running().steps):
            self.go(self.index + 1)
        else:
            self.end()

    def prev(self) -> None:
        self.go(self.index - 1)

    def end(self, restore: bool = True) -> None:
        self.lesson = None
        self._quoted = None
        self.not_drawn.hide()
        self.p.caption.hide()
        self.p._tour_keys(False)
        left = self._left_with_lesson() if restore and self._saved is not None else ""
        if restore and self._saved is not None:
            self._restore(self._saved)
        self._saved = None
        if left and hasattr(self.window, "message"):
            self.window.message(f"Lesson ended: your work from before it is back; {left}")

    def _left_with_lesson(self) -> str:
        """What the user did in the lesson that its end leaves with it (the work from
        before it comes back, as it must: those edits were made on the lesson's stack), in
        words for the status bar, or "": an input imported there was dropped without a word."""
        state = self.window.state
        made = state.undo_stack  # (the lesson's own history: ``lesson_saved``)
        if not made:
            return ""
        first = made[0].input  # (as it was before the first edit in the lesson)
        if state.input.source == "data" and state.input.data is not first.data:
            return ("the input imported or edited in the lesson stayed with it (File > Import input "
                    "brings a file into your work)")
        return "the edits made in the lesson stayed with it (File > Save session as... in a lesson keeps them)"

    # the stack, input and selection from before the lesson, put back when it ends
    def _snapshot(self) -> dict:
        panel = getattr(self.window, "_train_panel", None)  # (not built for it)
        # (not built yet: the run it starts with, should a lesson build it)
        return {"state": self.window.state.lesson_saved(), "tab": self.window.tabs.currentIndex(),
                "expand": self._cell_view().expanded, "focus": self.p.focus,
                "equations": self.p.equations,
                "train": (None, None, 0) if panel is None else (panel.session, panel.pinned(),
                                                                panel.plot_tabs.currentIndex())}

    def _restore(self, s: dict) -> None:
        panel = getattr(self.window, "_train_panel", None)
        if panel is not None:
            # a lesson on the Train tab trains a run of its own: the user's comes back (the
            # tab's first run where the lesson built the tab)
            session, pinned, plots = s["train"]
            if session is None:
                from lstmviz.app.training import Settings, TrainingSession

                session = TrainingSession(Settings(), panel.snapshot_every())
            if panel.session is not session:
                panel.use_session(session)
            panel.set_pinned(pinned)  # the user's own curve (or none), not the lesson's
            panel.end_lesson()
            panel.plot_tabs.setCurrentIndex(plots)  # (a lesson shows the gradient views it names)
        self.window.state.lesson_restore(s["state"])
        self.window.tabs.setCurrentIndex(s["tab"])
        self._cell_view().set_expanded(s["expand"])
        self.p.set_focus(s["focus"])
        self.p.set_equations(s["equations"])
        if hasattr(self.window, "update_title"):
            self.window.update_title()


def _built_views(window) -> list:
    """The window's views built so far (``MainWindow.views`` builds a view when its tab is
    first shown); every view of a window without lazy views."""
    views = window.views
    return views.built() if hasattr(views, "built") else list(enumerate(views))


class Presenter(QtCore.QObject):
    """Presentation mode, keys, focus, spotlight, help and tours for one main window."""

    # (``install``'s menus)
    screens_menu: QtWidgets.QMenu
    lessons_menu: QtWidgets.QMenu
    steps_menu: QtWidgets.QMenu

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.active = False
        #: go full screen on entering (tests lay out a 1920x1080 window instead)
        self.fullscreen = True
        #: the screen to present on (None: the window's)
        self.screen_name: str | None = None
        #: the height sizes are made for when not full screen (None: DESIGN_HEIGHT)
        self.screen_height: float | None = None
        #: ``lecture_scale`` of the screen presented on (set on entering)
        self.scale = 1.0
        #: the theme presentation mode uses (the last one picked while presenting)
        self.theme_name = "projector"
        self.focus = False
        self.equations = True
        self._saved: dict | None = None
        #: the side panel was hidden for the Train tab on a narrow screen (``fit_train_tab``)
        self._side_gave_way = False
        #: not presenting, the Train tab's plots were squeezed beside the side panel when last
        #: looked at (``train_tab_resized``), and the side panel's width when last shown
        self._was_squeezed = False
        self._judge_pending = False  # (train_tab_resized: judged at the event loop's next turn)
        self._side_width = 0
        self._said_gave_way = False
        #: the width of the screen presented on (set on entering)
        self.screen_width = 0
        self._floored: list = []
        #: the keys of the menu bar's actions put on the window while presenting
        #: (``_keep_menu_keys``), by which they are taken off again
        self._menu_keys: set[str] = set()
        self._filtering = False
        self.actions: dict[str, QtGui.QAction] = {}
        self.spotlight = Spotlight(window.centralWidget())
        self.help = HelpOverlay(window)
        self.caption = CaptionBar()
        lay = window.centralWidget().layout()
        lay.insertWidget(max(0, lay.indexOf(window.splitter) + 1), self.caption)
        #: the status bar's messages while presenting (it is hidden): ``say``; at the
        #: window's bottom, under the player, in the room the strip keeps for it
        self.toast = Toast(window.centralWidget())
        self._status_line = ""  # the status bar's last line (but "": ``_status_changed``)
        self.note_strip = NoteStrip(self.toast, [window.player_line, window.player],
                                    clear=window.player.step_label)
        lay.addWidget(self.note_strip)
        self.caption.apply_theme(th.current())
        self.tour = TourRunner(self)

    # -- installing -------------------------------------------------------------------------
    @classmethod
    def install(cls, window) -> "Presenter":
        p = cls(window)
        window.presenter = p
        slots = {
            "present": p.toggle, "next_view": lambda: p.cycle_view(+1),
            "prev_view": lambda: p.cycle_view(-1), "next_unit": lambda: p.move_unit(+1),
            "prev_unit": lambda: p.move_unit(-1), "next_layer": lambda: p.move_layer(+1),
            "prev_layer": lambda: p.move_layer(-1), "equations": p.toggle_equations,
            "side": p.toggle_side, "focus": p.toggle_focus, "pointer": p.toggle_pointer,
            "help": lambda: p.help.toggle(), "lessons": p.pick_lesson,
            "tour_next": lambda: p.tour.next() if p.tour.active else None,
            "tour_prev": lambda: p.tour.prev() if p.tour.active else None,
            "tour_steps": p.pick_step,
            "escape": p.escape,
        }
        for name, keys, text, what in KEYS:
            a = QtGui.QAction(text.replace("&", "") if name.startswith("tour") else text, window)
            a.setShortcuts([QtGui.QKeySequence(k) for k in keys])
            a.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
            a.setToolTip(f"{what} ({', '.join(keys)})")
            a.setStatusTip(what)
            a.triggered.connect(slots[name])
            p.actions[name] = a
            window.addAction(a)
        for name in ("focus", "pointer", "equations", "side", "present"):
            p.actions[name].setCheckable(True)
        p.actions["equations"].setChecked(True)
        p.actions["side"].setChecked(True)
        p._tour_keys(False)
        p._present_keys(False)
        # the view keys 1-4 live in the View menu, hidden while presenting: keep them alive
        window.addActions(list(getattr(window, "tab_actions", [])))

        view = _menu(window, "View")
        view.addSeparator()
        view.addAction(p.actions["present"])
        p.screens_menu = QtWidgets.QMenu("Presentation s&creen", view)  # (made in Python: add_edit_menu)
        view.addMenu(p.screens_menu)
        p.screens_menu.aboutToShow.connect(p._fill_screens)
        p._fill_screens()
        for name in ("focus", "pointer", "equations", "side"):
            view.addAction(p.actions[name])
        helpm = _menu(window, "Help")
        p.lessons_menu = QtWidgets.QMenu("&Lessons", window)
        for k in range(len(tours.ALL_LESSONS)):  # the Train tab's lessons, then the rest (tours.ALL_LESSONS)
            # keys 1-9 start lessons 1-9; 10 and on a letter of their title, underlined (a
            # "&1" there would make the key 1 only move between lessons 1, 10, 11 and 12)
            act = p.lessons_menu.addAction(tours.menu_text(k))
            act.triggered.connect(lambda _=False, k=k: p.tour.start(k))
        first = helpm.actions()[0] if helpm.actions() else None
        helpm.insertMenu(first, p.lessons_menu) if first else helpm.addMenu(p.lessons_menu)
        #: the lesson's steps (G, or a click on the lesson's title in the caption bar)
        p.steps_menu = QtWidgets.QMenu("Lesson steps", window)
        p.caption.where_clicked.connect(p.pick_step)
        window.statusBar().messageChanged.connect(p._status_changed)
        helpm.addAction(p.actions["help"])
        app = QtWidgets.QApplication.instance()
        assert isinstance(app, QtWidgets.QApplication)  # (the window's)
        app.focusChanged.connect(p._focus_changed)
        p._focus_changed(None, app.focusWidget())
        return p

    def _focus_changed(self, _old, _new) -> None:
        """The lecture keys' filter (``eventFilter``) sees the application's events only
        while an editor of this window has the focus: it acts on nothing else, and every
        event of the application (each paint) through a Python filter costs time."""
        want = self._editor() is not None
        if want != self._filtering:
            app = QtWidgets.QApplication.instance()
            assert app is not None  # (it sent focusChanged)
            if want:
                app.installEventFilter(self)
            else:
                app.removeEventFilter(self)
            self._filtering = want

    def _present_keys(self, on: bool) -> None:
        """Tab/Shift+Tab switch views while presenting; otherwise they move the keyboard
        focus between widgets as everywhere else."""
        for name in ("next_view", "prev_view"):
            self.actions[name].setEnabled(on)

    def _tour_keys(self, on: bool) -> None:
        """During a tour, PageUp/PageDown/Left/Right move through its steps, not the time."""
        for name in ("tour_next", "tour_prev", "tour_steps"):
            self.actions[name].setEnabled(on)
        self.window.sync_player()  # (the player's back / forward off during a tour)

    def _fill_screens(self) -> None:
        m = self.screens_menu
        m.clear()
        group = QtGui.QActionGroup(m)
        screens = QtGui.QGuiApplication.screens()
        for name, label in [(None, "The window's screen")] + [
                (s.name(), f"{s.name()}  {s.geometry().width()}\u00d7{s.geometry().height()}") for s in screens]:
            a = m.addAction(label)
            a.setCheckable(True)
            a.setChecked(name == self.screen_name)
            a.triggered.connect(lambda _=False, n=name: setattr(self, "screen_name", n))
            group.addAction(a)
        m.setEnabled(len(screens) > 1)

    def _editor(self):
        """The editor (spin box, line edit, list ...) of this window that has the focus, or None."""
        w = QtWidgets.QApplication.focusWidget()
        while w is not None and not isinstance(w, EDITORS):
            w = w.parentWidget() if not isinstance(w, QtWidgets.QMainWindow) else None
        return w if w is not None and w.window() is self.window else None

    def _lecture_key(self, event, editor) -> bool:
        if event.key() not in LECTURE_KEYS or event.modifiers() & ~QtCore.Qt.KeyboardModifier.KeypadModifier:
            return False
        text_field = (isinstance(editor, TEXT_FIELDS)
                      and not isinstance(editor.parentWidget(), QtWidgets.QAbstractSpinBox))
        return not (text_field and event.key() in LETTER_KEYS)

    def trigger_key(self, key) -> bool:
        """Run the window's enabled action bound to ``key`` (a lesson step before a time step)."""
        seq = QtGui.QKeySequence(key)
        actions = list(self.actions.values()) + list(getattr(self.window.player, "actions_by_name", {}).values())
        for a in actions:
            if a.isEnabled() and any(seq.matches(k) == QtGui.QKeySequence.SequenceMatch.ExactMatch
                                     for k in a.shortcuts()):
                a.trigger()
                return True
        return False

    def eventFilter(self, obj, event):
        kind = event.type()
        if kind not in (QtCore.QEvent.Type.ShortcutOverride, QtCore.QEvent.Type.KeyPress):
            return False
        editor = self._editor()
        if editor is None:
            return False
        if self._lecture_key(event, editor):
            if kind == QtCore.QEvent.Type.KeyPress and obj is not QtWidgets.QApplication.focusWidget():
                # under a display the window's QWindow gets the key first and hands it to
                # the focused widget: taking it here dropped it (F5 did nothing)
                return False
            # the editor never sees it; the action runs once, on the key press
            event.accept()
            if kind == QtCore.QEvent.Type.KeyPress:
                self.trigger_key(event.key())
            return True
        # a spin box / line edit being edited keeps its arrow and Tab keys
        if kind == QtCore.QEvent.Type.ShortcutOverride and event.key() in EDITOR_KEYS:
            event.accept()
            return True
        return False

    # -- the theme --------------------------------------------------------------------------
    def theme_for(self, theme):
        """What ``MainWindow.set_theme`` applies: while presenting, a theme picked in the
        menu is scaled for the hall (and remembered for the next presentation)."""
        if not self.active:
            return theme
        name = theme.name if isinstance(theme, th.Theme) else str(theme)
        self.theme_name = name
        QtCore.QTimer.singleShot(0, self._after_theme)
        return presentation_theme(name, self.scale)

    def _after_theme(self) -> None:
        if self.active:
            self._retheme()
            self._floor_fonts()

    def _floor_fonts(self, root=None) -> None:
        """Widgets with a fixed font size of their own (not the theme's) get at least
        ``MIN_PT`` while presenting; ``_unfloor_fonts`` gives them theirs back."""
        root = self.window if root is None else root
        for w in [root, *root.findChildren(QtWidgets.QWidget)]:
            f = w.font()
            floor = MIN_PT * self.scale
            if 0 < f.pointSizeF() < floor:
                self._floored.append((w, QtGui.QFont(f)))
                big = QtGui.QFont(f)
                big.setPointSizeF(floor)
                w.setFont(big)

    def _unfloor_fonts(self) -> None:
        for w, f in reversed(self._floored):
            try:
                w.setFont(f)
            except RuntimeError:  # deleted since
                pass
        self._floored = []

    def view_built(self, widget) -> None:
        """A view (or the Train tab) built after the window, when its tab is first shown,
        takes what the others were given: equations hidden, focus mode, and while
        presenting the equations' lecture size and fonts of at least ``MIN_PT``."""
        if not self.equations and callable(getattr(widget, "set_equations_visible", None)):
            widget.set_equations_visible(False)
        if self.focus and callable(getattr(widget, "set_focus", None)):
            try:
                widget.set_focus(True)
            except Exception:  # a view bug must not take the window down
                log.exception("set_focus failed in %s", type(widget).__name__)
        if self.active and self._saved is not None:
            if hasattr(widget, "eq_scale"):
                self._saved["eq_scale"][widget] = widget.eq_scale
                widget.eq_scale = EQ_SCALE
                widget.apply_theme(th.current())
            self._floor_fonts(widget)

    def _retheme(self) -> None:
        self.caption.apply_theme(th.current())
        self.tour.not_drawn.apply_theme(th.current())
        if self.help.isVisible():
            self.help.refresh()

    def say(self, text: str, error: bool = False) -> None:
        """A message of the window's (``MainWindow.message``, ``error``: a refusal, set in
        bold and shown longer): while presenting, where the status bar that says it is
        hidden, in a note for a few seconds (``Toast``). Said before the status bar shows it:
        ``_status_changed`` then finds it said."""
        if self.active:
            self.toast.say(text, error)

    def _status_changed(self, text: str) -> None:
        """The lines the status bar shows, while presenting (it is hidden), in the note: the
        one place that routes them, whoever said them (a view that could not draw, a long
        input's pass, the Train tab's weights put on the stack, an uncaught error) -- the
        lines said to the status bar alone went unseen in F5. Not those said for the status
        bar alone (``MainWindow.status_alone``: a long input's line of every step, which made
        the note come and go at each step while playing; what the lesson step's cover says
        in large type), chosen by who says them. A ``MainWindow.message`` said already (with
        its weight) is not said again, nor a line the status bar shows again with no other
        between (one shown again once its time ran out brought the note back every 15 s)."""
        if not text:
            return
        again, self._status_line = text == self._status_line, text  # (whoever said it)
        if not self.active or getattr(self.window, "status_aside", False):
            return
        if again or (self.toast.isVisible() and self.toast.said == text):
            return
        self.toast.say(text)

    # -- presentation mode ------------------------------------------------------------------
    def toggle(self) -> None:
        self.leave() if self.active else self.enter()

    def _keep_menu_keys(self) -> None:
        """The hidden menu bar's keys (Ctrl+S, Ctrl+Shift+S, Ctrl+Z, Ctrl+O, Ctrl+Shift+C,
        Ctrl+Q, ...) on the window while presenting: Qt drops the shortcuts of a hidden menu
        bar's actions, so in a lecture Ctrl+Z did not undo a slip and Ctrl+S did not save.
        An action the window holds already, or whose key one of its actions takes (the
        lecture's keys), is left alone (two actions of one key would both go dead)."""
        w = self.window
        held = set(w.actions())
        taken = {k.toString() for a in held for k in a.shortcuts()}
        found: list[QtGui.QAction] = []

        def walk(menu) -> None:
            for a in menu.actions():
                if a.menu() is not None:
                    walk(a.menu())
                    continue
                keys = {k.toString() for k in a.shortcuts() if not k.isEmpty()}
                if keys and a not in held and a not in found and not keys & taken:
                    found.append(a)
                    taken.update(keys)

        for a in w.menuBar().actions():
            if a.menu() is not None:
                walk(a.menu())
        w.addActions(found)
        # (taken off by their keys, not by these wrappers: a menu's action is made in C++, and
        # PySide may mark its wrapper deleted while the action lives, as Undo's was in session
        # 41; removeAction on it would raise, and the action stay on the window)
        self._menu_keys = {k.toString() for a in found for k in a.shortcuts() if not k.isEmpty()}

    def _drop_menu_keys(self) -> None:
        """Takes the menu bar's actions ``_keep_menu_keys`` put on the window off it again:
        those whose every key is one of theirs (the window's own keys are others)."""
        w = self.window
        for a in w.actions():
            keys = {k.toString() for k in a.shortcuts() if not k.isEmpty()}
            if keys and keys <= self._menu_keys:
                w.removeAction(a)
        self._menu_keys = set()

    def enter(self) -> None:
        if self.active:
            return
        w = self.window
        self._saved = {
            "geometry": w.saveGeometry(), "rect": w.geometry(), "state": w.windowState(), "theme": th.current(),
            "side": w.side.isVisibleTo(w), "sizes": w.splitter.sizes(),
            "status": w.statusBar().isVisibleTo(w), "menubar": w.menuBar().isVisibleTo(w),
            "pointer": self.spotlight.active, "size": w.size(),
            "eq_scale": {v: v.eq_scale for _, v in _built_views(w) if hasattr(v, "eq_scale")},
            "tabs_min": w.tabs.minimumSize(), "side_min": w.side.minimumSize(),
            "icons": {b: b.iconSize() for b in getattr(w.player, "buttons", {}).values()},
            # the window's side panel gave way to its Train tab: not the presentation's
            # (read as its own, ``fit_train_tab`` brought the panel back while presenting
            # on a wide screen; put back on leaving, another tab then brings it back)
            "gave_way": self._side_gave_way,
            "side_width": self.side_width_kept(),
        }
        self._side_gave_way = False
        # (Focus on the unit (F), the equations (E) and the Cell view's terms are the work's
        # settings, kept in its session, not the presentation's: entering leaves them as
        # they are and leaving keeps what they are then; a session opened while presenting
        # had them put back to those from before F5 by Esc)
        self.active = True
        screen = self._screen() if self.fullscreen else None
        self.scale = lecture_scale(screen.geometry().height() if screen is not None
                                   else self.screen_height or DESIGN_HEIGHT)
        self.screen_width = screen.geometry().width() if screen is not None else w.width()
        for v in self._saved["eq_scale"]:
            v.eq_scale = EQ_SCALE  # the equations at body size: they fit across a 1920 screen
        w.set_theme(presentation_theme(self.theme_name, self.scale))
        self._retheme()
        self._floor_fonts()
        w.statusBar().hide()
        self.note_strip.reserve(True)  # (where the status bar was, in the lecture's sizes)
        w.menuBar().hide()
        self._keep_menu_keys()
        self.set_side(False)
        # lecture-sized views would rather be squeezed than push the window past the screen,
        # and so would the side panel when S shows it (26 lecture-sized "M"s: 442 px of 800)
        w.tabs.setMinimumWidth(320)
        w.side.setMinimumWidth(min(w.side.minimumWidth(), SIDE_MIN_PRESENTING))
        icon = round(44 * self.scale)
        for b in self._saved["icons"]:
            b.setIconSize(QtCore.QSize(icon, icon))  # the player's buttons, seen from the back
        if self.fullscreen:
            handle = w.windowHandle()
            if screen is not None and handle is not None and handle.screen() is not screen:
                handle.setScreen(screen)
                w.setGeometry(screen.availableGeometry())
            w.showFullScreen()
        self.actions["present"].setChecked(True)
        self._present_keys(True)
        w.sync_player()  # (none under the Train tab while presenting)
        self.fit_train_tab()
        w.setFocus()

    def leave(self) -> None:
        if not self.active:
            return
        w = self.window
        s = self._saved
        assert s is not None  # (active: ``enter`` saved it)
        self.help.hide()
        self.toast.dismiss()  # (the status bar, shown again, says it)
        self.note_strip.reserve(False)
        self.active = False
        self._side_gave_way = False  # (the side panel as it was before presenting, below)
        self._unfloor_fonts()
        for v, k in s["eq_scale"].items():
            v.eq_scale = k
        w.set_theme(s["theme"])
        self._retheme()
        # (F and E as they are now: the work's settings, see ``enter``; F5 in a lesson, it
        # goes on as it shows, and its end puts back those from before it)
        self.set_pointer(s["pointer"])
        w.menuBar().setVisible(s["menubar"])
        self._drop_menu_keys()
        w.statusBar().setVisible(s["status"])
        w.tabs.setMinimumSize(s["tabs_min"])
        w.side.setMinimumSize(s["side_min"])
        for b, size in s["icons"].items():
            b.setIconSize(size)
        self.set_side(s["side"])
        if self.fullscreen or w.windowState() != s["state"]:
            w.setWindowState(s["state"])
            if not (s["state"] & (QtCore.Qt.WindowState.WindowFullScreen | QtCore.Qt.WindowState.WindowMaximized)):
                # exactly where it was (restoreGeometry would clamp it to a smaller screen)
                w.setGeometry(s["rect"])
        w.splitter.setSizes(s["sizes"] if s["side"] else self.sizes_with_side(s["sizes"], s["side_width"]))
        self._side_gave_way = s["gave_way"] and not s["side"]
        if self._side_gave_way and not w.on_train_tab():  # (left on another tab: back)
            self._side_gave_way = False
            self.set_side(True)
        w.sync_player()
        self.actions["present"].setChecked(False)
        self._present_keys(False)
        self._saved = None

    def window_before(self) -> dict | None:
        """While presenting, the window's theme (its name), geometry and splitter sizes from
        before F5, which Esc puts back (None: not presenting): what the preferences keep at
        a close. Closed while presenting (Ctrl+Q in a lecture), the next start opened full
        screen, in the projector theme."""
        s = self._saved
        if not self.active or s is None:
            return None
        sizes = s["sizes"] if s["side"] else self.sizes_with_side(s["sizes"], s["side_width"])
        return {"theme": s["theme"].name, "geometry": s["geometry"], "splitter": [int(v) for v in sizes]}

    def _screen(self) -> QtGui.QScreen | None:
        if self.screen_name:
            for s in QtGui.QGuiApplication.screens():
                if s.name() == self.screen_name:
                    return s
        return self.window.screen()

    def escape(self) -> None:
        if self.help.isVisible():
            self.help.hide()
        elif self.tour.active:
            self.tour.end()
        elif self.active:
            self.leave()
        elif self.spotlight.active:
            self.set_pointer(False)

    # -- keys -------------------------------------------------------------------------------
    def cycle_view(self, delta: int) -> None:
        tabs = self.window.tabs
        tabs.setCurrentIndex((tabs.currentIndex() + delta) % tabs.count())

    def move_unit(self, delta: int) -> None:
        st = self.window.state
        st.set_cursor(unit=max(0, st.cursor.unit + delta))

    def move_layer(self, delta: int) -> None:
        st = self.window.state
        if st.model is None:
            return
        names = [l.name for l in st.model.layers if l.class_name not in ("InputLayer",)]
        if not names:
            return
        k = names.index(st.cursor.layer) if st.cursor.layer in names else 0
        st.set_cursor(layer=names[max(0, min(len(names) - 1, k + delta))])

    def toggle_side(self) -> None:
        self._side_gave_way = False  # (S on the Train tab: the user's call)
        self.set_side(not self.window.side.isVisibleTo(self.window))

    def _narrow(self) -> bool:
        """Whether the side panel gives way on the Train tab: presenting, on a screen under
        ``SIDE_BESIDE_TRAIN_LEAST``; otherwise where the tab's plots beside it would be
        narrower than ``train_panel.PLOTS_LEAST`` (``_squeezed``)."""
        if self.active:
            return self.screen_width / max(self.scale, 1e-6) < SIDE_BESIDE_TRAIN_LEAST
        return self._squeezed()

    def _squeezed(self) -> bool:
        """Not presenting: the Train tab's plots beside the side panel (shown, or as wide as
        it was when it was hidden) are narrower than ``PLOTS_LEAST`` (a 1024 px window: 216
        px in the projector theme, ~290 in the others, titles and legends cut), or its
        controls there would not show Play and the run's line without scrolling
        (``TrainPanel.run_in_sight``: the projector theme at 1280 x 720 and 1280 x 800,
        where the controls beside it are ~340 px wide and their words wrap). False until
        the tab is built, and until the window is shown (its width is not yet laid out: a
        window opened on the Train tab, ``--view train``, hid the side panel and said so, at
        a size where the plots have room beside it; shown, ``train_tab_resized`` judges)."""
        w = self.window
        panel = getattr(w, "_train_panel", None)
        if panel is None or panel.width() <= 0 or not w.isVisible():
            return False
        from lstmviz.ui.train_panel import PLOTS_LEAST  # (built: imported)

        width = panel.width()
        if not w.side.isVisibleTo(w):  # (its width then: the one it had, or its least)
            width -= max(self._side_width, w.side.minimumWidth()) + w.splitter.handleWidth()
        return panel.plots_width(width) < PLOTS_LEAST or not panel.run_in_sight(width)

    def train_tab_resized(self) -> None:
        """The Train tab took another width (the window resized, the side panel hidden or
        shown): not presenting, where that makes its plots squeezed beside the side panel or
        gives them the room, the side panel gives way or comes back (a resize that leaves
        them as they were keeps what S chose)."""
        if self.active or self._judge_pending:
            return
        # judged once the layouts settle, at the next turn of the event loop: judged at each
        # resize, a window opened on the Train tab at 1600 x 900 hid the side panel at a
        # passing width of the tab's first layouts and showed it again at once (a flash)
        self._judge_pending = True
        QtCore.QTimer.singleShot(0, self.window, self._judge_train_tab)

    def _judge_train_tab(self) -> None:
        self._judge_pending = False
        if self.active:
            return
        now = self._squeezed()
        if now != self._was_squeezed:
            self._was_squeezed = now
            self.fit_train_tab()

    def window_resized(self) -> None:
        """Presenting, the window's width is the screen's (or, presenting in a window, the
        window's): where a resize makes it narrow or wide for the Train tab (a projector's
        resolution changed, the window taken to another screen), the side panel gives way
        there or comes back, as when the tab changes (it was checked only then and on
        entering); a resize that leaves it as narrow or as wide keeps what S chose."""
        if not self.active:
            return
        width = self.window.width()
        if width <= 0 or width == self.screen_width:
            return
        was = self._narrow()
        self.screen_width = width
        if self._narrow() != was:
            self.fit_train_tab()

    def fit_train_tab(self) -> None:
        """Presenting on a narrow screen (``SIDE_BESIDE_TRAIN_LEAST``), the side panel gives
        way on the Train tab and comes back on another tab; S shows it there all the same."""
        w = self.window
        narrow = self._narrow()
        if not self.active:
            self._was_squeezed = narrow
        train = narrow and w.on_train_tab()
        if train and w.side.isVisibleTo(w):
            self._side_gave_way = True
            self.set_side(False)
            if not self.active and not self._said_gave_way:  # (once a window: it did not vanish unexplained)
                self._said_gave_way = True
                w.message(SIDE_GAVE_WAY)
        elif not train and self._side_gave_way:
            self._side_gave_way = False
            self.set_side(True)
            if w.statusBar().currentMessage() == SIDE_GAVE_WAY:
                # back before the note's time ran out (the window made narrow, then wide
                # again; a window's first layouts no longer pass through a narrow tab:
                # ``train_tab_resized`` judges once they settle): the note would say what
                # the window no longer shows; said again when it gives way again
                w.statusBar().clearMessage()
                self._said_gave_way = False

    def sizes_with_side(self, sizes, width: int) -> list[int]:
        """The splitter's ``sizes`` with the hidden side panel's 0 px given its ``width``
        (taken from the views beside it): put back as 0, the panel stayed collapsed to nothing
        when shown again (S, or another tab where it had given way to the Train tab), after
        presenting and in a session saved so. ``width`` 0 (never shown): as they are."""
        w = self.window
        sizes = [int(v) for v in sizes]
        k = w.splitter.indexOf(w.side)
        if k < 0 or width <= 0:
            return sizes
        sizes[k ^ 1] = max(0, sizes[k ^ 1] - width)
        sizes[k] = width
        return sizes

    def side_width_kept(self) -> int:
        """The side panel's width: shown, its own; hidden, the one it had (0: never shown)."""
        w = self.window
        return w.side.width() if w.side.isVisibleTo(w) else self._side_width

    def set_side(self, on: bool) -> None:
        w = self.window
        if not on and w.side.isVisibleTo(w):
            self._side_width = w.side.width()  # (the Train tab's room beside it: _squeezed)
        w.side.setVisible(bool(on))
        if hasattr(w, "side_toggled"):
            w.side_toggled()  # (the stack's error line: where it is read now)
        if on and self.active:
            # lecture-sized forms need a wider panel: a third of the window, at least the
            # width it has outside presentation mode and the width the Stack page needs in
            # the lecture's fonts (at 1024 x 768 its 418 px got 382: 'input_di', '32' for
            # 320, 'Remo' cut at its right end), where the views keep the least width they
            # need beside it (a Bidirectional's header: the forward / backward box)
            views = w.splitter.widget(w.splitter.indexOf(w.side) ^ 1)
            room = w.width() - w.splitter.handleWidth() - views.minimumSizeHint().width()
            assert self._saved is not None  # (active: ``enter`` saved it)
            want = max(int(w.width() * 0.36), self._saved["side_min"].width(), w.side_least())
            side = max(SIDE_MIN_PRESENTING, min(want, room))
            w.splitter.setSizes([side, max(200, w.width() - side)])
        self.actions["side"].setChecked(bool(on))

    def toggle_equations(self) -> None:
        self.set_equations(not self.equations)

    def set_equations(self, on: bool) -> None:
        self.equations = bool(on)
        for _, v in _built_views(self.window):  # views built later: view_built
            fn = getattr(v, "set_equations_visible", None)
            if callable(fn):
                fn(self.equations)
        self.actions["equations"].setChecked(self.equations)

    def toggle_focus(self) -> None:
        self.set_focus(not self.focus)

    def set_focus(self, on: bool) -> None:
        if bool(on) == self.focus:
            return
        self.focus = bool(on)
        for _, v in _built_views(self.window):  # views built later: view_built
            fn = getattr(v, "set_focus", None)
            if callable(fn):
                try:
                    fn(self.focus)
                except Exception:  # a view bug must not take the window down
                    log.exception("set_focus failed in %s", type(v).__name__)
        self.actions["focus"].setChecked(self.focus)

    def toggle_pointer(self) -> None:
        self.set_pointer(not self.spotlight.active)

    def set_pointer(self, on: bool) -> None:
        self.spotlight.set_active(bool(on))
        self.actions["pointer"].setChecked(bool(on))

    def pick_lesson(self) -> None:
        w = self.window
        self.lessons_menu.popup(w.mapToGlobal(w.rect().center()))

    def pick_step(self) -> None:
        """The lesson's steps in a menu over the caption bar, the one shown checked; a
        step's number (or a click) goes there as PgDn / PgUp would have (``TourRunner.go``)."""
        runner = self.tour
        if not runner.active:
            return
        menu = self.steps_menu
        menu.clear()
        les = runner.lesson
        # each entry within the screen (a menu wider than it is cut, not elided: an 800 x
        # 600 projector cut lesson 13's in the projector theme)
        screen = self.caption.screen() or QtGui.QGuiApplication.primaryScreen()
        room = int(screen.availableGeometry().width() * 0.9) - 8 * menu.fontMetrics().averageCharWidth()
        metrics = menu.fontMetrics()
        for k in range(len(les.steps)):
            key, _, label = tours.step_menu_text(les, k).partition("  ")
            label = metrics.elidedText(label, QtCore.Qt.TextElideMode.ElideRight, max(100, room))
            act = menu.addAction(f"{key}  {label}")
            act.setCheckable(True)
            act.setChecked(k == runner.index)
            act.triggered.connect(lambda _=False, k=k: runner.go(k) if runner.lesson is les else None)
        bar = self.caption
        at = bar.mapToGlobal(QtCore.QPoint(0, 0))
        menu.popup(QtCore.QPoint(at.x(), at.y() - menu.sizeHint().height()), menu.actions()[runner.index])


# -- measuring what is rendered ----------------------------------------------------------------
def _script_sizes(text: str, font: QtGui.QFont, px: float) -> list:
    """(pixel size, True, character) of each Unicode sub- or superscript letter or digit
    in ``text`` drawn in ``font`` at ``px``: its size as the height of its glyph over the
    glyph of the character it stands for (``theme.SCRIPTS``: DejaVu Sans' ₜ 0.56 of a t,
    smaller than Qt's <sub>), so that "W·xₜ" in a check box counts as the small text it is."""
    out = []
    metrics = QtGui.QFontMetricsF(font)
    for ch in dict.fromkeys(c for c in text if c in th.SCRIPTS):
        base = th.SCRIPTS[ch][0]
        if base.isalnum():
            full = metrics.tightBoundingRect(base).height()
            if full > 0:
                out.append((px * min(1.0, metrics.tightBoundingRect(ch).height() / full), True, ch))
    return out


def _doc_sizes(doc: QtGui.QTextDocument, base: QtGui.QFont):
    """(pixel size, is sub/superscript) of every non-blank fragment of a rich-text doc."""
    out = []
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            if frag.isValid() and frag.text().strip():
                fmt = frag.charFormat()
                px = QtGui.QFontInfo(fmt.font().resolve(base)).pixelSize()
                small = fmt.verticalAlignment() in (QtGui.QTextCharFormat.VerticalAlignment.AlignSubScript,
                                                    QtGui.QTextCharFormat.VerticalAlignment.AlignSuperScript)
                out.append((px * SUBSCRIPT_RATIO if small else px, small, frag.text()))
                out += _script_sizes(frag.text(), fmt.font().resolve(base), px * SUBSCRIPT_RATIO if small else px)
            it += 1
        block = block.next()
    return out


def _label_sizes(text: str, font: QtGui.QFont, rich: bool):
    if not text.strip():
        return []
    if not rich:
        px = QtGui.QFontInfo(font).pixelSize()
        return [(px, False, text), *_script_sizes(text, font, px)]
    doc = QtGui.QTextDocument()
    doc.setDefaultFont(font)
    doc.setHtml(text)
    return _doc_sizes(doc, font)


def rendered_fonts(window) -> list[tuple[float, bool, str]]:
    """Every piece of text the window shows now: (pixel size, is a sub/superscript, where).

    Widgets (labels incl. rich text, buttons, tabs, combos, spin boxes, lists) and, in every
    visible pyqtgraph view, text items, labels and axis tick labels (their ``tickFont``)."""
    out = []

    def add(items, where):
        for px, small, text in items:
            out.append((float(px), small, f"{where}: {text[:40]!r}"))

    widgets = [w for w in window.findChildren(QtWidgets.QWidget) if w.isVisible()]
    for w in widgets:
        name = f"{type(w).__name__}"
        if isinstance(w, QtWidgets.QLabel):
            rich = w.textFormat() == QtCore.Qt.TextFormat.RichText or (
                w.textFormat() == QtCore.Qt.TextFormat.AutoText and QtGui.Qt.mightBeRichText(w.text()))
            add(_label_sizes(w.text(), w.font(), rich), name)
        elif isinstance(w, QtWidgets.QAbstractButton) and w.text():
            add(_label_sizes(w.text(), w.font(), False), name)
        elif isinstance(w, QtWidgets.QTabBar):
            for k in range(w.count()):
                add(_label_sizes(w.tabText(k), w.font(), False), f"tab {w.tabText(k)}")
        elif isinstance(w, (QtWidgets.QComboBox, QtWidgets.QAbstractSpinBox, QtWidgets.QLineEdit)):
            text = w.currentText() if isinstance(w, QtWidgets.QComboBox) else \
                (w.text() if isinstance(w, (QtWidgets.QLineEdit, QtWidgets.QAbstractSpinBox)) else "")
            add(_label_sizes(text or "0", w.font(), False), name)
        elif isinstance(w, QtWidgets.QAbstractItemView):
            add(_label_sizes("item", w.font(), False), name)
        elif isinstance(w, QtWidgets.QGroupBox) and w.title():
            add(_label_sizes(w.title(), w.font(), False), name)
        elif isinstance(w, QtWidgets.QMenuBar):
            add(_label_sizes("menu", w.font(), False), name)
        elif isinstance(w, pg.GraphicsView):
            for item in w.scene().items():
                if not item.isVisible() or item.opacity() == 0:
                    continue
                if isinstance(item, QtWidgets.QGraphicsTextItem):
                    if item.toPlainText().strip():
                        add(_doc_sizes(item.document(), item.font()), "pg text")
                elif isinstance(item, QtWidgets.QGraphicsSimpleTextItem):
                    add(_label_sizes(item.text(), item.font(), False), "pg simple text")
                elif isinstance(item, pg.AxisItem):
                    if item.style.get("showValues", True) and item.width() > 0 and item.height() > 0:
                        font = item.style.get("tickFont") or item.font()
                        add([(QtGui.QFontInfo(font).pixelSize(), False, "ticks")],
                            f"axis {item.orientation}")
    return out


def smallest_font(window, subscripts: bool = False) -> tuple[float, str]:
    """The smallest rendered text (pixel size, where); sub/superscripts only if asked."""
    sizes = [(px, where) for px, small, where in rendered_fonts(window) if subscripts or not small]
    return min(sizes) if sizes else (0.0, "")
