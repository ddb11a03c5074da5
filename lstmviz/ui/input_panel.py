"""Where the input comes from: a generator with a seed, typed text, a file; the values of
one sample in an editable table; which sample the views show.

A thin view of ``AppState.input``: edits call ``state.set_input_spec`` /
``set_input_value`` / ``import_input``; the panel follows ``input_changed``.
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtWidgets

from lstmviz.app import inputs as gen
from lstmviz.app.state import AppState
from lstmviz.errors import LstmvizError
from lstmviz.ui.stack_panel import error_colour

#: Rows drawn in the table at most (a longer input is edited through a file).
MAX_TABLE_ROWS = 2000
MAX_TABLE_COLUMNS = 64


class InputPanel(QtWidgets.QWidget):
    def __init__(self, state: AppState, parent=None):
        super().__init__(parent)
        self.state = state
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(10, 8, 10, 8)

        form = QtWidgets.QFormLayout()
        self.source = QtWidgets.QComboBox(self)
        for key, label in gen.GENERATORS.items():
            self.source.addItem(label, key)
        self.source.addItem("Your data (imported / edited)", "data")
        self.source.setToolTip("What the input x_t is at each step: a generated signal, typed text, "
                               "or values you imported or typed into the table")
        self.source.currentIndexChanged.connect(self._source_changed)
        form.addRow("source", self.source)

        self.seed = QtWidgets.QSpinBox(self)
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setKeyboardTracking(False)
        self.seed.setToolTip("The random seed: the same seed gives the same input and the same "
                             "initial weights every time")
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
        self.text_note = QtWidgets.QLabel(self)
        self.text_note.setWordWrap(True)
        form.addRow("", self.text_note)

        self.sample = QtWidgets.QSpinBox(self)
        self.sample.setToolTip("Which sample of the batch the views show and the table edits")
        self.sample.valueChanged.connect(lambda v: self.state.set_cursor(sample=int(v)))
        form.addRow("show sample", self.sample)
        lay.addLayout(form)

        row = QtWidgets.QHBoxLayout()
        self.import_button = QtWidgets.QPushButton("Import .npy / .csv\u2026", self)
        self.import_button.setToolTip("Read the input from a file: .npy of (timesteps,), (timesteps, "
                                      "features) or (batch, timesteps, features); .csv with a row per "
                                      "timestep and a column per feature")
        self.import_button.clicked.connect(self._import_dialog)
        row.addWidget(self.import_button)
        row.addStretch(1)
        lay.addLayout(row)

        self.message = QtWidgets.QLabel(self)
        self.message.setWordWrap(True)
        self.message.hide()
        lay.addWidget(self.message)

        self.table_label = QtWidgets.QLabel(self)
        lay.addWidget(self.table_label)
        self.table = QtWidgets.QTableWidget(self)
        self.table.setToolTip("The input of the shown sample: a row per timestep t, a column per "
                              "feature. Double-click a number to change it")
        self.table.itemChanged.connect(self._cell_edited)
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
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Import input", "",
                                                        "Arrays (*.npy *.csv *.txt);;All files (*)")
        if path:
            self.import_file(path)

    def import_file(self, path):
        self._guard(self.state.import_input, path)

    def _state_changed(self, change):
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
        widgets = (self.source, self.seed, self.period, self.text, self.sample, self.table)
        for w in widgets:
            w.blockSignals(True)
        try:
            i = self.source.findData(spec.source)
            self.source.setCurrentIndex(max(i, 0))
            self.seed.setValue(int(spec.seed))
            self.period.setValue(float(spec.period))
            if not self.text.hasFocus():
                self.text.setText(spec.text)
            wave = spec.source in ("sine", "mixed_sines", "square", "sawtooth")
            self.period.setEnabled(wave)
            self.text.setEnabled(spec.source == "text")
            self.text_note.setText(
                ("token ids 1..%d (0 = padding) for the Embedding" % len(gen.ALPHABET)) if st.embedding_first
                else f"one-hot over \u201c{gen.ALPHABET.strip()}\u201d and space: input_dim {len(gen.ALPHABET)}")
            self.text_note.setVisible(spec.source == "text")
            self.sample.setMaximum(max(0, st.batch - 1))
            self.sample.setValue(st.cursor.sample)
            self._fill_table()
        finally:
            for w in widgets:
                w.blockSignals(False)

    def _fill_table(self):
        st = self.state
        x = st.x
        s = st.cursor.sample
        if x is not None and s == self._shown_sample and self._shown_x is not None \
                and self._shown_x.shape == x.shape and np.array_equal(self._shown_x, x):
            return  # same numbers: keep the table (an option edit re-traces the same input)
        self._shown_sample = s
        self._shown_x = None if x is None else np.array(x)
        if x is None:
            self.table.setRowCount(0)
            return
        arr = np.asarray(x[min(s, x.shape[0] - 1)])
        if arr.ndim == 1:
            arr = arr[:, None]
        ids = not np.issubdtype(arr.dtype, np.floating)
        rows = min(arr.shape[0], MAX_TABLE_ROWS)
        cols = min(arr.shape[1], MAX_TABLE_COLUMNS)  # a 5000-feature input: not 10^6 cells
        self.table.setRowCount(rows)
        self.table.setColumnCount(cols)
        self.table.setHorizontalHeaderLabels(["id"] if ids else [f"x[{j}]" for j in range(cols)])
        self.table.setVerticalHeaderLabels([f"t={t}" for t in range(rows)])
        editable = not ids and not st.readonly
        for t in range(rows):
            for j in range(cols):
                item = QtWidgets.QTableWidgetItem(f"{arr[t, j]:d}" if ids else f"{arr[t, j]:.3f}")
                if not editable:
                    item.setFlags(item.flags() & ~QtCore.Qt.ItemFlag.ItemIsEditable)
                self.table.setItem(t, j, item)
        self.table_label.setText(f"sample {s}: {arr.shape[0]} timestep{'s' if arr.shape[0] != 1 else ''} "
                                 f"\u00d7 {arr.shape[1]} "
                                 + ("token id" if ids else "feature") + ("s" if arr.shape[1] != 1 else "")
                                 + (f" (the first {cols} shown)" if cols < arr.shape[1] else ""))

    def _cell_edited(self, item: QtWidgets.QTableWidgetItem):
        try:
            value = float(item.text().replace("\u2212", "-"))
        except ValueError:
            self.message.setText(f"'{item.text()}' is not a number")
            self.message.setStyleSheet(f"color: {error_colour()};")
            self.message.show()
            self.refresh()
            return
        self._guard(self.state.set_input_value, self.state.cursor.sample, item.row(), item.column(), value)
