"""The format registry (``lstmviz.io.formats``): every entry point goes through it.

Files are recognised from their bytes (a renamed file is still read by its own reader), the
readers it names give the same models as reading the format directly, and what people see
(``--help``, the MODEL help, the Open dialog's filter, drops, refusals) lists every format.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

import lstmviz
from helpers import tip_text
from lstmviz import cli
from lstmviz.errors import LstmvizError
from lstmviz.io import formats

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures"

#: (fixture file, the registry key its bytes say)
CASES = [
    ("k3_lstm_default/model.keras", "keras3-zip"),
    ("k3_lstm_default/model.h5", "legacy-h5-model"),
    ("k2_lstm_default/model.h5", "legacy-h5-model"),
    ("k3_lstm_default/model.weights.h5", "keras3-weights-h5"),
    ("k2_lstm_default/weights.h5", "legacy-h5-weights"),
    ("torch_lstm_1layer/model.pt", "torch-zip"),
    ("torch_lstm_1layer/model_legacy.pt", "torch-pickle"),
]


def _session(tmp_path) -> Path:
    from lstmviz.app import session as ses
    from lstmviz.app.state import AppState

    st = AppState()
    st.set_layer_option(0, "units", 5)
    return ses.save_session(st, tmp_path / "s.lstmviz")


def test_every_format_is_registered_once_with_a_reader():
    import lstmviz.app.session  # noqa: F401  (the app registers the session's reader)

    keys = [f.key for f in formats.FORMATS]
    assert len(keys) == len(set(keys))
    for f in formats.FORMATS:
        # (a folder has no first bytes: its files are what it is, keras_folder_of)
        assert f.container in formats.CONTAINERS or f.container == "folder"
        assert all(s.startswith(".") and s == s.lower() for s in f.suffixes)
        assert callable(formats._model_reader(f))
        if f.weights:
            assert callable(formats._reader(f.weights))
        # a zip needs a member test, an HDF5 format a test on the root (else it would
        # claim every file of its container)
        assert (f.members is not None) == (f.container == "zip")
        assert (f.h5 is not None) == (f.container == "hdf5")


@pytest.mark.parametrize("rel,key", CASES)
def test_the_bytes_decide_not_the_name(tmp_path, rel, key):
    src = FIX / rel
    if not src.exists():
        pytest.skip(f"{rel} missing")
    # renamed to the suffix of another format (or none), it reads the same
    other = tmp_path / ("renamed.lstmviz" if not rel.endswith(".lstmviz") else "renamed.keras")
    shutil.copy(src, other)
    for path in (src, other):
        spec = formats.read_model(path, isolate=False)
        assert spec.source["format"] == key
    direct = formats.read_model(src, isolate=False)
    renamed = formats.read_model(other, isolate=False)
    assert [l.class_name for l in direct.layers] == [l.class_name for l in renamed.layers]
    for a, b in zip(direct.layers, renamed.layers):
        for wa, wb in zip(a.weights or [], b.weights or []):
            np.testing.assert_array_equal(wa, wb)


@pytest.mark.parametrize("rel,key", CASES)
def test_isolated_and_in_process_reads_agree(rel, key):
    src = FIX / rel
    if not src.exists():
        pytest.skip(f"{rel} missing")
    fmt = formats.sniff(src)
    if fmt.container != "hdf5":  # HDF5 formats are told apart inside the file only
        assert fmt.key == key
    a = lstmviz.load(src)
    b = lstmviz.load(src, isolate=False)
    assert a.source["format"] == b.source["format"] == key
    assert [w.shape for l in a.layers for w in l.weights] == \
        [w.shape for l in b.layers for w in l.weights]


def test_sessions_open_through_the_registry(tmp_path, capsys):
    path = _session(tmp_path)
    assert formats.sniff(path).kind == "session"
    model = lstmviz.load(path)
    assert model.source["format"] == "lstmviz-session"
    assert [l.units for l in model.layers if l.class_name == "LSTM"][0] == 5
    # the CLI's summary reads it (it used to say "not a .keras file")
    assert cli.main(["summary", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Total params" in out and "(None, 20, 5)" in out


def test_load_imports_the_apps_session_module_for_a_session_only(tmp_path):
    """``lstmviz.load`` of a model file leaves the app's session module (and the app state it
    brings, ~0.1 s) unimported; a session file still opens."""
    import subprocess
    import sys

    session = _session(tmp_path)
    code = ("import sys, lstmviz\n"
            f"lstmviz.load({str(FIX / 'k3_lstm_default' / 'model.keras')!r})\n"
            "print('lstmviz.app.session' in sys.modules, 'lstmviz.app.state' in sys.modules)\n"
            f"m = lstmviz.load({str(session)!r})\n"
            "print('lstmviz.app.session' in sys.modules, m.source['format'])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=ROOT, check=True).stdout.split()
    assert out == ["False", "False", "True", "lstmviz-session"]


def test_pytorch_weights_put_on_a_matching_model():
    src = FIX / "torch_lstm_1layer" / "model.pt"
    model = lstmviz.load(src)
    before = [w.copy() for l in model.layers for w in l.weights]
    for l in model.layers:
        if l.weights:
            l.set_weights([np.zeros_like(w) for w in l.weights])
    lstmviz.load_weights(model, src)  # a torch file is a weights file too
    after = [w for l in model.layers for w in l.weights]
    for a, b in zip(before, after):
        np.testing.assert_array_equal(a, b)


def test_a_zip_nobody_claims_is_explained_by_its_suffix_format(tmp_path):
    import lstmviz.app.session  # noqa: F401  (the app registers the session's reader)

    p = tmp_path / "m.keras"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(LstmvizError, match="config.json"):
        formats.read_model(p, isolate=False)
    s = tmp_path / "m.lstmviz"
    s.write_bytes(b"PK\x03\x04 broken")
    with pytest.raises(LstmvizError, match="not a usable lstmviz session"):
        formats.read_model(s, isolate=False)


def test_refusals_list_every_format(tmp_path):
    p = tmp_path / "picture.pt"
    p.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    with pytest.raises(LstmvizError) as ei:
        lstmviz.load(p)
    msg = str(ei.value)
    assert msg.startswith("picture.pt: this is a PNG image") and "\n" not in msg
    for f in formats.FORMATS:
        for sfx in f.suffixes:
            assert sfx in msg


def test_a_git_lfs_pointer_and_onnx_external_weights_are_named(tmp_path):
    """Two files a practitioner opens by mistake: a model cloned without ``git lfs pull``
    (a text pointer in its place) and an ONNX model's external weights (model.onnx.data):
    each refusal says what the file is and what to do, in one line (they said "a text file"
    and "neither HDF5, a zip archive nor a PyTorch pickle", though safetensors and ONNX are
    read too)."""
    lfs = tmp_path / "model.keras"
    lfs.write_text("version https://git-lfs.github.com/spec/v1\n"
                   "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
                   "size 1051932\n")
    def refusal(path) -> str:
        with pytest.raises(LstmvizError) as ei:
            lstmviz.load(path)
        assert "\n" not in str(ei.value)
        return str(ei.value)

    msg = refusal(lfs)
    assert msg.startswith("model.keras: this is a Git LFS pointer, not the file of 1,051,932 bytes")
    assert "git lfs pull" in msg
    data = tmp_path / "model.onnx.data"
    shutil.copy(FIX / "onnx_torch_dynamo_gru_bidir" / "model.onnx.data", data)
    msg = refusal(data)
    assert msg.startswith("model.onnx.data: this looks like an ONNX model's external weights")
    assert "open the .onnx file beside it" in msg
    other = tmp_path / "weights.bin"
    shutil.copy(data, other)
    assert refusal(other).startswith("weights.bin: unrecognised binary content, not a file of any format")


def test_a_tensorflow_savedmodel_folder_is_named_with_what_to_save_instead(tmp_path):
    """tf.keras 2's model.save("my_model") (no suffix) and Keras 3's model.export write a
    SavedModel folder; its refusal says so and how to get a file lstmviz reads (it said
    "this is a directory"), in one line; another folder is still "a directory"."""
    folder = tmp_path / "my_model"
    (folder / "variables").mkdir(parents=True)
    (folder / "saved_model.pb").write_bytes(b"\x08\x01\x12\x00")
    with pytest.raises(LstmvizError) as ei:
        lstmviz.load(folder)
    msg = str(ei.value)
    assert msg.startswith("my_model: this is a TensorFlow SavedModel folder, which lstmviz does not read")
    assert ".save('model.h5')" in msg and "model.save('model.keras')" in msg and "\n" not in msg
    with pytest.raises(LstmvizError, match=r"^variables: this is a directory, not a model file"):
        lstmviz.load(folder / "variables")


def test_a_keras_model_saved_unzipped_opens_as_its_keras_archive_does(tmp_path):
    """Keras 3's model.save(path, zipped=False) (the default on the Hugging Face Hub)
    writes a .keras's members into a folder. Opening the folder, or its config.json, said
    how to zip it: both now open the model, its weights and outputs those of the .keras,
    read in the reading child as the archive is. A link among its files is refused (only
    the folder's own files are read), as is a folder without the weights."""
    import os

    src = FIX / "k3_lstm_default" / "model.keras"
    folder = tmp_path / "my_model"
    folder.mkdir()
    with zipfile.ZipFile(src) as z:
        z.extractall(folder)
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "metadata.json",
                                                          "model.weights.h5"]
    original = lstmviz.load(src)
    x = np.random.default_rng(0).standard_normal((2, 5, 3)).astype("float32")
    want = original.trace(x).outputs[0]
    for path in (folder, folder / "config.json"):
        assert formats.sniff(path).key == "keras3-folder"
        model = lstmviz.load(path)
        assert model.source["format"] == "keras3-folder"
        assert model.keras_version == original.keras_version
        np.testing.assert_array_equal(model.trace(x).outputs[0], want)
        mine_spec, their_spec = model.to_spec(), original.to_spec()
        assert len(mine_spec.layers) == len(their_spec.layers)
        for mine, theirs in zip(mine_spec.layers, their_spec.layers):
            assert mine.name == theirs.name and len(mine.weights or []) == len(theirs.weights or [])
            for a, b in zip(mine.weights or [], theirs.weights or []):
                np.testing.assert_array_equal(a, b)
    assert cli.main(["summary", str(folder)]) == 0
    (folder / "metadata.json").unlink()  # (Keras reads a .keras without it; so does lstmviz)
    np.testing.assert_array_equal(lstmviz.load(folder).trace(x).outputs[0], want)
    # a link to a file elsewhere: refused in one line, nothing read through it
    elsewhere = tmp_path / "elsewhere.h5"
    os.replace(folder / "model.weights.h5", elsewhere)
    os.symlink(elsewhere, folder / "model.weights.h5")
    for path in (folder, folder / "config.json"):
        with pytest.raises(LstmvizError) as ei:
            lstmviz.load(path)
        msg = str(ei.value)
        assert msg.startswith(f"{path.name}: the folder's model.weights.h5 is a link to another file"), msg
        assert "\n" not in msg and "supported: Keras 3 model (.keras, or its folder saved unzipped)" in msg
    (folder / "model.weights.h5").unlink()  # a folder of a config only: a plain folder
    with pytest.raises(LstmvizError, match=r"^my_model: this is a directory, not a model file"):
        lstmviz.load(folder)
    # weights in shards (a map and its parts): said as the .keras reader says it of an archive
    (folder / "model.weights.json").write_text("{}")
    (folder / "model_00000.weights.h5").write_bytes(b"")
    with pytest.raises(LstmvizError) as ei:
        lstmviz.load(folder)
    assert str(ei.value).startswith("my_model: this is a Keras model saved unzipped whose weights are in a "
                                    "form other than model.weights.h5 (sharded)"), ei.value
    # a model.weights.h5 that is no file (a link to a device, a folder): said so, not "sharded"
    (folder / "model_00000.weights.h5").unlink()
    (folder / "model.weights.json").unlink()
    os.symlink("/dev/zero", folder / "model.weights.h5")
    with pytest.raises(LstmvizError) as ei:
        lstmviz.load(folder)
    assert str(ei.value).startswith("my_model: this is a Keras model saved unzipped whose model.weights.h5 is "
                                    "not a file"), ei.value
    assert "\n" not in str(ei.value)
    # and a config.json that is no file (a pipe): said so, not "a directory"
    (folder / "model.weights.h5").unlink()
    os.replace(elsewhere, folder / "model.weights.h5")
    (folder / "config.json").unlink()
    os.mkfifo(folder / "config.json")
    with pytest.raises(LstmvizError) as ei:
        lstmviz.load(folder)
    assert str(ei.value).startswith("my_model: this is a Keras model saved unzipped whose config.json is "
                                    "not a file"), ei.value


