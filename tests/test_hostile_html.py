"""Names from files are text, never markup: a layer named ``<img src="...">`` made every
view's header load that picture from the user's disk (reading outside the file) and a
name with ``<u>`` drew underlined. Every rich text the window shows (labels, tooltips,
graphics texts, with every tab and layer on screen, an error naming a layer) holds such
a name escaped; plain-text widgets show it as it is."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from helpers import legacy_lstm_file

RED = "lstmviz_probe_red.png"
NAMES = [f'<u>evil</u><img src="{RED}">', "b<b>old &amp; x", "<i>d</i>"]


def _model(path):
    """A Keras 2 ``model.save`` file: two LSTMs and a Dense named ``NAMES``."""
    return legacy_lstm_file(path, NAMES[:2], dense=NAMES[2], model_name="<b>model</b>")


def _rich(text: str, fmt) -> bool:
    if fmt == QtCore.Qt.TextFormat.RichText:
        return True
    return fmt == QtCore.Qt.TextFormat.AutoText and QtGui.Qt.mightBeRichText(text)


def _raw(text: str) -> list[str]:
    """The markup of ``NAMES`` found unescaped in ``text``."""
    return [m for m in ("<img", "<u>evil", "b<b>old", "<i>d</i>", "<b>model") if m in text]


def rich_texts(window) -> list[tuple[str, str]]:
    """(where, source) of every rich text the window and its children show now."""
    out = []
    widgets = [window, *window.findChildren(QtWidgets.QWidget)]
    for w in widgets:
        tip = w.toolTip()
        if tip and QtGui.Qt.mightBeRichText(tip):
            out.append((f"tooltip of {type(w).__name__}", tip))
        if isinstance(w, QtWidgets.QLabel) and _rich(w.text(), w.textFormat()):
            out.append((f"QLabel {w.objectName() or type(w.parent()).__name__}", w.text()))
        if isinstance(w, QtWidgets.QAbstractButton) and QtGui.Qt.mightBeRichText(w.toolTip()):
            out.append(("button tooltip", w.toolTip()))
        if isinstance(w, QtWidgets.QGraphicsView) and w.scene() is not None:
            for item in w.scene().items():
                if isinstance(item, QtWidgets.QGraphicsTextItem):
                    out.append((f"graphics text in {type(w).__name__}", item.toHtml()))
                tip = item.toolTip()
                if tip and QtGui.Qt.mightBeRichText(tip):
                    out.append(("item tooltip", tip))
        if isinstance(w, QtWidgets.QTextEdit):
            out.append(("text edit", w.toHtml()))
        if isinstance(w, QtWidgets.QComboBox):
            for i in range(w.count()):
                tip = w.itemData(i, QtCore.Qt.ItemDataRole.ToolTipRole)
                if isinstance(tip, str) and QtGui.Qt.mightBeRichText(tip):
                    out.append(("combo item tooltip", tip))
        if isinstance(w, QtWidgets.QListWidget):
            for i in range(w.count()):
                tip = w.item(i).toolTip()
                if tip and QtGui.Qt.mightBeRichText(tip):
                    out.append(("list item tooltip", tip))
    return out


def test_names_with_markup_are_shown_as_text(make_window, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the picture the name points at, where a relative path finds it
    img = QtGui.QImage(8, 8, QtGui.QImage.Format.Format_RGB32)
    img.fill(QtGui.QColor("red"))
    assert img.save(str(tmp_path / RED))
    path = _model(tmp_path / "m.h5")
    w = make_window()
    assert w.open_file(str(path))
    state = w.state
    names = [l.name for l in state.model.layers]
    assert names == NAMES, names  # (read as they are: shown escaped, not changed)
    app = QtWidgets.QApplication.instance()
    found = []
    for tab in range(w.tabs.count()):
        w.tabs.setCurrentIndex(tab)
        for layer in names:
            state.set_cursor(layer=layer, step=1)
            for _ in range(3):
                app.processEvents()
            found += [(f"tab {w.tabs.tabText(tab)}, layer {layer}: {where}", _raw(src))
                      for where, src in rich_texts(w) if _raw(src)]
    # an error that names a layer
    state.set_layer_option(0, "return_sequences", False)
    app.processEvents()
    assert state.error and NAMES[0] in state.error
    found += [(f"error: {where}", _raw(src)) for where, src in rich_texts(w) if _raw(src)]
    assert not found, "\n".join(f"{a}: {b}" for a, b in found[:40])
    # and the escaped name is what the header shows
    w.tabs.setCurrentIndex(1)
    state.undo()
    state.set_cursor(layer=names[0])
    app.processEvents()
    assert any("&lt;u&gt;evil" in src for _, src in rich_texts(w))


def test_a_refused_file_s_content_is_shown_as_text(make_window, tmp_path):
    """An input file's refusal quotes what it read (a .csv's cell, its name): text."""
    from PySide6 import QtWidgets

    w = make_window()
    bad = tmp_path / '<img src="x.png">.csv'
    bad.write_text('1,2,3\n4,<b>five</b><img src="x.png">,6\n')
    w.input_panel.import_file(str(bad))
    QtWidgets.QApplication.processEvents()
    message = w.input_panel.message
    assert not message.isHidden() and ("five" in message.text() or "x.png" in message.text()), message.text()
    assert not _rich(message.text(), message.textFormat()) or not _raw(message.text())


def test_message_boxes_show_their_text_as_text(qapp):
    from lstmviz.ui.labels import plain_box, text_tip

    box = plain_box(QtWidgets.QMessageBox())
    box.setText(f"layer '{NAMES[0]}' cannot run")
    assert box.textFormat() == QtCore.Qt.TextFormat.PlainText
    doc = QtGui.QTextDocument()
    doc.setHtml(text_tip(f"{NAMES[0]}\nline two"))
    assert doc.toPlainText() == f"{NAMES[0]}\nline two"  # shown as written, on its two lines
    box.deleteLater()


def test_units_at_scale_shows_names_as_text(make_window, tmp_path, monkeypatch):
    """Units at scale names the layer in its plot titles, its record box and step line."""
    import numpy as np

    from lstmviz import limits

    w = make_window()
    assert w.open_file(str(_model(tmp_path / "m.h5")))
    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-6)  # a few KB: this input is a long one
    w.state.set_input_data(np.random.default_rng(0).standard_normal((1, 3000, 3)).astype(np.float32))
    assert w.state.long is not None
    lw = w.open_units_window()
    assert lw is not None and lw.wait(120) and w.long_runner.wait(120)
    lw.seek(2000)
    QtWidgets.QApplication.processEvents()
    texts = rich_texts(lw)
    # the curves' whole titles name the layer, escaped (shown where they fit: this name, a
    # picture's data in it, is wider than any plot, so their short forms are shown)
    assert "&lt;u&gt;evil" in lw.curve_over.titleLabel.text
    assert "&lt;u&gt;evil" in lw.curve_win.titleLabel.text
    found = [(where, _raw(src)) for where, src in texts if _raw(src)]
    assert not found, found
    lw.close()


def test_open_recent_shows_a_file_name_as_it_is(make_window, tmp_path):
    """A file named 'R&D <b>x.h5' in Open recent: '&' marked the next letter as the
    item's key (the menu read 'RD'), and its path's tooltip is escaped rich text."""
    from helpers import tip_text

    path = _model(tmp_path / "R&D <b>x.h5")
    w = make_window()
    assert w.open_file(str(path))
    w._fill_recent()
    act = w.recent_menu.actions()[0]
    assert act.text() == "R&&D <b>x.h5"  # Qt shows '&&' as one '&'
    assert tip_text(act.toolTip()) == str(path.resolve()) and "<b>x" not in act.toolTip()


def test_a_file_name_with_a_newline_or_of_240_characters_is_one_short_line(make_window, tmp_path):
    """The window's title, the status line and Open recent name the opened file escaped
    (a newline in its name was a second line of the title and of the status bar) and cut
    in the middle (a 240-character name took the title and the menu's whole width), its
    suffix kept."""
    w = make_window()
    odd = _model(tmp_path / "two\nlines\u202e.h5")
    long = _model(tmp_path / ("x" * 240 + ".h5"))
    for path, shown in ((odd, "two\\x0alines\\u202e.h5"), (long, None)):
        assert w.open_file(str(path)), w.last_message
        texts = [w.windowTitle(), w.statusBar().currentMessage(), w.recent_menu.actions()[0].text(),
                 w.recent_menu.actions()[0].statusTip()]
        for text in texts:
            assert text.isprintable() and "\u202e" not in text, text
        if shown is not None:
            assert w.windowTitle() == f"lstmviz \u2014 {shown}[*]"  # ("*" there while edits are not saved)
            assert w.statusBar().currentMessage().startswith(f"Opened {shown}: 3 layers")
        else:
            name = texts[2]
            assert len(name) == 80 and name.startswith("xxx") and name.endswith("x.h5")
            assert "\u2026" in name and w.windowTitle() == f"lstmviz \u2014 {name}[*]"
            assert len(w.statusBar().currentMessage()) < 200


def test_a_model_of_two_inputs_shows_their_names_as_text(make_window, tmp_path, monkeypatch):
    """A seq2seq whose inputs and layers have names with markup: the views draw two time
    axes and the side panel and Input tab list the inputs after the first by name. On
    every tab, for every layer, each name is text."""
    import dataclasses

    import lstmviz
    from helpers import FIXTURES
    from lstmviz.engine import Model
    from lstmviz.engine.spec import ModelSpec, TensorRef

    monkeypatch.chdir(tmp_path)
    img = QtGui.QImage(8, 8, QtGui.QImage.Format.Format_RGB32)
    img.fill(QtGui.QColor("red"))
    assert img.save(str(tmp_path / RED))
    spec = lstmviz.load(FIXTURES / "k3_seq2seq_lstm" / "model.keras").to_spec()
    new = {"encoder_input": NAMES[0], "decoder_input": NAMES[1], "encoder": NAMES[2], "decoder": "<b>model</b>"}

    def ref(r):
        return TensorRef(new.get(r.layer, r.layer), r.tensor_index)
    layers = [dataclasses.replace(layer, name=new.get(layer.name, layer.name), inbound=[ref(r) for r in layer.inbound],
                                  initial_state=[ref(r) for r in layer.initial_state]) for layer in spec.layers]
    model = Model.from_spec(ModelSpec(layers, [ref(r) for r in spec.inputs], spec.outputs, spec.name,
                                      spec.keras_version))
    w = make_window()
    w.state.set_model(model)
    assert not w.state.error, w.state.error
    app = QtWidgets.QApplication.instance()
    found = []
    for side in (w.stack_panel, w.input_panel):
        w.side.setCurrentWidget(side)
        for tab in range(w.tabs.count()):
            w.tabs.setCurrentIndex(tab)
            for layer in ("<i>d</i>", "<b>model</b>"):
                w.state.set_cursor(layer=layer, step=1)
                for _ in range(3):
                    app.processEvents()
                found += [(f"tab {w.tabs.tabText(tab)}, layer {layer}: {where}", _raw(src))
                          for where, src in rich_texts(w) if _raw(src)]
    assert not found, "\n".join(f"{a}: {b}" for a, b in found[:40])


def test_paths_the_user_chose_are_said_as_text_escaped(make_window, tmp_path):
    """The paths File > Save session and Open recent name in the status bar and dialogs:
    'Saved the session to ...' and a save's failure put the path raw (a newline in its name
    was a second line of the status bar, a bidi override turned the rest of it around);
    markup in a name is shown as its characters (the bar and the dialogs are plain text)."""
    import os

    w = make_window()
    odd = "<b>x&amp;\nlines\u202e"
    for path in (tmp_path / f"{odd}.lstmviz",  # saved
                 tmp_path / f"{odd}{'y' * 300}.lstmviz"):  # refused by the system: too long a name
        saved = w.sessions._save_reporting(str(path))
        assert (saved is not None) == (path.name == f"{odd}.lstmviz")
        said = w.statusBar().currentMessage()
        assert said == w.last_message and said.isprintable() and "\u202e" not in said, said
        assert "<b>x&amp;\\x0alines\\u202e" in said, said
        if saved is not None:
            assert said == f"Saved the session to {tmp_path}{os.sep}<b>x&amp;\\x0alines\\u202e.lstmviz"
    # Open recent, the file gone since
    os.remove(tmp_path / f"{odd}.lstmviz")
    w.recent_menu.actions()[0].trigger()
    said = w.statusBar().currentMessage()
    assert said.isprintable() and said.endswith("<b>x&amp;\\x0alines\\u202e.lstmviz: no such file"), said
