"""The side panel: the input spec, one card per layer, the total, and a form for the
selected layer's options.

A thin view of ``AppState``: widgets call the state's edit methods; the panel redraws on
``stack_changed``/``model_changed``/``error_changed``. While it writes values into its own
widgets it blocks their signals, so nothing echoes back into the state.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from lstmviz.app.cell_ref import layer_words
from lstmviz.app.counts import count
from lstmviz.app.explain import disabled_options, inference_notes, inner_prefix, output_text
from lstmviz.app.opening import data_ops, readonly_reason
from lstmviz.app.options import (
    ADD_WHERE,
    ADDABLE,
    STACK_READ_ONLY,
    Option,
    add_position,
    choice_text,
    get_option,
    options_for,
    same_choice,
    stacked_cells,
    trains_all,
)
from lstmviz.app.state import AppState
from lstmviz.engine.layers import fmt_shape, frozen_arrays
from lstmviz.errors import LstmvizError
from lstmviz.text import escape, markup, plural, safe_name
from lstmviz.ui import theme as th
from lstmviz.ui.labels import ElidedCombo, FigureSpin, QuietLabel, text_tip
from lstmviz.ui.later import weakly
from lstmviz.ui.wheel import wheel_scrolls

ROLE_INDEX = QtCore.Qt.ItemDataRole.UserRole + 1
ROLE_CARD = QtCore.Qt.ItemDataRole.UserRole + 2


def error_colour() -> str:
    return "#ff7b72" if th.current().dark else "#b00020"


#: the timesteps box's top: a long input (a year of sensor data, a book's characters) shows
#: its own length, not a cap
MAX_TIMESTEPS = 100_000_000

class CardDelegate(QtWidgets.QStyledItemDelegate):
    """Paints a layer card: class and name, params on the right; options and output below."""

    def sizeHint(self, option, index):
        fm = QtGui.QFontMetrics(option.font)
        return QtCore.QSize(200, int(fm.height() * (card_lines(index.data(ROLE_CARD)) + 0.6)) + 14)

    def paint(self, painter: QtGui.QPainter, option, index):
        card = index.data(ROLE_CARD) or {}
        theme = th.current()
        painter.save()
        r = option.rect.adjusted(4, 3, -4, -3)
        selected = bool(option.state & QtWidgets.QStyle.StateFlag.State_Selected)
        bad = card.get("bad", False)
        bg = QtGui.QColor(theme.panel)
        border = QtGui.QColor(error_colour() if bad else (th.OKABE_ITO["blue"] if selected else theme.grid))
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        painter.setPen(QtGui.QPen(border, 3 if (selected or bad) else 1))
        painter.setBrush(bg)
        painter.drawRoundedRect(r, 6, 6)
        # (no focus drawn on the card: the list Tab reached is ringed as every control is,
        # ``accessible.KeyboardRing``; a dotted ring round the card as well showed the focus
        # twice, and at a click too)
        inner = r.adjusted(10, 6, -10, -6)
        font = QtGui.QFont(option.font)
        fm = QtGui.QFontMetrics(font)
        line = fm.height()
        bold = QtGui.QFont(font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(QtGui.QColor(theme.foreground))
        top = QtCore.QRect(inner.left(), inner.top(), inner.width(), line)
        params = card.get("params", "")
        bfm = QtGui.QFontMetrics(bold)
        room = top.width() - bfm.horizontalAdvance(params) - bfm.horizontalAdvance("  ")
        title = card_title(bfm, card.get("title", ""), card.get("short", ""), room)
        painter.drawText(top, QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter, title)
        painter.drawText(top, QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter, params)
        small = QtGui.QFont(font)
        small.setPointSizeF(max(11.0, font.pointSizeF() * 0.9))
        painter.setFont(small)
        painter.setPen(QtGui.QColor(theme.muted if not bad else error_colour()))
        sfm = QtGui.QFontMetrics(small)
        y = inner.top() + line + 4
        for part in (card.get("detail") or "").split("\n"):  # options, then the output shape
            sub = QtCore.QRect(inner.left(), y, inner.width(), sfm.height())
            text = sfm.elidedText(part, QtCore.Qt.TextElideMode.ElideRight, sub.width())
            painter.drawText(sub, QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignTop, text)
            y += sfm.height()
        painter.restore()


def card_lines(card: dict | None) -> int:
    """The lines of text a card holds (its title, then its detail's), which set its height."""
    return 1 + max(1, len(((card or {}).get("detail") or "").split("\n")))


def card_title(fm: QtGui.QFontMetrics, title: str, short: str, room: int) -> str:
    """A card's title ('LSTM  lstm_sequences_0_st-True') in ``room`` pixels: cut at its end
    while the start of the name still shows (five characters or more: a published model's
    LSTMs were three cards reading 'LSTM'), else a short name whole after the class cut
    ('Bidirection…  bi1': four Bidirectional(LSTM) cards read the same without it), else
    the class alone (the tooltip has both)."""
    room = max(room, 0)
    if fm.horizontalAdvance(title) <= room:
        return title
    cut = fm.elidedText(title, QtCore.Qt.TextElideMode.ElideRight, room)
    if not short or (title.startswith(short + "  ") and len(cut) - 1 >= len(short) + 2 + 5):
        return cut
    if title.startswith(short + "  "):
        name = title[len(short):]
        head = fm.elidedText(short, QtCore.Qt.TextElideMode.ElideRight, room - fm.horizontalAdvance(name))
        if head.endswith("\u2026") and len(head) - 1 >= 4:
            return head + name
    return fm.elidedText(short, QtCore.Qt.TextElideMode.ElideRight, room)


class EscapeReverts(QtCore.QObject):
    """Escape in a field with typing not yet taken puts back what the stack holds. The
    fields take a value on Enter or when they lose focus (keyboard tracking is off), so
    '16' typed into units and Escape stayed '16', and clicking elsewhere then took it.
    Escape with nothing pending goes on as before (presentation mode's Esc)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.committed: dict = {}  # line edit -> the text it holds when nothing is typed

    def watch(self, widget, committed=None) -> None:
        widget.installEventFilter(self)
        if committed is not None:
            self.committed[widget] = committed

    def pending(self, obj) -> str | None:
        """The text ``obj`` shows when nothing is typed, if it shows another now."""
        if isinstance(obj, QtWidgets.QSpinBox):
            want = obj.prefix() + obj.textFromValue(obj.value()) + obj.suffix()
        elif isinstance(obj, QtWidgets.QDoubleSpinBox):  # (its value a float)
            want = obj.prefix() + obj.textFromValue(obj.value()) + obj.suffix()
        elif obj in self.committed:
            want = self.committed[obj]()
        else:
            return None
        return want if obj.text() != want else None

    def eventFilter(self, obj, event):  # noqa: N802 - Qt's name
        kind = event.type()
        if (kind in (QtCore.QEvent.Type.ShortcutOverride, QtCore.QEvent.Type.KeyPress)
                and event.key() == QtCore.Qt.Key.Key_Escape
                and event.modifiers() == QtCore.Qt.KeyboardModifier.NoModifier):
            want = self.pending(obj)
            if want is not None:
                if kind == QtCore.QEvent.Type.KeyPress:
                    edit = obj.lineEdit() if isinstance(obj, QtWidgets.QAbstractSpinBox) else obj
                    edit.setText(want)
                    edit.selectAll()
                event.accept()  # (an accepted ShortcutOverride: no shortcut, the key comes here)
                return True
        return False


class FittedBox(QtWidgets.QGroupBox):
    """A group box whose title never widens it: the title is elided to the box's width
    (the whole of it in ``full_title`` and the tooltip). A QGroupBox is at least as wide as
    its title, and a long layer name ("Selected: Bidirectional(LSTM) bidirectional_74")
    pushed the side panel's content past its right edge, where the scroll area (no
    horizontal bar) cut the input's boxes and the cards' parameter counts off."""

    def __init__(self, title: str, parent=None):
        super().__init__(title, parent)
        self.full_title = title

    def set_full_title(self, title: str) -> None:
        self.full_title = title
        self.setToolTip(text_tip(title))
        self._fit()

    def minimumSizeHint(self):
        hint = super().minimumSizeHint()
        lay = self.layout()
        if lay is not None:  # what the content needs, the title aside
            m = self.contentsMargins()
            hint.setWidth(lay.totalMinimumSize().width() + m.left() + m.right())
        return hint

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        font = QtGui.QFont(self.font())
        font.setBold(True)  # the chrome's style sheet draws group titles bold
        room = self.width() - 4 * QtGui.QFontMetrics(font).averageCharWidth()
        text = QtGui.QFontMetrics(font).elidedText(self.full_title, QtCore.Qt.TextElideMode.ElideRight,
                                                   max(room, 0))
        if text != self.title():
            self.setTitle(text)


class CountSpinBox(QtWidgets.QSpinBox):
    """A spin box of a count, written with the locale's group separators (a long input's
    30,000 steps, as every text beside it writes them), whose size hints are measured as
    a plain spin box's: its top written with separators (100,000,000) made the timesteps
    box's least width grow, and a long layer name's side panel no longer kept inside its
    width. A number typed without separators is still taken."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._plain = False  # (while Qt measures the hints: the numbers without separators)
        self.setGroupSeparatorShown(True)

    def textFromValue(self, value: int) -> str:  # noqa: N802 (Qt's name)
        text = super().textFromValue(value)
        if self._plain:
            text = text.replace(self.locale().groupSeparator(), "")
        return text

    def _measured(self, hint) -> QtCore.QSize:
        self._plain = True
        try:
            return hint()
        finally:
            self._plain = False

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt's name)
        return self._measured(super().sizeHint)

    def minimumSizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt's name)
        return self._measured(super().minimumSizeHint)


