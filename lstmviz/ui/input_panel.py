"""Where the input comes from: a generator with a seed, typed text, a file; the values of
one sample in an editable table; which sample the views show.

A thin view of ``AppState.input``: edits call ``state.set_input_spec`` /
``set_input_value`` / ``import_input``; the panel follows ``input_changed``.

The table is a ``QTableView`` over the sample's array (``InputTableModel``): a number is
formatted when the view shows it, so every step of a long input is there (a year of
sensor data scrolls as a sine wave does) for the cost of the rows on screen, and no
object per number is made (a table of widget items took ~0.7 s to fill for 2,000 steps x
64 features and held 128,000 objects that every garbage collection then walked).
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtWidgets

from lstmviz.app import inputs as gen
from lstmviz.app.state import AppState
from lstmviz.errors import LstmvizError
from lstmviz.text import plural, safe_name
from lstmviz.ui.accessible import name_form
from lstmviz.ui.labels import ElidedCombo
from lstmviz.ui.stack_panel import EscapeReverts, error_colour, tip


def text_note(input_dim: int) -> str:
    """What typed text becomes without an Embedding: a one-hot over the alphabet, which
    wraps around in fewer columns (the note said 'input_dim 29' whatever input_dim was)."""
    n = len(gen.ALPHABET)
    # (the letters in one unbreakable word ran past the panel's edge, cut)
    letters = "the letters a\u2013z, \u201c.\u201d, \u201c?\u201d and space"
    if input_dim >= n:
        extra = f" ({input_dim - n} more columns stay 0)" if input_dim > n else ""
        return f"one-hot over {letters}: input_dim {n}{extra}"
    i = input_dim + 1 if input_dim + 1 < n else input_dim  # a letter that wraps, and its twin

    def named(c: str) -> str:
        return "space" if c == " " else f"\u201c{c}\u201d"
    return (f"one-hot over {letters} needs input_dim {n}; in {plural(input_dim, 'column')} it wraps around: "
            f"{named(gen.ALPHABET[i % input_dim])} and {named(gen.ALPHABET[i])} look the same "
            f"(column {i % input_dim})")


class InputTableModel(QtCore.QAbstractTableModel):
    """One sample of the input, ``(timesteps, features)``, as a table: a row per step
    ``t``, a column per feature (one column "id" for token ids). Numbers are formatted when
    asked for; an edit calls ``on_edit(step, feature, text)``, which returns whether it
    was taken."""

    def __init__(self, on_edit, parent=None):
        super().__init__(parent)
        self.array = np.zeros((0, 0), np.float32)
        self.ids = False
        self.editable = False
        self._on_edit = on_edit

    def set_array(self, array: np.ndarray, ids: bool, editable: bool) -> None:
        """Show ``array`` (2-D). Of the same shape and kind: the cells on screen are asked
        again (the scroll position and selection stay); otherwise the table starts over."""
        if array.shape == self.array.shape and ids == self.ids:
            self.array, self.editable = array, editable
            if array.size:
                self.dataChanged.emit(self.index(0, 0), self.index(array.shape[0] - 1, array.shape[1] - 1),
                                      [QtCore.Qt.ItemDataRole.DisplayRole, QtCore.Qt.ItemDataRole.EditRole])
            return
        self.beginResetModel()
        self.array, self.ids, self.editable = array, ids, editable
        self.endResetModel()

    def rowCount(self, parent=QtCore.QModelIndex()):  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else int(self.array.shape[0])

    def columnCount(self, parent=QtCore.QModelIndex()):  # noqa: B008
        return 0 if parent.isValid() else int(self.array.shape[1])

    def text(self, row: int, column: int) -> str:
        v = self.array[row, column]
        return f"{int(v):d}" if self.ids else f"{float(v):.3f}"

    def data(self, index, role=QtCore.Qt.ItemDataRole.DisplayRole):
        if role in (QtCore.Qt.ItemDataRole.DisplayRole, QtCore.Qt.ItemDataRole.EditRole):
            return self.text(index.row(), index.column())
        if role == QtCore.Qt.ItemDataRole.TextAlignmentRole:
            return int(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section, orientation, role=QtCore.Qt.ItemDataRole.DisplayRole):
        if role != QtCore.Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == QtCore.Qt.Orientation.Horizontal:
            return "id" if self.ids else f"x[{section}]"
        return f"t={section}"

    def flags(self, index):
        f = QtCore.Qt.ItemFlag.ItemIsEnabled | QtCore.Qt.ItemFlag.ItemIsSelectable
        return f | QtCore.Qt.ItemFlag.ItemIsEditable if self.editable else f

    def setData(self, index, value, role=QtCore.Qt.ItemDataRole.EditRole):
        if role != QtCore.Qt.ItemDataRole.EditRole or not index.isValid() or not self.editable:
            return False
        return bool(self._on_edit(index.row(), index.column(), str(value)))


#: the source box's item of an array imported or edited (a demo's says the demo's:
#: ``InputSpec.label``)
DATA_ITEM = "Your data (imported / edited)"


class InputPanel(QtWidgets.QWidget):
    def __init__(self, state: AppState, parent=None):
        super().__init__(parent)
        self.state = state
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(10, 8, 10, 8)

        form = QtWidgets.QFormLayout()
        self.source = ElidedCombo(self)
        for key, label in gen.GENERATORS.items():
            self.source.addItem(label, key)
        self.source.addItem(DATA_ITEM, "data")
        self.source.setToolTip("What the input x_t is at each step: a generated signal, typed text, "
                               "or values you imported or typed into the table")
        self.source.currentIndexChanged.connect(self._source_changed)
        # its least width that of a few letters, not of its longest item: "Your data (imported
        # / edited)" made the page's least 477 px in the projector theme, the side panel 418
        # (the page squeezed below its least, its boxes narrower than theirs); it says "…"
        # where it is narrower than its text (ElidedCombo), its list shows every item whole
        self.source.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.source.setMinimumContentsLength(10)
        # (the fields take the row's width on every style: a combo's short size hint would
        # leave it short where the style keeps fields at their hint, macOS')
        form.setFieldGrowthPolicy(QtWidgets.QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("source", self.source)

        self.seed = QtWidgets.QSpinBox(self)
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setKeyboardTracking(False)
        self.seed.setToolTip("The random seed of the generated input (its phases, its noise, where "
                             "a spike or a step falls): the same seed gives the same input every "
                             "time. The weights do not change with it. Counting, typed text and "
                             "your data use no seed")
        self.seed.valueChanged.connect(lambda v: self._guard(self.state.set_input_spec, seed=int(v)))
        form.addRow("seed", self.seed)

        self.period = QtWidgets.QDoubleSpinBox(self)
        self.period.setRange(2.0, 1000.0)
        self.period.setDecimals(1)
        self.period.setKeyboardTracking(False)
        self.period.setToolTip("Period of the waves, in timesteps")
        self.period.valueChanged.connect(lambda v: self._guard(self.state.set_input_spec, period=float(v)))
        form.addRow("period", self.period)

        self.text = QtWidgets.QLineEdit(self)
        self.text.setToolTip("Typed text: one character per timestep. Without an Embedding each "
                             "character becomes a one-hot vector (input_dim = alphabet size); with "
                             "an Embedding first, an integer id (0 is padding)")
        self.text.editingFinished.connect(lambda: self._guard(self.state.set_input_spec,
                                                              text=self.text.text() or " "))
        form.addRow("text", self.text)
        self.escape = EscapeReverts(self)  # Escape puts back what the input holds
        for field in (self.seed, self.period):
            self.escape.watch(field)
        self.escape.watch(self.text, lambda: self.state.input.text)
        self.text_note = QtWidgets.QLabel(self)
        self.text_note.setWordWrap(True)
        form.addRow("", self.text_note)

        self.sample = QtWidgets.QSpinBox(self)
        self.sample.setToolTip("Which sample of the batch the views show and the table edits")
        self.sample.valueChanged.connect(lambda v: self.state.set_cursor(sample=int(v)))
        form.addRow("show sample", self.sample)
        name_form(form)
        lay.addLayout(form)

        row = QtWidgets.QHBoxLayout()
        self.import_button = QtWidgets.QPushButton("Import .npy / .csv\u2026", self)
        self.import_button.setToolTip("Read the input from a file: .npy of (timesteps,), (timesteps, "
                                      "features) or (batch, timesteps, features); .csv with a row per "
                                      "timestep and a column per feature. With an Embedding first: "
                                      "token ids, .npy of (timesteps,) or (batch, timesteps), .csv "
                                      "with a row per sample and a column per timestep")
        self.import_button.clicked.connect(self._import_dialog)
        row.addWidget(self.import_button)
        row.addStretch(1)
        lay.addLayout(row)
        # a model of several inputs: a file for each input after the first (else made up)
        self.others_form = QtWidgets.QFormLayout()
        self.others_form.setContentsMargins(0, 0, 0, 0)
        self.other_buttons: list[QtWidgets.QPushButton] = []
        self._others_shown: tuple = ()
        lay.addLayout(self.others_form)

        self.message = QtWidgets.QLabel(self)
        self.message.setWordWrap(True)
        self.message.setTextFormat(QtCore.Qt.TextFormat.PlainText)  # (it quotes files)
        self.message.hide()
        lay.addWidget(self.message)

        self.table_label = QtWidgets.QLabel(self)
        # (wrapped where the panel is narrower than "sample 0: 40 timesteps × 1 feature")
        self.table_label.setWordWrap(True)
        lay.addWidget(self.table_label)
        self.table_model = InputTableModel(self._cell_edited, self)
        self.table = QtWidgets.QTableView(self)
        self.table.setAccessibleName("Input values")
        self.table.setModel(self.table_model)
        self.table.setToolTip("The input of the shown sample: a row per timestep t, a column per "
                              "feature. Double-click a number to change it")
        # rows of one size: the view lays out a million steps without asking each
        self.table.verticalHeader().setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Fixed)
        # columns as wide as a number needs: three features fit the side panel
        self.table.horizontalHeader().setDefaultSectionSize(
            self.table.fontMetrics().horizontalAdvance("\u221200.000") + 12)
        lay.addWidget(self.table, 1)

        state.changed.connect(self._state_changed)  # once per edit, not once per event
        self._shown_sample = None
        self._shown_x = None
        self.refresh()

    def _guard(self, fn, *args, **kwargs):
        try:
            fn(*args, **kwargs)
            self.message.hide()
        except LstmvizError as err:
            self._say_error(err)

    def _say_error(self, err: LstmvizError) -> None:
        self.message.setText(str(err))
        self.message.setStyleSheet(f"color: {error_colour()};")
        self.message.show()

    def _source_changed(self, _i):
        key = self.source.currentData()
        if key == "data" and self.state.input.data is None:
            # "your data" starts from the values shown now
            self._guard(self.state.set_input_data, np.asarray(self.state.x, dtype=np.float32))
            return
        if key != "data":
            self._guard(self.state.set_input_spec, source=key)

    def _import_dialog(self):
        path = self._ask_file("Import input")
        if path:
            self.import_file(path)

    def _ask_file(self, title: str) -> str:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, title, "",
                                                        "Arrays (*.npy *.csv *.txt);;All files (*)")
        return path

    def import_file(self, path):
        self._guard(self.state.import_input, path)

    def ask_input(self) -> tuple[int, str] | None:
        """Which input a file is for: ``(k, its name)``, asked where the model has several
        inputs (``(0, "")`` otherwise); None when the question is cancelled."""
        model = self.state.model
        if model is None or not self.state.others_given():
            return 0, ""
        names = [safe_name(ref.layer) for ref in model.inputs]
        items = [f"{k}: {name}" for k, name in enumerate(names)]
        item, ok = QtWidgets.QInputDialog.getItem(self, "Import input", "The file is for the model's input:",
                                                  items, 0, False)
        if not ok or item not in items:
            return None
        k = items.index(item)
        return k, names[k]

    def import_into(self, path=None) -> int | None:
        """The one way a file becomes an input, for File > Import input and a file dropped
        on the window (``MainWindow.open_file``): a model of several inputs is asked which
        input the file is for (it went into the first, whatever the user meant), then,
        unless ``path`` is given, the file. Returns the input it went into (0: the first),
        None when a question was cancelled; a file the input cannot take: LstmvizError."""
        picked = self.ask_input()
        if picked is None:
            return None
        k, name = picked
        if path is None:
            path = self._ask_file("Import input" if k == 0 else f"Import input {name}")
            if not path:
                return None
        if k == 0:
            self.state.import_input(path)
        else:
            self.state.import_other(k, path)
        return k

    def import_menu(self):
        """File > Import input (``import_into``; a problem is said in the panel)."""
        try:
            if self.import_into() is not None:
                self.message.hide()
        except LstmvizError as err:
            self._say_error(err)

    def _import_other_dialog(self, k: int, name: str):
        path = self._ask_file(f"Import input {name}")
        if path:
            self.import_other_file(k, path)

    def import_other_file(self, k: int, path):
        """A file for input ``k`` after the first (``AppState.import_other``)."""
        self._guard(self.state.import_other, k, path)

    def _refresh_others(self):
        """A row per input after the first: its name, whether it is the user's data or made
        up, and a button importing a file for it."""
        given = self.state.others_given()
        names = tuple(name for name, _ in given)
        if names != self._others_shown:
            while self.others_form.rowCount():
                self.others_form.removeRow(0)
            self.other_buttons = []
            for k, name in enumerate(names, 1):
                shown = safe_name(name)
                button = QtWidgets.QPushButton(self)
                button.setToolTip(tip(f"Read input {k} ('{shown}') from a .npy or .csv, as many "
                                      "samples as the first input: else it is made up to fit the model. "
                                      "lstmviz MODEL -i x0.npy -i x1.npy gives every input at once"))
                button.clicked.connect(lambda _=False, k=k, shown=shown: self._import_other_dialog(k, shown))
                label = QtWidgets.QLabel(shown, self)
                label.setTextFormat(QtCore.Qt.TextFormat.PlainText)  # (a name from the file)
                self.others_form.addRow(label, button)
                self.other_buttons.append(button)
            self._others_shown = names
        for button, made in zip(self.other_buttons, self.state.others_made()):
            button.setText(made + " \u00b7 import\u2026")

    def _state_changed(self, change):
        if change.input:
            # an input that came since (another source, New stack, a session, Undo): the
            # last failed import or edit is no longer what the panel shows
            self.message.hide()
        if change.input or change.stack:
            self.refresh()
        elif change.cursor:
            self._cursor(self.state.cursor)

    def _cursor(self, cursor):
        if cursor.sample != self._shown_sample:
            self.refresh()

    def refresh(self):
        st = self.state
        spec = st.input
        widgets = (self.source, self.seed, self.period, self.text, self.sample)
        for w in widgets:
            w.blockSignals(True)
        try:
            # (a demo's own array is said as the demo's, "Demo: sine wave", until edited)
            self.source.setItemText(self.source.findData("data"),
                                    spec.label[:1].upper() + spec.label[1:] if spec.label else DATA_ITEM)
            i = self.source.findData(spec.source)
            self.source.setCurrentIndex(max(i, 0))
            self.seed.setValue(int(spec.seed))
            self.period.setValue(float(spec.period))
            if not self.text.hasFocus():
                self.text.setText(spec.text)
            wave = spec.source in ("sine", "mixed_sines", "square", "sawtooth")
            self.period.setEnabled(wave)
            self.seed.setEnabled(spec.source in gen.SEEDED)
            self.text.setEnabled(spec.source == "text")
            self.text_note.setText(
                ("token ids 1..%d (0 = padding) for the Embedding" % len(gen.ALPHABET)) if st.embedding_first
                # (a read-only model of ids: no one-hot; what its ids mean, lstmviz does not know)
                else "the characters' ids as lstmviz numbers them, not the model's own vocabulary"
                if st.readonly and st.takes_ids
                else text_note(int(spec.input_dim)))
            self.text_note.setVisible(spec.source == "text")
            self.sample.setMaximum(max(0, st.batch - 1))
            self.sample.setValue(st.cursor.sample)
            self._refresh_others()
            self._fill_table()
        finally:
            for w in widgets:
                w.blockSignals(False)

    def _fill_table(self):
        st = self.state
        x = st.x
        s = st.cursor.sample
        if x is not None and s == self._shown_sample and x is self._shown_x:
            return  # the same array: keep the table (an option edit re-traces the same input)
        self._shown_sample, self._shown_x = s, x
        if x is None:
            self.table_model.set_array(np.zeros((0, 0), np.float32), False, False)
            self.table_label.setText("")
            return
        arr = np.asarray(x[min(s, x.shape[0] - 1)])
        if arr.ndim == 1:
            arr = arr[:, None]
        elif arr.ndim > 2:  # sub-sequences (a TimeDistributed(Conv1D)'s): a step's numbers in a row
            arr = arr.reshape(arr.shape[0], -1)
        ids = not np.issubdtype(arr.dtype, np.floating)
        self.table_model.set_array(arr, ids, editable=not ids and not st.readonly)
        steps, feats = arr.shape
        self.table_label.setText(f"sample {s}: {plural(steps, 'timestep', sep=',')} "
                                 f"\u00d7 {plural(feats, 'token id' if ids else 'feature', sep=',')}")

    def _cell_edited(self, step: int, feature: int, text: str) -> bool:
        try:
            value = float(text.replace("\u2212", "-"))
        except ValueError:
            self.message.setText(f"'{text}' is not a number")
            self.message.setStyleSheet(f"color: {error_colour()};")
            self.message.show()
            return False
        self._guard(self.state.set_input_value, self.state.cursor.sample, step, feature, value)
        return True
