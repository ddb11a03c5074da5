"""``lstmviz MODEL --input X.npy`` (and .csv): the app traces the model on that data."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import FIXTURES, held_pass, read_meta  # noqa: F401
from lstmviz import cli
from lstmviz.app.inputs import use_array
from lstmviz.errors import LstmvizError
from lstmviz.ui.app import dispose, make_window


def expected_output(case):
    return np.load(FIXTURES / case / "expected.npz")["output"]


@pytest.mark.parametrize("suffix", [".npy", ".csv"])
def test_the_window_traces_the_given_file(qapp, tmp_path, suffix):
    case = FIXTURES / "k3_lstm_default"
    x = np.load(case / "x.npy")
    if suffix == ".npy":
        path = case / "x.npy"
        want_x, want = x, expected_output("k3_lstm_default")
    else:  # one sample: rows = timesteps, columns = features
        path = tmp_path / "x.csv"
        path.write_text("a,b,c\n" + "\n".join(",".join(repr(float(v)) for v in row) for row in x[1]))
        want_x, want = x[1:2], expected_output("k3_lstm_default")[1:2]
    window = make_window(str(case / "model.keras"), quiet=True,
                         inputs=cli._app_input([str(path)], []))
    try:
        st = window.state
        np.testing.assert_array_equal(st.x, want_x)
        for s in range(want_x.shape[0]):
            st.set_cursor(sample=s)
            np.testing.assert_allclose(st.trace.output, want[s:s + 1], atol=1e-5)
    finally:
        dispose(window)


@pytest.mark.parametrize("order", ["C", "F"])
def test_a_given_npy_is_mapped_as_open_a_long_input_maps_it(qapp, tmp_path, monkeypatch, order):
    """The README: 'File > Open a long input (.npy memory-mapped ...) or lstmviz MODEL
    --input long.npy'. --input read the file whole, copied it, and the state copied it
    again (a 400 MB input: 954 MB held, 8.5 s before the window; mapped: 635 MB, 3.9 s).
    Now the state keeps the file's read-only map itself, its numbers the file's, a
    Fortran-order file's too; ``trace --steps`` reads the same map. (A file under
    ``MAP_BYTES`` is read whole: saved again in its place while a window shows it, its map
    would fault; the fixture stands for a large one here.)"""
    from lstmviz.app.input_edits import mapped_read_only
    from lstmviz.cli_inputs import read_input
    from lstmviz.io import npy

    case = FIXTURES / "k3_lstm_default"
    x = np.load(case / "x.npy")
    path = tmp_path / "x.npy"
    np.save(path, np.asarray(x, order=order))
    assert not isinstance(read_input(path, long=True), np.memmap)  # (small: read)
    monkeypatch.setattr(npy, "MAP_BYTES", x.nbytes)
    mapped = read_input(path, long=True)
    assert isinstance(mapped, np.memmap) and not mapped.flags.writeable
    np.testing.assert_array_equal(mapped, x)
    read = read_input(path)  # (grad, train: read whole, as ever)
    assert not isinstance(read, np.memmap) and read.flags.writeable
    window = make_window(str(case / "model.keras"), quiet=True, inputs=cli._app_input([str(path)], []))
    try:
        st = window.state
        assert mapped_read_only(st.x)  # (not a copy of it)
        np.testing.assert_array_equal(st.x, x)
        st.set_cursor(sample=1)
        np.testing.assert_allclose(st.trace.output, expected_output("k3_lstm_default")[1:2], atol=1e-5)
    finally:
        dispose(window)
    np.save(tmp_path / "empty.npy", np.zeros((0, 5, 3), np.float32))  # (nothing to map: read)
    assert read_input(tmp_path / "empty.npy", long=True).shape == (0, 5, 3)


def test_a_given_input_whose_pass_runs_first_is_said_to_be_tracing(qapp, qtbot, monkeypatch):
    """A Bidirectional model opened on a long input (``lstmviz MODEL --input X``): no step
    is shown before the keyframe pass, which runs behind the veil, and the status bar said
    "traced on the given input" meanwhile; it says "tracing" until the views show it, and no
    longer once the pass has run (it stayed)."""
    from lstmviz import limits

    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-5)
    held = held_pass(monkeypatch)  # (the pass waits: the window is seen while it runs)
    case = FIXTURES / "k3_bidi_lstm_stacked"
    x = np.cos(np.arange(6000.0)[None, :, None] / np.array([5.0, 7.0, 9.0])).astype(np.float32)
    window = make_window(str(case / "model.keras"), quiet=True, inputs=x)
    try:
        assert window.long_runner.pending()
        assert "tracing on the given input (1 sample x 6,000 steps x 3 features)" in window.last_message
        held.set()
        assert window.long_runner.wait(120) and window.state.trace is not None
        # (once the pass has run the status bar says so: "tracing" stayed there after it)
        said = window.statusBar().currentMessage
        qtbot.waitUntil(lambda: "tracing on the given input" not in said(), timeout=10_000)
        assert "6,000 steps traced" in said() and "tracing" not in said()
    finally:
        held.set()
        dispose(window)


def test_the_status_says_the_given_input_and_not_the_demos_description(qapp):
    """The demo model on the user's data: its description ("input: 4 waves ...") would
    describe an input that is not on screen."""
    from lstmviz.ui.main_window import load_demos

    demo = load_demos()[0]
    x = np.zeros((1, 300) + tuple(np.load(demo["input"]).shape[2:]), np.float32)
    window = make_window(None, quiet=True, inputs=x)
    try:
        msg = window.last_message
        assert msg.startswith(f"Demo model: {demo['title']}")
        assert "traced on the given input (1 sample x 300 steps x 1 feature)" in msg
        assert demo.get("description", "\0") not in msg
        np.testing.assert_array_equal(window.state.x, x)
    finally:
        dispose(window)
    case = FIXTURES / "k3_lstm_default"
    window = make_window(str(case / "model.keras"), quiet=True, inputs=np.load(case / "x.npy"))
    try:
        msg = window.last_message
        assert msg.startswith("Opened model.keras") and "traced on the given input" in msg
    finally:
        dispose(window)
    import lstmviz  # a model from Python (lstmviz.show(model, x)): nothing said before it
    window = make_window(None, quiet=True, model=lstmviz.load(case / "model.keras"), inputs=np.load(case / "x.npy"))
    try:
        assert window.last_message == "Traced on the given input (2 samples x 5 steps x 3 features)"
    finally:
        dispose(window)


def test_token_ids_feed_an_embedding_as_they_are(qapp):
    case = FIXTURES / "k3_emb_gru_lstm"
    ids = np.load(case / "x.npy")
    assert ids.ndim == 2 and np.issubdtype(ids.dtype, np.integer)
    window = make_window(str(case / "model.keras"), quiet=True, inputs=ids)
    try:
        st = window.state
        st.trace_all_samples = True
        st.rebuild()
        np.testing.assert_array_equal(st.x, ids)
        np.testing.assert_allclose(st.trace.output, expected_output("k3_emb_gru_lstm"), atol=1e-5)
    finally:
        dispose(window)


@pytest.mark.parametrize("x, message", [
    (np.zeros((2, 5, 4), np.float32), r"shape \(2, 5, 4\) but the model takes \(None, 5, 3\)"),
    (np.zeros((2, 5), np.float32), r"shape \(2, 5\) but the model takes"),  # the shape given
    (np.full((1, 5, 3), np.nan, np.float32), "NaN"),
    # lstmviz.show(m, x) of complex numbers: drawn from their real parts, a ComplexWarning the only word
    (np.ones((1, 5, 3), np.complex64) * 1j, r"^the input holds complex numbers \(their imaginary part would be lost\)"),
])
def test_an_input_the_model_does_not_take_is_refused(qapp, x, message):
    window = make_window(str(FIXTURES / "k3_lstm_default" / "model.keras"), quiet=True)
    try:
        before = window.state.x.copy()
        with pytest.raises(LstmvizError, match=message):
            use_array(window.state, x)
        np.testing.assert_array_equal(window.state.x, before)  # nothing changed
    finally:
        dispose(window)


def test_cli_input_errors_are_one_line_exit_2(tmp_path, capsys):
    model = str(FIXTURES / "k3_lstm_default" / "model.keras")
    bad = tmp_path / "bad.npy"
    np.save(bad, np.zeros((1, 5, 7), np.float32))
    assert cli.main([model, "--input", str(bad), "--screenshot", str(tmp_path / "o.png")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "(1, 5, 7) but the model takes (None, 5, 3)" in err
    assert err.startswith(f"lstmviz: {bad}: the input has shape")  # the file is named
    assert not (tmp_path / "o.png").exists()
    assert cli.main([model, "--input", str(tmp_path / "nope.npy")]) == 2
    assert "nope.npy: no such file" in capsys.readouterr().err


def test_cli_input_with_screenshot_renders(tmp_path, capsys):
    case = FIXTURES / "k3_lstm_default"
    out = tmp_path / "o.png"
    assert cli.main([str(case / "model.keras"), "--input", str(case / "x.npy"), "--screenshot", str(out),
                     "--size", "800x500"]) == 0
    assert out.read_bytes()[:4] == b"\x89PNG"
    assert capsys.readouterr().err == ""  # no Qt chatter (propagateSizeHints) either


def test_a_file_that_does_not_open_is_raised_not_also_logged(qapp, tmp_path, caplog):
    """make_window raises the one message (the CLI prints it, lstmviz.show raises it in a
    notebook); it was also logged, so a notebook cell showed it twice."""
    import logging

    bad = tmp_path / "notes.txt"
    bad.write_text("these are words, not numbers\n")
    with caplog.at_level(logging.INFO, logger="lstmviz"):
        with pytest.raises(LstmvizError, match="notes.txt"):
            make_window(str(bad), quiet=True)
    assert [r.getMessage() for r in caplog.records if r.name == "lstmviz"] == []


def test_a_csv_inputs_header_names_its_features_as_open_a_long_input_does(qapp, tmp_path):
    """`lstmviz MODEL --input weather.csv` (and lstmviz.show/picture(m, "weather.csv")) read
    the numbers and dropped the header: View > Units at scale said 'feature 2' where File >
    Open a long input says 'feature 2: pressure'."""
    from lstmviz.ui.notebook import _input_file

    rows = np.arange(15, dtype=np.float32).reshape(5, 3) / 10
    csv = tmp_path / "weather.csv"
    csv.write_text('temp;"pressure";wind\x1b[2J\n' + "".join(";".join(map(str, r)) + "\n" for r in rows.tolist()))
    plain = tmp_path / "plain.csv"
    plain.write_text("".join(",".join(map(str, r)) + "\n" for r in rows.tolist()))
    names = ("temp", "pressure", "wind\\x1b[2J")
    for inputs, want in ((cli._app_input([str(csv)], []), names), (_input_file(csv), names),
                         (cli._app_input([str(csv)], [(1, 5, 3)]), None),  # (--shape: rows are not steps)
                         (cli._app_input([str(plain)], []), None)):
        window = make_window(str(FIXTURES / "k3_lstm_default" / "model.keras"), quiet=True, inputs=inputs)
        try:
            np.testing.assert_array_equal(window.state.input.data, rows[None])
            assert window.state.feature_names() == want
        finally:
            dispose(window)


def test_file_import_input_of_a_csv_keeps_its_headers_names_as_open_a_long_input_does(tmp_path):
    """File > Import input (or a CSV dropped on the window) read the numbers and dropped the
    header: View > Units at scale said 'feature 2' where File > Open a long input and
    --input say 'feature 2: pressure'. A headerless CSV, a .npy or a second import without
    a header name nothing."""
    from lstmviz.app.options import default_config
    from lstmviz.app.stack import InputSpec, LayerEntry
    from lstmviz.app.state import AppState

    rows = np.arange(15, dtype=np.float32).reshape(5, 3) / 10
    csv = tmp_path / "weather.csv"
    csv.write_text('temp;"pressure";wind\x1b[2J\n' + "".join(";".join(map(str, r)) + "\n" for r in rows.tolist()))
    plain = tmp_path / "plain.csv"
    plain.write_text("".join(",".join(map(str, r)) + "\n" for r in rows.tolist()))
    np.save(tmp_path / "x.npy", rows)
    state = AppState([LayerEntry("LSTM", default_config("LSTM", None, units=4))], InputSpec(input_dim=3))
    state.import_input(csv)
    np.testing.assert_array_equal(state.input.data, rows[None])
    assert state.feature_names() == ("temp", "pressure", "wind\\x1b[2J")
    for other in (plain, tmp_path / "x.npy"):
        state.import_input(other)
        assert state.feature_names() is None, other
    state.import_input(csv)
    assert state.feature_names() == ("temp", "pressure", "wind\\x1b[2J")
    assert state.undo() and state.feature_names() is None  # (the input before: the .npy's)


def test_a_csv_that_is_not_text_says_what_an_input_file_is(tmp_path):
    """A binary file named .csv (an .xls renamed, say) was refused
    with 'not a text (CSV) file', which said nothing of what is taken: both readers (the
    app's and the command line's) now say it in the same line."""
    from lstmviz.app.inputs import load_array
    from lstmviz.cli_inputs import read_input

    path = tmp_path / "sheet.csv"
    path.write_bytes(b"\xd0\xcf\x11\xe0 binary \x80\x81\xff")  # (an old .xls begins so)
    with pytest.raises(LstmvizError) as app:
        load_array(path)
    with pytest.raises(LstmvizError) as by_cli:
        read_input(path)
    for err in (app, by_cli):
        msg = str(err.value)
        assert "bytes that are not UTF-8 text (a binary file" in msg and "\n" not in msg
        assert "a table of numbers" in msg


def test_a_model_of_two_inputs_takes_an_input_file_each(qapp, tmp_path, capsys):
    """`lstmviz seq2seq.keras -i x0.npy -i x1.npy` was refused ('the app takes one --input'),
    and show/picture(model, [x0, x1]) too: the decoder's input was always made up (a sine),
    so the window never showed what the model does on the user's data. Each input file now
    feeds its input: every sample's output equals Keras'; a session keeps both arrays; an
    input of other samples is refused in one line; a one-input model given two files too."""
    from lstmviz.app.session import apply_session, read_session, save_session

    case = FIXTURES / "k3_seq2seq_lstm"
    paths = [str(case / "x0.npy"), str(case / "x1.npy")]
    xs = [np.load(p) for p in paths]
    want = expected_output("k3_seq2seq_lstm")
    window = make_window(str(case / "model.keras"), quiet=True, inputs=cli._app_input(paths, []))
    try:
        st = window.state
        assert "traced on the given inputs (2 x 5 x 3, 2 x 4 x 2)" in window.last_message
        label = window.stack_panel.input_shape_label
        assert label.text().endswith("\ndecoder_input: your data")  # (the side panel says whose)
        for s in range(len(want)):
            st.set_cursor(sample=s)
            np.testing.assert_array_equal(st.trace.inputs[1], xs[1][s:s + 1])
            np.testing.assert_allclose(st.trace.output, want[s:s + 1], atol=1e-5)
        save_session(st, tmp_path / "s.lstmviz")
        st.set_input_spec(source="sine")  # the first input made up: the decoder's stays the user's
        assert not np.array_equal(st.trace.inputs[0], xs[0][1:2])
        np.testing.assert_array_equal(st.trace.inputs[1], xs[1][1:2])
        assert label.text().endswith("\ndecoder_input: your data")
        st.undo()
        st.undo()  # (before the input given with the model: both made up)
        assert not np.array_equal(st.trace.inputs[1], xs[1][1:2])
        assert label.text().endswith("\ndecoder_input: made up")
        apply_session(st, read_session(tmp_path / "s.lstmviz"))
        np.testing.assert_array_equal(st.trace.inputs[1], xs[1][1:2])
        np.testing.assert_allclose(st.trace.output, want[1:2], atol=1e-5)
        st.set_input_spec(batch_size=1)  # fewer samples: the decoder's first one kept
        st.set_cursor(sample=0)
        np.testing.assert_allclose(st.trace.output, want[:1], atol=1e-5)
        with pytest.raises(LstmvizError, match=r"^input 1 \('\w+'\) has 1 sample but the first input "
                                               r"has 2; give each input the same samples$"):
            use_array(st, [xs[0], xs[1][:1]])
    finally:
        dispose(window)
    one = str(FIXTURES / "k3_lstm_default" / "model.keras")
    assert cli.main([one, "-i", paths[0], "-i", paths[1], "--screenshot", str(tmp_path / "o.png")]) == 2
    err = capsys.readouterr().err
    assert err == "lstmviz: the model takes one input, not the 2 input files given\n"
    assert not (tmp_path / "o.png").exists()


def test_the_input_panel_imports_a_file_for_each_input(qapp, tmp_path):
    """In the window, File > Import read the first input only: a seq2seq's decoder input
    could not be given without the command line. The Input tab has a row per input after
    the first ('decoder_input  [made up · import...]'): a file for it is checked as the
    model takes it, a made-up first input takes its samples, the first imported after it
    too; every sample then equals Keras, and undo takes each import back."""
    from lstmviz.app.session import apply_session, read_session, save_session
    from lstmviz.app.state import AppState

    case = FIXTURES / "k3_seq2seq_lstm"
    xs = [np.load(case / "x0.npy"), np.load(case / "x1.npy")]
    want = expected_output("k3_seq2seq_lstm")
    window = make_window(str(case / "model.keras"), quiet=True)
    try:
        st, panel = window.state, window.input_panel
        assert [b.text() for b in panel.other_buttons] == ["made up \u00b7 import\u2026"]
        assert panel.others_form.itemAt(0, panel.others_form.ItemRole.LabelRole).widget().text() == "decoder_input"
        np.save(tmp_path / "bad.npy", np.zeros((2, 4, 3), np.float32))
        panel.import_other_file(1, tmp_path / "bad.npy")
        assert panel.message.text() == ("bad.npy: input 1 ('decoder_input') has 3 features but the model "
                                        "expects 2: shape (2, 4, 3) vs (None, 4, 2)")
        panel.import_other_file(1, case / "x1.npy")
        assert not panel.message.isVisible() and st.input.batch_size == 2
        np.testing.assert_array_equal(st.trace.inputs[1], xs[1][:1])
        save_session(st, tmp_path / "made_first.lstmviz")  # (the first input made up: kept too)
        kept = AppState()
        apply_session(kept, read_session(tmp_path / "made_first.lstmviz"))
        np.testing.assert_array_equal(kept.trace.inputs[1], xs[1][:1])
        assert [b.text() for b in panel.other_buttons] == ["your data \u00b7 import\u2026"]
        panel.import_file(case / "x0.npy")
        for s in range(2):
            st.set_cursor(sample=s)
            np.testing.assert_allclose(st.trace.output, want[s:s + 1], atol=1e-5)
        np.save(tmp_path / "three.npy", np.zeros((3, 4, 2), np.float32))
        panel.import_other_file(1, tmp_path / "three.npy")
        assert panel.message.text() == ("three.npy: input 1 ('decoder_input') has 3 samples but the first "
                                        "input has 2; give each input the same samples")
        st.undo()
        st.undo()
        assert [b.text() for b in panel.other_buttons] == ["made up \u00b7 import\u2026"]
    finally:
        dispose(window)


def test_a_dropped_input_file_asks_which_input_as_file_import_does(qapp, qtbot, monkeypatch, tmp_path):
    """An input file dropped on the window of a model of several inputs went into the first
    input, unasked (File > Import input asks which). A drop now goes File > Import's way
    (``InputPanel.import_into``): the same question, the file into the input picked, its
    problems said in one line, nothing imported when the question is cancelled."""
    from PySide6 import QtCore, QtGui, QtWidgets

    case = FIXTURES / "k3_seq2seq_lstm"
    xs = [np.load(case / "x0.npy"), np.load(case / "x1.npy")]
    window = make_window(str(case / "model.keras"), quiet=True)
    asked: list = []
    answer = ["1: decoder_input"]

    def get_item(parent, title, label, items, current, editable):
        asked.append((title, label, list(items)))
        return (answer[0], True) if answer[0] else ("", False)
    monkeypatch.setattr(QtWidgets.QInputDialog, "getItem", get_item)

    def drop(path):
        mime = QtCore.QMimeData()
        mime.setUrls([QtCore.QUrl.fromLocalFile(str(path))])
        window.dropEvent(QtGui.QDropEvent(QtCore.QPointF(50, 50), QtCore.Qt.DropAction.CopyAction, mime,
                                          QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.KeyboardModifier.NoModifier))
        n = len(asked)
        qtbot.waitUntil(lambda: len(asked) > n, timeout=3000)
    try:
        st = window.state
        first = np.array(st.trace.inputs[0])
        drop(case / "x1.npy")
        question = ("Import input", "The file is for the model's input:", ["0: encoder_input", "1: decoder_input"])
        assert asked == [question]
        np.testing.assert_array_equal(st.trace.inputs[1], xs[1][:len(st.trace.inputs[1])])
        np.testing.assert_array_equal(st.trace.inputs[0], first)  # (the first input untouched)
        assert window.last_message == "Input 1 ('decoder_input') read from x1.npy"
        answer[0] = "0: encoder_input"
        drop(case / "x0.npy")
        assert st.input.batch_size == 2
        for s in range(2):
            st.set_cursor(sample=s)
            np.testing.assert_allclose(st.trace.output, expected_output("k3_seq2seq_lstm")[s:s + 1], atol=1e-5)
        # File > Import input asks the very same question
        monkeypatch.setattr(QtWidgets.QFileDialog, "getOpenFileName", lambda *a, **k: ("", ""))
        window.input_panel.import_menu()
        assert asked[-1] == question
        # a file the input cannot take: one line, the input kept
        np.save(tmp_path / "three.npy", np.zeros((3, 4, 2), np.float32))
        answer[0] = "1: decoder_input"
        drop(tmp_path / "three.npy")
        assert window.last_message == ("three.npy: input 1 ('decoder_input') has 3 samples but the first "
                                       "input has 2; give each input the same samples")
        np.testing.assert_array_equal(st.trace.inputs[1], xs[1][st.cursor.sample:st.cursor.sample + 1])
        answer[0] = ""  # the question cancelled: nothing imported
        drop(case / "x1.npy")
        assert window.last_message == "x1.npy not imported: no input chosen for it"
    finally:
        dispose(window)


def test_an_inputs_name_from_the_file_is_shown_as_text(qapp):
    """The Input box and the Input tab name each input after the first: a name from the
    file is shown as it is written, never read as rich text (a QLabel takes '<b>..</b>' or
    '<img src=...>' for HTML, and an image source is a file outside the model's)."""
    import dataclasses

    import lstmviz
    from lstmviz.engine import Model
    from lstmviz.engine.spec import ModelSpec, TensorRef

    hostile = "<b>dec</b><img src='x.png'>"
    spec = lstmviz.load(FIXTURES / "k3_seq2seq_lstm" / "model.keras").to_spec()

    def renamed(ref):
        return TensorRef(hostile, ref.tensor_index) if ref.layer == "decoder_input" else ref
    layers = [dataclasses.replace(layer, name=hostile if layer.name == "decoder_input" else layer.name,
                                  inbound=[renamed(r) for r in layer.inbound]) for layer in spec.layers]
    model = Model.from_spec(ModelSpec(layers, [renamed(r) for r in spec.inputs], spec.outputs, spec.name,
                                      spec.keras_version))
    window = make_window(model=model, quiet=True)
    try:
        label = window.stack_panel.input_shape_label
        assert label.text().endswith(f"\n{hostile}: made up") and label.textFormat() == label.textFormat().PlainText
        form = window.input_panel.others_form
        name = form.itemAt(0, form.ItemRole.LabelRole).widget()
        assert name.text() == hostile and name.textFormat() == name.textFormat().PlainText
    finally:
        dispose(window)


def test_file_import_asks_which_input_a_file_is_for(qapp, tmp_path, monkeypatch):
    """File > Import input read every file into the first input: a seq2seq's decoder input
    chosen there was refused as the encoder's (or, of the same shape, taken for it). The
    menu now asks which input (each named by its number and name), then the file."""
    from PySide6 import QtWidgets

    case = FIXTURES / "k3_seq2seq_lstm"
    x1 = np.load(case / "x1.npy")
    asked: list = []

    def choose(parent, title, label, items, current, editable):
        asked.append(list(items))
        return items[1], True

    monkeypatch.setattr(QtWidgets.QInputDialog, "getItem", staticmethod(choose))
    monkeypatch.setattr(QtWidgets.QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(case / "x1.npy"), "")))
    window = make_window(str(case / "model.keras"), quiet=True)
    try:
        file_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
        action = next(a for a in file_menu.actions() if a.text().startswith("&Import input"))
        action.trigger()
        names = [ref.layer for ref in window.state.model.inputs]
        assert asked == [[f"0: {names[0]}", "1: decoder_input"]]
        assert not window.input_panel.message.isVisible(), window.input_panel.message.text()
        np.testing.assert_array_equal(window.state.trace.inputs[1], x1[:1])
    finally:
        dispose(window)