def test_a_keras_model_in_the_hugging_face_cache_opens_through_its_links_into_its_blobs(tmp_path):
    """huggingface_hub downloads a repository's files into blobs/ named by their hashes and
    links each from snapshots/<revision>/: the way a Keras model from the Hub is on disk.
    Those links, and only those, are followed: a link out of the repository's blobs, or to
    a link, is refused in one line."""
    import hashlib
    import os

    src = FIX / "k3_lstm_default" / "model.keras"
    repo = tmp_path / "hub" / "models--someone--rnn"
    snap = repo / "snapshots" / "0123abcd"
    (repo / "blobs").mkdir(parents=True)
    snap.mkdir(parents=True)
    with zipfile.ZipFile(src) as z:
        for name in z.namelist():
            data = z.read(name)
            blob = repo / "blobs" / hashlib.sha256(data).hexdigest()
            blob.write_bytes(data)
            os.symlink(os.path.join("..", "..", "blobs", blob.name), snap / name)
    x = np.random.default_rng(1).standard_normal((2, 4, 3)).astype("float32")
    want = lstmviz.load(src).trace(x).outputs[0]
    for path in (snap, snap / "config.json"):
        np.testing.assert_array_equal(lstmviz.load(path).trace(x).outputs[0], want)
    weights = snap / "model.weights.h5"
    blob = repo / "blobs" / os.readlink(weights).split(os.sep)[-1]
    for where in (tmp_path / "elsewhere.h5", repo / "blobs" / "alias"):
        if where.name == "alias":
            os.symlink(blob.name, where)  # (a link in blobs: not a blob)
        else:
            where.write_bytes(blob.read_bytes())
        weights.unlink()
        os.symlink(os.path.relpath(where, snap), weights)
        with pytest.raises(LstmvizError, match=r"^0123abcd: the folder's model\.weights\.h5 is a link to "
                                               r"another file; lstmviz reads only the folder's own files"):
            lstmviz.load(snap)