#: the roles of a card's data that leave its height as it is (its tooltip, its index)
_NO_HEIGHT = (int(QtCore.Qt.ItemDataRole.ToolTipRole.value), int(ROLE_INDEX))


class CardList(QtWidgets.QListWidget):
    """The layer cards; drag a card to reorder (InternalMove), the state does the move."""

    moved = QtCore.Signal(int, int)  # from, to

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setItemDelegate(CardDelegate(self))
        self.setDragDropMode(QtWidgets.QAbstractItemView.DragDropMode.InternalMove)
        self.setDefaultDropAction(QtCore.Qt.DropAction.MoveAction)
        self.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollMode(QtWidgets.QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.setToolTip("The layers, input at the top. Drag a card to reorder; click to edit it.")
        self.model().rowsMoved.connect(self._rows_moved)
        self.in_place = False  # (a card's new texts take as many lines: ``dataChanged``)

    def _rows_moved(self, _parent, start, _end, _dest, row):
        to = row if row < start else row - 1
        if to != start:
            # let Qt finish its drop before the state rebuilds the list
            QtCore.QTimer.singleShot(0, lambda: self.moved.emit(start, to))

    def dataChanged(self, top_left, bottom_right, roles=()):  # noqa: N802 (Qt's name)
        """A card given new texts of as many lines (``in_place``: an edit's new units or
        parameters) or a new tooltip repainted alone. QListView lays every item out again at
        any change of an item's data, and its layout repaints the whole list: each card was
        painted at every edit (~0.3-0.5 ms a card), the unchanged ones too."""
        if top_left == bottom_right and (self.in_place or (roles and all(r in _NO_HEIGHT for r in roles))):
            QtWidgets.QAbstractItemView.dataChanged(self, top_left, bottom_right, roles)
            return
        super().dataChanged(top_left, bottom_right, roles)

    def fit_height(self):
        # the items laid out now, before the paint this refresh asks for: Qt's delayed
        # layout (a timer) came after it and painted the cards a second time
        self.executeDelayedItemsLayout()
        h = sum(self.sizeHintForRow(i) for i in range(self.count()) if not self.item(i).isHidden()) + 6
        self.setFixedHeight(max(h, 40))


#: the options that set a recurrent layer's units (a Bidirectional's inner layer's)
UNITS_KEYS = ("units", "layer.units")

#: after an edit of units (or the box taking focus), the pause before the draws of the next
#: numbers are made ahead: the edit painted by then, even at half speed (~60-80 ms)
AHEAD_MS = 120


class DrawsAhead(QtCore.QObject):
    """The units box taking focus has the panel draw ahead (``StackPanel._draw_ahead``)
    once its timer runs out (after the click that gave it focus has made its edit, if it
    made one)."""

    def eventFilter(self, obj, event):  # noqa: N802 - Qt's name
        panel = self.parent()  # (its parent, not a reference of its own: no cycle)
        if event.type() == QtCore.QEvent.Type.FocusIn and isinstance(panel, StackPanel):
            panel._ahead_timer.start()
        return False


class StackPanel(QtWidgets.QWidget):
    """Input spec, layer cards, total, add/duplicate/remove, the error, the option form."""

    #: The user asked to edit where the input comes from (the main window shows the Input tab).
    input_source_requested = QtCore.Signal()

    def __init__(self, state: AppState, parent=None):
        super().__init__(parent)
        self.state = state
        self._shown_model = None  # the model the panel shows (see _state_changed)
        self._form_key = None
        self.option_widgets: dict[str, QtWidgets.QWidget] = {}
        self._spin_ranges: dict[QtWidgets.QSpinBox, tuple[int, int]] = {}
        self.escape = EscapeReverts(self)
        self._draws_ahead = DrawsAhead(self)
        self._ahead_timer = QtCore.QTimer(self)
        self._ahead_timer.setSingleShot(True)
        self._ahead_timer.setInterval(AHEAD_MS)
        self._ahead_timer.timeout.connect(weakly(self, StackPanel._draw_ahead))

        outer = QtWidgets.QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QtWidgets.QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer.addWidget(scroll)
        scroll.setAccessibleName("Stack")
        self.body_scroll = scroll  # (not ``scroll``: QWidget.scroll(dx, dy) is a method)
        body = QtWidgets.QWidget()
        scroll.setWidget(body)
        wheel_scrolls(scroll)  # (the wheel scrolls past the boxes: a form's box turned a model's units)
        lay = QtWidgets.QVBoxLayout(body)
        lay.setContentsMargins(10, 8, 10, 8)
        lay.setSpacing(8)

        # -- input spec ------------------------------------------------------------------
        self.input_box = QtWidgets.QGroupBox("Input", body)
        grid = QtWidgets.QGridLayout(self.input_box)
        self.batch_spin = self._spin(1, 256, BATCH_TIP)
        # long sequences are traced by keyframes (a memory limit refuses what cannot be held)
        self.timesteps_spin = self._spin(1, MAX_TIMESTEPS, "timesteps: the length of each sequence: how many "
                                         "times the cell is applied, once per step t.")
        self.input_dim_spin = self._spin(1, 4096, "input_dim: how many numbers x_t holds at each step "
                                         "(features per timestep). Not the number of timesteps.")
        for col, (text, spin, key) in enumerate((("batch", self.batch_spin, "batch_size"),
                                                 ("timesteps", self.timesteps_spin, "timesteps"),
                                                 ("input_dim", self.input_dim_spin, "input_dim"))):
            label = QtWidgets.QLabel(text)
            label.setToolTip(spin.toolTip())
            label.setBuddy(spin)
            spin.setAccessibleName(key)
            grid.addWidget(label, 0, col)
            grid.addWidget(spin, 1, col)
            spin.valueChanged.connect(lambda v, k=key: self._edit_input(k, v))
        self.input_shape_label = QtWidgets.QLabel()
        self.input_shape_label.setWordWrap(True)
        self.input_shape_label.setTextFormat(QtCore.Qt.TextFormat.PlainText)  # (it names inputs)
        self.input_source_button = QtWidgets.QPushButton()
        self.input_source_button.setToolTip("Where the input values come from: change it in the Input tab")
        self.input_source_button.clicked.connect(self.input_source_requested)
        grid.addWidget(self.input_shape_label, 2, 0, 1, 3)
        grid.addWidget(QtWidgets.QLabel("values"), 3, 0)
        grid.addWidget(self.input_source_button, 3, 1, 1, 2)
        lay.addWidget(self.input_box)

        # -- the cards ---------------------------------------------------------------------
        self.cards = CardList(body)
        self.cards.setAccessibleName("Layers")
        self.cards.currentRowChanged.connect(self._select_row)
        self.cards.moved.connect(self._move)
        lay.addWidget(self.cards)

        self.total_label = QtWidgets.QLabel(body)
        f = self.total_label.font()
        f.setBold(True)
        self.total_label.setFont(f)
        self.total_label.setToolTip("Total number of weights in the model, as Keras counts them; "
                                    "the trainable ones, where some are not (a frozen layer's, a "
                                    "BatchNormalization's moving statistics), beside it")
        lay.addWidget(self.total_label)

        buttons = QtWidgets.QHBoxLayout()
        self.add_button = QtWidgets.QToolButton(body)
        # the menu's arrow written after the text, as on the input's "your data \u25be": the
        # style's own indicator is a few pixels squeezed into the corner, against the "r"
        self.add_button.setText("+ Add layer \u25be")
        self.add_button.setStyleSheet("QToolButton::menu-indicator { image: none; width: 0px; }")
        self.add_button.setPopupMode(QtWidgets.QToolButton.ToolButtonPopupMode.InstantPopup)
        self.add_button.setToolButtonStyle(QtCore.Qt.ToolButtonStyle.ToolButtonTextOnly)
        menu = QtWidgets.QMenu(self.add_button)
        self.add_actions: dict[str, QtGui.QAction] = {}
        for name, (cls, inner) in ADDABLE.items():
            a = menu.addAction(name)
            a.triggered.connect(lambda _=False, c=cls, i=inner: self.add_layer(c, i))
            self.add_actions[name] = a
        menu.addSeparator()
        self.add_where = ADD_WHERE[0]
        self.where_actions: dict[str, QtGui.QAction] = {}
        group = QtGui.QActionGroup(menu)
        for where in ADD_WHERE:
            a = menu.addAction(f"Put it {where}")
            a.setCheckable(True)
            a.setChecked(where == self.add_where)
            a.triggered.connect(lambda _=False, w=where: setattr(self, "add_where", w))
            group.addAction(a)
            self.where_actions[where] = a
        self.add_button.setMenu(menu)
        self.add_button.setToolTip(tip("Add a layer below the selected one (or at the top or bottom: "
                                       "the last items of the menu). A Masking or an Embedding "
                                       "always goes first: it reads the input. A Conv1D or a pooling "
                                       "added below a recurrent layer (or a layer after it) goes just "
                                       "before the first recurrent layer, as in a CNN-LSTM; drag it "
                                       "to move it."))
        self.duplicate_button = QtWidgets.QPushButton("Duplicate", body)
        self.duplicate_button.setToolTip("Copy the selected layer (same options) just below it")
        self.duplicate_button.clicked.connect(self._duplicate)
        self.remove_button = QtWidgets.QPushButton("Remove", body)
        self.remove_button.setToolTip("Remove the selected layer from the stack")
        self.remove_button.clicked.connect(self._remove)
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        buttons.addWidget(self.duplicate_button)
        buttons.addWidget(self.remove_button)
        lay.addLayout(buttons)

        self.error_label = QtWidgets.QLabel(body)
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()
        lay.addWidget(self.error_label)

        self.readonly_label = QtWidgets.QLabel(
            "This model has several inputs or branches: its layers are shown read-only. "
            "File > New stack starts an editable one.", body)
        self.readonly_label.setWordWrap(True)
        self.readonly_label.hide()
        lay.addWidget(self.readonly_label)

        # -- the selected layer's form -----------------------------------------------------
        self.form_box = FittedBox("Selected layer", body)
        self.form_layout = QtWidgets.QFormLayout(self.form_box)
        self.form_layout.setFieldGrowthPolicy(QtWidgets.QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        # long option names (recurrent_initializer) put their widget below them when the
        # panel is narrow, rather than pushing the form past the panel's edge
        self.form_layout.setRowWrapPolicy(QtWidgets.QFormLayout.RowWrapPolicy.WrapLongRows)
        lay.addWidget(self.form_box)
        # its text changes with an edit (shapes, the parameter formula): the panel is laid
        # out again only when it needs another height (QuietLabel)
        self.info_label = QuietLabel(body)
        self.info_label.label.setTextFormat(QtCore.Qt.TextFormat.AutoText)
        self.info_label.label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.info_label)
        lay.addStretch(1)

        state.changed.connect(self._state_changed)  # once per edit, not once per event
        self.refresh()
        self._show_error(state.error)

    def least_width(self) -> int:
        """The width its content needs whole beside the scroll bar (the panel scrolls up and
        down, never sideways): the main window's side panel is no wider at its least."""
        body = self.body_scroll.widget()
        assert body is not None  # (set in __init__)
        bar = self.body_scroll.verticalScrollBar().sizeHint().width()
        return body.minimumSizeHint().width() + bar + 2 * self.body_scroll.frameWidth()

    # -- helpers ---------------------------------------------------------------------------
    def _spin(self, lo, hi, text):
        s = CountSpinBox(self)
        s.setRange(lo, hi)
        self._spin_ranges[s] = (lo, hi)  # (widened to show a larger value: show_number)
        self.escape.watch(s)
        s.setKeyboardTracking(False)
        s.setToolTip(tip(text))
        return s

    def selected_index(self) -> int | None:
        row = self.cards.currentRow()
        return row if 0 <= row < len(self.state.layers) else None

    def _guard(self, fn, *args):
        """Run an edit; a refused edit becomes the red message, never an exception."""
        try:
            return fn(*args)
        except LstmvizError as err:
            self._show_error(str(err))
            return None

    # -- edits -----------------------------------------------------------------------------
    def add_layer(self, class_name: str, inner: str | None = None):
        at = add_position(class_name, self.add_where, self.selected_index(), len(self.state.layers),
                          [e.class_name for e in self.state.layers])
        return self._guard(self.state.add_layer, class_name, inner, at)

    def _duplicate(self):
        idx = self.selected_index()
        if idx is not None:
            self._guard(self.state.duplicate_layer, idx)

    def _remove(self):
        idx = self.selected_index()
        if idx is not None:
            self._guard(self.state.remove_layer, idx)

    def _move(self, src, dst):
        self._guard(self.state.move_layer, src, dst)
        self.refresh()

    def _edit_input(self, key, value):
        self._guard(lambda: self.state.set_input_spec(**{key: int(value)}))

    def _edit_option(self, key, value):
        idx = self.selected_index()
        if idx is not None:
            self._guard(self.state.set_layer_option, idx, key, value)
            if key in UNITS_KEYS:  # (the next arrow's draw made ahead, once the edits pause)
                self._ahead_timer.start()

    def _draw_ahead(self):
        """The selected layer's models of one unit more and one fewer built ahead on a
        thread (``AppState.draw_ahead``): an edit of units to either then finds its
        orthogonal draw made. Asked ``AHEAD_MS`` after the last edit of units or the units
        box taking focus (``DrawsAhead``), by one timer started again at each: after the
        edit's paint (a call on the next turn of the event loop came before it, and its
        build's Python took the interpreter lock in turns with the paint's), and not
        between the edits of an arrow held down."""
        idx = self.selected_index()
        if idx is not None:
            self.state.draw_ahead(idx)

    def _units_typed(self, box: QtWidgets.QSpinBox) -> None:
        """A number typed into a units box, not entered yet (the box edits at Enter or when
        it loses focus): its model built ahead at once (``AppState.draw_ahead``), so that
        the edit finds its draw and the edited layer's trace made, as an arrow's edit does
        (between a number's last digit and Enter a user pauses longer than the build takes;
        the digits before it ask for builds that the next replaces before they start, or
        small ones). The next arrows' builds asked when the box took focus give way to it."""
        idx = self.selected_index()
        text = box.text()
        if idx is None or box.validate(text, len(text))[0] != QtGui.QValidator.State.Acceptable:
            return
        self._ahead_timer.stop()
        try:
            self.state.draw_ahead(idx, [box.valueFromText(text)])
        except LstmvizError:
            pass  # (a number the stack refuses: the edit, if it is made, says why)

    def _select_row(self, row):
        if 0 <= row < len(self.state.layers):
            name = self.state.layers[row].name
            if name and self.state.model is not None and name in [l.name for l in self.state.model.layers]:
                self.state.set_cursor(layer=name)
            self._build_form(row)

    def _state_changed(self, change):
        # a new trace of the same model on the same input (a long input's window following the
        # cursor, another sample) changes nothing the panel shows
        if change.stack or change.input or (change.model and self.state.model is not self._shown_model):
            self.refresh()
        if change.error:
            self._show_error(self.state.error)
        if change.cursor:
            self._follow_cursor(self.state.cursor)

    def _follow_cursor(self, cursor):
        idx = self.state.index_of(cursor.layer)
        if idx is not None and idx != self.cards.currentRow():
            self.cards.blockSignals(True)
            self.cards.setCurrentRow(idx)
            self.cards.blockSignals(False)
            self._build_form(idx)

    # -- redraw ----------------------------------------------------------------------------
    def refresh(self):
        st = self.state
        self._shown_model = st.model
        spec = st.input
        for spin, v in ((self.batch_spin, spec.batch_size), (self.timesteps_spin, spec.timesteps),
                        (self.input_dim_spin, spec.input_dim)):
            spin.blockSignals(True)
            show_number(spin, int(v), *self._spin_ranges[spin])
            spin.blockSignals(False)
        self.input_dim_spin.setEnabled(not st.embedding_first and not st.readonly)
        set_tip(self.input_dim_spin, tip(
            "input_dim: how many numbers x_t holds at each step (features per timestep). Not the "
            "number of timesteps." + (" With an Embedding first, the input is token ids and the "
                                      "Embedding's output_dim sets the width." if st.embedding_first else "")))
        shapes = st.model.input_shapes() if st.model is not None else [st.input_shape()]
        # a model of several inputs: whether each after the first is the user's or made up
        others = "".join(f"\n{safe_name(name)}: {made}"
                         for (name, _), made in zip(st.others_given(), st.others_made()))
        self.input_shape_label.setText("shape " + ", ".join(fmt_shape(s) for s in shapes)
                                       + "\n" + shape_words(shapes[0] if shapes else (), st.time_major,
                                                             cell_steps(st.model))
                                       + others)
        set_tip(self.input_shape_label, tip(
            "The input's shape as Keras writes it: (batch, timesteps, input_dim); None is the batch "
            "size, left open. In Keras, input_shape=(timesteps, input_dim) leaves the batch out: "
            "input_shape=(20, 30) means 20 steps of 30 features, so the cell runs 20 times."
            + (" A model of several inputs runs on your data for the first and, for the others, on "
               "arrays made up to fit them, unless you give one per input: lstmviz MODEL -i x0.npy "
               "-i x1.npy, or lstmviz.show(model, [x0, x1])." if others else "")))
        src = spec.source
        src_text = ({"data": spec.label or "your data", "text": f"text \u201c{escape(spec.text[:12])}\u201d"}
                    .get(src, f"{src}, seed {spec.seed}"))
        self.input_source_button.setText(src_text + " \u25be")
        for w in (self.batch_spin, self.timesteps_spin, self.add_button, self.duplicate_button, self.remove_button):
            w.setEnabled(not st.readonly)
        self.cards.setDragEnabled(not st.readonly)
        self.readonly_label.setVisible(st.readonly)

        bad = _named_in(st.error)
        model_layers = {l.name: l for l in st.model.layers} if st.model is not None else {}
        masks = st.model.mask_ops if st.model is not None else frozenset()
        row = self.cards.currentRow()
        want = st.index_of(st.cursor.layer)
        self.cards.blockSignals(True)
        cards = []  # (card, tooltip, hidden) of each layer
        for entry in st.layers:
            layer = model_layers.get(entry.name) if st.error is None else None
            title = f"{entry.label()}  {entry.name or '(new)'}"
            if layer is not None:
                words = layer_words(st.model, layer)
                detail = ((words + "\n") if words else "") + "\u2192 " + output_text(layer)
                params = f"{layer.count_params():,}"
                if frozen_arrays(layer):  # (trainable: false: training leaves its weights)
                    params = f"frozen \u00b7 {params}"
                    detail = "frozen (trainable: false): not trained\n" + detail
            else:
                detail, params = _summary(entry), ""
            formula = layer.param_formula() if layer is not None else ""
            cards.append(({"title": title, "short": entry.label(), "detail": detail, "params": params,
                           "bad": (bool(entry.name and entry.name in bad)
                                   or (entry.name is None and st.error is not None))},
                          text_tip(f"{title}\n{detail}\nparameters: {params or '?'}"
                                   + (f"\n{formula}" if formula else "")),
                          # (an ONNX op that only moves data, Keras 3's saved mask ops)
                          layer is not None and (getattr(layer, "glue", False) or layer.name in masks)))
        if self.cards.count() == len(cards):
            # as many layers as cards (an edit of an option, a new trace): each card takes
            # its new texts in place, where they changed; a list cleared and filled anew lays
            # its items out again and paints them all (~0.3 ms an edit)
            for i, (card, about, hidden) in enumerate(cards):
                item = self.cards.item(i)
                if item.data(ROLE_INDEX) != i:
                    item.setData(ROLE_INDEX, i)
                was = item.data(ROLE_CARD)
                if was != card:
                    self.cards.in_place = card_lines(was) == card_lines(card)
                    try:
                        item.setData(ROLE_CARD, card)
                    finally:
                        self.cards.in_place = False
                if item.toolTip() != about:
                    item.setToolTip(about)
                if item.isHidden() != hidden:
                    item.setHidden(hidden)
        else:
            self.cards.clear()
            for i, (card, about, hidden) in enumerate(cards):
                item = QtWidgets.QListWidgetItem()
                item.setData(ROLE_INDEX, i)
                item.setData(ROLE_CARD, card)
                item.setToolTip(about)
                self.cards.addItem(item)
                if hidden:
                    item.setHidden(True)
        glue = data_ops(model_layers.values())
        self.readonly_label.setText(
            (readonly_reason(st.model) if st.readonly and st.model is not None else "")
            + (f" {glue} ONNX ops that only move or reshape data (Transpose, Reshape, Shape, "
               "...) are computed but not listed here (the layer box above has them)." if glue else "")
            + (f" {len(masks)} mask ops (NotEqual, LogicalOr, ...) compute the masks saved with the model, "
               "shown as the masked steps of the layers they mask: not listed here (the layer box above "
               "has them)." if masks and st.error is None else ""))
        select = want if want is not None else (row if 0 <= row < len(st.layers) else 0)
        if st.layers:
            self.cards.setCurrentRow(min(select, len(st.layers) - 1))
        self.cards.blockSignals(False)
        self.cards.fit_height()
        if st.model is not None and st.error is None:
            total, moved = st.model.count_params(), st.model.count_trainable_params()
            self.total_label.setText(f"Total params   {total:,}"
                                     + (f"   (trainable {moved:,})" if moved != total else ""))
        else:
            self.total_label.setText("Total params   ?  (fix the stack)")
        self._build_form(self.cards.currentRow())

    def _show_error(self, message):
        if message:
            self.error_label.setText(
                f"<b>This stack cannot run:</b> {markup(message)}<br><i>The views still show the last "
                "stack that worked.</i>")
            self.error_label.setStyleSheet(
                f"color: {error_colour()}; border: 2px solid {error_colour()}; border-radius: 6px; padding: 6px;")
            self.error_label.show()
        else:
            self.error_label.hide()
            self.error_label.clear()

    # -- the form --------------------------------------------------------------------------
    def _build_form(self, row):
        st = self.state
        if not (0 <= row < len(st.layers)):
            self._clear_form()
            self.form_box.set_full_title("Selected layer")
            self.info_label.setText("")
            return
        entry = st.layers[row]
        # (what it is where it stands, as its card says: a global pooling's tip says what it pools)
        layer = (next((l for l in st.model.layers if l.name == entry.name), None)
                 if st.model is not None and st.error is None and entry.name else None)
        opts = options_for(entry.class_name, entry.config,
                           layer_words(st.model, layer) if layer is not None else None)
        # a stack of cells has no form: a read-only row for each cell and the layer, and why
        shown = stacked_cells(entry.class_name, entry.config)
        # (the tips too: a row's label takes its tip when the form is built)
        key = (row, entry.class_name, tuple((o.key, o.tooltip) for o in opts), tuple(shown))
        if key != self._form_key:
            self._clear_form()
            for opt in opts:
                w = self._make_widget(opt)
                label = QtWidgets.QLabel(opt.label)
                label.setToolTip(tip(opt.tooltip))
                label.setBuddy(w)
                w.setAccessibleName(opt.label)  # (a combo box's own name is its choice)
                self.form_layout.addRow(label, w)
                self.option_widgets[opt.key] = w
                if opt.key in UNITS_KEYS:
                    w.installEventFilter(self._draws_ahead)
                    if isinstance(w, QtWidgets.QSpinBox):
                        w.lineEdit().textEdited.connect(lambda _text, box=w: self._units_typed(box))
            for name, text in shown:
                value = QtWidgets.QLabel(text)
                value.setWordWrap(True)
                value.setTextFormat(QtCore.Qt.TextFormat.PlainText)
                value.setToolTip(tip(STACK_READ_ONLY))
                value.setObjectName(f"read-only:{name}")
                self.form_layout.addRow(QtWidgets.QLabel(name), value)
            if shown:
                why = QtWidgets.QLabel(STACK_READ_ONLY)
                why.setWordWrap(True)
                why.setTextFormat(QtCore.Qt.TextFormat.PlainText)
                why.setObjectName("read-only:why")
                why.setEnabled(False)  # (greyed: a note, not a value)
                self.form_layout.addRow(why)
            if not opts and not shown:
                # (an ONNX node, a graph's InputLayer: the frame was drawn empty)
                none = QtWidgets.QLabel("It has no options to set here: its shapes and parameters are below.")
                none.setWordWrap(True)
                none.setObjectName("no-options")
                none.setEnabled(False)  # (greyed: a note, not a value)
                self.form_layout.addRow(none)
            self._form_key = key
        self.form_box.set_full_title(f"Selected: {entry.label()} {entry.name or ''}")
        off = disabled_options(entry.config, inner_prefix(entry.class_name))
        for opt in opts:
            value = (entry.class_name if opt.key == "class_name" else
                     trains_all(entry.config, st.keras_major()) if opt.key == "trainable" else
                     get_option(entry.config, opt.key))
            w = self.option_widgets[opt.key]
            self._set_widget_value(w, opt, value)
            w.setEnabled(opt.key not in off)
            about = tip(opt.tooltip + (f" (Off now: {off[opt.key]}.)" if opt.key in off else ""))
            if isinstance(w, QtWidgets.QComboBox):  # the whole choice first: a narrow panel
                # cuts the box's text ('RandomUniform(min'), its tooltip says which one it is
                about = f"<p style='white-space:pre'>{markup(w.currentText())}</p>{about}"
            set_tip(w, about)
        self.form_box.setEnabled(not st.readonly)
        notes = "".join(f"<p><i>{markup(n)}</i></p>" for n in inference_notes(entry.class_name, entry.config))
        self.info_label.setText(notes + self._info(entry))

    def _clear_form(self):
        # takeRow + deleteLater, not removeRow: removeRow deletes the widgets at once, and the
        # form is rebuilt from inside a widget's own signal (the kind combo switching LSTM to
        # GRU), which then returned into a deleted combo box (a crash, seen under load).
        while self.form_layout.rowCount():
            row = self.form_layout.takeRow(0)
            for item in (row.labelItem, row.fieldItem):
                w = item.widget() if item is not None else None
                if w is not None:
                    w.hide()
                    w.deleteLater()
        self.option_widgets = {}
        self._form_key = None

    def _make_widget(self, opt: Option) -> QtWidgets.QWidget:
        w: QtWidgets.QWidget
        if opt.kind == "int":
            w = spin = QtWidgets.QSpinBox()
            spin.setRange(int(opt.minimum), int(opt.maximum))
            spin.setKeyboardTracking(False)
            spin.valueChanged.connect(lambda v, k=opt.key: self._edit_option(k, int(v)))
            self.escape.watch(spin)
        elif opt.kind == "float":
            w = figures = FigureSpin()  # (a file's mask_value of 1e-4 is 0.0001, not 0.000)
            figures.setRange(opt.minimum, opt.maximum)
            figures.setSingleStep(opt.step)
            figures.setKeyboardTracking(False)
            figures.valueChanged.connect(lambda v, k=opt.key: self._edit_option(k, float(v)))
            self.escape.watch(figures)
        elif opt.kind == "bool":
            w = check = QtWidgets.QCheckBox()
            check.toggled.connect(lambda v, k=opt.key: self._edit_option(k, bool(v)))
        else:
            w = combo = ElidedCombo()
            combo.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
            # as wide as the form's field column: at its 8 characters' width 'glorot_uniform'
            # was cut to 'glorot_uniforn' (the column had room to spare)
            combo.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Fixed)
            for c in opt.choices:
                _add_choice(combo, str(c), c)
            combo.currentIndexChanged.connect(
                lambda i, k=opt.key, box=combo: self._edit_option(k, _choice_at(box, i)))
        w.setToolTip(tip(opt.tooltip))
        w.setObjectName(f"option:{opt.key}")
        return w

    @staticmethod
    def _set_widget_value(w, opt: Option, value):
        w.blockSignals(True)
        try:
            # a value the stack cannot hold (a stranger's session, before the state refuses it
            # and restores what was there) shows as the widget's default, not as a crash
            if opt.kind == "int":
                show_number(w, _number(int, value, int(opt.minimum)), int(opt.minimum), int(opt.maximum))
            elif opt.kind == "float":
                show_number(w, _number(float, value, 0.0), opt.minimum, opt.maximum)
            elif opt.kind == "bool":
                w.setChecked(bool(value))
            else:
                i = _find_choice(w, value)
                if i < 0:  # (a Keras 3 file's config of a listed one: shown by its name)
                    i = _find_choice(w, same_choice(value, opt.choices or ()))
                if i < 0 and value is not None:
                    _add_choice(w, choice_text(value), value)
                    i = w.count() - 1
                w.setCurrentIndex(max(i, 0))
        finally:
            w.blockSignals(False)

    def _info(self, entry) -> str:
        st = self.state
        if st.model is None or st.error is not None or not entry.name:
            return ""
        try:
            layer = st.model.get_layer(entry.name)
        except LstmvizError:
            return ""
        lines = []
        if layer.input_shapes:
            lines.append(f"in {fmt_shape(layer.input_shapes[0])} \u2192 out {output_text(layer)}")
        for name, w in layer.named_weights().items():
            lines.append(f"{name} {fmt_shape(w.shape)}")
        formula = layer.param_formula()
        if formula:
            lines.append(f"params = {formula}")
        return "<br>".join(markup(l) for l in lines)


