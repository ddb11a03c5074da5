"""The Train tab's "Your model" box and training-time scrubbing.

``UserBox``: inputs and targets opened from ``.npy``/``.csv``, a loss by Keras name and a
validation split; "Train the stack's model" starts a run on a copy of the window's
model (``app.train_user``), a shape that does not fit is said in one line under the
buttons. ``TimeScrub``: the snapshot slider shows the model as it was at that update in
every view (``app.train_user.Scrubber``: one undo entry per burst of scrubbing), coalesced
so that dragging re-traces at most every 60 ms; "Put on the stack" keeps a snapshot as an
undoable edit.
"""

from __future__ import annotations

import weakref
from pathlib import Path

from PySide6 import QtCore, QtWidgets

from lstmviz.app.stack import TrainData
from lstmviz.app.train_user import Scrubber, compiled_settings, kept_data, user_data, user_session
from lstmviz.engine.losses import NAMES
from lstmviz.engine.train import batch_norm_note, frozen_note, left_out_note
from lstmviz.errors import LstmvizError
from lstmviz.text import file_label, plural, safe_name
from lstmviz.ui.accessible import name_form
from lstmviz.ui.labels import ShrinkCombo
from lstmviz.ui.later import later

FILES = "Arrays (*.npy *.csv *.txt *.tsv);;All files (*)"


