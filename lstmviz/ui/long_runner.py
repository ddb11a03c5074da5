"""A long input in the main window: the keyframe pass and the overviews on a worker thread,
a progress bar and a Cancel button in the status bar.

``AppState`` decides that an input is long (its full trace would exceed the trace budget,
it has more than ``long_sequence.LONG_STEPS`` steps, or its full trace is more work than
``long_sequence.FULL_TRACE_WORK``)
and holds the ``app.long_sequence.LongSequence``; its ``trace`` is then the first window,
drawn at once. This runner starts ``run_pass`` and ``run_overviews`` on a thread (NumPy
releases the GIL: the window stays responsive), reads their progress on a timer, and when
the pass ends asks the state for the exact window around the cursor (``follow_long``) and
hands the overviews to the views (``MainWindow.push_overviews``). After a seek far away the
state shows the exact chunk around the step at once; the whole window is started on a
thread ``SETTLE_MS`` after the seek's paint unless a seek into another window came meanwhile
(``LongSequence.start_deferred``), and when it is there the timer asks the state for it.
A new input's worker starts once the window has painted its first steps (``_start``):
started where the input is set, its first window competed with those steps' trace and
paint for the interpreter and the cores (a 20,000-step input through 2 x LSTM(512): its
first 16 steps painted after 90-155 ms, 45-70 ms without it).
Nothing here computes.
"""

from __future__ import annotations

import threading
from html import escape

from PySide6 import QtCore, QtGui, QtWidgets

from lstmviz.app.counts import count
from lstmviz.app.long_sequence import moving
from lstmviz.ui.later import later

#: a seek far away: the whole window is started this long after the last seek (ms)
SETTLE_MS = 20
#: what the status bar says while the pass runs (``MainWindow.open_long``)
BACKGROUND = "(tracing in the background)"
#: what it says of a step past the first window while the pass runs (no percentage: the
#: progress bar beside it says that, and a number said once stood beside the bar's later one)
AWAITING = "is shown once the keyframe pass has run"
#: what the opening says of an input given with the model (``lstmviz MODEL --input X``) whose
#: pass runs before any step is shown: "... · tracing on the given input (1 sample x 6,000 ...)"
TRACING_GIVEN = "tracing on the given input"
#: the button that goes on with a cancelled pass (from where it stopped) or runs its overviews again
RESUME = "Trace all"
#: a new input's worker starts after the window's next paint, or after this long (ms) where
#: no paint comes (a window that is not painted: minimised, covered on some platforms)
PAINT_WAIT_MS = 250