def _add_choice(box: QtWidgets.QComboBox, text: str, value) -> None:
    """An item of an option's box, its value kept beside the box in Python: Qt holds the
    value too where it can (an int past 64 bits in a stranger's initializer config
    cannot cross into Qt: ``addItem`` and ``findData`` raised OverflowError)."""
    values = box.__dict__.setdefault("_lstmviz_values", [])
    box.addItem(text, value if _qt_holds(value) else None)  # (shiboken reports a failed
    values.append(value)  # conversion to sys.excepthook even where it is caught)


def _qt_holds(value, depth: int = 0) -> bool:
    """Whether ``value`` crosses into a QVariant whole: names, numbers within 64 bits,
    and lists and dicts of them (a few levels deep)."""
    if value is None or isinstance(value, (str, bool, float)):
        return True
    if isinstance(value, int):
        return -2 ** 63 <= value < 2 ** 63
    if depth < 4 and isinstance(value, (list, tuple)):
        return all(_qt_holds(v, depth + 1) for v in value)
    if depth < 4 and isinstance(value, dict):
        return all(isinstance(k, str) and _qt_holds(v, depth + 1) for k, v in value.items())
    return False


def _choice_at(box: QtWidgets.QComboBox, i: int):
    """The value of an option's box's item ``i`` (None for no item)."""
    values = box.__dict__.get("_lstmviz_values", [])
    return values[i] if 0 <= i < len(values) else None


