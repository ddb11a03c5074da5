"""Sessions in the window: File > Open/Save session, Edit > Undo/Redo, autosave, and the
preferences kept in QSettings (theme, recent files, window geometry/state).

- Open/Save: ``lstmviz.app.session`` does the work (checked before applied, atomic
  writes); this adds what only the window knows (view tab, theme, splitter, geometry, Focus
  on the unit (F), Equations (E), the Cell view's terms written out, the player's speed, the
  Train tab's settings once it was shown: ``TrainPanel.session_settings``).
- Autosave: every ``AUTOSAVE_MS`` and ``DEBOUNCE_MS`` after an edit, when something
  changed, the state is captured on the GUI thread (copies) and written by a worker thread
  to ``QStandardPaths.AppDataLocation/autosave-<pid>-<ms>.lstmviz``, one file per running
  window, each held by a ``QLockFile`` beside it. A clean close removes both; the next
  start finds a file whose lock nobody holds (its window crashed or was killed) and
  offers to restore it, while the autosaves of other running lstmviz windows are left
  alone (never in a ``quiet`` window: tests, ``--screenshot``, exports).
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import threading
import time
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from lstmviz.app import session as ses
from lstmviz.app.selection import SPEEDS
from lstmviz.errors import LstmvizError, is_number, is_whole
from lstmviz.files import resolved
from lstmviz.text import file_label, file_stem, safe_text
from lstmviz.ui.focused import FocusedFilter
from lstmviz.ui.labels import plain_box
from lstmviz.ui.later import later

log = logging.getLogger("lstmviz")
AUTOSAVE_MS = 30_000
DEBOUNCE_MS = 3_000
TITLE_CHECK_MS = 150  # an edit's "*" in the window title, this long after it
FILTER = "lstmviz sessions (*.lstmviz);;All files (*)"


def default_autosave_path() -> Path:
    """This window's own autosave file (two running windows never share one)."""
    where = QtCore.QStandardPaths.writableLocation(QtCore.QStandardPaths.StandardLocation.AppDataLocation)
    name = f"autosave-{os.getpid()}-{int(time.time() * 1000)}.lstmviz"
    return Path(where or Path.home() / ".lstmviz") / name


def _lock_file(path: Path) -> QtCore.QLockFile:
    lock = QtCore.QLockFile(str(path) + ".lock")
    lock.setStaleLockTime(0)  # stale only when its process is gone, however old
    return lock


def preferred_theme(settings=None, default: str = "dark") -> str:
    """The theme saved in the preferences (or ``default``)."""
    settings = settings or QtCore.QSettings("lstmviz", "lstmviz")
    value = settings.value("theme", default)
    return str(value) if value else default


def _b64(data: QtCore.QByteArray) -> str:
    return base64.b64encode(data.data()).decode("ascii")


def _unb64(text) -> QtCore.QByteArray | None:
    try:
        return QtCore.QByteArray(base64.b64decode(str(text), validate=True))
    except (ValueError, TypeError):
        return None


#: Inputs up to this size are autosaved again when only the step or selection moved; a
#: larger one's cursor is saved alone beside the autosave (``session.write_position``).
MOVED_SAVE_BYTES = 16 << 20