class PassVeil(QtWidgets.QLabel):
    """Over the views' pages while no step of a long input can be shown before its
    keyframe pass (``LongSequence.pass_first``: a layer reads the input from its last
    step): what runs and why, its progress, and what the user can do meanwhile; after a
    Cancel or a failure, that. The views keep the trace they had, unseen, until the pass
    gives the first window. ``LongRunner`` shows it, fills it and hides it."""

    def __init__(self, tabs: QtWidgets.QTabWidget):
        pages = tabs.findChild(QtWidgets.QStackedWidget)
        assert pages is not None  # (a QTabWidget's pages)
        super().__init__(pages)
        self.setObjectName("passVeil")
        self.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.setAutoFillBackground(True)  # (the window's colour: the views under it unseen)
        self.setBackgroundRole(QtGui.QPalette.ColorRole.Window)
        self._pages = pages
        pages.installEventFilter(self)
        self.setGeometry(pages.rect())
        self.hide()

    def eventFilter(self, obj, event):  # noqa: N802 (Qt's name)
        if obj is self._pages and event.type() == QtCore.QEvent.Type.Resize:
            self._fit()
        return False

    def _fit(self) -> None:
        rect = self._pages.rect()
        self.setGeometry(rect)
        # lines of at most ~60 characters, centred in a wide page
        side = max(12, (rect.width() - 60 * self.fontMetrics().averageCharWidth()) // 2)
        self.setContentsMargins(side, 12, side, 12)

    def say(self, title: str, text: str) -> None:
        html = f"<p style='font-size: 130%'><b>{escape(title, False)}</b></p><p>{escape(text, False)}</p>"
        if html != self.text():
            self.setText(html)
        if self.isHidden():
            self._fit()
            self.show()
        # above the pages, also one built since (a tab first shown adds its page on top)
        pages = self._pages.children()
        if pages and pages[-1] is not self:
            self.raise_()


class LongRunner(QtCore.QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.state = window.state
        # the pass that must run before any step is shown (a layer reads the input from its
        # last step) runs on the worker, not where the input is set: the window stays usable
        self.state.background_pass = True
        self.veil = PassVeil(window.tabs)
        window.tabs.currentChanged.connect(lambda _k: self._sync_veil())
        self.seq = None
        self.worker: threading.Thread | None = None
        #: a new input's sequence whose worker starts after the window's next paint (``_start``)
        self.due = None
        self.paint_wait = QtCore.QTimer(self)
        self.paint_wait.setSingleShot(True)
        self.paint_wait.setInterval(PAINT_WAIT_MS)
        self.paint_wait.timeout.connect(self.start_due)
        self._followed = False
        self._pushed = False
        self.progress = QtWidgets.QProgressBar()
        self.progress.setRange(0, 1000)
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the keyframe pass: only the first window stays (none where "
                                      "a layer reads the input from its last step)")
        self.cancel_button.clicked.connect(self.cancel)
        # after a Cancel: the pass (or the overviews) again, without opening the input again
        self.resume_button = QtWidgets.QPushButton(RESUME)
        self.resume_button.clicked.connect(self.resume)
        bar = window.statusBar()
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.cancel_button)
        bar.addPermanentWidget(self.resume_button)
        self._show(False)
        self.resume_button.setVisible(False)
        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(50)
        self.timer.timeout.connect(self.poll)
        # after a seek far away, the whole window is computed once the seeking pauses: its
        # thread would compete with the quick chunk's paint and with the next seeks of a drag
        self.settle = QtCore.QTimer(self)
        self.settle.setSingleShot(True)
        self.settle.setInterval(SETTLE_MS)
        self.settle.timeout.connect(self._start_deferred)
        self._settling: int | None = None  # the window the settle timer is for
        self._settle_due = False  # the settle timer starts once the views have painted (``after_views``)
        self._settle_queued = False  # its start waits for that paint
        self._last_step: int | None = None  # the input step of the cursor at the last change
        self._way = 0  # that change was a step on (1: right, -1: left), not a seek (0)
        self.state.changed.connect(self._changed)
        window.player.held.connect(self._held)
        self._follow_state()

    def _changed(self, _change) -> None:
        self._follow_state()
        self._sync_veil()
        if self.seq is None or self.state.long is not self.seq:
            return
        step, last = self.state.long_step(), self._last_step
        if step != last:
            self._last_step = step
            self._say_unreachable(self.state.cursor.step)
            # stepping on (playing, the arrow key; a layer that runs backwards steps its
            # input right to left), not a seek: the window ahead is worth painting ahead
            self._way = moving(last, step, self.seq.window)
        self._offer_ahead()
        wanted = self.seq.deferred if self.seq is not None else None
        if wanted is not None and (wanted != self._settling or not (self.settle.isActive() or self._settle_queued)):
            # (re)started for another window: a drag's seeks keep putting it off; steps
            # within the same window (playing, an export's frames) do not. Counted from
            # the seek's paint (``after_views``), not from here: where the seek takes longer
            # than ``SETTLE_MS`` (a machine at half speed: ~40 ms), the timer came due during
            # it and the window's thread started amid the seek, or before the next seek of a drag
            self._settling = wanted
            self.settle.stop()
            self._settle_due = True

    def _say_unreachable(self, step: int) -> None:
        """A step past the first window before the keyframe pass has run (or after it was
        cancelled): the views show the first window's last step, the player the step asked
        for; the status bar says why (it said so once, 15 s, after a Cancel). A line of every
        step: the status bar's alone (``MainWindow.status_alone``), not presenting's note."""
        text = self.unreachable(step)
        if text:
            self.window.status_alone(text, 15000)

    def unreachable(self, step: int) -> str:
        """Why the views do not show ``step`` (a step past the first window before the
        keyframe pass has run, or after it was cancelled), or "". Said after a seek, and
        with the message of what brought the input at such a step (a session opened, an
        undo or redo): that message replaced it, and the player and the views disagreed
        without a word."""
        seq = self.seq
        # (the first window's steps of the layer on screen: its own, after a pooling fewer)
        n = seq.first_of(self.state.cursor.layer) if seq is not None else 0
        if seq is None or seq.ready or self.state.long is not seq or step < n or self.pending():
            return ""  # (pending: the veil over the views says why no step is shown)
        first = f"the first {count(n)} steps are shown"
        if self.busy():
            return f"Step {count(step)} {AWAITING}; until then {first}"
        if seq.cancelled:
            # (short enough to stand beside the button at 1280 px: "(in the status bar)" ran under it)
            return f"Step {count(step)} cannot be shown: the keyframe pass was cancelled, {first}; {RESUME} traces all"
        return f"Step {count(step)} cannot be shown: only {first} ({seq.error or 'no keyframe pass'})"

    def _held(self, step: int) -> None:
        """Play reached the first window's last step before the pass has run (``Player``
        holds there: the views could not follow), or was started at a step past it (a far
        seek: the views show the first window); the status bar says why, as for a seek. It
        said "Playing waits at step 2,000" after a far seek while the views showed step 255."""
        seq = self.seq
        if seq is None or seq.ready:
            return
        # (the first window's steps of the layer on screen: its own, after a pooling fewer)
        first = seq.first_of(self.state.cursor.layer)
        if self.busy() and step - 1 >= first:  # (the player's step is not the one shown)
            text = f"Playing waits: step {count(step - 1)} {AWAITING}; the first {count(first)} steps until then"
        elif self.busy():
            # (beside the progress bar and Cancel at 1280 px)
            text = f"Playing waits at step {count(step - 1)} until the keyframe pass has run, then goes on"
        else:
            # the step the player shows where that one is not shown either (Play after a far
            # seek: it said "Step 2,001 cannot be shown" under the player's 2,000), else the
            # next one, the step playing could not go on to
            text = self.unreachable(step - 1 if step - 1 >= first else step)
        if text and self.window.statusBar().currentMessage() != text:
            self.window.statusBar().showMessage(text, 15000)

    def _offer_ahead(self) -> None:
        """While stepping forward, the window stepping on shows next, once computed
        (``LongSequence.next_window``), to the view on screen if it draws windows ahead
        (``prepare_ahead``: the Over time view), so that the step into it copies what it
        painted. Not after a seek: a window the user may never step into is not painted."""
        seq = self.seq
        if seq is None or self.state.long is not seq or not seq.ready or not self._way:
            return
        trace = seq.next_window(self.state.long_step(), self._way)
        if trace is None:
            return
        current = self.window.tabs.currentIndex()
        for k, view in self.window.views.built():
            if k == current and hasattr(view, "prepare_ahead"):
                view.prepare_ahead(trace)

    def _start_deferred(self) -> None:
        if self.seq is not None:
            self.seq.start_deferred()

    def _show(self, on: bool) -> None:
        self.showing = on
        self.progress.setVisible(on)
        self.cancel_button.setVisible(on)

    def _follow_state(self) -> None:
        seq = self.state.long
        if seq is self.seq:
            return
        self.seq, self._followed, self._pushed = seq, False, False
        # the cursor's step is said anew for this sequence (``_changed``): another sample or
        # an edit at a far step traced it again, the views went back to the first window
        # while the player stayed, under the last pass's "traced, each shown exactly ..."
        self._last_step = None
        self.window.push_overviews()
        self.window.close_units_window(keep=seq)  # (it showed the input before)
        self._not_due()  # (another input's: it never starts)
        if seq is None:
            self._show(False)
            self.resume_button.setVisible(False)
            self.timer.stop()
            return
        self._start(seq, after_paint=True)

    def _start(self, seq, after_paint: bool = False) -> None:
        """The worker's pass on ``seq``; ``after_paint`` (a new input, its first steps drawn
        now): started once the window has painted them (an event of the loop after the
        window's next update request; ``PAINT_WAIT_MS`` where none comes; at once where the
        window is not shown), so that it competes with neither their trace nor their paint.
        Meanwhile it counts as running (``busy``: the progress bar, Cancel, what the status
        bar says); ``wait`` and ``start_due`` start it at once."""
        if after_paint and self.window.isVisible():
            self.due = seq  # (the window's paint is waited for once the views have the change: ``after_views``)
            self.paint_wait.start()
        else:
            self._run_worker(seq)
        # (its value set while it is hidden: QProgressBar.setValue repaints at once, and the
        # whole window was painted here, before the views had the new input)
        self.progress.setValue(int(1000 * seq.done / max(1, seq.total)))
        self._show(True)
        self.resume_button.setVisible(False)
        self.timer.start()
        self.poll()

    def after_views(self, _change=None) -> None:
        """The views were handed the state's change (``MainWindow`` calls it after its own
        handler): a worker that waits for their paint starts after the window's next one;
        after a seek far away, the settle timer starts once the views have painted it."""
        if self.due is not None:
            self.window.installEventFilter(self)
        if self._settle_due:
            self._settle_due = False
            self._settle_queued = True
            self.window.after_paint(self._settle_start)  # (``_changed``: once the views painted the seek)

    def _settle_start(self) -> None:
        self._settle_queued = False
        self.settle.start()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt's name)
        if obj is self.window and event.type() == QtCore.QEvent.Type.UpdateRequest and self.due is not None:
            # the window paints now: the worker starts in the event after this one
            self.window.removeEventFilter(self)
            later(self, type(self).start_due)
        return False

    def _run_worker(self, seq) -> None:
        self.worker = threading.Thread(target=self._work, args=(seq,), name="lstmviz-long", daemon=True)
        self.worker.start()

    def start_due(self) -> None:
        """Start the worker that waits for the window's paint (``_start``: its progress bar
        and Cancel are shown already), now."""
        seq = self.due
        self._not_due()
        if seq is not None and seq is self.seq and not seq.closed:
            self._run_worker(seq)
            self.poll()

    def _not_due(self) -> None:
        self.due = None
        self.paint_wait.stop()
        self.window.removeEventFilter(self)

    @staticmethod
    def _work(seq) -> None:
        if seq.ready or seq.run_pass():
            seq.run_overviews()

    def _say_window_error(self, seq) -> None:
        """A window computed on a thread that failed (a fault, the memory limit): the
        views stayed on the quick steps around the cursor without a word. The status bar
        says which steps could not be traced, why, and what is shown; seeking works on."""
        failed = seq.take_window_error()
        if failed is None:
            return
        a, b, why = failed
        text = f"the window {count(a)}\u2013{count(b - 1)} failed ({why})"
        step = self.state.long_step()
        if self.state.long is seq and seq.is_quick(self.state.trace) and seq.start_of(step) == a:
            # (what is shown first: at 1024 px the end of a long reason is cut, not that)
            q, e = seq.quick_at or (step, step + 1)  # (the quick steps' input steps: window_at)
            text = f"Only steps {count(q)}\u2013{count(e - 1)} shown: {text}"
            self.window.quick_stays()  # (drawn as a whole window is: no window replaces them)
        else:
            text = text[0].upper() + text[1:]
        self.window.statusBar().showMessage(text, 15000)

    def busy(self) -> bool:
        return self.due is not None or (self.worker is not None and self.worker.is_alive())

    def cancel(self) -> None:
        if self.seq is not None:
            self.seq.cancel()

    def resume(self) -> bool:
        """The pass (or the overviews) that a Cancel stopped, run again on a thread."""
        seq = self.seq
        if seq is None or self.busy() or not seq.resume():
            return False
        self._followed = self._pushed = False
        self._start(seq)
        units = self.window.close_units_window(keep=seq)  # (it stays open: it shows seq)
        if units is not None:
            units.resume()
        self.window.statusBar().showMessage(f"Long input: {self.resumed(seq)} {BACKGROUND}", 10000)
        return True

    @staticmethod
    def resume_tip(seq) -> str:
        """Trace all's tooltip: what it will do with ``seq``."""
        if seq.ready:
            return "Run the overviews of the whole sequence again, in the background"
        if not seq.resumable:
            return ("Run the keyframe pass again from step 0, in the background (the steps it had run "
                    "were not kept: traces stay within the memory limit)")
        return "Go on with the keyframe pass that was cancelled, from where it stopped, in the background"

    @staticmethod
    def resumed(seq) -> str:
        """What Trace all does with ``seq``'s cancelled pass: go on from where it stopped, or
        start again where what it ran was freed (``LongSequence.freed``: the trace budget
        needed the room)."""
        if seq.ready:
            return "the overviews run again"
        if seq.freed and seq.done == 0:
            return ("the keyframe pass starts again from step 0 (the steps it had run were freed "
                    "to keep traces within the memory limit)")
        return "the keyframe pass goes on from where it stopped"

    def wait(self, timeout: float = 120.0) -> bool:
        """Block until the worker is done, and the whole window of a far seek is computed
        (tests, screenshots, exports); then draw."""
        self.start_due()
        if self.worker is not None:
            self.worker.join(timeout)
        if self.seq is not None:
            self.seq.wait_prefetch(timeout)
        self.poll()
        return not self.busy()

    def pending(self) -> bool:
        """No step of the long input is shown yet: its pass must run first (``pass_first``)."""
        seq = self.seq
        return (seq is not None and self.state.long is seq and self.state.trace is None
                and self.state.model is not None)

    def _sync_veil(self) -> None:
        """The veil over the views while ``pending``, not over the Train tab (no view of
        the input there)."""
        seq = self.seq
        if not self.pending() or self.window.on_train_tab():
            if not self.veil.isHidden():
                self.veil.hide()
            return
        assert seq is not None
        why = seq.pass_first or "the keyframe pass must run first"
        why = why[0].upper() + why[1:]
        steps = count(seq.steps)
        if self.busy() or not (seq.cancelled or seq.error):
            done = int(100 * seq.done / max(1, seq.total))
            self.veil.say(f"Tracing all {steps} steps first ({done}%)",
                          f"{why}: its first steps depend on every later one, so the "
                          "views show the input once the keyframe pass has run. Cancel (below) stops it; "
                          "the side panel, the menus and the Train tab work meanwhile.")
        elif seq.cancelled:
            self.veil.say("The keyframe pass was cancelled",
                          f"{why}: no step can be shown before the pass has run over all "
                          f"{steps} steps. {RESUME} (below): {self.resumed(seq)}.")
        else:
            self.veil.say("The input could not be traced", f"{seq.error}")

    def poll(self) -> None:
        seq = self.seq
        if seq is None:
            self._sync_veil()
            return
        if self.showing:
            # as wide as its longest text, in the font of the theme (at 260 px at most,
            # "200,000 steps: keyframes 50%" wrapped onto two lines inside it, both cut)
            fm = self.progress.fontMetrics()
            self.progress.setFixedWidth(max(fm.horizontalAdvance(f"{count(seq.steps)} steps: {phase} 100%")
                                            for phase in ("keyframes", "overview")) + 4 * fm.averageCharWidth())
        self.progress.setValue(int(1000 * seq.done / max(1, seq.total)))
        self.progress.setFormat(f"{count(seq.steps)} steps: {seq.phase} %p%")
        if seq.ready and not self._followed and self.state.long is seq:
            self._followed = True
            self.state.follow_long()  # the exact window around the cursor, not the first one
        if seq.overviews is not None and not self._pushed:
            self._pushed = True
            self.window.push_overviews()
        if self.state.long is seq and seq.refinable(self.state.trace, self.state.long_step()):
            self.state.follow_long()  # the whole window around a far step, computed meanwhile
        self._offer_ahead()  # (a window computed ahead on a thread lands here)
        self._say_window_error(seq)
        if not self.busy() and self.showing:
            self._show(False)  # the timer goes on: windows computed on a thread land here
            bar = self.window.statusBar()
            self.resume_button.setVisible(seq.cancelled)
            self.resume_button.setToolTip(self.resume_tip(seq))
            if seq.error:
                # (a pass goes on from where it stopped; the overviews run again)
                again = "runs it again" if seq.ready or not seq.resumable else "goes on with it"
                bar.showMessage(f"Long input: {seq.error}" + (f"; {RESUME} {again}" if seq.cancelled else ""), 15000)
        if not self.busy() and seq.ready and not seq.error:
            bar = self.window.statusBar()
            said = bar.currentMessage()
            if BACKGROUND in said or AWAITING in said or TRACING_GIVEN in said:
                # (the opening's "tracing in the background" stayed its 20 s after the pass;
                # so would "step N is shown once the keyframe pass has run"; at any poll, not
                # only the one that saw the pass end: a small model's pass can end before the
                # opening's message is shown; the opening's "tracing on the given input" stayed
                # after the pass too)
                bar.showMessage(f"Long input: {count(seq.steps)} steps traced, each shown exactly "
                                "where the cursor goes", 10000)
        self._sync_veil()