def _find_choice(box: QtWidgets.QComboBox, value) -> int:
    """The index of the item of ``value`` in an option's box, -1 where none is (compared in
    Python: the file's values never cross into Qt)."""
    if value is None:
        return -1
    for i, known in enumerate(box.__dict__.get("_lstmviz_values", [])):
        try:
            if isinstance(known, bool) == isinstance(value, bool) and bool(known == value):
                return i
        except Exception:  # (a value whose comparison fails is not this one)
            continue
    return -1


def show_number(spin, value, lo, hi) -> None:
    """Set ``spin`` to ``value``, its range ``lo..hi`` widened to hold it. A spin box
    clamps what it is given: an opened model's Dense(10000) showed units 4096, an
    LSTM(2048) 1024, an imported batch of 300 samples 256 (and a step down from there
    set 4095, not 9999). The range is the option's own again for a value within it. The
    value is given only where it changed: Qt's ``setValue`` writes the same text into the
    box again and repaints it (every edit repainted the input's three spin boxes, ~0.2 ms)."""
    if isinstance(spin, QtWidgets.QSpinBox):  # (a stranger's session: within Qt's int)
        value = max(-(2 ** 31 - 1), min(int(value), 2 ** 31 - 1))
    lo2, hi2 = min(lo, value), max(hi, value)
    if (spin.minimum(), spin.maximum()) != (lo2, hi2):
        spin.setRange(lo2, hi2)
    if spin.value() != value:
        spin.setValue(value)