class UserBox(QtWidgets.QGroupBox):
    def __init__(self, panel):
        super().__init__("Your model and data")
        self.panel = panel
        self.x_path: str | None = None
        self._about = None  # the run the message under the button describes (None: a refusal, or none)
        self.y_path: str | None = None
        #: the inputs and targets last read here, or kept in the session opened (the window
        #: state's ``train_data``, which a session saves): a side without a file picked since
        #: trains on its array (the files may be gone)
        self.held: TrainData | None = None
        form = QtWidgets.QFormLayout(self)
        form.setRowWrapPolicy(QtWidgets.QFormLayout.RowWrapPolicy.WrapLongRows)  # (a narrow tab)
        self.x_button = QtWidgets.QPushButton("Inputs\u2026")
        self.x_button.setToolTip("Inputs x: .npy (samples, timesteps, features) or .csv")
        self.y_button = QtWidgets.QPushButton("Targets\u2026")
        self.y_button.setToolTip("Targets y: one per sample, shaped as the model's output")
        self.x_label = QtWidgets.QLabel("no inputs")
        self.y_label = QtWidgets.QLabel("no targets")
        for label in (self.x_label, self.y_label):
            label.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        # (narrower than its longest name, sparse_categorical_crossentropy, where the tab is:
        # that held the Train tab's controls ~460 px wide, past half of a 1024 px window's tab)
        self.loss_combo = ShrinkCombo(least=12)
        self.loss_combo.addItems(NAMES)
        self.compiled_label = QtWidgets.QLabel()  # (what the window's model was compiled with)
        self.compiled_label.setWordWrap(True)
        self.compiled_label.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.compiled_label.hide()
        self._compiled: tuple | None = None  # (the compile info and file the box's defaults follow)
        self._model: weakref.ref | None = None  # (and the model its line was said of)
        self.split_spin = QtWidgets.QDoubleSpinBox()
        self.split_spin.setRange(0.0, 0.9)
        self.split_spin.setSingleStep(0.05)
        self.split_spin.setValue(0.2)
        self.split_spin.setToolTip("The last share of the samples validates (Keras' validation_split)")
        self.train_button = QtWidgets.QPushButton("Train the stack's model")
        self.train_button.setToolTip("Trains a copy of the window's model; your model changes only "
                                     "when you scrub or put a snapshot on the stack (undoable)")
        self.message = QtWidgets.QLabel()
        self.message.setWordWrap(True)
        self.message.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.x_button)
        row.addWidget(self.x_label, 1)
        form.addRow(row)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.y_button)
        row.addWidget(self.y_label, 1)
        form.addRow(row)
        form.addRow("Loss", self.loss_combo)
        form.addRow(self.compiled_label)
        form.addRow("Validation split", self.split_spin)
        form.addRow(self.train_button)
        form.addRow(self.message)
        name_form(form)
        self.x_button.clicked.connect(lambda: self._ask("x"))
        self.y_button.clicked.connect(lambda: self._ask("y"))
        self.train_button.clicked.connect(self.train)

    def event(self, event: QtCore.QEvent) -> bool:
        done = super().event(event)
        if event.type() == QtCore.QEvent.Type.LayoutRequest:
            # a line here wrapped anew ("Training a copy of ...", the compiled line): the
            # controls' form kept the box's old height and cut both lines and the button
            # (1600 x 1000); told once the box is laid out, it gives the box its new height
            later(self, type(self)._refit)
        return done

    def _refit(self) -> None:
        if self.isVisible() and self.heightForWidth(self.width()) != self.height():
            self.updateGeometry()

    def follow_model(self, model, path=None) -> None:
        """A model compiled with a loss and an optimizer (a ``.keras`` file's compile_config)
        makes them the box's defaults: the loss in its box, the optimizer for the run "Train
        the stack's model" starts; the line under the loss says so and where they came from
        (and what of it is not computed here). Only when that changes: a loss picked since
        stays while the model is edited."""
        from lstmviz.engine.compiled import describe, of, state_of

        compiled = of(model) if model is not None else None
        # (the file the compile info was read from: after a weights-only file opened onto the
        # stack the window's path is the weights file's, which changes neither the info nor a
        # loss picked in the box)
        read_from = (compiled or {}).get("file") or path
        new = (compiled, read_from) != self._compiled
        if not new and (self._model() if self._model is not None else None) is model:
            return
        self._compiled = (compiled, read_from)
        # the line follows the model too: other weights put on the stack (a weights file, an
        # edit that draws new ones) make the run start its optimizer afresh, which it says
        self._model = weakref.ref(model) if model is not None else None
        if compiled is None:
            self.compiled_label.hide()
            return
        if new and compiled.get("loss"):  # (a loss picked since stays while the model is edited)
            self.loss_combo.setCurrentText(compiled["loss"])
        config = compiled.get("config", "compile_config")
        where = (f"{safe_name(Path(read_from).name)}'s {config}" if read_from else f"the model's {config}")
        if compiled.get("run"):  # (a run's put on the stack: ``engine.compiled.after_run``)
            where = "the Train tab's run put on the stack"
        kept_in = compiled.get("session")  # (reopened from a session, which kept it)
        if kept_in and read_from != kept_in:
            where += f", kept in {safe_name(Path(kept_in).name)}"
        said, full = describe(compiled, short=True), describe(compiled)  # (Keras' defaults: in the tooltip)
        state, afresh = state_of(model)
        resumes = f", its state saved after {plural(state.iterations, 'update', sep=',')}" if state is not None else ""
        lines = [f"From {where}: {said}{resumes}" + (" (the optimizer for the run Train starts)"
                                                     if compiled.get("optimizer") else "")] if said else []
        if afresh and said:  # ("the optimizer's state saved after 2 updates is not taken: ...")
            lines.append(afresh[:1].upper() + afresh[1:])
        lines += [n.removeprefix(f"{config}: ").partition(";")[0] for n in compiled.get("notes", [])
                  if "; fit and the Train tab" in n]
        if not lines:
            self.compiled_label.hide()
            return
        self.compiled_label.setText("\n".join(
            lines if said else [f"From {where}: " + "; ".join(lines)]))
        self.compiled_label.setToolTip(f"{full}{resumes}" if full != said else "")
        self.compiled_label.show()

    def _ask(self, which: str) -> None:
        title = "Open training inputs" if which == "x" else "Open training targets"
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, title, "", FILES)
        if path:
            self.set_file(which, path)

    def set_file(self, which: str, path) -> None:
        path = str(path)
        label = self.x_label if which == "x" else self.y_label
        setattr(self, f"{which}_path", path)
        label.setText(safe_name(Path(path).name))
        label.setToolTip("")
        self._read()  # (kept in the window's state, so a session saved now keeps them)

    def _read(self) -> tuple | None:
        """The inputs and targets picked (or held) read for the window's model, kept as the
        state's ``train_data``: (data, loss), or None where there is nothing to read yet or
        they do not fit (said by Train, not here)."""
        window = self.panel.window_ref
        model = window.state.model if window is not None else None
        if model is None or ((not self.x_path or not self.y_path) and self.held is None):
            return None
        try:
            return self._keep(model)
        except (LstmvizError, OSError):
            return None

    def _keep(self, model) -> tuple:
        """(data, loss) of the picked files or held arrays for ``model``; what was read is
        kept, as the window state's ``train_data``. Raises LstmvizError / OSError."""
        held = self.held
        data, loss = user_data(model, self.x_path or None, self.y_path or None, self.loss_combo.currentText(),
                               self.split_spin.value(), held=held)
        names = [Path(p).name if p else (getattr(held, f"{k}_name") if held is not None else k + "s")
                 for p, k in ((self.x_path, "input"), (self.y_path, "target"))]
        self.held = kept_data(data, names[0], names[1], loss, self.split_spin.value())
        window = self.panel.window_ref
        if window is not None:
            window.state.train_data = self.held
        return data, loss

    def follow_data(self, kept: TrainData | None) -> None:
        """The window state's Train data changed (a session opened): the box shows and trains
        on the session's inputs and targets (their files' names, "in the session"), its loss
        and validation split; a session without them leaves none held."""
        if kept is self.held:
            return
        had = self.held
        self.held = kept
        if kept is None:
            if had is not None:  # (the last session's data are not this one's)
                self.x_path = self.y_path = None
                for label, text in ((self.x_label, "no inputs"), (self.y_label, "no targets")):
                    label.setText(text)
                    label.setToolTip("")
            return
        self.x_path = self.y_path = None  # (the session's arrays, not the files picked before)
        for label, name, arr in ((self.x_label, kept.input_name, kept.inputs),
                                 (self.y_label, kept.target_name, kept.targets)):
            label.setText(f"{safe_name(name)} (in the session)")
            label.setToolTip(f"{safe_name(name)}: shape {tuple(arr.shape)}, kept in the session "
                             "(the file is not needed); pick a file to replace it")
        self.loss_combo.setCurrentText(kept.loss)
        self.split_spin.setValue(kept.validation_split)

    def train(self) -> bool:
        """A run of the window's model on the opened files (the panel switches to it);
        False with the one-line reason under the button when they do not fit."""
        window = self.panel.window_ref
        model = window.state.model if window is not None else None
        try:
            if model is None:
                raise LstmvizError("there is no model on the stack to train")
            if (not self.x_path or not self.y_path) and self.held is None:
                raise LstmvizError("open the inputs and the targets first")
            data, loss = self._keep(model)
            s = self.panel.session.settings
            settings = type(s)(optimizer=s.optimizer, learning_rate=s.learning_rate,
                               batch_size=self.panel.batch_spin.value(), epochs=self.panel.epochs_spin.value(),
                               seed=s.seed)
            settings, compiled = compiled_settings(model, settings)  # (a compiled model's optimizer)
            session = user_session(model, data, loss, settings, self.panel.snapshot_every())
        except (LstmvizError, OSError) as err:
            self._about = None
            self.message.show()
            if isinstance(err, OSError) and err.strerror:  # (a file gone since it was picked)
                where = file_label(err.filename) if err.filename is not None else ""
                self.message.setText(f"{where}: {err.strerror}" if where else err.strerror)
            else:
                self.message.setText(str(err))
            # in sight: under the button at the controls' end it ran below their bottom edge
            later(self, lambda box: box.panel.show_in_controls(box.message))
            return False
        n_val = len(data.x_val)
        note = left_out_note(model)
        if session.resumed:  # (its optimizer goes on from the state the file or a run saved, as Keras' fit)
            from lstmviz.engine.compiled import of

            compiled += f", continuing from update {session.resumed:,}" + ("" if (of(model) or {}).get("run")
                                                                          else " of the file")
        self.message.setText(f"Training a copy of '{safe_name(model.name)}' on {plural(len(data.x_train), 'sample')}"
                             f" ({n_val} validate), loss {loss}" + (f", {compiled}" if compiled else "")
                             + (f"\nNote: {note}." if note else "")
                             + (f"\nNote: {batch_norm_note(model)}." if batch_norm_note(model) else "")
                             + (f"\nNote: {frozen_note(model)}." if frozen_note(model) else "")
                             + (f"\nNote: {session.resume_note}." if session.resume_note else ""))
        self._about = session
        self.panel.use_session(session)
        return True

    def follow(self, session) -> None:
        """The line under the button is about the run it started ("Training a copy of ..."):
        shown while that run is the tab's, hidden while a task or a lesson trains (it went
        on saying it trained your model); a refusal stays until the next press."""
        self.message.setVisible(self._about is None or session is self._about)


