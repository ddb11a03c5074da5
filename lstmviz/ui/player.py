"""The one clock: play/pause, step, first/last, a slider over the timesteps, speed.

A thin Qt view of ``AppState.cursor.step`` (ephyviewer's navigation bar): the buttons,
keys and the QTimer only call ``state.set_cursor``/``state.step_by``; the widgets follow
``state.cursor_changed``. Keys are QActions (``actions``) the main window installs, so
they work wherever the focus is, except inside a box that edits numbers and Space on a
button, check box or combo box that the keyboard moved the focus to (``ButtonKeys``).
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from lstmviz.app.counts import count
from lstmviz.app.selection import SPEEDS
from lstmviz.app.state import AppState
from lstmviz.errors import LstmvizError
from lstmviz.ui.focused import FocusedFilter
from lstmviz.ui.labels import FormsLabel, ShortComboBox, SteadyLabel, set_if_changed

#: How far PageUp/PageDown jump (presenter remotes send these for "next slide").
PAGE = 1
#: The slider's least width: where the row is narrower than its parts at this, the parts
#: a narrow row can spare are hidden (``Player.SPARE``), not the slider squeezed to a stub.
SLIDER_MIN = 100


def media_icon(name: str, size: int = 64) -> QtGui.QIcon:
    """A player's icon (play, pause, the steps, Play > Next batch and Reset states; a name
    it has no picture for draws nothing) in the theme's foreground (the platform's icons are
    often dark-on-dark): at a device pixel ratio of 1, a ``size`` px picture scaled to the
    button's icon size; elsewhere drawn at the icon's size in the device's pixels
    (``_MediaIcons``: on a 300% screen the 64 px picture enlarged to 84 px was soft)."""
    from lstmviz.ui import theme as th

    return QtGui.QIcon(_MediaIcons(name, size, QtGui.QColor(th.current().foreground)))


def _media_pixmap(name: str, size: int, colour: QtGui.QColor) -> QtGui.QPixmap:
    """Icon ``name`` drawn on a transparent ``size`` x ``size`` pixmap."""
    pix = QtGui.QPixmap(size, size)
    pix.fill(QtCore.Qt.GlobalColor.transparent)
    p = QtGui.QPainter(pix)
    p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    p.setPen(QtCore.Qt.PenStyle.NoPen)
    p.setBrush(colour)
    s = size

    def tri(x0, x1, right=True):
        pts = [QtCore.QPointF(x0, s * 0.2), QtCore.QPointF(x0, s * 0.8), QtCore.QPointF(x1, s * 0.5)] if right \
            else [QtCore.QPointF(x1, s * 0.2), QtCore.QPointF(x1, s * 0.8), QtCore.QPointF(x0, s * 0.5)]
        p.drawPolygon(QtGui.QPolygonF(pts))

    def bar(x0, w=0.1):
        p.drawRect(QtCore.QRectF(x0, s * 0.2, s * w, s * 0.6))

    if name == "play":
        tri(s * 0.28, s * 0.78)
    elif name == "pause":
        bar(s * 0.28, 0.15)
        bar(s * 0.57, 0.15)
    elif name == "forward":
        tri(s * 0.2, s * 0.62)
        bar(s * 0.66)
    elif name == "back":
        bar(s * 0.24)
        tri(s * 0.38, s * 0.8, right=False)
    elif name == "first":
        bar(s * 0.14)
        tri(s * 0.26, s * 0.56, right=False)
        tri(s * 0.56, s * 0.86, right=False)
    elif name == "last":
        tri(s * 0.14, s * 0.44)
        tri(s * 0.44, s * 0.74)
        bar(s * 0.76)
    elif name == "next_batch":  # a batch (two cards, one behind the other), then step on
        p.drawRect(QtCore.QRectF(s * 0.24, s * 0.2, s * 0.28, s * 0.42))
        mode = p.compositionMode()
        p.setCompositionMode(QtGui.QPainter.CompositionMode.CompositionMode_Clear)  # (a gap round the front card)
        p.drawRect(QtCore.QRectF(s * 0.08, s * 0.3, s * 0.36, s * 0.56))
        p.setCompositionMode(mode)
        p.drawRect(QtCore.QRectF(s * 0.12, s * 0.34, s * 0.28, s * 0.46))
        tri(s * 0.58, s * 0.9)
    elif name == "reset_states":  # a circular arrow turning back (anticlockwise) to the top
        p.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        p.setPen(QtGui.QPen(colour, s * 0.1, QtCore.Qt.PenStyle.SolidLine, QtCore.Qt.PenCapStyle.FlatCap))
        ring = QtCore.QRectF(s * 0.22, s * 0.22, s * 0.56, s * 0.56)
        p.drawArc(ring, 100 * 16, -290 * 16)  # (from its head at the top round to the upper left)
        p.setPen(QtCore.Qt.PenStyle.NoPen)
        p.setBrush(colour)
        # the head at the arc's end (100 degrees, the top), pointing on round it: left, a little down
        end, way, out = (0.451, 0.224), (-0.985, 0.174), (-0.174, -0.985)
        p.drawPolygon(QtGui.QPolygonF([
            QtCore.QPointF(s * (end[0] + 0.22 * way[0]), s * (end[1] + 0.22 * way[1])),
            QtCore.QPointF(s * (end[0] + 0.15 * out[0]), s * (end[1] + 0.15 * out[1])),
            QtCore.QPointF(s * (end[0] - 0.15 * out[0]), s * (end[1] - 0.15 * out[1]))]))
    p.end()
    return pix


class _MediaIcons(QtGui.QIconEngine):
    """A media icon at every density: at ratio 1 Qt's icon of the ``size`` px picture (its
    scaling, its disabled and active forms: what it always was); at another ratio a
    picture drawn at the asked size times the ratio, in device pixels, given to Qt's icon
    of that one picture (so the same forms, nothing scaled)."""

    KEEP = 8  # (pictures at other densities kept: a button's few sizes on one or two screens)

    def __init__(self, name: str, size: int, colour: QtGui.QColor):
        super().__init__()
        self.name, self.size, self.colour = name, size, colour
        self.base = QtGui.QIcon(_media_pixmap(name, size, colour))
        self.dense: dict[tuple[int, int], QtGui.QIcon] = {}

    def scaledPixmap(self, size, mode, state, scale):  # noqa: N802 (Qt's name)
        if scale == 1.0:
            return self.base.pixmap(size, 1.0, mode, state)
        side = round(min(size.width(), size.height()) * scale)
        if side <= 0:
            return QtGui.QPixmap()
        icon = self.dense.get((side, side))
        if icon is None:
            if len(self.dense) >= self.KEEP:
                self.dense.clear()
            icon = self.dense[(side, side)] = QtGui.QIcon(_media_pixmap(self.name, side, self.colour))
        return icon.pixmap(size, scale, mode, state)

    def pixmap(self, size, mode, state):
        return self.scaledPixmap(size, mode, state, 1.0)

    def paint(self, painter, rect, mode, state):
        device = painter.device()
        scale = 1.0 if device is None else device.devicePixelRatioF()
        pix = self.scaledPixmap(rect.size(), mode, state, scale)
        logical = pix.deviceIndependentSize()
        at = QtCore.QPointF(rect.x() + (rect.width() - logical.width()) / 2,
                            rect.y() + (rect.height() - logical.height()) / 2)
        painter.drawPixmap(at, pix)

    def actualSize(self, size, mode, state):  # noqa: N802
        return self.base.actualSize(size, mode, state)

    def clone(self):
        return _MediaIcons(self.name, self.size, self.colour)


class Player(QtWidgets.QWidget):
    """``|< < [play] > >|  ===o=====  t = 6 / 20   speed 4 steps/s   sample 1 of 4``."""

    #: a problem to show the user (the window shows it as a message)
    problem = QtCore.Signal(str)
    #: playing stopped short of this step: a long input's views show no step past its first
    #: window before the keyframe pass has run (it waits there; after a Cancel it pauses)
    held = QtCore.Signal(int)

    def __init__(self, state: AppState, parent=None):
        super().__init__(parent)
        self.state = state
        self.timer = QtCore.QTimer(self)
        self.timer.timeout.connect(self._tick)
        self.loop = True

        self.actions_by_name: dict[str, QtGui.QAction] = {}
        self._keys_on = True  # (set_keys)
        self._held: tuple[str, ...] = ()

        def act(name, text, icon, keys, slot, tip):
            a = QtGui.QAction(media_icon(name), text, self)
            a.setShortcuts([QtGui.QKeySequence(k) for k in keys])
            a.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
            a.setToolTip(f"{tip} ({', '.join(keys)})")
            a.triggered.connect(slot)
            self.actions_by_name[name] = a
            return a

        self.first_action = act("first", "First step", None, ["Home"],
                                lambda: self.state.set_cursor(step=0), "Go to the first step")
        self.back_action = act("back", "Step back", None, ["Left", "PgUp"],
                               lambda: self.state.step_by(-1), "One step back")
        self.play_action = act("play", "Play", None, ["Space"], self.toggle,
                               "Play / pause")
        self.forward_action = act("forward", "Step forward", None, ["Right", "PgDown"],
                                  lambda: self.state.step_by(+1), "One step forward")
        self.last_action = act("last", "Last step", None, ["End"],
                               lambda: self.state.set_cursor(step=self.state.clock_steps - 1),
                               "Go to the last step")

        self.next_batch_action = act("next_batch", "Next &batch (stateful layers carry their states)",
                                     None, ["N"], self._next_batch,
                                     "Trace the next batch: every stateful layer starts from the "
                                     "states the last batch left")
        self.reset_states_action = act("reset_states", "&Reset states (batch 0)", None, ["Shift+N"],
                                       self.state.reset_states,
                                       "Start over: the stateful layers start from zero states")

        layout = QtWidgets.QHBoxLayout(self)
        # the row may be narrower than its parts: then it hides the parts it can spare
        # (``_fit``) instead of holding the window wider than a projector's 800 px
        layout.setSizeConstraint(QtWidgets.QLayout.SizeConstraint.SetNoConstraint)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.setSpacing(6)
        #: what the row moves, where that is not what the tab above shows (``set_scope``):
        #: under the Train tab, whose model and steps are the training's own; a shorter
        #: form where the row is narrow, none where it is narrower (a part ``spare``)
        self.scope = FormsLabel(self)
        layout.addWidget(self.scope)
        self.buttons: dict[str, QtWidgets.QToolButton] = {}
        for name in ("first", "back", "play", "forward", "last"):
            b = QtWidgets.QToolButton(self)
            b.setDefaultAction(self.actions_by_name[name])
            b.setIconSize(QtCore.QSize(28, 28))
            b.setAutoRaise(True)
            b.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
            self.buttons[name] = b
            layout.addWidget(b)

        self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal, self)
        self.slider.setMinimum(0)
        self.slider.setPageStep(1)
        self.slider.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.slider.setToolTip("Drag to move through the timesteps: every view follows")
        self.slider.setAccessibleName("Timestep")
        self.slider.valueChanged.connect(lambda v: self.state.set_cursor(step=v))
        self.slider.setMinimumWidth(SLIDER_MIN)
        layout.addWidget(self.slider, 1)

        # its text changes at every step: a fixed size asks for no layout pass
        self.step_label = SteadyLabel(parent=self, minimum_width=130)
        self.step_label.setToolTip("The current timestep t (counted from 0) of the selected layer")
        f = self.step_label.font()
        f.setBold(True)
        self.step_label.setFont(f)
        layout.addWidget(self.step_label)

        layout.addSpacing(12)
        self.speed_word = QtWidgets.QLabel("speed", self)
        layout.addWidget(self.speed_word)
        # "4/s" where the row has no room for "4 steps/s" (a stateful model's batch beside
        # it held an 800 x 600 window 817 px wide in the projector theme)
        self.speed = ShortComboBox([(f"{s:g} steps/s", f"{s:g}/s") for s in SPEEDS], self, data=list(SPEEDS))
        self.speed.setCurrentIndex(SPEEDS.index(4))
        self.speed.setToolTip("How many timesteps per second play advances")
        self.speed.setAccessibleName("Speed")
        self.speed_word.setBuddy(self.speed)  # (Linux: a combo box is labelled by its buddy)
        self.speed.currentIndexChanged.connect(self._speed_changed)
        layout.addWidget(self.speed)

        self.batch_label = QtWidgets.QLabel(self)
        self.batch_label.setToolTip("Stateful layers: which batch is shown (N: the next one, "
                                    "whose states start where this one ended; Shift+N: batch 0)")
        layout.addWidget(self.batch_label)

        layout.addSpacing(12)
        layout.addWidget(QtWidgets.QLabel("sample", self))
        self.sample = QtWidgets.QSpinBox(self)
        self.sample.setToolTip("Which sample of the batch the views show (counted from 0)")
        self.sample.setAccessibleName("Sample")
        self.sample.valueChanged.connect(lambda v: self.state.set_cursor(sample=v))
        layout.addWidget(self.sample)
        self.sample_of = QtWidgets.QLabel(self)
        layout.addWidget(self.sample_of)

        #: what a narrow row hides, least needed first: the word before the speed box
        #: (which says "steps/s"), then the first/last buttons (Home and End, and the Play
        #: menu, still go there), then the words saying what the row moves (``set_scope``:
        #: there only where it has some)
        self.spare: list[list[QtWidgets.QWidget]] = [[self.speed_word], [self.buttons["first"], self.buttons["last"]],
                                                     [self.scope]]

        state.changed.connect(lambda change: self._sync(state.cursor) if change.cursor or change.model else None)
        self._sync(state.cursor)

    # -- a narrow row (an 800 px projector) ---------------------------------------------------
    def _row(self) -> QtWidgets.QLayout:
        row = self.layout()
        assert row is not None  # (the QHBoxLayout __init__ sets first)
        return row

    def _room(self, widgets) -> int:
        # (the scope's least: its shortest form, ``set_scope``)
        return sum((w.minimumWidth() if w is self.scope else w.sizeHint().width()) + self._row().spacing()
                   for w in widgets)

    def minimumSizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt's name)
        """As narrow as the row with every spare part hidden."""
        hint = self._row().minimumSize()
        shown = [w for group in self.spare for w in group if not w.isHidden()]
        return QtCore.QSize(hint.width() - self._room(shown), hint.height())

    def _fit(self) -> None:
        """Show each group of spare parts, most needed first, where the row holds it with
        the slider at its least width; hide the rest."""
        room = self.width() - self.minimumSizeHint().width()
        for group in reversed(self.spare):
            need = self._room(group)
            show = room >= need and (group != [self.scope] or bool(self.scope.forms()))
            room -= need if show else 0
            for w in group:
                if w.isHidden() == show:
                    w.setHidden(not show)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._fit()

    def event(self, event) -> bool:
        done = super().event(event)
        if event.type() == QtCore.QEvent.Type.LayoutRequest:  # a part shown, a font changed
            self._fit()
        return done

    # -- clock ------------------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        return self.timer.isActive()

    def interval_ms(self) -> int:
        return max(1, int(round(1000.0 / float(self.speed.currentData()))))

    def play(self) -> None:
        if self.state.cursor.step >= self.state.clock_steps - 1:
            self.state.set_cursor(step=0)
        self.timer.start(self.interval_ms())
        self._sync_play()

    def pause(self) -> None:
        self.timer.stop()
        self._sync_play()

    def toggle(self) -> None:
        self.pause() if self.playing else self.play()

    def _tick(self) -> None:
        T = self.state.clock_steps
        nxt = self.state.cursor.step + 1
        if nxt >= T:
            if not self.loop:
                self.pause()
                return
            nxt = 0
        long = self.state.long
        if long is not None and nxt >= long.shown_of(self.state.cursor.layer):
            # the views would stay at the first window's last step while the player ran on
            # (a far seek says why; playing waits there for the pass, or stops after a Cancel)
            if not long.ready and (long.error or long.cancelled):
                self.pause()
            self.held.emit(nxt)
            return
        self.state.set_cursor(step=nxt)

    def _next_batch(self) -> None:
        try:
            self.state.next_batch()
        except LstmvizError as err:
            self.problem.emit(str(err))

    def _speed_changed(self, *_):
        if self.playing:
            self.timer.start(self.interval_ms())

    def apply_theme(self, theme=None):
        for name, a in self.actions_by_name.items():
            a.setIcon(media_icon(name))
        self._sync_play()
        self._scope_least()  # (its font's)

    def _sync_play(self):
        self.play_action.setIcon(media_icon("pause" if self.playing else "play"))
        self.play_action.setText("Pause" if self.playing else "Play")

    # -- follow the state -------------------------------------------------------------------
    def _sync(self, cursor) -> None:
        T = max(1, self.state.clock_steps)  # (the selected layer's steps: a decoder's)
        B = max(1, self.state.batch)
        for w in (self.slider, self.sample):
            w.blockSignals(True)
        set_if_changed(self.slider, T - 1, cursor.step)
        set_if_changed(self.sample, B - 1, cursor.sample)
        for w in (self.slider, self.sample):
            w.blockSignals(False)
        self.step_label.set_widest(f"t = {count(T - 1)} / {count(T - 1)}")
        self.step_label.setText(f"t = {count(cursor.step)} / {count(T - 1)}")
        self.sample_of.setText(f"of {B}")
        stateful = self.state.model is not None and self.state.model.stateful
        self.batch_label.setVisible(stateful)
        self.batch_label.setText(f"batch {self.state.batch_index}")
        for name in ("next_batch", "reset_states"):
            self.actions_by_name[name].setEnabled(self._key_on(name))

    def set_scope(self, forms: tuple[str, ...], tip: str = "") -> None:
        """Name what the row moves before its buttons, in the longest of ``forms`` the row
        has room for (``()``: nothing, the tab above shows it): under the Train tab its
        "t = 0 / 39, sample 0 of 4" is the stack's, beside a header about the training's own
        "20 timesteps" and updates."""
        if self.scope.forms() != tuple(forms):
            self.scope.set_forms(forms)
            self.scope.setToolTip(tip or (forms[0] if forms else ""))
            self._scope_least()
            self._fit()

    def _scope_least(self) -> None:
        """The scope's least width, its shortest form's (a ``FormsLabel`` asks for none:
        the row squeezed it to nothing beside the slider's least)."""
        forms = self.scope.forms()
        self.scope.setMinimumWidth(self.scope.form_width(len(forms) - 1) if forms else 0)

    def set_keys(self, on: bool, held: tuple[str, ...] = ()) -> None:
        """The player's keys on, but for those named in ``held`` (a lesson's: PgUp / PgDn /
        Left / Right step it), or all off (the player hidden: they would move a time that
        is not on screen)."""
        self._keys_on, self._held = bool(on), tuple(held)
        for name, a in self.actions_by_name.items():
            a.setEnabled(self._key_on(name))

    def _key_on(self, name: str) -> bool:
        if not self._keys_on or name in self._held:
            return False
        if name in ("next_batch", "reset_states"):  # (stateful layers only)
            return self.state.model is not None and self.state.model.stateful
        return True


#: the keys a slider reached with the keyboard keeps (the Train tab's snapshots); not
#: PgUp / PgDn, a presenter remote's, which drive the lesson and the player wherever the
#: focus is (``presentation.LECTURE_KEYS``)
SLIDER_KEYS = {QtCore.Qt.Key.Key_Left, QtCore.Qt.Key.Key_Right, QtCore.Qt.Key.Key_Up, QtCore.Qt.Key.Key_Down,
               QtCore.Qt.Key.Key_Home, QtCore.Qt.Key.Key_End}


class ButtonKeys(FocusedFilter):
    """Space presses the button or check box, or opens the combo box, that the keyboard
    moved the focus to (Tab), as everywhere else: the player's Space (play / pause) took
    it there, so a check box of the side panel could not be ticked without a mouse. Only
    where Tab or Shift+Tab moved the focus (``MainWindow.tabbing``): a control the mouse
    clicked, or one the focus went back to (the "+ Add layer" button after its menu, a
    button after the dialog it opened), leaves Space to the window (it plays).

    A slider with the focus keeps its arrows and Home / End (``SLIDER_KEYS``: they stepped
    the player's time, and the Train tab's snapshot slider could not be moved), reached
    with Tab or clicked (its handle dragged: a desktop's arrows then move the slider just
    touched); Space and PgUp / PgDn stay the window's. The player's own slider takes no
    focus (its arrows are the player's anyway), and a click on a plot or anywhere else
    gives the arrows back to the player."""

    def wants(self, widget) -> bool:
        if isinstance(widget, QtWidgets.QAbstractSlider):
            return True
        return (isinstance(widget, (QtWidgets.QAbstractButton, QtWidgets.QComboBox))
                and not (isinstance(widget, QtWidgets.QComboBox) and widget.isEditable())
                and getattr(self.window, "tabbing", False))

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt's name)
        if (event.type() == QtCore.QEvent.Type.ShortcutOverride
                and not event.modifiers() & ~QtCore.Qt.KeyboardModifier.KeypadModifier
                and event.key() in (SLIDER_KEYS if isinstance(obj, QtWidgets.QAbstractSlider)
                                    else (QtCore.Qt.Key.Key_Space,))):
            event.accept()  # (the control's own key press: not the window's shortcut)
            return True
        if (event.type() in (QtCore.QEvent.Type.MouseButtonPress, QtCore.QEvent.Type.MouseButtonRelease)
                and obj is self.watched and not isinstance(obj, QtWidgets.QAbstractSlider)):
            obj.removeEventFilter(self)  # (clicked: Space plays again)
            self.watched = None
        return False