def set_tip(widget: QtWidgets.QWidget, text: str) -> None:
    """``widget``'s tooltip, given only where it changed: Qt sends a tooltip-change event
    through the widget's event filters at every ``setToolTip`` (the form's fields and the
    input's boxes, ~20 at every edit of an option: ~0.25 ms of the side panel's ~0.7)."""
    if widget.toolTip() != text:
        widget.setToolTip(text)


def _number(kind, value, default):
    """``kind(value)``, or ``default`` when ``value`` is None or not a number."""
    if value is None or isinstance(value, (list, tuple, dict, str)):
        return default
    try:
        return kind(value)
    except (TypeError, ValueError, OverflowError):
        return default


#: The batch widget's help: true for inference (what is shown) and for training.
BATCH_TIP = ("batch_size: how many independent sequences (samples) run side by side. Each has its "
             "own h and c, and at inference the samples never mix: sample 0 gives the same numbers "
             "in a batch of 1 or of 32; the size only sets how many are computed at once. In "
             "training, the weights are updated once per batch: 256 samples with batch_size 32 "
             "make 256 / 32 = 8 updates per epoch.")


def tip(text: str) -> str:
    """A tooltip as rich text, so Qt wraps it (a plain one is one line, 1,000+ px wide)."""
    if text.startswith("<"):
        return text
    return f"<p style='white-space:normal'>{markup(text)}</p>"