def test_help_texts_come_from_the_registry(capsys):
    assert cli.main(["--help"]) == 0
    top = capsys.readouterr().out
    for cmd in (["summary", "--help"], ["trace", "--help"], ["app", "--help"]):
        assert cli.main(cmd) == 0
        text = " ".join(capsys.readouterr().out.split())
        assert "PyTorch" in text and ".lstmviz" in text and ".pt" in text
    top = " ".join(top.split())
    for name, sfx in formats._grouped():
        assert name in top and all(s in top for s in sfx)


def test_dialog_filter_and_names_cover_every_suffix():
    filt = formats.dialog_filter()
    first = filt.split(";;")[0]
    for f in formats.FORMATS:
        for sfx in f.suffixes:
            assert f"*{sfx}" in filt
            assert formats.is_openable_name(f"some/Model{sfx.upper()}")
            # the first entry ("everything lstmviz opens") matches the suffix too
            assert any(f"x{sfx}".endswith(g.lstrip("*")) for g in first[first.index("(") + 1:-1].split())
    assert formats.by_name("a.weights.h5").key == "keras3-weights-h5"
    assert formats.by_name("a.h5").key == "legacy-h5-model"
    assert formats.by_name("a.npy") is None


def test_no_reader_outside_io_but_the_session_one():
    outside = [f.key for f in formats.FORMATS if f.model is None or not f.model.startswith("lstmviz.io")]
    assert outside == ["lstmviz-session"]
    assert formats.by_name("x.lstmviz").model is None  # the app registers it: io names no app module