class SessionManager(QtCore.QObject):
    """Session files, undo/redo, autosave and preferences of one main window."""

    def __init__(self, window, autosave_path=None):
        super().__init__(window)
        self.window = window
        self.state = window.state
        self.autosave_path = Path(autosave_path) if autosave_path else default_autosave_path()
        self._session_path: str | None = None
        self._documents: dict[str, str] = {}  # a model file's path -> the session it was saved as or opened from
        self._dirty = False
        self._moved_only = False  # the cursor moved, the input too large to save the session again
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self._held: QtCore.QLockFile | None = None  # the lock on our own autosave file
        self._held_path: Path | None = None
        self.autosave_enabled = True
        self.offer_leftovers = True  # at the first show, offer a leftover autosave (see for_notebook)
        self._restore_pending = True  # no autosave before the restore question is answered
        self._shown = False  # the start (preferences, leftover autosaves) waits for the first show
        self._preferences_restored = False
        self._saved = None  # the state as the window's document was last opened or saved
        #: a leftover autosave restored over what the window had opened (``offer_restore``):
        #: the undo entry the restore pushed (the work it replaced, as opened: an undo of it
        #: crosses the restore), the restored work as such an undo left it on the redo
        #: stack (a redo of it brings the restore back), whether the restored work is on
        #: screen (its edits included); what Save writes and what is saved (``_saved``) on
        #: either side: the work replaced (its session, as opened) and, while an undo took
        #: the restore back, the restored work's (None and None: never saved)
        self._restore_base = None
        self._restored_redo = None
        self._restored = False
        self._sides: tuple[tuple, tuple] = ((None, None), (None, None))
        #: the process is ending on a signal (``end_by_signal``): no question is asked
        self.ending = False
        #: the last autosave write failed (``autosave``'s worker): a close on a signal then
        #: leaves no mark of a clean end beside the file (``ENDED_SUFFIX``)
        self._write_failed = False
        #: the file the window was started on (``lstmviz FILE``): a leftover autosave's
        #: restore does not replace it unasked (``offer_restore``)
        self.started_on: str | None = None

        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(AUTOSAVE_MS)
        self.timer.timeout.connect(self.autosave)
        self.debounce = QtCore.QTimer(self)
        self.debounce.setSingleShot(True)
        self.debounce.setInterval(DEBOUNCE_MS)
        self.debounce.timeout.connect(self.autosave)
        #: the window title's "*" (``windowModified``) follows ``unsaved`` a moment after an
        #: edit, an undo or a redo (not in the edit's own turn: a snapshot's comparison)
        self.title_check = QtCore.QTimer(self)
        self.title_check.setSingleShot(True)
        self.title_check.setInterval(TITLE_CHECK_MS)
        self.title_check.timeout.connect(self.sync_modified)
        self.state.stack_changed.connect(self._edited)
        self.state.cursor_changed.connect(self._moved)
        self.state.history_changed.connect(self._sync_actions)
        self.state.history_changed.connect(self.title_check.start)
        window.installEventFilter(self)
        self.timer.start()

    @property
    def session_path(self) -> str | None:
        """The session file File > Save writes: the one the work on screen was opened from
        or last saved as (None: Save asks where)."""
        return self._session_path

    @session_path.setter
    def session_path(self, path: str | None) -> None:
        self._session_path = path
        if path is not None and self.state.path is not None:
            self._documents[self.state.path] = path

    # -- menus ---------------------------------------------------------------------------
    def add_file_actions(self, file_menu: QtWidgets.QMenu, before: QtGui.QAction | None = None):
        acts = []
        a = QtGui.QAction("Open &session\u2026", self)
        a.triggered.connect(self.open_dialog)
        acts.append(a)
        a = QtGui.QAction("Sa&ve session", self)
        a.setShortcut(QtGui.QKeySequence.StandardKey.Save)
        a.triggered.connect(self.save)
        acts.append(a)
        a = QtGui.QAction("Save session &as\u2026", self)
        a.setShortcut(QtGui.QKeySequence.StandardKey.SaveAs)
        a.triggered.connect(self.save_as_dialog)
        acts.append(a)
        for a in acts:
            file_menu.insertAction(before, a) if before is not None else file_menu.addAction(a)
        return acts

    def add_edit_menu(self, menubar: QtWidgets.QMenuBar, before: QtGui.QAction | None = None):
        edit = QtWidgets.QMenu("&Edit", menubar)
        # Undo and Redo are made here, in Python, not by ``edit.addAction("&Undo", slot)``:
        # that one makes the QAction in C++, and PySide's wrapper of an object made in C++
        # is marked deleted whenever PySide's own record of its parents says so, the action
        # still alive in the menu. ``findChildren`` moves the wrappers it returns under the
        # object it was called on in that record (the window's ``tab_stops`` moved this
        # menu under the window), and a wrapper invalidated or destroyed there invalidates
        # the wrappers under it: at a lesson's end, "Internal C++ object (QAction) already
        # deleted" from ``_sync_actions``, Undo greyed for good and Ctrl+Z dead. A wrapper of
        # an object made in Python is marked deleted only when the object is.
        self.undo_action = QtGui.QAction("&Undo", edit)
        self.undo_action.triggered.connect(self.undo)
        self.undo_action.setShortcut(QtGui.QKeySequence("Ctrl+Z"))
        self.redo_action = QtGui.QAction("&Redo", edit)
        self.redo_action.triggered.connect(self.redo)
        self.redo_action.setShortcuts([QtGui.QKeySequence("Ctrl+Shift+Z"), QtGui.QKeySequence("Ctrl+Y")])
        for a in (self.undo_action, self.redo_action):
            a.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
            edit.addAction(a)
        if before is not None:
            menubar.insertMenu(before, edit)
        else:
            menubar.addMenu(edit)
        self.edit_menu = edit
        self._field_undo = _FieldUndo(self.window, self.undo_action, self.redo_action)
        # a greyed action takes no key: Ctrl+Z with nothing to undo did nothing, the status
        # bar keeping the last "Undone: ..." as though it had undone again. These keys stand
        # in while their action is greyed (never both: two alike shortcuts would be ambiguous)
        self._idle_keys = [(a, QtGui.QShortcut(seq, self.window, slot))
                           for a, slot in ((self.undo_action, self.undo), (self.redo_action, self.redo))
                           for seq in a.shortcuts()]
        self._sync_actions()
        return edit

    def _sync_actions(self):
        if hasattr(self, "undo_action"):
            self.undo_action.setEnabled(bool(self.state.undo_stack))
            self.redo_action.setEnabled(bool(self.state.redo_stack))
            for action, key in self._idle_keys:
                key.setEnabled(not action.isEnabled())

    def undo(self) -> bool:
        return self._step("Undone", self.state.undo, "Nothing to undo", redo=False)

    def redo(self) -> bool:
        return self._step("Redone", self.state.redo, "Nothing to redo", redo=True)

    def _step(self, done: str, step, nothing: str, redo: bool) -> bool:
        """Undo or redo, and say what it changed ('Undone: units of 'lstm' 16 → 8'); a
        redo's words say what it brings back ('Redone: the trained model at update 80')."""
        from lstmviz.app.history import describe_change

        before = self.state.snapshot()
        crossing = self._crosses_restore(redo)
        ok = step()
        what = describe_change(before, self.state.snapshot(), redo=redo) if ok else ""
        if ok and crossing:
            what = self._crossed_restore(redo)
        elif ok and self.state.path != before.path:
            # back across an open: Save writes that work's session, not the one opened after
            # it (Ctrl+S wrote the stack brought back over the session file just opened)
            path = self.state.path
            self._session_path = self._documents.get(path) if path is not None else None
            self.window.update_title()
        self.window.message(". ".join([(f"{done}: {what}" if what else done), *self._unreachable()])
                            if ok else nothing)
        return ok

    def _crosses_restore(self, redo: bool) -> bool:
        """Whether the next undo (redo) takes back (brings back) a restored autosave."""
        stack, mark = ((self.state.redo_stack, self._restored_redo) if redo
                       else (self.state.undo_stack, self._restore_base))
        return mark is not None and bool(stack) and stack[-1] is mark

    def _crossed_restore(self, redo: bool) -> str:
        """After an undo (redo) across a restore: the entries that mark it, the session
        Save writes and the title; its words for the status bar. An undo said the restored
        work's last edit ("units of 'lstm' 6 -> 4"), the title kept the "*" of the restored
        work and Ctrl+S asked where, though the file was back as opened."""
        self._restored = redo
        if redo:
            self._restore_base, self._restored_redo = self.state.undo_stack[-1], None
        else:
            self._restore_base, self._restored_redo = None, self.state.redo_stack[-1]
            # (the restored work's: the session Save wrote it to since, if any)
            self._sides = (self._sides[0], (self._session_path, self._saved))
        self._session_path, self._saved = self._sides[1 if redo else 0]
        self.window.update_title()
        if redo:
            return "the restored work"
        name = self.window.document_name()
        return f"the restored work; {name} as opened" if self.state.path else f"the restored work; {name} as it was"

    def _unreachable(self) -> list[str]:
        """Why the views do not show the player's step of a long input brought back (its
        pass under way), to be said with what brought it (``LongRunner.unreachable``)."""
        runner = getattr(self.window, "long_runner", None)
        text = runner.unreachable(self.state.cursor.step) if runner is not None else ""
        return [text] if text else []

    # -- what only the window knows ----------------------------------------------------------
    def ui_state(self) -> dict:
        from lstmviz.ui import theme as th

        w = self.window
        panel = getattr(w, "_train_panel", None)  # (the Train tab's settings, once it was shown)
        sizes = self._splitter_sizes()
        return {"tab": int(w.tabs.currentIndex()), "side_tab": int(w.side.currentIndex()),
                "theme": th.current().name, **({"splitter": sizes} if sizes else {}),
                "geometry": _b64(w.saveGeometry()), "window_state": _b64(w.saveState()),
                **self._view_settings(),
                **(panel.session_settings() if panel is not None else {})}

    def _view_settings(self) -> dict:
        """How the work is looked at: Focus on the unit (F), Equations (E), the Cell view's
        terms written out (False where it was never built), the player's speed."""
        w = self.window
        out: dict = {}
        presenter = getattr(w, "presenter", None)
        if presenter is not None:
            out.update(focus=bool(presenter.focus), equations=bool(presenter.equations))
        cell = _cell_view(w, build=False)
        out["cell_terms"] = bool(cell.expanded) if cell is not None else False
        speed = w.player.speed.currentData()
        if speed in SPEEDS:
            out["speed"] = speed
        for view_key, key in ses.CELL_PICKS.items():  # (the cell of a stack each view shows)
            view = _view(w, view_key, build=False)
            k = view.cell_box.picked_of(self.state.cursor.layer) if view is not None else None
            if k is not None:
                out[key] = int(k)
        return out

    def _apply_view_settings(self, ui: dict) -> None:
        """The view settings a session kept (each checked again: one missing, an older
        session's, or implausible leaves the window's own)."""
        w = self.window
        presenter = getattr(w, "presenter", None)
        if presenter is not None:
            if isinstance(ui.get("focus"), bool):
                presenter.set_focus(ui["focus"])
            if isinstance(ui.get("equations"), bool):
                presenter.set_equations(ui["equations"])
        terms = ui.get("cell_terms")
        if isinstance(terms, bool):
            cell = _cell_view(w, build=terms)  # (off: a view never built is off already)
            if cell is not None:
                cell.set_expanded(terms)
        speed = ui.get("speed")
        if is_number(speed) and speed in SPEEDS:
            w.player.speed.setCurrentIndex(SPEEDS.index(speed))
        layer = self.state.cursor.layer
        for view_key, key in ses.CELL_PICKS.items():
            k = ui.get(key)
            if layer is not None and is_whole(k, 0, ses.MOST_CELLS - 1):
                view = _view(w, view_key, build=k > 0)  # (cell 0: a view never built shows it)
                if view is not None:
                    view.cell_box.keep(layer, k)  # (its buttons show it: now, or once made)

    def _splitter_sizes(self) -> list[int] | None:
        """The splitter's sizes with the side panel's width: hidden (S, or given way to the
        Train tab at 1280 x 720), the width it had (its 0 px, saved, opened as a side panel
        squeezed to nothing that neither leaving the Train tab nor S brought back); None
        where it was never shown."""
        w = self.window
        sizes = [int(v) for v in w.splitter.sizes()]
        presenter = getattr(w, "presenter", None)
        if w.side.isVisibleTo(w) or w.splitter.indexOf(w.side) < 0:
            return sizes
        if presenter is None or presenter.side_width_kept() <= 0:
            return None
        return presenter.sizes_with_side(sizes, presenter.side_width_kept())

    def apply_ui(self, ui: dict, geometry: bool = True) -> None:
        from lstmviz.ui import theme as th

        w = self.window
        theme = ui.get("theme")
        if isinstance(theme, str) and theme in th.THEMES and theme != th.current().name:
            w.set_theme(theme)
        tab = ui.get("tab")
        if isinstance(tab, int) and 0 <= tab < w.tabs.count():
            w.tabs.setCurrentIndex(tab)
        side = ui.get("side_tab")
        if isinstance(side, int) and 0 <= side < w.side.count():
            w.side.setCurrentIndex(side)
        if geometry:
            g = _unb64(ui.get("geometry", ""))
            if g:
                w.restoreGeometry(g)
            s = _unb64(ui.get("window_state", ""))
            if s:
                w.restoreState(s)
        self._apply_view_settings(ui)
        if "train_task" in ui:  # the Train tab's settings: a new run with them
            w.train_panel.restore_session_settings(ui)
        sizes = ui.get("splitter")
        k = w.splitter.indexOf(w.side)
        if (isinstance(sizes, list) and len(sizes) == w.splitter.count()
                and all(isinstance(v, int) and 0 <= v <= 100_000 for v in sizes)
                and sizes[k] > 0):  # (a side panel saved hidden as 0 px: the window's own width)
            w.splitter.setSizes(sizes)
            w.side_follows = False  # (the width it was saved with, kept at a resize as a drag's)

    # -- files ---------------------------------------------------------------------------
    def save_to(self, path, adopt: bool = True) -> Path:
        """Save the session to ``path`` (atomic), and (``adopt``) make it the window's
        session. Raises LstmvizError/OSError."""
        out = ses.save_session(self.state, path, self.ui_state())
        if adopt:
            self.session_path = str(out)
        return out

    def open(self, path, read=None) -> bool:
        """Open a session; problems become a message and leave everything as it was.
        ``read``: what reads it (``app.session.read_session``; a ``Preread``'s, at start-up)."""
        try:
            session = (read or ses.read_session)(path)
            self.window.player.pause()
            self.window.leave_lesson()  # (the session replaces the work, not a lesson's stack)
            with self._notices() as said:
                ses.apply_session(self.state, session, path)  # all or nothing
        except LstmvizError as err:
            self.window.message(str(err), dialog=True, error=True, title="Cannot open this session")
            return False
        self.apply_ui(session.ui, geometry=False)
        self.session_path = str(path)
        self._keep_folder(path)
        self.mark_saved()
        self._add_recent(path)
        self.window.update_title()
        self.window.message(". ".join([f"Opened the session {file_label(path)}", *said, *self._unreachable()]))
        return True

    @contextlib.contextmanager
    def _notices(self):
        """What the state noticed while a session was applied (opened at another stateful
        batch than saved, say), to be said with 'Opened ...' rather than under it."""
        said: list[str] = []
        self.state.notice.connect(said.append)
        try:
            yield said
        finally:
            self.state.notice.disconnect(said.append)

    def _add_recent(self, path):
        add = getattr(self.window, "_add_recent", None)
        if add is not None:
            add(path)

    def save(self):
        if self.session_path and self._in_lesson():
            # (Ctrl+S in a lecture wrote the lesson's stack over the user's session file)
            self.window.message(f"Not saved: a lesson shows its own stack, not the work of "
                                f"{file_label(self.session_path)}; Esc ends the lesson and brings "
                                "that work back (File > Save session as... keeps the lesson's stack)")
            return None
        if self.session_path:
            return self._save_reporting(self.session_path)
        return self.save_as_dialog()

    # -- edits not saved ----------------------------------------------------------------
    def mark_saved(self) -> None:
        """The state is the document's as opened or saved: a close asks only after edits."""
        self._saved = self.state.snapshot()
        self.title_check.stop()
        self.window.setWindowModified(False)

    def sync_modified(self) -> None:
        """The window title's "*": edits not saved (what a close would ask about); left as it
        is while a lesson shows its own stack (its end puts the user's back, checked then)."""
        if not self._in_lesson():
            self.window.setWindowModified(bool(self.unsaved()))

    def unsaved(self) -> str:
        """What the edits since the document was opened or saved changed (a few words, as
        an undo says it), or "" when nothing did; "the restored work" while a restored
        autosave (and any edit of it) is on screen, never saved (not once Undo took the
        restore back: the work opened is then as it was)."""
        from lstmviz.app.history import describe_change

        if self._restored and self._saved is self._sides[0][1]:
            return "the restored work"  # (and its edits, while it is not saved)
        if self._saved is None:
            return ""
        now = self.state.snapshot()
        if now.model is not self._saved.model or now.path != self._saved.path:
            return "another model than the one opened"  # (a lesson's, a training task's)
        return describe_change(self._saved, now)

    def may_close(self) -> bool:
        """A close of a window whose edits are not saved asks Save / Discard / Cancel
        (never a quiet window's, nor a notebook's: the notebook is the work)."""
        if self.window.quiet or not self.autosave_enabled or self.ending:
            return True  # (ending: the work is in the autosave, ``end_by_signal``)
        if self._in_lesson():
            # the user's work back first: the question (and a Save) is about it, never
            # about the lesson's stack ("another model than the one opened")
            self.window.presenter.tour.end()
        change = self.unsaved()
        if not change and self.undone_restore():
            return self._ask_undone_restore()
        if not change:
            return True
        box = plain_box(QtWidgets.QMessageBox(self.window))  # (the change names a layer from a file)
        box.setIcon(QtWidgets.QMessageBox.Icon.Warning)
        box.setWindowTitle("Save the session?")
        box.setText(f"The edits ({change}) are not saved. Save them as a session before closing?")
        B = QtWidgets.QMessageBox.StandardButton
        box.setStandardButtons(B.Save | B.Discard | B.Cancel)
        box.setDefaultButton(B.Save)
        answer = box.exec()
        if answer == B.Discard or self.ending:  # (the question cut short by the end: autosaved)
            return True
        return answer == B.Save and self.save() is not None

    def undone_restore(self) -> bool:
        """Whether a restored autosave was taken back by Undo and is now only on the redo
        stack (Edit > Redo brings it back), never saved: a close would lose it unasked (the
        title has no "*": the work on screen is the file as opened)."""
        mark = self._restored_redo
        return (mark is not None and not self._restored and any(s is mark for s in self.state.redo_stack)
                and self._sides[1][1] is self._sides[0][1])  # (its side's saved state: the work it
        # replaced, as ``offer_restore`` set it, until a Save of the restored work)

    def _ask_undone_restore(self) -> bool:
        """A close with the restored work only on the redo stack asks, as a close with edits
        not saved asks: Save brings it back (a redo) and saves it as a session (Cancel in
        the dialog keeps the window open, the restored work on screen), Discard closes
        without it, Cancel stays."""
        box = QtWidgets.QMessageBox(self.window)
        box.setIcon(QtWidgets.QMessageBox.Icon.Warning)
        box.setWindowTitle("Save the restored work?")
        box.setText("The work restored from the autosave was taken back by Edit > Undo and is not "
                    "saved (Edit > Redo brings it back). Bring it back and save it as a session "
                    "before closing?")
        B = QtWidgets.QMessageBox.StandardButton
        box.setStandardButtons(B.Save | B.Discard | B.Cancel)
        box.setDefaultButton(B.Save)
        answer = box.exec()
        if answer == B.Discard or self.ending:
            return True
        if answer != B.Save or not self.redo():
            return False
        return self.save() is not None

    def _save_reporting(self, path):
        # in a lesson, Save session as... writes the lesson's stack, and the window stays on
        # the user's session: after Esc its title, Ctrl+S and a close's question were the
        # lesson file's, and Ctrl+S wrote the user's work over it
        lesson = self._in_lesson()
        try:
            out = self.save_to(path, adopt=not lesson)
        except LstmvizError as err:
            self.window.message(str(err), dialog=True, error=True, title="Cannot save the session")
            return None
        except OSError as err:
            self.window.message(safe_text(f"{path}: {err.strerror or err}"), dialog=True, error=True,
                                title="Cannot save the session")
            return None
        self._add_recent(out)
        self._keep_folder(out)
        if lesson:
            self.window.message(f"Saved the lesson's stack to {safe_text(str(out))}; the window stays on "
                                "your work, which Esc brings back")
            return out
        self.mark_saved()
        self.window.update_title()  # (the window is now that session's)
        panel = getattr(self.window, "_train_panel", None)  # (the Train tab, when it was shown)
        note = panel.unkept_note() if panel is not None else ""
        self.window.message(f"Saved the session to {safe_text(str(out))}" + (f". {note}" if note else ""))
        return out

    def save_as_dialog(self):
        # (in a lesson the file is the lesson's stack: the work's own session file was
        # offered, to be written over by Enter, Enter)
        start = self.session_path if self.session_path and not self._in_lesson() else self._suggested_path()
        from lstmviz.ui.export import ask_save_name

        path = ask_save_name(self.window, "Save the session", start, FILTER, ses.SUFFIX)
        return self._save_reporting(path) if path else None

    def _suggested_path(self) -> str:
        """A first session's name: the model's ('<session, model file or model>.lstmviz';
        in a lesson the lesson's title), in ``session_folder``. It offered the last
        export's folder (a picture's) over the sessions', and the working folder for a demo:
        '/' when started from a desktop's menu."""
        presenter = getattr(self.window, "presenter", None)
        if self._in_lesson() and presenter is not None and presenter.tour.lesson is not None:
            name = presenter.tour.lesson.title
        else:
            exporter = getattr(self.window, "exporter", None)
            name = exporter.stem() if exporter is not None else (self.state.model_name or "")
        name = file_stem(name, "session")
        return str(self.session_folder() / f"{name}{ses.SUFFIX}")

    def session_folder(self) -> Path:
        """Where a session is saved or opened from first: the folder of this window's
        session, else of the last session any window saved or opened (the preferences'
        ``session_folder``), else the model file's (not a bundled demo's: the installed
        package), else the working folder where it can be written and is not the file
        system's root (a desktop's menu may start the app in '/'), else Documents, else
        home; each only where it still is a folder."""
        from lstmviz.app.demos import DEMOS_DIR

        kept = self.window.settings.value("session_folder", "")
        model = resolved(self.state.path) if self.state.path else None  # (a restored session's: any text)
        model = model.parent if model is not None else None
        here = Path.cwd()
        documents = QtCore.QStandardPaths.writableLocation(
            QtCore.QStandardPaths.StandardLocation.DocumentsLocation)
        for where in (Path(self.session_path).parent if self.session_path else None,
                      Path(str(kept)) if kept else None,
                      model if model is not None and model != DEMOS_DIR.resolve() else None,
                      here if here != Path(here.anchor) and os.access(here, os.W_OK) else None,
                      Path(documents) if documents else None):
            if where is not None and where.is_dir():
                return where
        return Path.home()

    def _keep_folder(self, path) -> None:
        """The folder of a session saved or opened, for the next dialogs (``session_folder``);
        not a headless run's (its files are not the user's, as for File > Open recent)."""
        if not getattr(self.window, "keeps_recent", True):
            return
        where = resolved(path)
        if where is not None:
            self.window.settings.setValue("session_folder", str(where.parent))

    def open_dialog(self):
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self.window, "Open a session", str(self.session_folder()), FILTER)
        return self.open(path) if path else False

    # -- autosave ------------------------------------------------------------------------
    def _edited(self):
        self._dirty = True
        self.title_check.start()
        if not self._restore_pending:
            self.debounce.start()

    def _moved(self, _cursor=None):
        """The step/selection: saved with the next timer tick; with a large input (a long
        one: its numbers are most of the file, written anew each time: 244 MiB, though
        deflated only once, see ``session.KEEP_BYTES``) the session is written with the next
        edit, and the cursor alone beside it at the next tick (``session.write_position``):
        a crash after a seek restores that step."""
        data = self.state.input.data
        if data is None or data.nbytes <= MOVED_SAVE_BYTES:
            self._dirty = True
        else:
            self._moved_only = True

    def _save_position(self) -> bool:
        """The cursor alone beside this window's autosave (the session written there by an
        earlier save: nothing to go with before it); False when not written."""
        path = self.autosave_path
        if self._held_path != path or not path.exists():
            return False
        self._moved_only = False
        cursor = self.state.cursor

        def write():  # (in the background as the session: an fsync may take a while)
            with self._lock:
                try:
                    ses.write_position(path, cursor)
                except (OSError, LstmvizError) as err:
                    log.warning("saving the position beside %s failed: %s", path, err)

        self._worker = threading.Thread(target=write, name="lstmviz-autosave", daemon=True)
        self._worker.start()
        return True

    def autosave(self, force: bool = False, wait: bool = False, replaces: Path | None = None) -> bool:
        """Write the autosave file in a worker thread if something changed (or ``force``).
        Not while a lesson shows: its stack is not the user's work, which the file keeps
        (a crash in a lecture offered the lesson's stack back); its end writes it again.
        ``replaces``: a leftover autosave removed once this one is written (the restored
        work is never in no file at all)."""
        if not force and (not self.autosave_enabled or self.window.quiet or self._restore_pending
                          or not (self._dirty or self._moved_only) or self._in_lesson()):
            return False
        if self._worker is not None and self._worker.is_alive():
            self.debounce.start()  # one write at a time: try again a little later
            return False
        if not force and not self._dirty:  # only the cursor moved, over a large input
            return self._save_position()
        try:
            session = ses.capture(self.state, self.ui_state())
        except LstmvizError:
            return False
        self._dirty = self._moved_only = False  # (the session holds the cursor too)
        path = self.autosave_path
        self._hold(path)

        def write():
            with self._lock:
                self._write_failed = True
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    ses.write_atomic(path, ses.session_bytes(session))
                    ses.remove_position(path)  # (an older one; it would not match the new file)
                except (OSError, LstmvizError) as err:
                    log.warning("autosave to %s failed: %s", path, err)
                    return
                self._write_failed = False
                if replaces is not None:
                    _remove_leftover(replaces)

        self._worker = threading.Thread(target=write, name="lstmviz-autosave", daemon=True)
        self._worker.start()
        if wait:
            self._worker.join()
        return True

    def _in_lesson(self) -> bool:
        presenter = getattr(self.window, "presenter", None)
        return presenter is not None and presenter.tour.active

    def wait(self):
        if self._worker is not None:
            self._worker.join()

    def _hold(self, path: Path) -> None:
        """Lock ``path`` as this window's autosave (so other windows leave it alone)."""
        if self._held_path == path:
            return
        self._release()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            return
        lock = _lock_file(path)
        if lock.tryLock(0):
            self._held, self._held_path = lock, path

    def _release(self) -> None:
        if self._held is not None:
            self._held.unlock()  # removes the lock file
        self._held = self._held_path = None

    def remove_autosave(self):
        self.wait()
        ses.remove_position(self.autosave_path)
        _forget_ended(self.autosave_path)
        try:
            self.autosave_path.unlink()
        except FileNotFoundError:
            pass
        except OSError as err:
            log.warning("could not remove %s: %s", self.autosave_path, err)
        self._release()

    def leftovers(self) -> list[Path]:
        """Autosave files beside ours whose window is gone (no live process holds their
        lock), newest first. Autosaves of other running windows are not among them."""
        try:
            found = [p for p in self.autosave_path.parent.glob("autosave*.lstmviz")
                     if p != self.autosave_path]
        except OSError:
            return []
        out = []
        for p in found:
            lock = _lock_file(p)
            if lock.tryLock(0):  # nobody holds it (a stale lock of a dead process is taken over)
                lock.unlock()
                out.append(p)
        return sorted(out, key=lambda p: p.stat().st_mtime if p.exists() else 0.0, reverse=True)

    def _started(self):
        """First turn of the event loop after the window is first shown: restore the
        preferences and offer a leftover autosave (unless quiet). Waiting for the show
        (not the first turn after construction) matters: a window started on a model turns
        the event loop while it reads the file, still quiet, before it is shown."""
        try:
            if self.window.quiet:
                return
            if not self._preferences_restored:
                self.restore_preferences()
            found = self.leftovers() if self.offer_leftovers else []
            if not (found and self.offer_restore(found)):
                self.mark_saved()  # (restored work is not saved: a close asks)
        finally:
            self._restore_pending = False

    def for_notebook(self) -> None:
        """A window of a notebook's kernel (``lstmviz.show`` on the kernel's Qt loop): the
        notebook is the work, so no autosave, and no leftover autosave offered: the modal
        question held the kernel (no cell ran until it was answered; never, without a
        display), and every restart of a kernel with a window open left another one."""
        self.autosave_enabled = False
        self.offer_leftovers = False

    def offer_restore(self, found: list[Path] | None = None) -> bool:
        """Ask to restore the newest leftover autosave; it is removed once answered (one
        that cannot be read is renamed ``*.lstmviz.damaged`` and kept). The others (several
        windows that went down together) are kept, each offered at a later start: another
        window's work is not thrown away with the answer about this one.

        Started on a file (``started_on``: ``lstmviz FILE``, a file manager's "Open with"),
        the question names it, and its answer by default (Enter, Esc) keeps that file open
        and the autosave for the next start; restoring replaces the file in the window, and
        says so (Edit > Undo opens it again), discarding removes the autosave. It asked
        "Restore the work it saved automatically?", Yes by default, and Enter put the
        restored work where the file asked for had opened, saying only "Restored"."""
        found = found if found is not None else self.leftovers()
        if not found:
            return False
        B = QtWidgets.QMessageBox.StandardButton
        box = QtWidgets.QMessageBox(self.window)
        box.setIcon(QtWidgets.QMessageBox.Icon.Question)
        box.setWindowTitle("Restore the last session?")
        more = (f" (The newest of {len(found)} windows' autosaves: the others are offered "
                "at the next starts.)" if len(found) > 1 else "")
        opened = file_label(self.started_on) if self.started_on else ""
        ended = ended_by(found[0])
        # (a close on a signal that kept the edits is a clean close: not "did not close cleanly")
        why = {"SIGTERM": "SIGTERM: a logout or a shutdown", "SIGHUP": "SIGHUP: its terminal closed"}
        last = (f"lstmviz was closed by the system last time ({why.get(ended, ended)}), with edits "
                "not saved; it kept them automatically" if ended else
                "lstmviz did not close cleanly last time; its work then was saved automatically")
        if opened:
            box.setText(f"{last}. "
                        f"{opened}, which you asked to open, is open: restore that work in its place, "
                        "keep it for the next start, or discard it?" + more)
            box.setStandardButtons(B.Yes | B.Cancel | B.No)
            box.button(B.Yes).setText("Restore in its place")
            box.button(B.Cancel).setText("Keep for later")
            box.button(B.No).setText("Discard")
            box.setDefaultButton(B.Cancel)
            box.setEscapeButton(B.Cancel)
        else:
            box.setText(f"{last}. Restore {'them' if ended else 'that work'}?" + more)
            box.setStandardButtons(B.Yes | B.No)
            box.setDefaultButton(B.Yes)
        answer = box.exec()
        yes = answer == B.Yes
        p = found[0]
        if self.ending:  # the question cut short by the process's end: offered again next time
            return False
        if opened and answer not in (B.Yes, B.No):  # kept: the file stays, the work waits
            self.window.message(f"{opened} is open; the work lstmviz saved automatically last time is "
                                "kept and offered again at the next start")
            return False
        session_before = self.session_path
        restored = yes and self.restore_autosave(p, instead_of=opened)
        if restored:
            # Undo takes the restore back to the work it replaced, as opened (not edited
            # since: the question comes first), which is then not an edit to save
            base = self.state.undo_stack[-1] if self.state.undo_stack else None
            self._restore_base = self._saved = base
            self._restored_redo, self._restored = None, True
            self._sides = ((session_before, base), (self.session_path, base))
            self.window.setWindowModified(True)  # (not saved: a close asks)
            # the restored work goes into this window's own autosave at once, and the
            # leftover is removed only once it is written: removed at the answer, a crash
            # before the next tick (30 s) left the restored work in no file at all
            self._dirty = True
            if not self.autosave(force=True, replaces=p):
                _remove_leftover(p)
            return True
        if yes:
            # could not be read: kept for whoever wants to look, but not offered again
            ses.remove_position(p)
            _forget_ended(p)
            with contextlib.suppress(OSError):
                p.replace(p.with_name(p.name + ".damaged"))
        else:
            _remove_leftover(p)
        return False

    def restore_autosave(self, path: Path | None = None, instead_of: str = "") -> bool:
        """Put the autosaved work at ``path`` (this window's own by default) on the window;
        ``instead_of``: the file it replaces (opened at the start), named in the message."""
        path = Path(path) if path is not None else self.autosave_path
        try:
            session = ses.read_session(path)
            moved = ses.read_position(path)  # the cursor saved alone since (a large input)
            if moved is not None:
                session.cursor = moved
            with self._notices() as said:
                ses.apply_session(self.state, session)  # all or nothing
        except LstmvizError as err:
            self.window.message(f"The autosaved session cannot be restored: {err}", dialog=True, error=True)
            return False
        self.apply_ui(session.ui, geometry=False)
        if instead_of:
            # (Save would have written the restored work over the session file opened)
            self.session_path = None
        self.window.update_title()
        first = (f"Restored the autosaved session in place of {instead_of} (Edit > Undo opens it again)"
                 if instead_of else "Restored the autosaved session")
        self.window.message(". ".join([first, *said, *self._unreachable()]))
        return True

    # -- preferences (QSettings) -------------------------------------------------------------
    def save_preferences(self):
        from lstmviz.ui import theme as th

        s = self.window.settings
        presenter = getattr(self.window, "presenter", None)
        before = presenter.window_before() if presenter is not None else None  # (presenting: Esc's)
        s.setValue("theme", before["theme"] if before else th.current().name)
        s.setValue("geometry", before["geometry"] if before else self.window.saveGeometry())
        s.setValue("window_state", self.window.saveState())
        s.setValue("splitter", before["splitter"] if before else [int(v) for v in self.window.splitter.sizes()])
        s.sync()

    def restore_preferences(self, geometry: bool = True) -> bool:
        """The saved window geometry (unless ``geometry`` is False: a size was asked for)
        and state; whether a geometry was restored."""
        self._preferences_restored = True
        s = self.window.settings
        g = s.value("geometry")
        restored = False
        if geometry and isinstance(g, QtCore.QByteArray) and not g.isEmpty():
            restored = bool(self.window.restoreGeometry(g))
        st = s.value("window_state")
        if isinstance(st, QtCore.QByteArray) and not st.isEmpty():
            self.window.restoreState(st)
        return restored

    def eventFilter(self, obj, event):
        try:
            if obj is self.window and event.type() == QtCore.QEvent.Type.Show and not self._shown:
                self._shown = True
                later(self, type(self)._started)  # not after the window is gone
            elif obj is self.window and event.type() == QtCore.QEvent.Type.Close:
                if not self.may_close():
                    event.ignore()
                    return True
                self.closing()
        except Exception:  # a close must go on, even at interpreter shutdown
            log.exception("sessions: closing failed")
        return False

    def closing(self):
        """A clean close: stop autosaving, keep the preferences, drop the autosave file
        (after ``end_by_signal``, which did what a close does: nothing more)."""
        self.timer.stop()
        self.debounce.stop()
        if self.ending:
            return
        if not self.window.quiet:
            self.save_preferences()
            self.remove_autosave()
        else:
            self.wait()
            self._release()

    def end_by_signal(self, signal_name: str = "") -> None:
        """The process is asked to end (SIGTERM: the desktop logging out, ``kill``; SIGHUP:
        its terminal closed; ``ui/app.ending_on_signals``), where no question can be answered:
        what a close does, without its question. A lesson ends (the work comes back) and
        presentation mode is left (the preferences keep the window's own geometry, not full
        screen's); the preferences are saved; edits not saved are written to this window's
        autosave now and left there, its lock let go of, for the next start to offer (with
        the last edit in it), marked as written by a clean close on ``signal_name`` once the
        write succeeded (``ENDED_SUFFIX``: the next start said "did not close cleanly"); with
        none, the autosave is removed as a close removes it. Then the window closes without
        asking (``ending``)."""
        if self.ending:
            return
        self.timer.stop()
        self.debounce.stop()
        presenter = getattr(self.window, "presenter", None)
        if presenter is not None:
            if presenter.tour.active:
                presenter.tour.end()
            presenter.leave()
        self.ending = True
        if self.window.quiet:
            self.wait()
            self._release()
            return
        self.save_preferences()
        if self.autosave_enabled and not self.unsaved() and self.undone_restore():
            self.redo()  # (the restored work Undo took back: kept in the autosave, as edits are)
        if self.autosave_enabled and self.unsaved():
            self.wait()
            self._dirty = True
            if self.autosave(force=True, wait=True):
                if not self._write_failed:
                    _mark_ended(self.autosave_path, signal_name or "a signal")
                self._release()  # (the file kept: the next start offers it)
                return
        self.remove_autosave()


