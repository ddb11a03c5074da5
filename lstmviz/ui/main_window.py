"""The main window: side panel (stack, input), the four views in tabs, the player.

It owns no data: ``AppState`` holds the stack, the trace and the one cursor. The window
connects the state's events to the views (``set_data`` on a new trace, ``set_cursor`` on
every step/selection change) and the views' requests back to the state.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from lstmviz import limits, loading
from lstmviz.app.counts import count
from lstmviz.app.demos import demo_of, input_label, load_demos
from lstmviz.app.long_sequence import LONG_STEPS
from lstmviz.app.opening import CHAIN_NOTE, layer_count, weights_refusal
from lstmviz.app.selection import Cursor
from lstmviz.app.state import AppState
from lstmviz.app.views import SHORT_TITLES, SHORTER_TITLES, VIEW_KEYS
from lstmviz.app.views import VIEWS as APP_VIEWS
from lstmviz.errors import LstmvizError
from lstmviz.io import formats
from lstmviz.text import escape, file_label, plural, safe_name, safe_text
from lstmviz.ui import theme as th
from lstmviz.ui.accessible import KeyboardRing, name_parts
from lstmviz.ui.background import Job
from lstmviz.ui.input_panel import InputPanel
from lstmviz.ui.labels import (
    TAB_PADDING,
    ElidedCombo,
    ElidedLabel,
    FormsLabel,
    LabelSlot,
    MessageBar,
    ShortComboBox,
    ShyLabel,
    SteadyLabel,
    TabNames,
    plain_box,
    set_if_changed,
    text_tip,
)
from lstmviz.ui.later import later
from lstmviz.ui.paint_once import OnePaint
from lstmviz.ui.player import ButtonKeys, Player
from lstmviz.ui.stack_panel import StackPanel
from lstmviz.ui.views.base import TraceView
from lstmviz.version import __version__

#: File > Open a long input: reading that takes longer shows a progress dialog with Cancel (s)
READ_QUIET_S = 0.1

log = logging.getLogger("lstmviz")

#: (module in lstmviz.ui.views, class, tab title), in tab order (app/views.py)
VIEWS = APP_VIEWS
MODEL_SUFFIXES = formats.suffixes()  # every registered format, sessions included (drop to open)
INPUT_SUFFIXES = (".npy", ".csv", ".txt")
MAX_RECENT = 8
#: the Train tab's title and tooltip (the tab is there before its panel is built)
TRAIN_TAB = ("Train", "Train a small net on a toy task and watch it learn")
#: the player's words before its buttons under the Train tab (``sync_player``), a shorter
#: form where the row is narrow, and their tooltip: its step and sample are the stack's,
#: not the training's
STACK_SCOPE = ("Stack's input:", "Stack:")
STACK_SCOPE_TIP = ("This row moves the stack's input (the Unrolled, Cell, Over time and Weights tabs), "
                   "not the training above")


def apply_chrome(app) -> None:
    """The Fusion style plus a few rules the palette alone gets wrong: visible check boxes
    (the one with the keyboard's focus ringed in the text's colour: a ticked box looked the
    same with it and without), spin boxes and combos with a border, in the current theme."""
    if app is None:
        return
    t = th.current()
    blue = th.OKABE_ITO["blue"]
    with th.widgets_held():
        _set_chrome(app, t, blue)


def _set_chrome(app, t, blue) -> None:
    app.setStyle("Fusion")
    app.setStyleSheet(f"""
        QCheckBox::indicator {{ width: 20px; height: 20px; border: 2px solid {t.muted};
                               border-radius: 4px; background: {t.background}; }}
        QCheckBox::indicator:checked {{ background: {blue}; border-color: {blue}; }}
        QCheckBox::indicator:disabled {{ border-color: {t.grid}; }}
        QCheckBox::indicator:focus {{ border-color: {t.foreground}; }}
        QGroupBox {{ font-weight: bold; border: 1px solid {t.grid}; border-radius: 6px;
                    margin-top: 1.2em; padding-top: 4px; }}
        QGroupBox::title {{ subcontrol-origin: margin; left: 8px; padding: 0 4px; }}
        QTabBar::tab {{ padding: 6px {TAB_PADDING}px; }}
        QTabBar::tab:selected {{ font-weight: bold; }}
    """)


class PlaceholderView(TraceView):
    """Stands in for a view whose module is missing, so the window still works."""

    def __init__(self, title: str, why: str = "", parent=None):
        super().__init__(parent)
        self.title = title
        self.label = QtWidgets.QLabel(self)
        self.label.setTextFormat(QtCore.Qt.TextFormat.PlainText)  # (it names the layer)
        self.label.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.label.setWordWrap(True)
        lay = QtWidgets.QVBoxLayout(self)
        lay.addWidget(self.label)
        self.why = why
        self.label.setText(f"The {title} view is not available in this build.")

    def set_data(self, model, trace):
        pass

    def set_cursor(self, cursor):
        self.cursor = cursor
        self.label.setText(f"The {self.title} view is not available in this build.\n\n"
                           f"t = {count(cursor.step)}, layer {cursor.layer}, unit {cursor.unit}")


def _takes_inputs(view) -> bool:
    import inspect

    try:
        return "inputs" in inspect.signature(view.set_data).parameters
    except (TypeError, ValueError):
        return False


#: The preferences' key of the memory limit (File > Memory limit).
MEMORY_KEY = "memory_limit"


def make_view(k: int) -> TraceView:
    """The view of tab ``k`` (``VIEWS``' order), or a placeholder when its module is missing."""
    module, cls, title = VIEWS[k]
    try:
        return getattr(importlib.import_module(f"lstmviz.ui.views.{module}"), cls)()
    except (ImportError, AttributeError) as err:
        log.warning("view %s unavailable: %s", cls, err)
        return PlaceholderView(title, str(err))


def _focus_target(w: QtWidgets.QWidget) -> QtWidgets.QWidget:
    """The widget that takes the focus given to ``w``, as Qt's focus proxies give it: a
    tab widget's bar; for a scroll area's viewport, the area; for the line edit of a spin
    box or combo box, the box. (``focusProxy()`` itself is not asked: asked of the
    viewports, the next style sheet, ``set_theme``, crashed in Qt's polish.)"""
    if isinstance(w, QtWidgets.QTabWidget):
        return w.tabBar()
    parent = w.parentWidget()
    if isinstance(parent, QtWidgets.QAbstractScrollArea) and parent.viewport() is w:
        return parent  # (a plot's or a list's viewport)
    if isinstance(w, QtWidgets.QLineEdit) and isinstance(parent, (QtWidgets.QAbstractSpinBox, QtWidgets.QComboBox)):
        return parent
    return w


class LazyViews(Sequence):
    """The window's views in tab order, each built the first time it is needed: its tab
    shown, or ``window.views[k]`` (iterating builds them all). Until then its tab holds an
    empty page; ``built()`` gives the views that exist without building any."""

    def __init__(self, window: "MainWindow"):
        self._window = window
        self._views: list[TraceView | None] = [None] * len(VIEWS)

    def __len__(self) -> int:
        return len(self._views)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        k = range(len(self))[k]
        view = self._views[k]
        if view is None:
            view = self._views[k] = self._window._view_built(k, make_view(k))
        return view

    def is_built(self, k: int) -> bool:
        return self._views[k] is not None

    def built(self) -> list[tuple[int, TraceView]]:
        return [(k, v) for k, v in enumerate(self._views) if v is not None]

    def index(self, view, start: int = 0, stop: int | None = None) -> int:
        for k, v in self.built():
            if v is view:
                return k
        raise ValueError("not one of the window's views")


class _HeaderRow(QtWidgets.QWidget):
    """The row over the tabs (layer, unit, step): on a resize, and when its parts' sizes
    change (a layer's name, the theme's fonts), ``give_way`` says which parts its room holds."""

    def __init__(self, give_way, parent=None):
        super().__init__(parent)
        self._give_way = give_way

    def event(self, event) -> bool:
        done = super().event(event)
        if event.type() in (QtCore.QEvent.Type.Resize, QtCore.QEvent.Type.LayoutRequest):
            self._give_way()
        return done


class ViewTabs(QtWidgets.QTabWidget):
    """The views' tabs, in document mode, whose least size is what their layout needs: the
    tab bar and the page's least. Qt's ``minimumSizeHint`` adds the style's frame around the
    pages (``CT_TabWidget``: Fusion's 4 x 4 px), which document mode does not draw (the page
    has the whole room under the bar), so the window's least was 4 px taller than its views
    needed: a long input's Over time at 760 x 540 (its least 363 px, the page 364) held the
    window at 543 px whenever the window read the tabs' least again after the strips came,
    and at 540 when it kept the one it had read before (a test failing 1 run in 8)."""

    def minimumSizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt's name)
        hint = super().minimumSizeHint()
        if not self.documentMode():
            return hint
        opt = QtWidgets.QStyleOptionTabWidgetFrame()
        self.initStyleOption(opt)
        frame = self.style().sizeFromContents(QtWidgets.QStyle.ContentsType.CT_TabWidget, opt,
                                              QtCore.QSize(0, 0), self)
        return QtCore.QSize(max(0, hint.width() - frame.width()), max(0, hint.height() - frame.height()))


class MenuBar(QtWidgets.QMenuBar):
    """The window's menu bar, drawn whole into an SVG too.

    Qt paints a menu bar's items, then its empty area: a fill of the whole bar, clipped to
    the room the items leave. ``QSvgGenerator`` does not clip, so in a whole-window SVG
    that fill covered every item's text (an SVG renderer drew a bare bar). On a paint
    engine of that kind it paints the bar first and the items over it, with the same style
    calls; on the screen and into pictures it is Qt's own paint, untouched."""

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        painter = QtGui.QPainter(self)
        if painter.paintEngine() is None or painter.paintEngine().type() != QtGui.QPaintEngine.Type.SVG:
            painter.end()
            super().paintEvent(event)
            return
        style = self.style()
        bar = QtWidgets.QStyleOptionMenuItem()
        bar.initFrom(self)
        bar.menuItemType = QtWidgets.QStyleOptionMenuItem.MenuItemType.EmptyArea
        bar.checkType = QtWidgets.QStyleOptionMenuItem.CheckType.NotCheckable
        bar.rect = self.rect()
        bar.menuRect = self.rect()
        style.drawControl(QtWidgets.QStyle.ControlElement.CE_MenuBarEmptyArea, bar, painter, self)
        for action in self.actions():
            where = self.actionGeometry(action)
            if not action.isVisible() or where.isEmpty():
                continue
            item = QtWidgets.QStyleOptionMenuItem()
            self.initStyleOption(item, action)
            item.rect = where  # (as Qt's paint sets it: initStyleOption leaves it out)
            style.drawControl(QtWidgets.QStyle.ControlElement.CE_MenuBarItem, item, painter, self)
        painter.end()


def settle_ranges(widget: QtWidgets.QWidget) -> None:
    """Apply the view ranges ``widget``'s plots were given now, not when they are painted.

    pyqtgraph applies a new range lazily, at the start of a paint (``prepareForPaint``); the
    transform it sets then asks for a second paint of every plot area, so a new trace was
    drawn twice. Applied here, before the paint, one paint draws it."""
    import pyqtgraph as pg

    for gv in widget.findChildren(pg.GraphicsView):
        scene = gv.scene()
        if scene is not None and gv.isVisible():
            scene.prepareForPaint()


def is_model_file(path) -> bool:
    return formats.is_openable_name(path)


class MainWindow(QtWidgets.QMainWindow):
    #: Files opened and sessions saved go into File > Open recent; a headless run's window
    #: (``--screenshot``, ``--export-*``, ``lstmviz.picture``) leaves the list as it was
    #: (``make_window(strict=True)``): a script rendering pictures filled it with its paths
    keeps_recent = True

    def __init__(self, state: AppState | None = None, settings: QtCore.QSettings | None = None,
                 quiet: bool = False, parent=None):
        super().__init__(parent)
        self.state = state or AppState()
        self.settings = settings or QtCore.QSettings("lstmviz", "lstmviz")
        self._memory_limit_from_preferences()
        #: no dialogs (screenshots, tests): messages go to the status bar and ``last_message``
        self.quiet = quiet
        #: the title's name for a model handed over without a file (``lstmviz.show(model)``)
        self.source_label: str | None = None
        self.last_message = ""
        #: a line said to the status bar alone is being shown (``status_alone``)
        self.status_aside = False
        #: the last line ``say_stack_error`` said
        self.stack_line = ""
        self.view_errors: dict[str, str] = {}
        self._stale: set[int] = set()
        self._data_stale: set[int] = set()  # tabs not yet given the current trace
        self._quick_kept: object = None  # the quick steps whose window failed (``quick_stays``)
        #: update only the visible view on a step (hidden ones catch up when shown)
        self.lazy_hidden_views = False
        self._one_paint = OnePaint(self)  # a step's or an edit's plots painted in one pass, not one a plot
        self.setWindowTitle("lstmviz")
        self.setAcceptDrops(True)
        self.resize(1600, 1000)
        # The frame first: the central widget, its layout and the splitter are in the window
        # before what goes in them. A widget put into a parent is polished again for the
        # app's style sheet with everything it holds (~6 ms each time for the whole window,
        # which went in through two more parents so); the focus chain is the same (each
        # part joins it, at its end, in the same order).
        central = QtWidgets.QWidget()
        cl = QtWidgets.QVBoxLayout(central)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.setSpacing(0)
        self.setCentralWidget(central)
        self.splitter = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        cl.addWidget(self.splitter, 1)

        # -- side panel --------------------------------------------------------------------
        self.stack_panel = StackPanel(self.state)
        self.input_panel = InputPanel(self.state)
        self.side = QtWidgets.QTabWidget()
        self.side.setAccessibleName("Side panel")
        self.splitter.addWidget(self.side)  # (before its pages: they are polished once)
        self.side.addTab(self.stack_panel, "Stack")
        self.side.addTab(self.input_panel, "Input")
        # 26 em at first (its option boxes show their defaults whole), and at the least
        # where the Stack page's cards, boxes and buttons need less: in the projector theme
        # 26 em were 442 px, 20 more than they need, and beside the header and Over time's
        # heatmaps held a 760 x 540 window 790-799 px wide
        self.fit_side_least()
        self.stack_panel.input_source_requested.connect(lambda: self.side.setCurrentWidget(self.input_panel))

        # -- views -------------------------------------------------------------------------
        # Each view is built when its tab is first shown (or ``self.views[k]`` asked for):
        # until then its tab holds an empty page (``LazyViews``, ``_view_built``).
        self.tabs = ViewTabs()
        self.tabs.setAccessibleName("Views")
        self.tabs.setDocumentMode(True)
        for k, (_module, _cls, title) in enumerate(VIEWS):
            self.tabs.addTab(QtWidgets.QWidget(), title)
            self.tabs.setTabToolTip(k, f"{title} view (key {k + 1})")
        self.views = LazyViews(self)
        self.views[0]  # noqa: B018  (the tab on screen first)
        self.tabs.currentChanged.connect(self._tab_changed)

        self.header = self._make_header()
        right = QtWidgets.QWidget()
        rl = QtWidgets.QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.setSpacing(0)
        rl.addWidget(self.header)
        rl.addWidget(self.tabs, 1)

        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([400, 1200])
        #: whether the side panel's width follows the window's (``fit_side``, at each resize)
        #: until the user drags the splitter's handle: a window resized to 760 x 540 kept the
        #: 442 px it had at 1400 x 800 where one opened at 760 x 540 had 422
        self.side_follows = True
        self.splitter.splitterMoved.connect(self._side_moved)

        self.player = Player(self.state)
        self.tabbing = False  # (Tab or Shift+Tab moving the focus: focusNextPrevChild)
        self.keyboard_ring = KeyboardRing(self)  # (the control Tab focused, ringed)
        self.button_keys = ButtonKeys(self)
        line = self.player_line = QtWidgets.QFrame()
        line.setFrameShape(QtWidgets.QFrame.Shape.HLine)
        cl.addWidget(line)
        cl.addWidget(self.player)
        # a message wider than the bar ends in "…" (a weights-only file's "opened the layers
        # they imply: ..." at 1600 px was cut mid-word), the whole of it on hover
        self.setStatusBar(MessageBar())

        self._make_menus()
        from lstmviz.ui import export, session_ui  # File > Export, sessions, Edit > Undo/Redo, autosave

        self.exporter = export.install(self)
        self.sessions = session_ui.install(self)
        from lstmviz.ui.presentation import Presenter  # lecture mode: F5, keys, focus, lessons

        self.presenter = Presenter.install(self)
        # the Train tab, after the views: an empty page until shown (``train_panel``)
        self._train_panel = None
        self.train_page: QtWidgets.QWidget | None = QtWidgets.QWidget()
        self.tabs.setTabToolTip(self.tabs.addTab(self.train_page, TRAIN_TAB[0]), TRAIN_TAB[1])
        #: the tabs' whole titles where the bar has their room, else the short ones (Over
        #: time: Time), else with less padding (800 x 600), else cut: no scroll arrows
        self.tab_names = TabNames(self.tabs, {k: SHORT_TITLES[key] for k, (key, _, _) in enumerate(VIEWS)
                                              if key in SHORT_TITLES}, elide=True,
                                  shorter=tuple((VIEW_KEYS.index(key), name) for key, name in SHORTER_TITLES))
        self._size_by_current_tab()
        from lstmviz.ui.long_runner import LongRunner  # a long input's pass, progress, Cancel

        self.long_runner = LongRunner(self)
        self.demo_line = ""  # the status bar's line about the demo opened (``open_demo``)
        self.state.changed.connect(self._state_changed)  # once per edit / step / file
        self.state.changed.connect(self.long_runner.after_views)  # (its worker starts after their paint)
        self.state.error_changed.connect(self._error_changed)
        self.state.notice.connect(self.message)
        self.state.stack_changed.connect(self.update_title)
        if self.state.model is not None:
            self._model_changed(self.state.model, self.state.trace)
        self.update_title()

    @property
    def train_panel(self):
        """The Train tab (``ui/train_panel.TrainPanel``), built the first time it is shown
        or asked for."""
        if self._train_panel is None:
            from lstmviz.ui import train_panel

            self._train_panel = train_panel.install(self)
            self.train_page = None
            presenter = getattr(self, "presenter", None)
            if presenter is not None:
                presenter.view_built(self._train_panel)
        return self._train_panel

    # -- header: what is selected --------------------------------------------------------
    def _make_header(self) -> QtWidgets.QWidget:
        """The row over the tabs: the stack's layer, unit and step for the views; over the
        Train tab, the run that tab trains and its update (``show_train_header``)."""
        w = QtWidgets.QWidget()
        outer = QtWidgets.QHBoxLayout(w)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.stack_header = _HeaderRow(self._header_give_way)
        outer.addWidget(self.stack_header)
        self.train_header = QtWidgets.QWidget()
        self.train_header.hide()
        outer.addWidget(self.train_header)
        tl = QtWidgets.QHBoxLayout(self.train_header)
        tl.setContentsMargins(10, 6, 10, 6)
        # what the Train tab trains (its own model, not the stack's): as wide as the header
        # leaves it, its end cut ("…") rather than the window held wider
        self.train_title = ElidedLabel()
        tl.addWidget(self.train_title, 1)
        self.train_update_label = SteadyLabel()
        self.train_update_label.setAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
        lay = QtWidgets.QHBoxLayout(self.stack_header)
        lay.setContentsMargins(10, 6, 10, 6)
        # (beside a Bidirectional layer's forward/backward box, where the header has no
        # room, the box alone: ``_fit_header``)
        self.layer_label = ShyLabel("layer")
        lay.addWidget(self.layer_label)
        self.layer_combo = ElidedCombo()
        self.layer_combo.setToolTip("The layer the Cell, Over time and Weights views show")
        self.layer_combo.setAccessibleName("Layer")
        self.layer_label.setBuddy(self.layer_combo)  # (Linux: a combo box is labelled by its buddy)
        self.layer_combo.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.layer_combo.currentIndexChanged.connect(self._layer_combo_changed)
        lay.addWidget(self.layer_combo)
        # ("fwd"/"bwd" where the header is narrow: its whole words held an 800 x 600
        # window 831 px wide beside the side panel)
        self.side_combo = ShortComboBox([("forward", "fwd"), ("backward", "bwd")])
        # hidden from the start (shown for a Bidirectional layer): hidden later, before the
        # window is first shown, its width stayed in the layouts' cached least widths above
        # the header (Qt passes a hidden child's change up one layout only while nothing is
        # on screen), and ``--size 800x600`` opened 808 px wide (907 in the projector theme)
        self.side_combo.hide()
        self.side_combo.setToolTip("A Bidirectional layer runs twice: pick the forward or the backward pass")
        self.side_combo.setAccessibleName("Direction")
        self.side_combo.currentIndexChanged.connect(
            lambda i: self.state.set_cursor(side=self.side_combo.itemData(i)) if i >= 0 else None)
        # its word, as "layer" and "unit" have theirs (giving way as they do): Qt on Linux
        # names a combo box by its choice, and Orca read only "forward"; it reads the buddy
        self.side_label = ShyLabel("direction")
        self.side_label.setBuddy(self.side_combo)
        self.side_label.setToolTip(self.side_combo.toolTip())
        self.side_label.hide()  # (with the box: ``_sync_header``)
        self.side_label.setContentsMargins(6, 0, 0, 0)  # (apart from the layer box; none without it)
        lay.addWidget(self.side_label)
        lay.addWidget(self.side_combo)
        lay.addSpacing(10)
        # (the word gives way, as "layer" does, where the header has no room: a
        # Bidirectional layer's boxes held a 760 x 540 window 798 px wide, projector theme)
        self.unit_label = ShyLabel("unit")
        lay.addWidget(self.unit_label)
        self.unit_spin = QtWidgets.QSpinBox()
        self.unit_spin.setToolTip("The unit (one of the layer's `units` numbers, counted from 0) "
                                  "whose equations and curves are shown")
        self.unit_spin.valueChanged.connect(lambda u: self.state.set_cursor(unit=int(u)))
        self.unit_spin.setAccessibleName("Unit")
        self.unit_label.setBuddy(self.unit_spin)
        lay.addWidget(self.unit_spin)
        # the weights shown are a training snapshot's (the Train tab's Snapshots slider):
        # "weights of update 80 of 160", shorter where the header has no room
        self.weights_note = FormsLabel()
        self.weights_note.setContentsMargins(14, 0, 0, 0)
        note_font = self.weights_note.font()
        note_font.setBold(True)
        self.weights_note.setFont(note_font)
        lay.addWidget(self.weights_note)
        lay.addStretch(1)
        # its text changes at every step: a fixed size (as wide as the last step's text)
        # asks for no layout pass of the window
        self.cursor_label = SteadyLabel()
        self.cursor_label.setAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
        self._size_counters()
        # in a slot that leaves the window's minimum width as a plain label left it
        lay.addWidget(LabelSlot(self.cursor_label, right=True))
        tl.addWidget(LabelSlot(self.train_update_label, right=True))
        return w

    def _size_counters(self) -> None:
        """The step ("t = 4 / 11") and the update ("update 80 / 160") counters in bold at
        the views' headings' size, 1.15 times the theme's type, in every theme: set once
        from the first theme's (1.25 times), they kept its size (16 pt in the projector
        theme's 15, and while presenting on a 1080p screen 19 pt, floored, under tab names
        of 21: the step counter a hall most needs was the header's smallest text). (1.25
        times took the room of "weights of update 20 of 480" beside it at 1280 x 720.)"""
        f = th.current().font(1.15, bold=True)
        self.cursor_label.setFont(f)
        self.train_update_label.setFont(f)

    def show_train_header(self, title: str | None, update: str = "", widest: str = "",
                          shorter: tuple[str, ...] = ()) -> None:
        """Over the Train tab (``title`` given), the header names the run that tab trains
        and its update ("update 5 / 160"), not the stack's layer, unit and step: those are
        the views' (its model is its own); ``shorter``: forms of the title for a narrow
        window. ``None``: the stack's header again."""
        on = title is not None
        if self.train_header.isVisibleTo(self) != on or self.stack_header.isVisibleTo(self) == on:
            # as tall as the stack's row (its boxes), so the tabs stay where they were
            self.train_header.setMinimumHeight(self.stack_header.sizeHint().height())
            self.stack_header.setVisible(not on)
            self.train_header.setVisible(on)
        if title is None:  # (not on)
            return
        heading = th.current().font(1.15)  # the views' headers' (the theme's, presenting too)
        if self.train_title.font() != heading:
            self.train_title.setFont(heading)
        self.train_title.set_full_text(title, shorter)
        self.train_update_label.set_widest(widest or update)
        self.train_update_label.setText(update)

    def _sync_header(self, cursor: Cursor):
        st = self.state
        names = [l.name for l in st.model.layers] if st.model is not None else []
        for w in (self.layer_combo, self.unit_spin, self.side_combo):
            w.blockSignals(True)
        try:
            if [self.layer_combo.itemData(i) for i in range(self.layer_combo.count())] != names:
                self.layer_combo.clear()
                for layer in st.model.layers if st.model is not None else []:
                    self.layer_combo.addItem(f"{layer.name} ({layer.class_name})", layer.name)
                    self.layer_combo.setItemData(self.layer_combo.count() - 1, text_tip(layer.name),
                                                 QtCore.Qt.ItemDataRole.ToolTipRole)
                self._cap_layer_combo()
            i = self.layer_combo.findData(cursor.layer)
            if i >= 0:
                self.layer_combo.setCurrentIndex(i)
            units = st.units_of(cursor.layer)
            set_if_changed(self.unit_spin, max(0, units - 1), cursor.unit)
            word = st.unit_word(cursor.layer)  # (a Conv1D's "filter", a pooling's "channel")
            if self.unit_label.text() != word:
                self.unit_label.setText(word)
                self.unit_spin.setAccessibleName(word.capitalize())
            bidi = st.model is not None and cursor.layer in names and \
                st.model.get_layer(cursor.layer).class_name == "Bidirectional"
            self.side_combo.setVisible(bool(bidi))
            self.side_label.setVisible(bool(bidi))  # (``_header_give_way`` may hide it again)
            self._fit_header()
            side = self.side_combo.findData(cursor.side)
            if side >= 0:
                self.side_combo.setCurrentIndex(side)
        finally:
            for w in (self.layer_combo, self.unit_spin, self.side_combo):
                w.blockSignals(False)
        last = max(0, st.clock_steps - 1)  # (the selected layer's steps: a decoder's)
        self.cursor_label.set_widest(f"t = {count(last)} / {count(last)}")
        self.cursor_label.setText(f"t = {count(cursor.step)} / {count(last)}")
        self.sync_weights_note()

    def sync_weights_note(self) -> None:
        """The header says whose weights the views show where they are a training
        snapshot's (``AppState.shown_weights``: "weights of update 80 of 160", or of an
        earlier run after the Train tab's Reset), nothing for the stack's own."""
        shown = self.state.shown_weights
        panel = self._train_panel
        forms = shown.forms(panel.session if panel is not None else None) if shown is not None else ()
        if forms != self.weights_note.forms():
            self.weights_note.set_forms(forms)
            self._header_give_way()

    def _cap_layer_combo(self) -> None:
        """The layer box as wide as its longest name, but for a long one (an ONNX graph's,
        ``StatefulPartitionedCall.sequential_1.lstm_1...``) no wider than ~32 characters:
        it took the header's whole width from the unit box and the step label. Its list
        shows every name whole."""
        combo = self.layer_combo
        fm = combo.fontMetrics()
        self._layer_combo_cap = fm.horizontalAdvance("n" * 32) + 48  # (+ the arrow and frame)
        combo.setMaximumWidth(self._layer_combo_cap)
        self._fit_header()
        widest = max((fm.horizontalAdvance(combo.itemText(i)) for i in range(combo.count())), default=0)
        combo.view().setMinimumWidth(widest + 32)

    def _fit_header(self) -> None:
        """The header's least width: the layer box down to ~8 characters (the rest elided)
        where there is no room (presenting at 800 x 600 with the side panel on (S), a box as
        wide as 'time_distributed (TimeDistributed)' held the window 904 px wide); beside a
        Bidirectional layer's forward/backward box, ~6 (at 800 x 600 they held the window
        831 px wide beside the side panel, 875-929 in the projector theme). The word
        "layer" before the box gives way where the header has no room (``ShyLabel``: the
        box names the layer itself): in the projector theme it held a 760 x 540 window 799
        px wide beside the side panel."""
        combo, bidi = self.layer_combo, not self.side_combo.isHidden()
        fm = combo.fontMetrics()
        least = fm.horizontalAdvance("n" * (6 if bidi else 8)) + 48  # (+ the arrow and frame)
        if combo.minimumWidth() != least:
            combo.setMinimumWidth(least)
        self._header_give_way()  # (a layer of another name, a box beside it or not)

    def _header_give_way(self) -> None:
        """Where the header has less room than its parts ask for, they give way in order:
        the word "layer" (the box names the layer), a Bidirectional layer's word
        "direction", the layer box's room beyond the entry it shows, its "forward" for
        "fwd", the word "unit", the layer
        box down to its least (its entry ended in "…"), and last the step label, whole or
        not at all (the player says the step too); a step label that cannot be whole gives
        its room to the parts before it. A layout took the same few pixels from each part:
        at 1024 x 768 beside the side panel the words were squeezed to blank room and the
        step label, a few pixels short of its text, was hidden."""
        lay = self.stack_header.layout()
        if lay is None or self.stack_header.width() <= 0:
            return
        combo, side, slot = self.layer_combo, self.side_combo, self.cursor_label.parentWidget()
        if slot is None:
            return
        layer, unit, note, word = self.layer_label, self.unit_label, self.weights_note, self.side_label
        none = (1 << 24) - 1  # (no maximum: Qt's QWIDGETSIZE_MAX)
        cap = getattr(self, "_layer_combo_cap", none)
        gap = max(0, lay.spacing())
        fm = combo.fontMetrics()
        whole = combo.sizeHint().width()  # (its widest entry's)
        widest = max((fm.horizontalAdvance(combo.itemText(i)) for i in range(combo.count())), default=0)
        hint = min(whole, cap)
        least = min(hint, combo.minimumWidth())
        entry = min(hint, max(least, whole - widest + fm.horizontalAdvance(combo.currentText())))
        bidi = not side.isHidden()
        side_hint, side_least = side.sizeHint().width(), side.minimumSizeHint().width()
        slot_hint = slot.sizeHint().width()
        # what the header asks for with every part whole: the layout's hint, and what has
        # given way given back
        need = lay.sizeHint().width() + hint - min(hint, combo.maximumWidth())
        need += sum(w.sizeHint().width() + gap for w in (layer, unit) + ((word,) if bidi else ()) if w.isHidden())
        need += (side_hint - min(side_hint, side.maximumWidth())) if bidi else 0
        need += slot_hint - min(slot_hint, slot.maximumWidth())
        noted = bool(note.forms())
        note_hint = note.sizeHint().width() if noted else 0
        note_least = note.form_width(len(note.forms()) - 1) if noted else 0
        need += note_hint - min(note_hint, note.maximumWidth())
        rooms = [layer.sizeHint().width() + gap, hint - entry, side_hint - side_least if bidi else 0,
                 unit.sizeHint().width() + gap, note_hint - note_least, entry - least]
        # (the word "direction" gives way after "layer": its room second, ``took[1:]`` as before)
        rooms.insert(1, word.sizeHint().width() + gap if bidi else 0)

        def given(short: int, rooms: list[int]) -> list[int]:
            out = []
            for room in rooms:
                out.append(max(0, min(short, room)))
                short -= out[-1]
            return out

        short = need - self.stack_header.width()
        gone = short > sum(rooms)
        # the note's shortest form ("update 80") goes after the step label (the player says
        # the step too; nothing else says whose weights the views show)
        took = given(short - slot_hint if gone else short, rooms + [note_least])
        word_took = took.pop(1)  # (the rest as before the word was among them)
        word.setHidden(not bidi or word_took > 0)
        layer.setHidden(took[0] > 0)
        unit.setHidden(took[3] > 0)
        for w, most in ((combo, cap if took[1] + took[5] <= 0 else hint - took[1] - took[5]),
                        (side, none if took[2] <= 0 else side_least), (slot, 0 if gone else none),
                        (note, none if took[4] + took[6] <= 0 else note_hint - took[4] - took[6])):
            if w.maximumWidth() != most:
                w.setMaximumWidth(most)

    def _layer_combo_changed(self, i):
        name = self.layer_combo.itemData(i)
        if name:
            self.state.set_cursor(layer=name)

    def _step_requested(self, t):
        """A view's step is the trace's: a long input's window starts at
        ``state.window_start()`` (the selected layer's first step in it)."""
        self.state.set_cursor(step=int(t) + self.state.window_start())

    def push_overviews(self):
        """A long input's overviews (``LongSequence.overviews``) to the views that draw them."""
        seq = self.state.long
        overviews = seq.overviews if seq is not None else None
        for k, view in self.views.built():  # a view built later gets them with its data
            if hasattr(view, "set_overview"):
                self._call_view(view, "set_overview", overviews)
                if view.model is not None and k not in self._data_stale:
                    self._set_view_cursor(view, self.state.trace_cursor)

    def _view_built(self, k: int, view: TraceView) -> TraceView:
        """``view`` (just made) takes the place of tab ``k``'s empty page: its signals
        connected, the current trace given when its tab is shown, the presenter's settings
        (focus, equations, lecture sizes) applied."""
        view.step_requested.connect(self._step_requested)
        view.layer_requested.connect(self._layer_requested)
        view.side_requested.connect(lambda side: self.state.set_cursor(side=str(side)))
        view.cursor_requested.connect(lambda changes: self.state.set_cursor(**changes))
        view.unit_requested.connect(lambda u: self.state.set_cursor(unit=int(u)))
        self.replace_tab(k, view)
        name_parts(view, view.accessibleName())
        if self.state.trace is not None:
            self._data_stale.add(k)
        presenter = getattr(self, "presenter", None)
        if presenter is not None:
            presenter.view_built(view)
        return view

    def replace_tab(self, k: int, widget: QtWidgets.QWidget) -> None:
        """Put ``widget`` in tab ``k`` instead of its empty page, the current tab kept
        (no ``currentChanged`` on the way), its name as shown (whole or short: ``tab_names``)."""
        tabs = self.tabs
        page, current, tip, title = tabs.widget(k), tabs.currentIndex(), tabs.tabToolTip(k), tabs.tabText(k)
        assert page is not None  # (tab k's empty page)
        blocked = tabs.blockSignals(True)
        try:  # inserted before the page, shown, then the page removed: no other tab shown between
            tabs.insertTab(k, widget, title)
            tabs.setTabToolTip(k, tip)
            if current == k:
                tabs.setCurrentIndex(k)
            tabs.removeTab(k + 1)
            tabs.setCurrentIndex(current)
        finally:
            tabs.blockSignals(blocked)
        page.deleteLater()
        self._size_by_current_tab()

    def _size_by_current_tab(self) -> None:
        """Only the tab on screen sets the window's least size: the pages not shown are
        ``Ignored`` by the tab widget's layout, the one shown has its own size policy back.
        A ``QTabWidget`` takes the largest least size of all its pages, so a tab shown once
        held the window to it for good: after lesson 7's Weights step, its Over time step at
        800 x 600 needed 622 px of height (the bottom of the player off a projector's
        screen), and once the Cell tab had been shown the window could not be narrower
        than its one row of charts."""
        tabs = self.tabs
        current = tabs.currentWidget()
        ignored = QtWidgets.QSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Ignored)
        for i in range(tabs.count()):
            page = tabs.widget(i)
            assert page is not None  # (i < count)
            own = getattr(page, "_lstmviz_policy", None)
            if own is None:
                # (a Python attribute kept on the page's wrapper, which Qt's stub does not declare)
                own = page._lstmviz_policy = page.sizePolicy()  # type: ignore[attr-defined]
            page.setSizePolicy(own if page is current else ignored)
        # (a hidden page's new policy reaches no layout by itself: Qt's updateGeometry skips
        # hidden widgets, and the pages' stack kept the sizes it had cached)
        stack = tabs.findChild(QtWidgets.QStackedWidget, "qt_tabwidget_stackedwidget")
        pages = stack.layout() if stack is not None else None
        if stack is not None and pages is not None:
            pages.invalidate()
            stack.updateGeometry()
        tabs.updateGeometry()

    def _layer_requested(self, name):
        self.state.set_cursor(layer=str(name))

    # -- menus -----------------------------------------------------------------------------
    def _make_menus(self):
        mb = MenuBar(self)  # (in a whole-window SVG too)
        self.setMenuBar(mb)
        file = mb.addMenu("&File")
        a = file.addAction("&Open model\u2026", self.open_dialog)
        a.setShortcut(QtGui.QKeySequence.StandardKey.Open)
        # (menus and actions kept to be used later are made in Python, not by addMenu(text) /
        # addAction(text): PySide6 may mark the wrapper of an object made in C++ deleted, the
        # object alive, see ``SessionManager.add_edit_menu``)
        self.recent_menu = QtWidgets.QMenu("Open &recent", file)
        file.addMenu(self.recent_menu)
        self._fill_recent()
        file.addAction("&Import input (.npy, .csv)\u2026", self.input_panel.import_menu)
        file.addAction("Open a &long input (.npy, .csv, text)\u2026", self.open_long_dialog)
        file.addAction("&New stack", self.new_stack)
        file.addSeparator()
        file.addAction("Save s&creenshot\u2026", self.screenshot_dialog)
        file.addSeparator()
        file.addAction("&Memory limit\u2026", self.memory_limit_dialog)
        file.addSeparator()
        q = file.addAction("&Quit", self.close)
        q.setShortcut(QtGui.QKeySequence.StandardKey.Quit)

        view = mb.addMenu("&View")
        self.tab_actions = []
        for k, (_module, _cls, title) in enumerate(VIEWS):
            act = QtGui.QAction(f"&{k + 1}  {title}", view)
            view.addAction(act)
            act.setShortcut(QtGui.QKeySequence(str(k + 1)))
            act.triggered.connect(lambda _=False, k=k: self.tabs.setCurrentIndex(k))
            self.tab_actions.append(act)
        view.addSeparator()
        view.addAction("&Units at scale…", self.open_units_window)
        themes = view.addMenu("&Theme")
        group = QtGui.QActionGroup(self)
        for name in th.THEMES:
            act = themes.addAction(name.capitalize())
            act.setCheckable(True)
            act.setChecked(name == th.current().name)
            act.triggered.connect(lambda _=False, n=name: self.pick_theme(n))
            group.addAction(act)

        play = mb.addMenu("&Play")
        for name in ("play", "back", "forward", "first", "last"):
            play.addAction(self.player.actions_by_name[name])
        play.addSeparator()
        for name in ("next_batch", "reset_states"):
            play.addAction(self.player.actions_by_name[name])
        self.player.problem.connect(lambda text: self.message(text, dialog=True, error=True))
        self.addActions(list(self.player.actions_by_name.values()))
        # Space where the player is hidden (the Train tab while presenting): the tab's own
        # Play / Pause, what the hall sees (``sync_player``)
        self.train_play_action = QtGui.QAction("Play / pause training", self)
        self.train_play_action.setShortcut(QtGui.QKeySequence("Space"))
        self.train_play_action.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
        self.train_play_action.triggered.connect(self._toggle_training)
        self.train_play_action.setEnabled(False)
        self.addAction(self.train_play_action)

        helpm = mb.addMenu("&Help")
        self.demos_menu = QtWidgets.QMenu("&Demos", helpm)
        helpm.addMenu(self.demos_menu)
        self._fill_demos()
        helpm.addAction("&About lstmviz", self._about)  # (Keys, F1: the presenter's, below)

    def _fill_demos(self):
        self.demos_menu.clear()
        demos = load_demos()
        self.demos_menu.setEnabled(True)
        if not demos:
            a = self.demos_menu.addAction("Built-in stack: LSTM(8) \u2192 LSTM(4) \u2192 Dense(1) on a sine")
            a.triggered.connect(self.new_stack)
            return
        for d in demos:
            a = self.demos_menu.addAction(d["title"])
            a.setToolTip(d["description"])
            a.setStatusTip(d["description"])
            a.triggered.connect(lambda _=False, d=d: self.open_demo(d))
        self.demos_menu.addSeparator()
        self.demos_menu.addAction("Built-in stack (editable)", self.new_stack)

    def _about(self):
        self.message(f"lstmviz {__version__}: the unrolled computation of Keras recurrent "
                     "layers, step by step, computed exactly as Keras computes it.", dialog=True,
                     title="About lstmviz")

    def pick_theme(self, name: str):
        """View > Theme: the user's choice, kept (the system's light/dark no longer leads)."""
        from lstmviz.ui.system_theme import mark_picked

        self.set_theme(name)
        mark_picked(self.settings, name)

    def set_theme(self, name: str):
        if getattr(self, "presenter", None) is not None:
            name = self.presenter.theme_for(name)  # scaled for the hall while presenting
        th.apply(name)  # (the application's)
        apply_chrome(QtWidgets.QApplication.instance())
        # a new style sheet puts back the fonts widgets had before it: set the theme's again
        th.apply(th.current())
        self._size_counters()
        self.tab_names.fit()  # (names of another size)
        self.stack_panel.refresh()
        self.stack_panel._show_error(self.state.error)
        presenter = getattr(self, "presenter", None)
        if presenter is None or not presenter.active:  # (presenting: ``Presenter.set_side``)
            self.fit_side_least()
        if self.state.model is not None:
            self._model_changed(self.state.model, self.state.trace)
        panel = getattr(self, "_train_panel", None)
        if panel is not None and self.on_train_tab():
            # the header over the Train tab in the new theme's size (it kept the old one until
            # the run moved: after F5 and Esc, the presentation's, smaller than the projector's)
            panel.sync_header()

    # -- the state -> views ----------------------------------------------------------------
    def _set_view_cursor(self, view, cursor) -> None:
        """``view.set_cursor(cursor)``, the view told which of the input's samples the
        trace's sample 0 is (the window traces the shown sample alone: its header names the
        sample the player shows, ``TraceView.sample_base``)."""
        view.sample_base = self.state.traced_sample or 0
        self._call_view(view, "set_cursor", cursor)
        view.describer.changed()  # (nothing while no screen reader listens)

    def _call_view(self, view, method, *args):
        try:
            getattr(view, method)(*args)
        except LstmvizError as err:
            self._view_failed(view, str(err))
        except Exception as err:  # a view bug must not take the window down
            log.exception("view %s.%s failed", type(view).__name__, method)
            self._view_failed(view, f"{type(err).__name__}: {err}")

    def _view_failed(self, view, text):
        if self.view_errors.get(view.title) != text:
            self.view_errors[view.title] = text
            self.statusBar().showMessage(f"The {view.title} view could not draw this: {text}", 15000)

    def _state_changed(self, change):
        """The views redraw once per operation: a new trace (with its cursor), or a step.
        An edit of the stack or its input takes the demo's line from the status bar: it
        said "4 waves ..., 40 steps each" for its 20 s over a stack edited to 20 steps."""
        if (change.stack or change.model or change.input) and self.demo_line:
            if self.statusBar().currentMessage() == self.demo_line:
                self.statusBar().clearMessage()
            self.demo_line = ""
        if change.model and self.state.model is not None:
            self._units_follow()
            self._model_changed(self.state.model, self.state.trace)
        elif change.cursor:
            self._cursor_changed(self.state.cursor)

    def _model_changed(self, model, trace):
        self.view_errors.clear()
        cursor = self.state.trace_cursor
        xs = self._shown_inputs()
        self._stale.clear()
        self._data_stale.clear()
        current = self.tabs.currentIndex()
        for k, view in self.views.built():  # a view not built yet takes it when built
            if k != current or trace is None:  # hidden tabs take the new trace when shown (_tab_changed);
                # none: a long input whose pass runs before any step is shown (the runner's veil
                # is over the views, which take its first window when it is there)
                self._data_stale.add(k)
                continue
            self._push_data(view, model, trace, xs, cursor)
        self._sync_header(self.state.cursor)
        self._one_paint.expect()  # (the tab's plots in one pass, as after a step)

    def quick_stays(self) -> None:
        """The quick steps shown stay (their whole window failed, ``LongRunner``): the views
        draw them again as a whole window is drawn (``TraceView.quick``)."""
        trace = self.state.trace
        if trace is self._quick_kept or self.state.model is None:
            return
        self._quick_kept = trace
        if any(view.quick for _, view in self.views.built()):
            self._model_changed(self.state.model, trace)

    def _push_data(self, view, model, trace, xs, cursor):
        seq = self.state.long
        # (its whole window follows; not where it failed: ``quick_stays``)
        view.quick = seq is not None and seq.is_quick(trace) and trace is not self._quick_kept
        if hasattr(view, "set_overview"):
            self._call_view(view, "set_overview", seq.overviews if seq is not None else None)
        if hasattr(view, "set_token_labels"):  # typed text: the characters its ids stand for
            self._call_view(view, "set_token_labels", self.state.token_labels())
        if _takes_inputs(view):  # views that can draw x_t get the input too
            self._call_view(view, "set_data", model, trace, xs)
        else:
            self._call_view(view, "set_data", model, trace)
        self._set_view_cursor(view, cursor)
        name_parts(view, view.accessibleName())  # (its plots, as this trace made them)
        settle_ranges(view)

    def _shown_inputs(self):
        trace = self.state.trace
        if trace is not None and getattr(trace, "inputs", None):
            return list(trace.inputs)  # every model input, as traced (the shown sample)
        xs = self.state.x
        if self.state.traced_sample is not None and xs is not None:
            s = self.state.traced_sample
            xs = xs[s:s + 1]
        return xs

    def _cursor_changed(self, cursor):
        view_cursor = self.state.trace_cursor
        current = self.tabs.currentIndex()
        for k, view in self.views.built():
            if k in self._data_stale or self.state.trace is None:
                continue
            if self.lazy_hidden_views and k != current:
                self._stale.add(k)
                continue
            self._set_view_cursor(view, view_cursor)
        self._sync_header(cursor)
        self._one_paint.expect()

    def after_paint(self, call) -> None:
        """``call()`` once the views have painted the change they were handed (the one paint
        of a step or an edit, ``OnePaint.then``), or now where none is expected: a long
        input's whole window after a seek is started then (``LongRunner.after_views``)."""
        self._one_paint.then(call)

    def on_train_tab(self) -> bool:
        k = self.tabs.currentIndex()
        return k >= 0 and self.tabs.widget(k) is (self._train_panel or self.train_page)

    def sync_player(self) -> None:
        """The player (the stack's step and sample) under every tab, but not under the
        Train tab while presenting: there no view of the stack is on screen, and the hall
        would read its "t = 0 / 39, sample 0 of 4" beside a caption about the training's
        own updates and steps. (Outside presentation mode it stays: it scrubs the views'
        sequence time while the Snapshots slider scrubs training time; there it says so
        before its buttons, "Stack's input:", not to be read as the training's steps.)"""
        presenter = getattr(self, "presenter", None)
        on = not (presenter is not None and presenter.active and self.on_train_tab())
        built = hasattr(self, "_train_panel")  # (called while the window is made)
        self.player.set_scope(STACK_SCOPE if on and built and self.on_train_tab() else (), STACK_SCOPE_TIP)
        if self.player.isHidden() == on:
            if not on:
                self.player.pause()
            self.player_line.setVisible(on)
            self.player.setVisible(on)
        # its keys with it: hidden, Space moved the stack's time off screen (the Train tab's
        # Play / Pause takes Space there), and so did the arrows, Home, End and N; during
        # a lesson PgUp / PgDn / Left / Right are its steps' (``Presenter._tour_keys``)
        tour = presenter is not None and presenter.tour.active
        self.player.set_keys(on, held=("back", "forward") if tour else ())
        self.train_play_action.setEnabled(not on)

    def _toggle_training(self) -> None:
        """Space on the Train tab while presenting: its Play / Pause button, as if clicked
        (nothing where the button is disabled)."""
        if self.on_train_tab():
            self.train_panel.play_button.click()

    def _tab_changed(self, k):
        self._size_by_current_tab()
        train = self.on_train_tab()
        self.sync_player()
        presenter = getattr(self, "presenter", None)
        if presenter is not None:
            presenter.fit_train_tab()  # (a narrow screen's side panel gives way to it)
        if not train:
            self.show_train_header(None)
            self.sync_weights_note()  # (the Train tab's run may have been reset meanwhile)
        if 0 <= k < len(self.views):
            self.views[k]  # noqa: B018  (built when first shown)
        elif k >= 0 and self.tabs.widget(k) is self.train_page:
            self.train_panel  # noqa: B018
            if presenter is not None:
                presenter.fit_train_tab()  # (built now: whether its plots are squeezed beside the side panel)
        if train:
            self.train_panel.sync_header()
        if k in self._data_stale and self.state.trace is not None:
            self._data_stale.discard(k)
            self._stale.discard(k)
            self._push_data(self.views[k], self.state.model, self.state.trace,
                            self._shown_inputs(), self.state.trace_cursor)
        if k in self._stale:
            self._stale.discard(k)
            self._set_view_cursor(self.views[k], self.state.trace_cursor)

    def _error_changed(self, message):
        if message:
            self.say_stack_error()
        else:
            self.statusBar().clearMessage()

    def say_stack_error(self) -> None:
        """The status bar's line while the stack cannot run: the views keep the last stack
        that worked, or, under a lesson step's cover (a stack meant to fail), what the cover
        says: that stack, not drawn (the line spoke of the last stack kept while the
        cover said it was not drawn); the cover's line for the status bar alone, not
        presenting's note (the cover says it in large type). Each says where the error is
        read, ``side_hint``."""
        presenter = getattr(self, "presenter", None)
        cover = presenter.tour.not_drawn if presenter is not None else None
        if cover is not None and not cover.isHidden() and cover.status:
            self.stack_line = cover.status
            self.status_alone(self.stack_line)
        else:
            self.stack_line = (f"The stack cannot run ({self.side_hint(why=True)}); "
                               "the views keep the last stack that worked.")
            self.statusBar().showMessage(self.stack_line)

    def side_hint(self, why: bool = False) -> str:
        """Where the stack's error is read: the side panel, or, where it is hidden (F5 hides
        it), the key that shows it ("see the side panel" was said under a hidden one);
        ``why``: it says why the stack cannot run."""
        if self.side.isVisibleTo(self):
            return "see the side panel"
        return "S shows the side panel, which says why" if why else "S shows the side panel"

    def side_toggled(self) -> None:
        """The side panel shown or hidden: the stack's error line, still in the status bar,
        says where it is read now (``side_hint``)."""
        if self.state.error and self.stack_line and self.statusBar().currentMessage() == self.stack_line:
            self.say_stack_error()

    def document_name(self) -> str:
        """What the title names: the session Save writes, else the model's file, else the
        model's (escaped) name or "built-in stack". Python attributes only (``__repr__``)."""
        session = getattr(getattr(self, "sessions", None), "session_path", None)
        name = self.state.model_name  # (a model from Python, back by Undo after New stack)
        return (file_label(session) if session  # the document Save writes
                else file_label(self.state.path) if self.state.path
                else self.source_label or (safe_name(name) if name else "built-in stack"))

    def __repr__(self) -> str:
        """What a Python prompt echoes for ``lstmviz.show(...)``, which returns the window
        once it is closed outside IPython: Qt's own repr then raised "Internal C++ object
        (MainWindow) already deleted", so a plain ``python`` prompt's
        ``lstmviz.show("model.keras")`` ended in a traceback when the window closed."""
        import shiboken6

        try:
            where = self.document_name()
        except AttributeError:  # (not built yet)
            return "<lstmviz window>"
        return f"<lstmviz window: {where}{'' if shiboken6.isValid(self) else ', closed'}>"

    def update_title(self):
        where = self.document_name()
        ro = " (read-only)" if self.state.readonly else ""
        # "[*]": Qt shows "*" there while edits are not saved (``SessionManager.sync_modified``);
        # a "[*]" of a file's name is written twice, Qt's escape, so it stays as it is
        self.setWindowTitle(f"lstmviz \u2014 {where.replace('[*]', '[*][*]')}{ro}[*]")

    # -- messages --------------------------------------------------------------------------
    def message(self, text: str, dialog: bool = False, error: bool = False, title: str = "lstmviz"):
        """Show a message in the status bar (presenting, where it is hidden, in a note for a
        few seconds: ``Presenter.say``), and in a dialog unless ``quiet``."""
        self.last_message = text
        presenter = getattr(self, "presenter", None)
        if presenter is not None:  # (before the status bar: its line is then said already)
            presenter.say(text, error)
        self.statusBar().showMessage(text, 20000)
        if error:
            log.warning("%s", text)
        if dialog and not self.quiet:
            box = plain_box(QtWidgets.QMessageBox(self))
            box.setIcon(QtWidgets.QMessageBox.Icon.Warning if error else QtWidgets.QMessageBox.Icon.Information)
            box.setWindowTitle(title)
            box.setText(text)
            box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()

    def status_alone(self, text: str, ms: int = 0) -> None:
        """A line for the status bar alone, never presentation mode's note
        (``Presenter._status_changed`` passes over it while ``status_aside`` is set): what
        follows the cursor step by step (a long input's "Step 266 is shown once the keyframe
        pass has run", one line per step), what another part says in large type already (a
        lesson step's cover). In F5 the note came and went at every step while playing."""
        self.status_aside = True
        try:
            self.statusBar().showMessage(text, ms)
        finally:
            self.status_aside = False

    # -- files -----------------------------------------------------------------------------
    def open_dialog(self):
        start = str(Path(self.state.path).parent) if self.state.path else ""
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self, "Open a model or session", start, formats.dialog_filter())
        if path:
            self.open_file(path)

    def open_file(self, path, read=None, fresh: bool = False, recent: bool = True) -> bool:
        """Open a file of any registered format (``lstmviz.io.formats``, from its bytes): a
        model, a weights-only file (onto the current stack, or as the layers it implies when
        it does not fit) or a session; or an input (.npy, .csv). Problems become a message;
        returns whether it worked. ``read``: what reads a model file (``lstmviz.load``;
        ``ui/app.Preread``, started before the window, at start-up). ``fresh``: the stack on
        screen is the app's own (``lstmviz FILE``), not the user's: the messages do not speak
        of a weights file's misfit with it. ``recent``: False for a bundled demo, which File >
        Open recent does not list (the demo opened at every start pushed the user's own
        files down the list, a session saved yesterday below it). A bundled demo's model
        opened from its path (``lstmviz char_model.keras``, File > Open) is opened as Help >
        Demos opens it (``open_demo``): on its own input, not on generated ids."""
        if recent and (demo := demo_of(path)) is not None:
            return self.open_demo(demo, read=read)
        path = str(path)
        t0 = time.perf_counter()
        try:
            if path.lower().endswith(INPUT_SUFFIXES):
                dim = self.state.input.input_dim
                # (as File > Import input: a model of several inputs asks which one it is for)
                k = self.input_panel.import_into(path)
                if k is None:
                    self.message(f"{file_label(path)} not imported: no input chosen for it")
                    return False
                if k:
                    assert self.state.model is not None  # (an input k > 0: a model of several)
                    name = safe_name(self.state.model.inputs[k].layer)
                    self.message(f"Input {k} ('{name}') read from {file_label(path)}")
                    return True
                now = self.state.input.input_dim
                # (an editable stack takes the file's features: its input weights are new ones)
                self.message(f"Input read from {file_label(path)}" + (
                    f"; input_dim {dim} \u2192 {now}, the file's features: the weights that read "
                    "the input are drawn anew (Ctrl+Z brings the model back)" if now != dim else ""))
                return True
            if not Path(path).exists():
                raise LstmvizError(f"{path}: no such file")
            fmt = formats.sniff(path)
            path = formats.opened_path(path)  # (a Keras folder saved unzipped: its config.json picked)
            self.leave_lesson()
            take = getattr(read, "take", None)  # (a Preread's session or weights, read at start-up)
            if fmt.kind == "session":
                return self.sessions.open(path, read=take and (lambda p: take(p, "session")))
            model = None
            named = fmt
            sniffed = fmt.weights_only and fmt.container == "hdf5"
            if sniffed:
                # (the name says weights: the file's root says what it is, model_config a model)
                fmt = self._keeping_window_alive(formats.sniff_contents, path)
            weights_only = fmt.weights_only
            unread = None
            if not weights_only:
                try:
                    model = self._keeping_window_alive(read or loading.load, path)
                except LstmvizError as err:
                    # (a legacy .h5 of weights whose layers cannot be inferred: they may
                    # still fit the stack, or say which layer they do not fit; a root read
                    # already said it is no weights file)
                    if fmt.container != "hdf5" or sniffed or not self._holds_weights_only(path):
                        raise
                    weights_only, unread = True, err
                else:
                    weights_only = bool(model.source.get("weights_only"))
            if weights_only:
                self._open_weights(path, model, fresh, unread, take and (lambda p: take(p, "weights")))
            else:
                assert model is not None  # (read above: no weights-only file)
                self.state.set_model(model, path)
                self.sessions.session_path = None  # another document: Save asks where
                self.sessions.mark_saved()
                shown = self.state.model or model
                chain = not model.is_sequential and not self.state.readonly
                note = self.state.input_note  # (the user's data the model cannot take: a dialog)
                broken = shown.nonfinite_weights()  # (a model saved after its training diverged)
                said = (f" (a {fmt.name}, not {named.name} as its name says)"
                        if named.weights_only and not fmt.weights_only else "")
                # the layers the stack lists (an ONNX graph's ops that only move or reshape
                # data, Keras 3's mask ops, are not: 19 layers were said beside a list of 4)
                count = layer_count(shown)
                # what may make it compute other numbers than the model saved (a PyTorch
                # state_dict's module without weights, not applied: its place in forward()
                # is unknown), said in the summary only: the window showed the model as if whole
                warned = [w[:1].lower() + w[1:] if w[:1].isupper() else w for w in
                          (str(w).rstrip(".") for w in (getattr(model, "source", None) or {}).get("warnings") or ())]
                self.message(f"Opened {file_label(path)}{said}: {count}, "
                             f"{shown.count_params():,} parameters "
                             f"({(time.perf_counter() - t0) * 1000:.0f} ms)"
                             + "".join(f"; {w}" for w in warned)
                             + (f"; {CHAIN_NOTE}" if chain else "") + (f"; {note}" if note else "")
                             + (f"; {broken}: every number it reaches is NaN" if broken else ""),
                             dialog=bool(note))
        except LstmvizError as err:
            self.message(str(err), dialog=True, error=True, title="Cannot open this file")
            return False
        except OSError as err:
            self.message(safe_text(f"{path}: {err.strerror or err}"), dialog=True, error=True,
                         title="Cannot open this file")
            return False
        if recent:
            self._add_recent(path)
        self.update_title()
        return True

    def _holds_weights_only(self, path: str) -> bool:
        """Whether an HDF5 file's root says weights only (read in the child; a file it
        cannot read: False, and the caller's own refusal stands)."""
        try:
            return self._keeping_window_alive(formats.sniff_contents, path).weights_only
        except LstmvizError:
            return False

    def _open_weights(self, path: str, model=None, fresh: bool = False,
                      unread: LstmvizError | None = None, read=None) -> None:
        """A weights-only file: onto the current stack when it fits; else the layers the
        file implies (inferred from its weight shapes), when they make one model. Raises
        LstmvizError naming both reasons when neither works (``fresh``, the app's own stack
        on screen: only why the file's layers make no model). ``unread``: why the file
        made no model, when that was tried already. ``read``: what reads the weights
        (``lstmviz.read_weights``; a ``Preread``'s, at start-up)."""
        name = file_label(path)
        read = self._keeping_window_alive(read or loading.read_weights, path)
        try:
            self.state.load_weights_file(path, read=read)
        except LstmvizError as misfit:
            try:
                if unread is not None:
                    raise unread
                if model is None:
                    model = self._keeping_window_alive(loading.load, path)
            except LstmvizError as err:
                if fresh:
                    raise
                # (the real reason first, the advice once: ``weights_refusal``)
                raise LstmvizError(weights_refusal(misfit, err)) from None
            self.state.set_model(model, path)
            implied = (f"the layers they imply: {', '.join(l.name for l in model.layers)} "
                       f"({model.source.get('note', 'inferred')})")
            self.message(f"{name} holds weights only: lstmviz opened {implied}." if fresh else
                         f"{name} holds weights only and they do not fit the current stack, so "
                         f"lstmviz opened {implied}. Ctrl+Z brings your stack back.")
        else:
            self.message(f"Weights from {name} put on the current stack")

    def _keeping_window_alive(self, read, path: str):
        """``read(path)`` (``lstmviz.load`` or ``lstmviz.read_weights``) on a worker thread
        while the window keeps painting.

        Reading runs in a child process with a time limit (a damaged HDF5 file can hang
        libhdf5); until it answers the window repaints and shows a busy cursor but takes
        no input, so nothing can start a second load or edit the stack meanwhile."""
        job = Job(lambda: read(path), "lstmviz-load")
        if not job.done_within(0.05):
            self.statusBar().showMessage(f"Reading {file_label(path)}\u2026")
            QtWidgets.QApplication.setOverrideCursor(QtCore.Qt.CursorShape.WaitCursor)
            try:
                job.pump(QtCore.QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
            finally:
                QtWidgets.QApplication.restoreOverrideCursor()
        return job.result()

    def open_long_dialog(self):
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self, "Open a long input", "", "Long inputs (*.npy *.csv *.tsv *.txt);;All files (*)")
        if not path:
            return
        vocabulary = None
        try:
            from lstmviz.app.long_data import reads_as_text
            text = reads_as_text(path)
        except OSError:
            text = False  # (open_long says why)
        if text:  # characters to ids: the app's, or the model's own vocabulary
            vocabulary = self.ask_vocabulary(path)
            if vocabulary is False:
                return
        self.open_long(path, vocabulary=vocabulary or None)

    def ask_vocabulary(self, path):
        """A text opened as a long input: through the app's characters (None), a vocabulary
        file of the user's model (its path), or not at all (False)."""
        from lstmviz.app.inputs import ALPHABET
        box = plain_box(QtWidgets.QMessageBox(self))
        box.setWindowTitle("Open a long input")
        box.setIcon(QtWidgets.QMessageBox.Icon.Question)
        box.setText(f"Read {file_label(path)} as characters through which vocabulary?")
        box.setInformativeText(
            f"The app's {len(ALPHABET)} characters (a-z, space, '.', '?'; others read as '?'), or "
            "your model's vocabulary file: a JSON list of tokens (index = id), a JSON object "
            "token -> id, or a token per line; one with [UNK] reads characters it lacks as that.")
        own = box.addButton("The app's characters", QtWidgets.QMessageBox.ButtonRole.AcceptRole)
        given = box.addButton("A vocabulary file\u2026", QtWidgets.QMessageBox.ButtonRole.ActionRole)
        box.addButton(QtWidgets.QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(own)
        box.exec()
        if box.clickedButton() is own:
            return None
        if box.clickedButton() is given:
            vocab, _ = QtWidgets.QFileDialog.getOpenFileName(
                self, "The model's vocabulary", str(Path(path).parent),
                "Vocabularies (*.json *.txt);;All files (*)")
            return vocab or False
        return False

    def open_long(self, path, vocabulary=None) -> bool:
        """A long input (``.npy`` memory-mapped, ``.csv``, text through the app's characters
        or ``vocabulary``, a vocabulary file's path) as the input of the current model, here:
        beyond the trace budget, ``LONG_STEPS`` steps or ``FULL_TRACE_WORK`` the views show the exact window around the
        step beside the whole sequence's overview, the pass running in the background."""
        from lstmviz.app.long_data import Cancelled
        notes: list[str] = []
        names: list[str] = []  # (a CSV header's)
        labels: list[str] = []  # (what a text's ids stand for)
        try:
            if self.state.model is None:
                raise LstmvizError("open or build a model first")
            x = np.asarray(self._read_long(path, vocabulary, notes, names, labels))
            if self.state.error:
                raise LstmvizError(self.state.error)
            from lstmviz.app.atomic import all_or_nothing
            with all_or_nothing(self.state, "the input"):  # refused: the input stays, undo too
                self.state.set_input_data(x[..., None] if x.ndim == 2 else x,  # ids: (batch, steps, 1)
                                          names=names or None, labels=labels or None)
        except Cancelled:
            self.message(f"{file_label(path)}: not opened (cancelled); the input is as it was")
            return False
        except (LstmvizError, OSError) as err:
            text = str(err)  # (an LstmvizError's text is escaped)
            # the readers' messages name the file already, mostly (the vocabulary's refusal
            # its own file: "v.json: No such file or directory" read "t.txt: v.json: ...")
            named = [escape(Path(p).name) + ": " for p in (path, vocabulary) if isinstance(p, (str, os.PathLike))]
            self.message(text if any(text.startswith(n) for n in named) else f"{file_label(path)}: {text}",
                         dialog=True, error=True)
            return False
        steps = self.state.timesteps
        from lstmviz.ui.long_runner import BACKGROUND
        # (a long input: its views' headers say what they show; the message is short enough
        # to stand beside the progress bar and Cancel, which cut "(tracing in the backg")
        how = f" {BACKGROUND}" if self.state.long is not None else ", traced whole"
        # (characters outside the vocabulary: how many, read as what)
        from lstmviz.io.csv_numbers import samples_steps
        # a CSV's or a text's samples and steps, as the command line says how it read one (a
        # column of ids: one sample); a .npy's shape is its own (and the bar leaves no room)
        shape = (plural(steps, 'step', sep=',') if Path(path).suffix.lower() == ".npy"
                 else samples_steps(len(x), steps))
        self.message(f"Opened {file_label(path)}: {shape}{how}" + "".join(
            f". {escape(n)}" for n in notes), dialog=bool(notes))  # (longer than a status bar)
        return True

    def _read_long(self, path, vocabulary, notes, names=None, labels=None):
        """``long_data.load_long_input`` on a worker thread; past ``READ_QUIET_S`` a progress
        dialog (window-modal, the window painting) with Cancel (``long_data.Cancelled``)."""
        from lstmviz.app.long_data import load_long_input
        seen = [0, 1]
        stop = threading.Event()
        model = self.state.model

        def progress(done, total):
            seen[:] = [done, total]

        job = Job(lambda: load_long_input(path, model, vocabulary=vocabulary, progress=progress,
                                          cancel=stop.is_set, notes=notes, names=names, labels=labels),
                  "lstmviz-long-read")
        job.pump_with_progress(self, f"Reading {file_label(path)}\u2026", "Open a long input", stop, seen,
                               READ_QUIET_S)
        return job.result()

    # -- the one memory budget (lstmviz/limits.py) ------------------------------------------
    def _memory_limit_from_preferences(self) -> None:
        """The limit saved in the preferences, unless ``--max-memory`` or
        ``LSTMVIZ_MAX_MEMORY`` gave one (they win)."""
        saved = self.settings.value(MEMORY_KEY, "")
        if saved and limits.ENV not in os.environ:
            try:
                limits.set_memory_limit(str(saved))
            except LstmvizError as err:
                log.warning("preferences: %s", err)

    def memory_limit_dialog(self):
        text, ok = QtWidgets.QInputDialog.getText(
            self, "Memory limit",
            "Memory lstmviz may use for one file, input or trace (e.g. 2G, 8G, 512M;\n"
            f"from 16M up to {limits.fmt_bytes(limits.largest_limit())}).\n"
            "A full trace may take half of it; a longer input (or one of more than\n"
            f"{count(LONG_STEPS)} steps, or fewer through big layers) is traced by keyframes and\n"
            "shown as an overview beside an exact window.",
            text=limits.fmt_bytes(limits.memory_limit()))
        if ok:
            self.set_memory_limit(text)

    def set_memory_limit(self, text: str) -> bool:
        """File > Memory limit: the one budget (``--max-memory``), kept in the preferences;
        the input is traced again under it (whole, or as a long input)."""
        try:
            value = limits.set_memory_limit(text)
        except LstmvizError as err:
            self.message(str(err), dialog=True, error=True)
            return False
        self.settings.setValue(MEMORY_KEY, str(text).strip())
        self.state.rebuild()
        self.message(f"Memory limit {limits.fmt_bytes(value)}: full traces up to "
                     f"{limits.fmt_bytes(limits.trace_budget())} and {count(LONG_STEPS)} steps (fewer through "
                     "big layers), longer inputs by keyframes")
        return True

    def open_units_window(self):
        """View > Units at scale: the units of the input's layers ranked by variance,
        saturation or correlation, and threshold crossings (ui/long_view.py): of a long
        input, on its keyframe pass; of an input traced whole, on the trace of the sample
        shown (``WholeInput``: this window's own; another sample picked there is traced
        alone, as here), every recurrent layer on its own time axis (a seq2seq's decoder);
        the window closes when the model or the input changes."""
        from lstmviz.app.whole_input import WholeInput
        from lstmviz.ui.long_view import LongSequenceWindow
        seq = self.state.long
        cur = self.state.cursor
        if seq is None:
            try:
                model, xs = self.state.whole_inputs()
            except LstmvizError as err:
                self.message(f"Units at scale: {err}", dialog=True, error=True)
                return None
            old = self.close_units_window(keep=self._units_of(model, xs))
        else:
            old = self.close_units_window(keep=seq)
        if old is not None:  # open on this input already: brought up, where this window is
            if old.owns:
                old.go_on()  # (its own pass, cancelled there: it goes on; the main window's by its Go on or Trace all)
            old.show_at(cur.step, cur.layer, cur.unit, cur.side, cur.sample)
            old.raise_()
            old.activateWindow()
            return old
        try:
            if seq is None:  # the sample shown, as traced here (this trace of it: nothing to compute)
                alone = self.state.traced_sample is not None
                trace = self.state.trace if self.state.traced_sample in (None, cur.sample) else None
                whole = WholeInput(model, xs, cur.sample, alone=alone, trace=trace,
                                   batch=self.state.batch_index)
                self.long_window = LongSequenceWindow(seq=whole, own=True, parent=self,
                                                      feature_names=self.state.feature_names())
            else:
                self.long_window = LongSequenceWindow(seq=seq, parent=self,
                                                      feature_names=self.state.feature_names(),
                                                      sample_base=self.state.traced_sample or 0,
                                                      resume_pass=self.long_runner.resume)
        except LstmvizError as err:
            self.message(f"Units at scale: {err}", dialog=True, error=True)
            return None
        self.long_window.crossing_picked.connect(self._crossing_picked)
        self.long_window.unit_picked.connect(self._unit_picked)
        self.long_window.show_at(cur.step, cur.layer, cur.unit, cur.side, cur.sample)  # (it opened at step 0)
        self.long_window.show()
        return self.long_window

    def _own_units_window(self):
        """The open Units at scale window where it has a sequence of its own (an input
        traced whole: ``WholeInput``), else None (none open, or on a long input's pass)."""
        import shiboken6
        lw = getattr(self, "long_window", None)
        return lw if lw is not None and shiboken6.isValid(lw) and lw.owns else None

    def _units_of(self, model, xs):
        """The sequence of the open Units at scale window when it is its own, of ``model``
        on ``xs`` (the input traced whole, as shown now), else None."""
        lw = self._own_units_window()
        return lw.seq if lw is not None and lw.seq.holds(model, xs, self.state.batch_index) else None

    def _units_follow(self) -> None:
        """The model or the input changed: Units at scale's own trace of an input traced
        whole no longer shows it, and closes (a long input's window: ``LongRunner``)."""
        if self._own_units_window() is None:
            return
        keep = None
        if self.state.long is None:
            try:
                keep = self._units_of(*self.state.whole_inputs())
            except LstmvizError:
                keep = None
        self.close_units_window(keep=keep)

    def close_units_window(self, keep=None):
        """Closes View > Units at scale's window unless it shows ``keep`` (a ``LongSequence``)
        and is open: then returns it. Another long input (or none) closes it: it showed the
        input before, and a crossing picked there moved this window to a step of that one;
        a second View > Units at scale made a second window."""
        import shiboken6
        lw = getattr(self, "long_window", None)
        if lw is None or not shiboken6.isValid(lw):
            return None
        if keep is not None and lw.seq is keep and lw.isVisible():
            return lw
        lw.close()
        lw.deleteLater()
        self.long_window = None
        return None

    def _crossing_picked(self, step: int, layer: str, side: str, unit: int) -> None:
        """Units at scale: a crossing picked there is shown here too (its step, layer, unit;
        of an input traced whole, its sample: ``_units_sample``)."""
        self.state.set_cursor(step=step, layer=layer, unit=unit, **self._units_sample(),
                              **({"side": side} if side else {}))

    def _unit_picked(self, layer: str, side: str, unit: int) -> None:
        """Units at scale: a unit picked there (a click on its row) is the one selected here
        (its layer's, its half of a Bidirectional; of an input traced whole, in the sample
        shown there), at the step this window shows."""
        self.state.set_cursor(layer=layer, unit=unit, **self._units_sample(), **({"side": side} if side else {}))

    def _units_sample(self) -> dict:
        """``{"sample": s}``, the sample Units at scale shows, where it has an input traced
        whole of its own, any sample of which it shows (a long input's holds the one shown
        here): a unit or a crossing picked there is of that sample."""
        lw = self._own_units_window()
        return {"sample": lw.sample()} if lw is not None else {}

    def open_demo(self, demo: dict, read=None) -> bool:
        with self.state.changes():  # the model and its input: the views redraw once
            ok = self.open_file(demo["model"], read=read, recent=False)  # (in its own menu)
            depth = len(self.state.undo_stack)
            if ok and demo.get("text"):  # typed text: shown as characters
                self.state.set_input_spec(source="text", text=demo["text"])
            elif ok and demo.get("input") is not None:
                try:
                    self.state.import_input(demo["input"], label=input_label(demo))
                except LstmvizError as err:
                    self.message(f"demo input: {err}", error=True)
            if ok:  # (its input is part of the opening: one Ctrl+Z brings the work before it)
                self.state.one_step_since(depth)
        if ok:
            self.sessions.mark_saved()  # the demo's input is part of it, not an edit
            # its title and one short line: its description ran past the bar at 1280 x 720
            # (Help > Demos' tooltip holds that whole)
            line = demo.get("line", "")
            self.message(f"Demo: {demo['title']}. {line}" if line else f"Demo: {demo['title']}")
            self.demo_line = self.statusBar().currentMessage()  # (goes at an edit: _state_changed)
        return ok

    def leave_lesson(self) -> None:
        """Opening a model, a session or a new stack ends a lesson, the work from before it
        put back first (Ctrl+Z after the opening brings it): the lesson's caption stayed
        over the model opened ("4 units" over an LSTM(8)), and its end put that work back
        over the model just opened."""
        presenter = getattr(self, "presenter", None)
        if presenter is not None and presenter.tour.active:
            presenter.tour.end()

    def new_stack(self):
        self.leave_lesson()
        session, name = self.sessions.session_path, self.state.model_name
        before = (file_label(session) if session else file_label(self.state.path) if self.state.path
                  else safe_name(name) if name else "the stack before it")
        self.state.new_stack()
        self.source_label = None
        self.sessions.session_path = None
        self.sessions.mark_saved()
        self.update_title()
        model = self.state.model  # (said, not the last file's "Opened ..." left standing)
        size = (f", {plural(len(model.layers), 'layer')}, {model.count_params():,} parameters"
                if model is not None else "")
        self.message(f"New stack: the built-in editable stack{size} (Ctrl+Z brings {before} back)")

    def _recent(self) -> list[str]:
        value = self.settings.value("recent", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in value] if isinstance(value, list) else []

    def _add_recent(self, path):
        if not self.keeps_recent:
            return
        path = str(Path(path).resolve())
        items = [p for p in self._recent() if p != path]
        self.settings.setValue("recent", [path] + items[:MAX_RECENT - 1])
        self._fill_recent()

    def _fill_recent(self):
        self.recent_menu.clear()
        items = self._recent()
        for p in items:
            a = self.recent_menu.addAction(file_label(p).replace("&", "&&"))  # (R&D.keras: no mnemonic)
            a.setToolTip(text_tip(p))
            a.setStatusTip(safe_text(p))
            a.triggered.connect(lambda _=False, p=p: self.open_file(p))
        self.recent_menu.setEnabled(bool(items))

    def screenshot_dialog(self):
        self.exporter.screenshot()  # (named, suffixed and said as the exports are)

    # -- drag and drop ---------------------------------------------------------------------
    def dragEnterEvent(self, event: QtGui.QDragEnterEvent):
        # any local file: the format is read from its bytes (a model saved without a
        # suffix opens; anything else is refused in one line saying what is supported)
        if self._dropped(event.mimeData()) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QtGui.QDropEvent):
        path = self._dropped(event.mimeData())
        if path is not None:
            event.acceptProposedAction()
            others = sum(1 for u in event.mimeData().urls() if u.isLocalFile() and u.toLocalFile()) - 1
            # open after the drop returns, so a message box does not block the drag source
            QtCore.QTimer.singleShot(0, lambda p=path, n=others: self._open_dropped(p, n))  # noqa: B008

    def _open_dropped(self, path: str, others: int) -> None:
        """Open the one file a drop opens; the others dropped with it are named as left
        alone (one file is opened at a time; they were dropped without a word)."""
        if self.open_file(path) and others > 0:
            left = plural(others, "other file")
            self.message(f"{self.last_message} ({left} dropped with it not opened: one file at a time)")

    @staticmethod
    def _dropped(mime: QtCore.QMimeData) -> str | None:
        """The file a drop opens: the first local file named like a model or a session, else
        like an input, else the first local file (its bytes decide); None if none is local."""
        paths = [u.toLocalFile() for u in mime.urls() if u.isLocalFile() and u.toLocalFile()]
        return next((p for p in paths if is_model_file(p)),
                    next((p for p in paths if p.lower().endswith(INPUT_SUFFIXES)), paths[0] if paths else None))

    #: a size asked with ``resize`` that the views' least sizes held the window above is
    #: asked again whenever the window is laid out or resized, until the window's own thread
    #: has worked this long (s of its CPU time: the layouts a size asks for take as many
    #: passes on a loaded machine, where 1 s of wall time ran out before them), or at most
    #: ``RESIZE_SETTLE_WALL`` s
    RESIZE_SETTLE = 1.0
    RESIZE_SETTLE_WALL = 60.0

    def resize(self, *size) -> None:
        """``QMainWindow.resize``, and asked again (``RESIZE_SETTLE``) where the window's
        least size holds it larger: a view's least size follows the room it has (the Cell
        view's equations, header and charts: at a new width their text asks for more
        height, then their compact forms for less), so that from 1024 x 768 on the Cell tab
        an 800 x 600 window became 800 x 724 and took three more resizes, and
        ``--screenshot --view cell --size 800x600`` was drawn at 903 x 677 in the projector
        theme, scaled down. A size the window manager sets (the user's drag, a maximised
        window) is not this."""
        want = QtCore.QSize(*size) if len(size) == 2 else QtCore.QSize(size[0])
        self._asked: tuple[QtCore.QSize, float, float] | None = (
            want, time.thread_time() + self.RESIZE_SETTLE, time.monotonic() + self.RESIZE_SETTLE_WALL)
        super().resize(want)

    def _ask_again(self) -> None:
        asked = getattr(self, "_asked", None)
        if asked is None or self.size() == asked[0]:
            return
        states = QtCore.Qt.WindowState.WindowMaximized | QtCore.Qt.WindowState.WindowFullScreen
        if time.thread_time() > asked[1] or time.monotonic() > asked[2] or self.windowState() & states:
            self._asked = None
            return
        QtWidgets.QMainWindow.resize(self, asked[0])  # (as large as its least size, if that is more)

    def setGeometry(self, *rect) -> None:  # noqa: N802 (Qt's name)
        self._asked = None  # (a size set otherwise: the export putting the window back)
        super().setGeometry(*rect)

    def restoreGeometry(self, geometry) -> bool:  # noqa: N802 (Qt's name)
        self._asked = None
        return super().restoreGeometry(geometry)

    #: what Tab passes over: a plot (no key of its own, and its focus shows nowhere: the
    #: Cell view's charts were ten stops before its check box, Over time's seven) and a
    #: scroll area (its arrows and pages are the player's keys)
    NO_TAB_STOP = (QtWidgets.QGraphicsView, QtWidgets.QScrollArea)

    def focusNextPrevChild(self, next: bool) -> bool:  # noqa: N802 (Qt's name)
        """Tab / Shift+Tab: the next (previous) of ``tab_stops``, the window's controls in
        reading order, past ``NO_TAB_STOP``'s (a click still gives a plot the focus).
        ``tabbing`` is set meanwhile: a control the focus moves to so takes Space
        (``player.ButtonKeys``)."""
        stops = self.tab_stops()
        here = QtWidgets.QApplication.focusWidget()
        if not stops or here is None or not (here is self or self.isAncestorOf(here)):
            return super().focusNextPrevChild(next)
        here = _focus_target(here)
        if here in stops:
            k = stops.index(here) + (1 if next else -1)
        else:  # (a plot or a scroll area a click gave the focus: the stop beside it in Qt's chain)
            w, target = here, here
            for _ in range(len(self.findChildren(QtWidgets.QWidget)) + 1):
                step = w.nextInFocusChain() if next else w.previousInFocusChain()
                assert step is not None  # (the focus chain is a ring)
                w = step
                target = _focus_target(w)
                if w is here or target in stops:
                    break
            k = stops.index(target) if target in stops else 0
        self.tabbing = True
        try:
            reason = QtCore.Qt.FocusReason.TabFocusReason if next else QtCore.Qt.FocusReason.BacktabFocusReason
            stops[k % len(stops)].setFocus(reason)
            return True
        finally:
            self.tabbing = False

    def tab_stops(self) -> list[QtWidgets.QWidget]:
        """The controls Tab goes through, in the window's reading order: the side panel, the
        header (layer, unit), the view tabs and the page shown, the player; each part in
        its own order (Qt's focus chain within it). Qt's own Tab follows its focus chain,
        the order widgets joined the window: a view or the Train tab built when its tab was
        first shown (``LazyViews``, ``replace_tab``) joined it after the player, so Tab went
        tabs -> player -> the page's controls. ``QWidget.setTabOrder`` cannot put it right:
        it ignores the parts (containers take no focus) and moves a tab widget's bar, not
        the tab widget, which Qt's Tab still visits (its focus proxy) where it joined."""
        parts = (self.side, self.header, self.tabs, self.player)
        found: list[list[QtWidgets.QWidget]] = [[] for _ in (*parts, None)]
        seen: set[QtWidgets.QWidget] = set()
        w = self.nextInFocusChain()
        for _ in range(len(self.findChildren(QtWidgets.QWidget)) + 1):
            if w is self:
                break
            assert w is not None  # (the focus chain is a ring)
            stop = _focus_target(w)
            if (stop not in seen and stop.focusPolicy() & QtCore.Qt.FocusPolicy.TabFocus
                    and stop.isEnabled() and stop.isVisibleTo(self) and not isinstance(stop, self.NO_TAB_STOP)):
                seen.add(stop)
                k = next((k for k, part in enumerate(parts) if part is stop or part.isAncestorOf(stop)), len(parts))
                found[k].append(stop)
            w = w.nextInFocusChain()
        return [w for part in found for w in part]

    def event(self, event) -> bool:
        done = super().event(event)
        if event.type() == QtCore.QEvent.Type.LayoutRequest and getattr(self, "_asked", None) is not None:
            later(self, type(self)._ask_again)  # (a least size that may have come down)
        return done

    def resizeEvent(self, event):
        super().resizeEvent(event)
        asked = getattr(self, "_asked", None)
        if asked is not None:
            want, least = asked[0], self.minimumSize()
            if (self.width(), self.height()) != (max(want.width(), least.width()), max(want.height(), least.height())):
                self._asked = None  # (a size neither asked nor the least: the user's, the window manager's)
            else:
                # (once the layouts this size asks for have run: the views' least sizes then
                # follow their new room, and the window grew with them)
                later(self, type(self)._ask_again)
        presenter = getattr(self, "presenter", None)
        if (self.side_follows and self.width() > 0 and self.side.isVisibleTo(self)
                and not (presenter is not None and presenter.active)):
            self.fit_side()
        if presenter is not None:
            presenter.window_resized()  # (the side panel beside the Train tab, or not)

    def side_least(self) -> int:
        """The width the side panel needs for the Stack page's cards, boxes and buttons
        whole, in the fonts of the theme on screen (that page scrolls up and down, never
        sideways: narrower, its right end is cut off)."""
        pages = (self.stack_panel, self.input_panel)
        frame = self.side.minimumSizeHint().width() - max(p.minimumSizeHint().width() for p in pages)
        return self.stack_panel.least_width() + frame

    def fit_side_least(self) -> None:
        """The side panel's 26 em and least width for the theme's fonts: at first, and again
        when the theme changes (a side panel sized for the dark theme's fonts cut the
        projector theme's Stack page at its right end: 'input_di', '32' for 320, 'Remo')."""
        em = QtGui.QFontMetrics(self.side.font()).horizontalAdvance("M")
        self.side_width = max(360, 26 * em)
        self.side.setMinimumWidth(min(self.side_width, max(360, self.side_least())))

    def fit_side(self) -> None:
        """The side panel's width for the window's: its 26 em where they are at most half
        the window (at 800 x 600 in the projector theme its least, so that the views' tabs
        keep their titles whole), a quarter of a wide window; the same whether the window
        was opened at its size or resized to it (the splitter alone kept the side's width
        and gave the views only what was left)."""
        side = max(self.side.minimumWidth(), int(self.width() * 0.26), min(self.side_width, self.width() // 2))
        self.splitter.setSizes([side, max(200, self.width() - side)])

    def _side_moved(self, _pos: int, _index: int) -> None:
        self.side_follows = False  # (the user's width, kept as the window is resized)

    def closeEvent(self, event):
        self.player.pause()
        # Units at scale goes with the window (a window of its own, it stayed on screen, and
        # its own pass over every sample ran on to its end)
        self.close_units_window()
        super().closeEvent(event)