def test_the_app_registers_the_session_reader_with_io(tmp_path):
    import os
    import subprocess
    import sys

    from lstmviz.app import session as ses

    path = _session(tmp_path)
    # io alone (the app not imported) describes a session but says who reads it
    code = ("import sys; from lstmviz.io import formats; from lstmviz.errors import LstmvizError\n"
            f"assert formats.sniff({str(path)!r}).key == 'lstmviz-session'\n"
            f"try: formats.read_model({str(path)!r})\n"
            "except LstmvizError as e: print(e)\n"
            "assert 'lstmviz.app' not in sys.modules\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert "read by lstmviz's app" in out.stdout
    assert formats._REGISTERED["lstmviz-session"] is ses.read_model_spec
    spec = formats.read_model(path)
    assert spec.source["format"] == "lstmviz-session"
    with pytest.raises(ValueError):
        formats.register_reader("onnx", ses.read_model_spec)  # io's own readers stay io's


@pytest.fixture
def window(make_window):
    return make_window((1200, 800))


@pytest.mark.parametrize("rel", ["torch_lstm_1layer/model.pt", "k3_lstm_default/model.weights.h5",
                                 "SESSION"])
def test_the_window_accepts_drops_of_every_format(window, qtbot, tmp_path, rel):
    from PySide6 import QtCore, QtGui

    path = _session(tmp_path) if rel == "SESSION" else FIX / rel
    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl.fromLocalFile(str(path))])
    enter = QtGui.QDragEnterEvent(QtCore.QPoint(50, 50), QtCore.Qt.DropAction.CopyAction, mime,
                                  QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.KeyboardModifier.NoModifier)
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QtGui.QDropEvent(QtCore.QPointF(50, 50), QtCore.Qt.DropAction.CopyAction, mime,
                            QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.KeyboardModifier.NoModifier)
    window.dropEvent(drop)
    qtbot.waitUntil(lambda: str(path.resolve()) in window._recent(), timeout=15000)
    if rel == "SESSION":
        assert window.state.layers[0].config["units"] == 5
    elif rel.endswith(".pt"):
        assert window.state.path == str(path)
        assert [l.class_name for l in window.state.model.layers][-2:] == ["LSTM", "Dense"]
    # the recent entry opens it again, through the same registry
    window.new_stack()
    act = window.recent_menu.actions()[0]
    assert tip_text(act.toolTip()) == str(path.resolve())
    act.trigger()
    assert window.last_message and "Cannot" not in window.last_message