def _cell_view(window, build: bool):
    """The window's Cell view; None where it was not built yet and ``build`` is False."""
    return _view(window, "cell", build)


def _view(window, key: str, build: bool):
    """The window's view ``key`` (``app/views.VIEW_KEYS``); None where it was not built yet
    and ``build`` is False."""
    from lstmviz.app.views import VIEW_KEYS

    k = VIEW_KEYS.index(key)
    views = window.views
    if not build and hasattr(views, "is_built") and not views.is_built(k):
        return None
    return views[k]


def _remove_leftover(path: Path) -> None:
    """A leftover autosave answered (and the cursor saved alone beside it)."""
    ses.remove_position(path)
    _forget_ended(path)
    with contextlib.suppress(OSError):
        path.unlink()


#: beside an autosave (``autosave-1.lstmviz.ended``), the signal whose close wrote it: the
#: window closed cleanly then, its edits not saved kept (``end_by_signal``); an autosave
#: without one was left by a crash
ENDED_SUFFIX = ".ended"


def _ended_path(path: Path) -> Path:
    return path.with_name(path.name + ENDED_SUFFIX)


def _mark_ended(path: Path, signal_name: str) -> None:
    try:
        _ended_path(path).write_text(signal_name[:40], encoding="utf-8")
    except OSError as err:
        log.warning("could not mark %s as closed on %s: %s", path, signal_name, err)