class TimeScrub(QtCore.QObject):
    """The snapshot slider drives the views (coalesced to one re-trace per 60 ms)."""

    def __init__(self, panel):
        super().__init__(panel)
        self.panel = panel
        self.scrubber: Scrubber | None = None
        self.timer = QtCore.QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(60)
        self.timer.timeout.connect(lambda: self.show())

    def moved(self, _k: int) -> None:
        self.timer.start()

    def _state(self):
        window = self.panel.window_ref
        return None if window is None else window.state

    def show(self, keep: bool = False) -> int | None:
        """The slider's snapshot in every view; returns its update (None without a window)."""
        state = self._state()
        if state is None:
            return None
        if self.scrubber is None or self.scrubber.state is not state:
            self.scrubber = Scrubber(state)
        session = self.panel.session
        snaps = session.snapshots
        k = min(self.panel.time_slider.value(), len(snaps) - 1)
        try:
            it = self.scrubber.show(session, snaps[k][0], keep=keep)
        except LstmvizError as err:
            self.panel.set_error(str(err))
            return None
        window = self.panel.window_ref
        if hasattr(window, "statusBar"):
            if self.scrubber.replaced:  # (a task's model: the user's stack is not there any more)
                where = "is on the stack" if keep else "is shown in every view"
                text = (f"The trained model at update {it} {where} in place of your model "
                        "(Edit > Undo brings yours back)")
            else:
                what = ("are on the stack (Edit > Undo takes them back)" if keep
                        else "are shown in every view (Edit > Undo brings back what was there)")
                text = f"The weights at update {it} {what}"
            window.statusBar().showMessage(text, 8000)
        return it