def test_a_drop_of_several_files_says_the_others_were_not_opened(window, qtbot, tmp_path):
    """Several files dropped at once: one is opened (a model first) and the others were
    left without a word; the message now says so."""
    from PySide6 import QtCore, QtGui

    other = tmp_path / "notes.txt"
    other.write_text("not a model")
    model = FIX / "torch_lstm_1layer" / "model.pt"
    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl.fromLocalFile(str(other)), QtCore.QUrl.fromLocalFile(str(model))])
    drop = QtGui.QDropEvent(QtCore.QPointF(50, 50), QtCore.Qt.DropAction.CopyAction, mime,
                            QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.KeyboardModifier.NoModifier)
    window.dropEvent(drop)
    qtbot.waitUntil(lambda: "dropped with it" in (window.last_message or ""), timeout=15000)
    assert window.state.path == str(model), window.last_message
    assert window.last_message.startswith("Opened model.pt")
    assert "(1 other file dropped with it not opened: one file at a time)" in window.last_message


def test_sniff_contents_reads_an_hdf5_files_root_not_its_name(tmp_path):
    """A full Keras model saved as 'm.weights.h5' is a model (its model_config attribute),
    a legacy weights file named 'w.h5' is weights: the name only guesses."""
    fix = Path(__file__).parent / "fixtures" / "k2_lstm_default"
    model, weights = tmp_path / "m.weights.h5", tmp_path / "w.h5"
    shutil.copy(fix / "model.h5", model)
    shutil.copy(fix / "weights.h5", weights)
    assert formats.sniff(model).weights_only and not formats.sniff(weights).weights_only  # by name
    for isolate in (True, False):
        assert formats.sniff_contents(model, isolate=isolate).key == "legacy-h5-model"
        assert formats.sniff_contents(weights, isolate=isolate).key == "legacy-h5-weights"