def ended_by(path: Path) -> str:
    """The signal whose clean close wrote the autosave ``path`` (its ``ENDED_SUFFIX`` file,
    written after the autosave: a mark older than the file is of another write), escaped;
    "" when a crash left it."""
    mark = _ended_path(path)
    try:
        if mark.stat().st_mtime < path.stat().st_mtime:
            return ""
        text = mark.read_text(encoding="utf-8", errors="replace")[:40]
    except OSError:
        return ""
    return safe_text(" ".join(text.split())) or "a signal"


def _forget_ended(path: Path) -> None:
    with contextlib.suppress(OSError):
        _ended_path(path).unlink()


def install(window, autosave_path=None) -> SessionManager:
    """Hook sessions into ``window``: File menu entries before Quit-ish separators, an Edit
    menu after File; returns the manager (``window.sessions``)."""
    mgr = SessionManager(window, autosave_path)
    mb = window.menuBar()
    menus = [a.menu() for a in mb.actions() if a.menu() is not None]
    file_menu = menus[0] if menus else mb.addMenu("&File")
    acts = file_menu.actions()
    anchor = next((a for a in acts if a.isSeparator()), None)
    mgr.add_file_actions(file_menu, anchor)
    following = mb.actions()[1] if len(mb.actions()) > 1 else None
    mgr.add_edit_menu(mb, following)
    return mgr