def shape_words(shape, time_major: bool = False, runs: tuple[int, str] | None = None) -> str:
    """Which number is which in an input shape: (None, 20, 30) -> batch open · 20 steps · 30 features
    (a long input's counts as its header and status bar say them: 120,000 steps, not 120000);
    ``time_major`` (an ONNX graph's (time, batch, features) input): (20, None, 30) -> 20 steps ·
    batch open · 30 features, in the shape's order. ``runs``: the steps the first recurrent
    cell runs and the layer that hands them to it, where that is not the input's count (a
    CNN-LSTM's pooling: "20 steps (the cell runs 10×, on max_pooling1d's 10 steps)")."""
    shape = tuple(shape)
    if len(shape) == 3:
        b, t, d = shape
        if time_major:
            t, b = b, t
        steps = ("steps open (as many as the input has; the cell runs once per step)" if t is None
                 else f"{plural(t, 'step', sep=',')} (the cell runs {count(t)}\u00d7)")
        if runs is not None and t is not None and runs[0] != t:
            n, before = runs
            steps = (f"{plural(t, 'step', sep=',')} (the cell runs {count(n)}\u00d7, on "
                     f"{safe_name(before)}'s {plural(n, 'step', sep=',')})")
        batch = f"batch {'open' if b is None else b}"
        first, second = (steps, batch) if time_major else (batch, steps)
        return (f"{first} \u00b7 {second} "
                f"\u00b7 {'any number of features' if d is None else plural(d, 'feature')} each"
                + (" (time-major)" if time_major else ""))
    if len(shape) == 2:
        b, t = shape
        ids = "any number of token ids" if t is None else plural(t, "token id", sep=",")
        return f"batch {'open' if b is None else b} \u00b7 {ids}"
    return ""