class _FieldUndo(FocusedFilter):
    """Ctrl+Z / Ctrl+Shift+Z in a spin box or line edit of the window undo the field's own
    typing while it has some, else the window's last edit: a spin box or line edit takes
    every Ctrl+Z for itself, so after typing units 3 and Return, Ctrl+Z (the focus still
    there) did nothing. It watches only the focused field, not every event of the app."""

    def __init__(self, window, undo_action, redo_action):
        self.undo_action, self.redo_action = undo_action, redo_action
        super().__init__(window)

    def wants(self, widget) -> bool:
        return isinstance(widget, (QtWidgets.QAbstractSpinBox, QtWidgets.QLineEdit))

    def eventFilter(self, obj, event):  # noqa: N802
        if event.type() != QtCore.QEvent.Type.ShortcutOverride:
            return False
        seq = QtGui.QKeySequence(event.keyCombination())
        redo = seq in self.redo_action.shortcuts()
        if not redo and seq not in self.undo_action.shortcuts():
            return False
        edit = obj.lineEdit() if isinstance(obj, QtWidgets.QAbstractSpinBox) else obj
        if not isinstance(edit, QtWidgets.QLineEdit) or edit.isReadOnly():
            return False
        mine = edit.isRedoAvailable() if redo else edit.isUndoAvailable()
        # not accepted: the key goes on to the window's Undo / Redo
        return not mine