def cell_steps(model) -> tuple[int, str] | None:
    """The steps the first recurrent layer of a plain stack runs and the layer before it that
    hands them over (a Conv1D's strides, a pooling, a Cropping1D change their count); None
    where there is no such layer, its steps are open, or the model is a graph."""
    from lstmviz.engine.cells import cell_kind

    if model is None or not model.is_sequential:
        return None
    before = None  # (the last layer whose steps are not those it reads)

    def steps_of(shapes) -> int | None:
        return shapes[0][1] if shapes and len(shapes[0]) == 3 and isinstance(shapes[0][1], int) else None

    for layer in model.layers:
        if layer.class_name == "InputLayer":
            continue
        steps = steps_of(layer.input_shapes)
        if cell_kind(layer) is not None:
            return (steps, before) if steps is not None and before is not None else None
        if steps is None or steps_of(layer.output_shapes) != steps:
            before = layer.name
    return None


def _summary(entry) -> str:
    units = get_option(entry.config, "units") or get_option(entry.config, "layer.units")
    bits = [plural(units, "unit")] if units else []
    for key in ("return_sequences", "layer.return_sequences"):
        v = get_option(entry.config, key)
        if v is not None:
            bits.append("sequences" if v else "last step")
    return ", ".join(bits) or "(not built)"


def _named_in(message: str | None) -> set[str]:
    """Layer names quoted in an engine message ('lstm_1'), to outline their cards."""
    if not message:
        return set()
    parts = message.split("'")
    return {parts[i] for i in range(1, len(parts), 2)}
