"""Sessions (.lstmviz), undo/redo, autosave and preferences."""

import io
import json
import os
import random
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from lstmviz.app import session as ses
from lstmviz.app.state import UNDO_LIMIT, AppState
from lstmviz.errors import LstmvizError

ROOT = Path(__file__).resolve().parents[1]


# -- helpers --------------------------------------------------------------------------------
def edited_state() -> AppState:
    st = AppState()
    st.add_layer("GRU", index=1)
    st.set_layer_option(0, "units", 6)
    st.set_input_spec(batch_size=3, timesteps=9, seed=4)
    st.set_input_value(2, 5, 0, 3.25)
    st.set_cursor(step=7, sample=2, unit=3, layer=st.layers[1].name)
    return st


def assert_same_stack(a, b):
    """Two snapshots (or states) with equal layers, configs, weights and input."""
    a = a.snapshot() if isinstance(a, AppState) else a
    b = b.snapshot() if isinstance(b, AppState) else b
    assert [(c, cfg, n) for c, cfg, n, _ in a.layers] == [(c, cfg, n) for c, cfg, n, _ in b.layers]
    for (_, _, name, wa), (_, _, _, wb) in zip(a.layers, b.layers):
        assert (wa is None) == (wb is None), name
        if wa is not None:
            assert len(wa) == len(wb)
            for x, y in zip(wa, wb):
                assert x.dtype == y.dtype and np.array_equal(x, y), name
    ia, ib = a.input, b.input
    for f in ("batch_size", "timesteps", "input_dim", "source", "seed", "period", "text"):
        assert getattr(ia, f) == getattr(ib, f), f
    assert (ia.data is None) == (ib.data is None)
    if ia.data is not None:
        assert np.array_equal(ia.data, ib.data)


def assert_close_flat(fa: dict, fb: dict):
    """A re-computed trace: the same keys and values to float32 rounding (the engine's BLAS
    products are not bit-reproducible across array alignments, even for one state's
    rebuild, so only the stored arrays -- weights, inputs -- are compared bit for bit)."""
    assert list(fa) == list(fb)
    for k in fa:
        np.testing.assert_allclose(fa[k], fb[k], rtol=1e-5, atol=1e-6, err_msg=k)


def assert_same_trace(sa: AppState, sb: AppState):
    assert_close_flat(sa.trace.flat(), sb.trace.flat())


# -- round trip -----------------------------------------------------------------------------
def test_session_round_trips_exactly(tmp_path):
    st = edited_state()
    ui = {"tab": 2, "theme": "light", "splitter": [300, 900]}
    path = ses.save_session(st, tmp_path / "a.lstmviz", ui)
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        assert manifest["format"] == ses.FORMAT and manifest["version"] == ses.VERSION
        assert all(n == "manifest.json" or n.endswith(".npy") for n in zf.namelist())

    other = AppState()
    session = ses.open_session(other, path)
    assert_same_stack(st, other)
    assert np.array_equal(st.x, other.x)
    assert_same_trace(st, other)
    assert other.cursor == st.cursor
    assert session.ui == ui
    assert other.seed == st.seed and other.trace_all_samples == st.trace_all_samples
    assert other.error is None
    # opening replaced the default stack: one undo brings it back
    default = AppState()
    assert len(other.undo_stack) == 1
    assert other.undo()
    assert_same_stack(default, other)


def test_a_sessions_model_name_that_is_not_a_name_is_refused(tmp_path):
    """The stack's model name (an opened model's, kept since) read from a stranger's
    session: a string of at most 256 characters, else one line."""
    path = ses.save_session(edited_state(), tmp_path / "a.lstmviz")
    for bad in (["x"], "", "n" * 300, 7):
        with zipfile.ZipFile(path) as zf:
            members = {n: zf.read(n) for n in zf.namelist()}
        manifest = json.loads(members["manifest.json"])
        manifest["model_name"] = bad
        members["manifest.json"] = json.dumps(manifest).encode()
        out = tmp_path / "bad.lstmviz"
        with zipfile.ZipFile(out, "w") as zf:
            for n, data in members.items():
                zf.writestr(n, data)
        with pytest.raises(LstmvizError, match="the stack's model name is not a name"):
            ses.read_session(out)


def test_session_keeps_text_and_embedding_inputs(tmp_path):
    st = AppState()
    st.add_layer("Embedding", index=0)
    st.set_input_spec(source="text", text="abcab")
    path = ses.save_session(st, tmp_path / "e.lstmviz")
    other = AppState()
    ses.open_session(other, path)
    assert_same_stack(st, other)
    assert_same_trace(st, other)


DEMOS = ROOT / "lstmviz" / "resources" / "demos"


def _open_long(st: AppState, path: Path) -> None:
    """``path`` as the input of ``st``'s model, as File > Open a long input reads it."""
    from lstmviz.app.long_data import load_long_input

    names: list[str] = []
    labels: list[str] = []
    x = load_long_input(path, st.model, names=names, labels=labels)
    st.set_input_data(x[..., None] if x.ndim == 2 else x, names=names or None, labels=labels or None)


def test_a_csv_inputs_feature_names_and_a_texts_tokens_are_kept_in_the_session(tmp_path):
    import lstmviz

    st = AppState()
    st.set_model(lstmviz.load(DEMOS / "sine_predictor.keras"), "sine_predictor.keras")
    csv = tmp_path / "weather.csv"
    csv.write_text("'temp\x1b[2J'\n" + "".join(f"{np.sin(t / 5):.3f}\n" for t in range(60)))
    _open_long(st, csv)
    assert st.feature_names() == ("temp\\x1b[2J",)
    path = ses.save_session(st, tmp_path / "csv.lstmviz")
    other = AppState()
    ses.open_session(other, path)
    assert other.feature_names() == ("temp\\x1b[2J",)  # (escaped still: once, not twice)
    assert other.token_labels() is None

    st = AppState()
    st.set_model(lstmviz.load(DEMOS / "char_model.keras"), "char_model.keras")
    text = tmp_path / "story.txt"
    text.write_text("the cat sat on the mat. " * 10)
    _open_long(st, text)
    labels = st.token_labels()
    assert labels is not None and labels[1] == "\u2423"
    path = ses.save_session(st, tmp_path / "text.lstmviz")
    other = AppState()
    ses.open_session(other, path)
    assert other.token_labels() == labels and other.feature_names() is None
    other.set_input_value(0, 0, 0, 3.0)  # an edit: the ids mean what the user typed
    assert other.token_labels() is None
    assert other.undo() and other.token_labels() == labels


def test_a_long_input_the_app_traces_by_keyframes_reopens_from_its_session(tmp_path, monkeypatch):
    """A .npy of more steps than a whole trace may run (the step limit: 262,144 under 2 GB)
    opens as a long input, traced by keyframes; its session (and its autosave) was then
    refused: 'its input has 300,000 timesteps, over the limit'. A session's given data is
    held to the memory limit only, as the long input itself was."""
    import lstmviz

    monkeypatch.setenv("LSTMVIZ_MAX_MEMORY", "64M")  # a step limit of 8,192
    st = AppState()
    st.set_model(lstmviz.load(DEMOS / "sine_predictor.keras"), "sine_predictor.keras")
    np.save(tmp_path / "long.npy", np.sin(np.arange(10_000) / 7).astype(np.float32)[None, :, None])
    _open_long(st, tmp_path / "long.npy")
    st.set_cursor(step=9_000, unit=2)
    assert st.error is None and st.long is not None
    path = ses.save_session(st, tmp_path / "long.lstmviz")
    other = AppState()
    ses.open_session(other, path)
    assert other.long is not None and other.cursor == st.cursor
    np.testing.assert_array_equal(other.input.data, st.input.data)
    assert lstmviz.load(path).input_shapes() == st.model.input_shapes()  # (lstmviz summary too)
    # a generated input keeps the step limit: it is traced whole
    with pytest.raises(LstmvizError, match="timesteps, over the limit of 8,192"):
        ses.parse_session(_rezip(ses.session_bytes(ses.capture(AppState())),
                                 _manifest_edit(lambda m: m["input"].update(timesteps=10_000))), "g")


def test_lstmviz_load_of_a_session_is_the_stack_the_window_shows_name_and_keras_generation(tmp_path):
    """``lstmviz.load`` (and ``lstmviz summary`` / ``trace``) of a session of an opened
    file's stack built it as the app's own: named "sequential" where the session and the
    window name it "model", and as Keras 3's though the stack is a Keras 2 file's, whose
    hard_sigmoid is another function: other numbers than the window's."""
    import lstmviz
    from lstmviz.app.options import default_config
    from lstmviz.app.stack import InputSpec, LayerEntry

    cfg = {**default_config("LSTM", None, units=3), "recurrent_activation": "hard_sigmoid"}
    st = AppState([LayerEntry("LSTM", cfg)], InputSpec(batch_size=2, timesteps=6, input_dim=2), build=False)
    st.keras_version, st.model_name = "2.21.0", "model"  # (as an opened Keras 2 file sets them)
    st.rebuild()
    assert st.error is None and st.model.name == "model"
    path = ses.save_session(st, tmp_path / "k2.lstmviz")
    loaded = lstmviz.load(path)
    assert loaded.name == "model" and loaded.keras_version == "2.21.0"
    assert loaded.summary_text() == st.model.summary_text()
    np.testing.assert_array_equal(loaded.predict(st.x), st.model.predict(st.x))
    keras3 = AppState([LayerEntry("LSTM", cfg)], st.input, build=True)  # (what it was built as)
    assert not np.allclose(keras3.model.predict(st.x), st.model.predict(st.x))  # (the test can fail)
    plain = ses.save_session(AppState(), tmp_path / "plain.lstmviz")
    assert lstmviz.load(plain).name == "sequential"  # the app's own stack: Keras' name


def test_an_undo_gives_back_the_names_of_each_input_not_only_the_last_named(tmp_path):
    import lstmviz

    st = AppState()
    st.set_model(lstmviz.load(DEMOS / "sine_predictor.keras"), "sine_predictor.keras")
    for name in ("first", "second"):
        csv = tmp_path / f"{name}.csv"
        csv.write_text(f"{name}\n" + "0.5\n" * 50)
        _open_long(st, csv)
        assert st.feature_names() == (name,)
    assert st.undo() and st.feature_names() == ("first",)
    assert st.redo() and st.feature_names() == ("second",)


def test_names_in_a_session_are_escaped_and_wrong_ones_refused(tmp_path):
    from lstmviz.app import inputs as gen

    st = AppState()
    st.set_input_data(np.zeros((1, 8, 2), np.float32), names=["a", "b"])
    good = ses.session_bytes(ses.capture(st))
    hostile = _rezip(good, _manifest_edit(lambda m: m["input"].update(feature_names=["\x1b]0;x\x07", "b" * 500])))
    names = ses.parse_session(hostile).feature_names
    assert names[0] == "\\x1b]0;x\\x07" and len(names[1]) <= 120
    other = _rezip(good, _manifest_edit(lambda m: m["input"].update(feature_names=["a"])))
    assert ses.parse_session(other).feature_names is None  # (not one a feature: none shown)
    many = _rezip(good, _manifest_edit(lambda m: m["input"].update(token_labels=["x"] * (gen.MAX_LABELS + 1))))
    assert ses.parse_session(many).token_labels is None  # (more than ids are labelled: none)
    with pytest.raises(LstmvizError, match="feature names are not a list of texts") as err:
        ses.parse_session(_rezip(good, _manifest_edit(lambda m: m["input"].update(feature_names=[1, 2]))), "s")
    assert "\n" not in str(err.value)


def test_a_stateful_stack_reopens_at_its_batch(tmp_path):
    """A session of a stateful stack at batch 3 opened at batch 0: other states, other
    numbers than those saved. It now records the batch and opens on it, its trace equal to
    the saved one; a batch past the limit opens at batch 0 and says so."""
    from lstmviz.app.options import default_config
    from lstmviz.app.state import InputSpec, LayerEntry

    cfg = default_config("LSTM", units=3)
    cfg.update(return_sequences=True, stateful=True)
    st = AppState([LayerEntry("LSTM", cfg)], InputSpec(batch_size=2, timesteps=5, input_dim=1))
    for _ in range(3):
        st.next_batch()
    st.set_cursor(step=2)
    path = ses.save_session(st, tmp_path / "s.lstmviz")
    other = AppState()
    ses.open_session(other, path)
    assert other.batch_index == 3 and other.cursor.step == 2
    assert_same_trace(st, other)
    np.testing.assert_array_equal(other.x, st.x)  # the input of batch 3, not of batch 0

    bad = tmp_path / "far.lstmviz"  # written before the carried states were kept
    bad.write_bytes(_rezip(path.read_bytes(), _without_states(lambda m: m.update(batch=ses.MAX_BATCH + 1))))
    said = []
    other.notice.connect(said.append)
    ses.open_session(other, bad)  # a billion batches would take forever: batch 0, and said
    assert other.batch_index == 0 and len(said) == 1 and "batch 1,001" in said[0]
    assert_same_stack(st, other)
    fresh = AppState([LayerEntry("LSTM", cfg)], InputSpec(batch_size=2, timesteps=5, input_dim=1))
    fresh.set_cursor(step=2)
    assert_same_trace(fresh, other)


def _stateful_stack() -> AppState:
    from lstmviz.app.options import default_config
    from lstmviz.app.state import InputSpec, LayerEntry

    lstm = dict(default_config("LSTM", units=3), return_sequences=True, stateful=True)
    gru = dict(default_config("GRU", units=2), stateful=True)
    return AppState([LayerEntry("LSTM", lstm), LayerEntry("GRU", gru)],
                    InputSpec(batch_size=2, timesteps=5, input_dim=1))


def _without_states(edit=lambda m: None):
    """A session as written before the carried states were kept: none in it."""
    def change(name, data):
        if name.startswith("states/"):
            return None
        if name != "manifest.json":
            return data
        m = json.loads(data)
        m.pop("states")
        edit(m)
        return json.dumps(m)
    return change


def _same_bits(sa: AppState, sb: AppState) -> None:
    a, b = sa.trace.flat(), sb.trace.flat()
    assert sorted(a) == sorted(b)
    for k in a:
        assert a[k].dtype == b[k].dtype and np.array_equal(a[k], b[k]), k


def test_a_stateful_session_keeps_its_carried_states(tmp_path, monkeypatch):
    """A session at stateful batch k kept only k: opening it traced batches 1..k again
    (at batch 5,000 the window stood still for each of them, past ``MAX_BATCH`` it opened
    at batch 0). It keeps the states carried into batch k: opening traces that batch alone,
    to the same bits as the batches run one after another, at any batch."""
    from lstmviz.app.state import AppState as State

    st = _stateful_stack()
    for _ in range(ses.MAX_BATCH + 2):
        st.next_batch()
    st.set_cursor(step=3)
    path = ses.save_session(st, tmp_path / "far.lstmviz")
    with zipfile.ZipFile(path) as zf:
        assert any(n.startswith("states/") for n in zf.namelist())
    traced = []
    real = State.next_batch
    monkeypatch.setattr(State, "next_batch", lambda self: (traced.append(self.batch_index), real(self))[1])
    other, said = AppState(), []
    other.notice.connect(said.append)
    ses.open_session(other, path)
    assert traced == [ses.MAX_BATCH + 1] and not said  # batch 1,002 alone traced
    assert other.batch_index == ses.MAX_BATCH + 2 and other.cursor.step == 3
    _same_bits(st, other)
    np.testing.assert_array_equal(other.x, st.x)
    st.next_batch()  # and the states carried on from there are the same too
    real(other)
    _same_bits(st, other)
    # saved again from the opened session: the same states
    again = AppState()
    ses.open_session(again, ses.save_session(other, tmp_path / "again.lstmviz"))
    _same_bits(st, again)


def test_a_stateful_session_without_carried_states_is_traced_again(tmp_path):
    """A session written before the states were kept opens as it did: the batches traced
    again from zero states, to the same bits."""
    st = _stateful_stack()
    for _ in range(3):
        st.next_batch()
    old = tmp_path / "old.lstmviz"
    old.write_bytes(_rezip(ses.save_session(st, tmp_path / "s.lstmviz").read_bytes(), _without_states()))
    other = AppState()
    ses.open_session(other, old)
    assert other.batch_index == 3 and other.states_in is not None
    _same_bits(st, other)


def test_a_long_input_of_mostly_zeros_reopens(tmp_path):
    """A session's own long input that deflates more than a reader takes from a stranger's
    zip (40 MB of mostly zeros: 228 times, over the 200 of the zip-bomb check) was saved
    deflated and then refused as a zip bomb: the user's work could not be opened again.
    Such a member is stored as it is."""
    st = AppState()
    x = np.zeros((1, 200_000, 50), np.float32)
    x[0, ::1000, 0] = 1.0
    st.set_input_data(x)
    path = ses.save_session(st, tmp_path / "zeros.lstmviz")
    with zipfile.ZipFile(path) as zf:
        kinds = {i.filename: i.compress_type for i in zf.infolist()}
    assert kinds["input/data.npy"] == zipfile.ZIP_STORED
    assert kinds["layers/0/0.npy"] == zipfile.ZIP_DEFLATED
    again = AppState()
    ses.open_session(again, path)
    np.testing.assert_array_equal(again.input.data, x)


class _Deflates:
    """Counts the bytes each zlib deflate stream is given (zipfile's and the session's own)."""

    def __init__(self, monkeypatch):
        import zlib

        self.fed: list[int] = []
        real = zlib.compressobj
        outer = self

        class Counting:
            def __init__(self, *args, **kwargs):
                self._z = real(*args, **kwargs)
                outer.fed.append(0)
                self._k = len(outer.fed) - 1

            def compress(self, data):
                outer.fed[self._k] += len(data)
                return self._z.compress(data)

            def flush(self, *args):
                return self._z.flush(*args)

        monkeypatch.setattr(zlib, "compressobj", Counting)

    def at_least(self, n: int) -> int:
        return sum(f >= n for f in self.fed)


def test_a_long_input_that_did_not_change_is_deflated_once(tmp_path, monkeypatch):
    """Each save of a session deflated its whole input again: an autosave of a window on a
    1,000,000-step input took 7.6 s of a core each time, the input unchanged. The deflated
    member is kept with the (read-only) input array, its bytes checked each time."""
    import lstmviz

    st = AppState()
    st.set_model(lstmviz.load(DEMOS / "sine_predictor.keras"), "sine_predictor.keras")
    np.save(tmp_path / "long.npy", np.sin(np.arange(400_000) / 7).astype(np.float32)[None, :, None])
    _open_long(st, tmp_path / "long.npy")
    assert st.long is not None  # (1.6 MB: over ses.KEEP_BYTES)
    big = st.input.data.nbytes
    deflates = _Deflates(monkeypatch)
    first = ses.session_bytes(ses.capture(st))
    st.set_cursor(step=123_456)
    second = ses.session_bytes(ses.capture(st))
    assert deflates.at_least(big) == 1
    for data in (first, second):
        again = ses.parse_session(data)
        np.testing.assert_array_equal(again.input.data, st.input.data)
    assert ses.parse_session(second).cursor.step == 123_456
    with zipfile.ZipFile(io.BytesIO(second)) as zf:
        assert zf.testzip() is None  # every member's CRC-32 as its entry says

    st.set_input_value(0, 5, 0, 2.5)  # an edit: a new array, deflated anew
    edited = ses.session_bytes(ses.capture(st))
    assert deflates.at_least(big) == 2
    assert ses.parse_session(edited).input.data[0, 5, 0] == 2.5
    assert [ref() is st.input.data for ref, _ in ses._kept] == [True]  # (the edited-away one's dropped)
    # the same array changed in place (no edit does that; its bytes are checked anyway)
    data = st.input.data
    data.setflags(write=True)
    data[0, 7, 0] = -3.0
    data.setflags(write=False)
    changed = ses.session_bytes(ses.capture(st))
    assert deflates.at_least(big) == 3
    assert ses.parse_session(changed).input.data[0, 7, 0] == -3.0


def test_an_archive_past_4_gb_is_written_with_zip64_fields(monkeypatch):
    """The session's archive is written by lstmviz (a member deflated once is copied as it
    is); sizes and offsets past 4 GB go in zip64's fields, read back by zipfile and by
    unzip. (The limit lowered, so that every member and the directory use them.)"""
    st = edited_state()
    st.set_input_data(np.arange(4 * 300 * st.input.input_dim, dtype=np.float32).reshape(4, 300, -1))
    monkeypatch.setattr(ses, "ZIP64_FROM", 64)
    data = ses.session_bytes(ses.capture(st))
    assert b"PK\x06\x06" in data and b"PK\x06\x07" in data  # the zip64 end record and locator
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
    again = AppState()
    ses.apply_session(again, ses.parse_session(data))
    assert_same_stack(st, again)


def test_nothing_to_save_is_refused_with_a_message(tmp_path):
    st = AppState()
    st.readonly, st.model = True, None  # a read-only state whose model is gone
    with pytest.raises(LstmvizError, match="no model to save"):
        ses.save_session(st, tmp_path / "r.lstmviz")
    assert not (tmp_path / "r.lstmviz").exists()


# -- damaged files ----------------------------------------------------------------------------
def _rezip(data: bytes, change) -> bytes:
    """Copy a session's members through ``change(name, bytes) -> bytes | None`` (None drops)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name in src.namelist():
            new = change(name, src.read(name))
            if new is not None:
                zf.writestr(name, new)
    return out.getvalue()


def _manifest_edit(fn):
    def change(name, data):
        if name != "manifest.json":
            return data
        m = json.loads(data)
        fn(m)
        return json.dumps(m)
    return change


def _object_npy() -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    return buf.getvalue()


DAMAGES = {
    "truncated": lambda d: d[: len(d) // 2],
    "truncated_end": lambda d: d[:-30],
    "not_a_zip": lambda d: b"hello, this is not a session" * 10,
    "empty": lambda d: b"",
    "flipped_bytes": lambda d: d[:200] + bytes(b ^ 0xFF for b in d[200:260]) + d[260:],
    "bad_json": lambda d: _rezip(d, lambda n, b: b"{not json" if n == "manifest.json" else b),
    "no_manifest": lambda d: _rezip(d, lambda n, b: None if n == "manifest.json" else b),
    "newer_version": lambda d: _rezip(d, _manifest_edit(lambda m: m.update(version=ses.VERSION + 1))),
    "older_version": lambda d: _rezip(d, _manifest_edit(lambda m: m.update(version=0))),
    "no_version": lambda d: _rezip(d, _manifest_edit(lambda m: m.pop("version"))),
    "other_format": lambda d: _rezip(d, _manifest_edit(lambda m: m.update(format="something"))),
    "missing_weights": lambda d: _rezip(d, lambda n, b: None if n == "layers/1/0.npy" else b),
    "missing_input": lambda d: _rezip(d, lambda n, b: None if n == "input/data.npy" else b),
    "pickled_member": lambda d: _rezip(d, lambda n, b: _object_npy() if n == "layers/0/1.npy" else b),
    "garbage_member": lambda d: _rezip(d, lambda n, b: b"\x93NUMPYjunk" if n == "layers/0/0.npy" else b),
    "bad_layers": lambda d: _rezip(d, _manifest_edit(lambda m: m.update(layers={"a": 1}))),
    "bad_cursor": lambda d: _rezip(d, _manifest_edit(lambda m: m["cursor"].update(step="x"))),
    "bad_input": lambda d: _rezip(d, _manifest_edit(lambda m: m["input"].update(timesteps=-3))),
    "input_2d": lambda d: _rezip(d, lambda n, b: ses._npy(np.zeros((3, 3))) if n == "input/data.npy" else b),
}


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_damaged_session_gives_a_message_and_changes_nothing(tmp_path, damage):
    good = ses.session_bytes(ses.capture(edited_state()))
    bad = tmp_path / "bad.lstmviz"
    bad.write_bytes(DAMAGES[damage](good))

    st = AppState()
    st.set_layer_option(0, "units", 5)
    before, trace, cursor, undo = st.snapshot(), st.trace, st.cursor, list(st.undo_stack)
    with pytest.raises(LstmvizError) as err:
        ses.open_session(st, bad)
    msg = str(err.value)
    assert str(bad) in msg and "\n" not in msg
    if damage == "newer_version":
        assert "newer lstmviz" in msg
    assert_same_stack(before, st)
    assert st.trace is trace and st.cursor == cursor and st.undo_stack == undo


def test_missing_file_is_a_one_line_error(tmp_path):
    with pytest.raises(LstmvizError, match="no such file|No such file"):
        ses.read_session(tmp_path / "nope.lstmviz")


def test_a_session_is_read_member_by_member_not_whole(tmp_path):
    """A stranger's ``.lstmviz`` of gigabytes (here 512 MB of nothing before a small
    session, which zip readers accept) costs the members the checks accept, not the file:
    it was read whole into memory before anything was checked."""
    import tracemalloc

    small = ses.save_session(edited_state(), tmp_path / "a.lstmviz", {}).read_bytes()
    big = tmp_path / "big.lstmviz"
    with open(big, "wb") as fh:
        fh.truncate(512 * 1024 ** 2)  # (sparse: no disk)
        fh.seek(0, os.SEEK_END)
        fh.write(small)
    tracemalloc.start()
    try:
        session = ses.read_session(big)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert session.layers and session.input is not None
    assert peak < 64 * 1024 ** 2, peak


def test_a_session_path_that_is_a_pipe_is_refused_in_one_line(tmp_path):
    fifo = tmp_path / "s.lstmviz"
    os.mkfifo(fifo)
    with pytest.raises(LstmvizError, match="named pipe"):
        ses.read_session(fifo)


# -- atomic writes ----------------------------------------------------------------------------
@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_written_files_get_the_umask_permissions_not_mkstemps(tmp_path, umask):
    old = os.umask(umask)
    try:
        path = ses.save_session(AppState(), tmp_path / "s.lstmviz")
        plain = tmp_path / "plain"
        plain.write_bytes(b"x")  # what open() gives under this umask
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == plain.stat().st_mode & 0o777 == 0o666 & ~umask


def test_replacing_a_file_keeps_its_permissions(tmp_path):
    path = tmp_path / "s.lstmviz"
    path.write_bytes(b"old")
    path.chmod(0o640)
    ses.write_atomic(path, b"new")
    assert path.read_bytes() == b"new" and path.stat().st_mode & 0o777 == 0o640


def test_failed_write_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "s.lstmviz"
    ses.save_session(AppState(), path)
    old = path.read_bytes()

    def boom(fd):
        raise OSError(28, "No space left on device")
    import lstmviz.files  # where sessions (and every other file) are written

    monkeypatch.setattr(lstmviz.files.os, "fsync", boom)
    with pytest.raises(OSError):
        ses.save_session(edited_state(), path)
    assert path.read_bytes() == old
    assert [p.name for p in tmp_path.iterdir()] == ["s.lstmviz"]  # no temporary left


WRITER = r"""
import dataclasses, sys, numpy as np
from lstmviz.app import session as ses
from lstmviz.app.state import AppState
st = AppState()
st.set_input_data(np.random.default_rng(0).normal(size=(64, 200, 8)).astype("float32"))
print("ready", flush=True)
k = 0
while True:
    k += 1
    x = np.array(st.input.data)  # (the state's input is read-only: a new array, no re-trace)
    x[0, 0, 0] = k
    st.input = dataclasses.replace(st.input, data=x)
    ses.write_atomic(sys.argv[1], ses.session_bytes(ses.capture(st, {"k": k})))
"""


def test_kill_mid_write_leaves_a_loadable_file(tmp_path):
    path = tmp_path / "autosave.lstmviz"
    rng = random.Random(1)
    seen = set()
    for _ in range(6):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            assert proc.stdout.readline().strip() == b"ready"
            time.sleep(rng.uniform(0.05, 0.6))
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        if not path.exists():
            continue  # killed before the first write finished: nothing to load, nothing lost
        session = ses.read_session(path)
        k = session.ui["k"]
        assert session.input.data[0, 0, 0] == k
        seen.add(k)
    assert seen, "the writer never finished a single session"


# -- undo / redo ----------------------------------------------------------------------------
EDITS = [
    lambda s: s.add_layer("GRU", index=1),
    lambda s: s.set_layer_option(1, "units", 5),
    lambda s: s.set_layer_option(0, "go_backwards", True),
    lambda s: s.duplicate_layer(1),
    lambda s: s.move_layer(2, 1),
    lambda s: s.remove_layer(2),
    lambda s: s.set_input_spec(timesteps=11, source="noise"),
    lambda s: s.set_input_value(0, 3, 0, -2.0),
    lambda s: s.add_layer("Bidirectional", "LSTM", index=0),
    lambda s: s.set_layer_option(0, "merge_mode", "sum"),
]


def test_undo_redo_restore_exact_states():
    st = AppState()
    states = [(st.snapshot(), st.trace.flat())]
    for edit in EDITS:
        edit(st)
        states.append((st.snapshot(), st.trace.flat()))
    assert len(st.undo_stack) == len(EDITS)

    def check(k):
        snap, flat = states[k]
        assert_same_stack(snap, st)
        assert_close_flat(st.trace.flat(), flat)

    for k in range(len(EDITS) - 1, -1, -1):
        assert st.undo()
        check(k)
    assert not st.undo() and st.redo_stack
    for k in range(1, len(EDITS) + 1):
        assert st.redo()
        check(k)
    assert not st.redo()


def test_a_new_edit_drops_the_redo_stack_and_history_is_bounded():
    st = AppState()
    st.set_layer_option(0, "units", 3)
    st.undo()
    assert st.redo_stack
    st.set_layer_option(0, "units", 4)
    assert not st.redo_stack
    for k in range(UNDO_LIMIT + 5):
        st.set_input_spec(seed=k + 1)
    assert len(st.undo_stack) == UNDO_LIMIT


def test_snapshots_are_immutable():
    st = AppState()
    snap = st.snapshot()
    w = snap.layers[0][3][0]
    with pytest.raises(ValueError):
        w[0, 0] = 1.0
    st.layers[0].weights[0] = st.layers[0].weights[0] * 0  # the state moves on ...
    assert snap.layers[0][3][0] is w  # ... the snapshot does not


def test_no_op_edits_and_failed_edits_leave_no_history():
    st = AppState()
    st.set_layer_option(0, "units", 8)  # unchanged
    st.set_input_spec(timesteps=st.input.timesteps)
    with pytest.raises(IndexError):
        st.remove_layer(99)
    assert st.undo_stack == []


# -- in the window ---------------------------------------------------------------------------
@pytest.fixture
def window(make_window):
    return make_window((1200, 800))


def test_window_session_round_trip_with_tab_and_theme(window, tmp_path, qtbot):
    from lstmviz.ui import theme as th

    st = window.state
    st.set_layer_option(0, "units", 5)
    st.set_cursor(step=6, unit=2)
    window.tabs.setCurrentIndex(2)
    window.set_theme("light")
    path = window.sessions.save_to(tmp_path / "w.lstmviz")
    saved = st.snapshot()

    window.new_stack()
    window.tabs.setCurrentIndex(0)
    window.set_theme("dark")
    assert window.open_file(str(path))  # .lstmviz goes through the ordinary open
    assert_same_stack(saved, st)
    assert st.cursor.step == 6 and st.cursor.unit == 2
    assert window.tabs.currentIndex() == 2 and th.current().name == "light"
    assert str(path.resolve()) in window._recent()


def test_a_sessions_side_panel_width_is_kept_as_the_window_is_resized(window, tmp_path):
    """A session gives back the side panel's width it was saved with; the side panel
    follows the window's width at a resize only until the user sets its width (a drag of
    the handle, or a session's): a resize after opening the session put the width back to
    the rule's."""
    from lstmviz.ui.export import _settle

    window.resize(1400, 800)
    _settle()
    window.splitter.setSizes([560, window.width() - 560])
    _settle()
    saved = window.splitter.sizes()[0]
    path = window.sessions.save_to(tmp_path / "w.lstmviz")
    window.new_stack()
    window.fit_side()  # (the rule's width again)
    _settle()
    assert window.splitter.sizes()[0] != saved
    assert window.open_file(str(path))
    _settle()
    assert window.splitter.sizes()[0] == saved
    window.resize(1500, 800)
    _settle()
    assert window.splitter.sizes()[0] == saved


def test_the_window_says_a_stateful_session_opened_at_batch_0(window, tmp_path):
    """A session at a stateful batch too far to trace again opens at batch 0, and the
    window's message says both that it opened and at which batch (the notice was written
    over by 'Opened the session ...' at once)."""
    from lstmviz.app.options import default_config
    from lstmviz.app.state import InputSpec, LayerEntry

    cfg = default_config("LSTM", units=3)
    cfg.update(return_sequences=True, stateful=True)
    st = AppState([LayerEntry("LSTM", cfg)], InputSpec(batch_size=2, timesteps=5, input_dim=1))
    st.next_batch()
    path = ses.save_session(st, tmp_path / "s.lstmviz")  # as written before the states were kept
    path.write_bytes(_rezip(path.read_bytes(), _without_states(lambda m: m.update(batch=10**9))))
    assert window.open_file(str(path))
    assert window.state.batch_index == 0
    said = window.last_message
    assert said.startswith("Opened the session s.lstmviz. Opened at stateful batch 0") and "1,000,000,000" in said


def test_window_open_damaged_session_keeps_everything(window, tmp_path):
    bad = tmp_path / "bad.lstmviz"
    bad.write_bytes(b"PK\x03\x04 broken")
    before, trace = window.state.snapshot(), window.state.trace
    assert not window.sessions.open(bad)
    assert "not a usable lstmviz session" in window.last_message
    assert_same_stack(before, window.state)
    assert window.state.trace is trace


def test_edit_menu_undo_redo(window):
    st = window.state
    assert not window.sessions.undo_action.isEnabled()
    st.set_layer_option(0, "units", 3)
    assert window.sessions.undo_action.isEnabled()
    assert window.sessions.undo_action.shortcut().toString() == "Ctrl+Z"
    assert "Ctrl+Shift+Z" in [s.toString() for s in window.sessions.redo_action.shortcuts()]
    window.sessions.undo_action.trigger()
    assert st.layers[0].config["units"] == 8
    name = st.layers[0].name  # the status bar says what changed, not only "Undone"
    assert window.last_message == f"Undone: units of {name!r} 3 → 8"
    window.sessions.redo_action.trigger()
    assert st.layers[0].config["units"] == 3
    assert window.last_message == f"Redone: units of {name!r} 8 → 3"


def test_an_undo_says_what_it_changed():
    """describe_change: the words after 'Undone:' for each kind of edit."""
    from lstmviz.app.history import describe_change

    st = AppState()
    cases = [
        (lambda: st.set_layer_option(0, "return_sequences", False), "return_sequences of 'lstm' False → True"),
        (lambda: st.add_layer("GRU", index=1), "a GRU layer taken out"),
        (lambda: st.set_input_spec(timesteps=33), "the input's timesteps 33 → 20"),
        (lambda: st.set_input_value(0, 1, 0, 2.5), "the input's values"),
    ]
    for edit, want in cases:
        edit()
        before = st.snapshot()
        assert st.undo()
        assert describe_change(before, st.snapshot()) == want
        assert st.redo()
    st.remove_layer(1)
    before = st.snapshot()
    st.undo()
    assert describe_change(before, st.snapshot()) == "a GRU layer back"


def test_an_undo_of_an_opened_input_says_the_input_and_its_shape():
    """Undoing File > Open a long input (300,000 steps of a .npy in place of the generated
    sine) said "Undone: the input's batch_size 1 \u2192 4": the first field that differed,
    not what came back. It names the input and its shape now."""
    from lstmviz.app.history import describe_change

    st = AppState()
    dim = st.input.input_dim
    st.set_input_data(np.ones((1, 300, dim), np.float32))
    before = st.snapshot()
    assert st.undo()
    assert describe_change(before, st.snapshot()) == f"the input's values, shape (1, 300, {dim}) \u2192 (4, 20, {dim})"
    before = st.snapshot()
    assert st.redo()
    assert describe_change(before, st.snapshot()) == f"the input's values, shape (4, 20, {dim}) \u2192 (1, 300, {dim})"


def test_autosave_writes_in_the_background_and_restores(window, tmp_path, qtbot):
    mgr = window.sessions
    window.state.set_layer_option(0, "units", 4)
    assert not mgr.autosave()  # a quiet window (tests, screenshots) does not autosave by itself
    assert mgr.autosave(force=True, wait=True)
    assert mgr.autosave_path.exists()
    saved = window.state.snapshot()

    window.state.set_layer_option(0, "units", 7)
    assert mgr.restore_autosave()
    assert_same_stack(saved, window.state)


def test_two_autosaves_of_an_unchanged_input_deflate_it_once(window, monkeypatch):
    """The window's autosave of the same input (a long one: 7.6 s of a core each time)
    deflates it once; the restored session is the saved one."""
    monkeypatch.setattr(ses, "KEEP_BYTES", 1024, raising=False)  # (the rule of a long input, on a small one)
    mgr, st = window.sessions, window.state
    st.set_input_data(np.random.default_rng(0).normal(size=(4, 300, st.input.input_dim)).astype(np.float32))
    deflates = _Deflates(monkeypatch)
    assert mgr.autosave(force=True, wait=True)
    st.set_cursor(step=123)
    assert mgr.autosave(force=True, wait=True)
    assert deflates.at_least(st.input.data.nbytes) == 1
    saved = st.snapshot()
    st.set_layer_option(0, "units", 7)
    st.set_input_value(0, 0, 0, 9.0)
    assert mgr.restore_autosave()
    assert_same_stack(saved, st)
    assert st.cursor.step == 123



def test_autosave_after_edits_when_not_quiet(window, qtbot, monkeypatch):
    mgr = window.sessions
    mgr.debounce.setInterval(50)
    window.quiet = False
    try:
        window.state.set_layer_option(0, "units", 6)
        qtbot.waitUntil(lambda: mgr.autosave_path.exists(), timeout=5000)
        mgr.wait()
        assert ses.read_session(mgr.autosave_path).layers[0].config["units"] == 6
        mgr.closing()  # a clean exit removes it and keeps the preferences
        assert not mgr.autosave_path.exists()
        assert window.settings.value("theme") == "dark"
        assert window.settings.value("geometry") is not None
    finally:
        window.quiet = True


def test_leftover_autosave_never_blocks_a_quiet_start(qtbot, tmp_path):
    from PySide6 import QtCore, QtWidgets

    from lstmviz.ui.main_window import MainWindow

    auto = tmp_path / "autosave.lstmviz"
    ses.save_session(edited_state(), auto)
    settings = QtCore.QSettings(str(tmp_path / "s.ini"), QtCore.QSettings.Format.IniFormat)
    w = MainWindow(AppState(), settings=settings, quiet=True)
    w.sessions.autosave_path = auto
    for _ in range(3):
        QtWidgets.QApplication.processEvents()
    assert not [m for m in QtWidgets.QApplication.topLevelWidgets()
                if isinstance(m, QtWidgets.QMessageBox) and m.isVisible()]
    assert auto.exists()  # a quiet window neither restores nor removes it
    w.close()
    assert auto.exists()
    from lstmviz.ui.app import dispose

    dispose(w)


def _crashed_autosave(window, state, name="autosave-999999-1.lstmviz"):
    """An autosave left by a window that crashed: beside ours, its lock held by nobody."""
    path = window.sessions.autosave_path.parent / name
    path.parent.mkdir(parents=True, exist_ok=True)
    ses.save_session(state, path)
    return path


def _start(window, monkeypatch, answer, seen=lambda box: box.text()):
    """The first event-loop turn of a window that is not quiet, answering the question;
    what was asked (``seen`` of each question's box: its text)."""
    from PySide6 import QtWidgets

    asked = []

    def reply(box):
        asked.append(seen(box))
        return answer
    monkeypatch.setattr(QtWidgets.QMessageBox, "exec", reply)
    window.quiet = False
    try:
        window.sessions._restore_pending = True
        window.sessions._started()
    finally:
        window.quiet = True
    return asked


def test_a_start_after_a_crash_offers_the_autosave(window, tmp_path, monkeypatch):
    from PySide6 import QtWidgets

    saved = edited_state()
    older = _crashed_autosave(window, AppState(), "autosave-999998-1.lstmviz")
    left = _crashed_autosave(window, saved)
    stamp = left.stat().st_mtime - 100
    os.utime(older, (stamp, stamp))  # the older of two crashes
    asked = _start(window, monkeypatch, QtWidgets.QMessageBox.StandardButton.Yes)
    assert asked and "did not close cleanly" in asked[0]
    assert_same_stack(saved, window.state)  # the newest leftover
    assert window.state.cursor == saved.cursor
    assert not window.sessions._restore_pending
    window.sessions.wait()
    assert not left.exists()  # answered: the one offered is gone ...
    assert older.exists() and "newest of 2" in asked[0]  # ... another window's work is not


def test_the_other_windows_autosave_is_offered_at_the_next_start(make_window, monkeypatch):
    """Two windows that went down together left two autosaves: restoring the newest
    deleted the other window's work unasked; the next start offers it."""
    from PySide6 import QtWidgets

    a = make_window()
    first, second = edited_state(), AppState()
    second.set_layer_option(0, "units", 5)
    older = _crashed_autosave(a, first, "autosave-999998-1.lstmviz")
    newer = _crashed_autosave(a, second)
    stamp = newer.stat().st_mtime - 100
    os.utime(older, (stamp, stamp))
    _start(a, monkeypatch, QtWidgets.QMessageBox.StandardButton.Yes)
    assert_same_stack(second, a.state)
    b = make_window()
    asked = _start(b, monkeypatch, QtWidgets.QMessageBox.StandardButton.Yes)
    assert asked and "newest of" not in asked[0]
    assert_same_stack(first, b.state)
    a.sessions.wait()
    b.sessions.wait()
    assert not older.exists() and not newer.exists()


def test_restored_work_is_in_an_autosave_at_once_not_after_the_next_tick(make_window, monkeypatch):
    """A crash within 30 s of restoring an autosave lost the restored work: the leftover was
    removed at the answer, and the window's own autosave waited for the timer's tick."""
    from PySide6 import QtWidgets

    a = make_window()
    saved = edited_state()
    left = _crashed_autosave(a, saved)
    _start(a, monkeypatch, QtWidgets.QMessageBox.StandardButton.Yes)
    a.sessions.wait()
    assert a.sessions.autosave_path.exists() and not left.exists()
    written = AppState()
    ses.open_session(written, a.sessions.autosave_path)
    assert_same_stack(saved, written)
    # the window is killed now: its lock is let go of, its file stays (as after a crash)
    a.sessions._release()
    b = make_window()
    b.sessions.autosave_path = a.sessions.autosave_path.parent / "autosave-b.lstmviz"
    assert b.sessions.leftovers() == [a.sessions.autosave_path]
    _start(b, monkeypatch, QtWidgets.QMessageBox.StandardButton.Yes)
    assert_same_stack(saved, b.state)


def test_autosaves_of_other_running_windows_are_left_alone(make_window, monkeypatch):
    from PySide6 import QtWidgets

    a, b = make_window(), make_window()
    b.sessions.autosave_path = a.sessions.autosave_path.parent / "autosave-b.lstmviz"
    a.state.set_layer_option(0, "units", 3)
    assert a.sessions.autosave(force=True, wait=True)  # a runs on, holding its file
    assert b.sessions.leftovers() == []
    assert _start(b, monkeypatch, QtWidgets.QMessageBox.StandardButton.Yes) == []
    assert a.sessions.autosave_path.exists()
    a.sessions.closing()  # a quiet close lets go of the lock and leaves the file ...
    assert b.sessions.leftovers() == [a.sessions.autosave_path]  # ... a crash looks alike


def test_declining_the_restore_removes_the_leftover(window, monkeypatch):
    from PySide6 import QtWidgets

    left = _crashed_autosave(window, edited_state())
    before = window.state.snapshot()
    asked = _start(window, monkeypatch, QtWidgets.QMessageBox.StandardButton.No)
    assert asked and not left.exists()
    assert_same_stack(before, window.state)


def test_preferences_restore_the_window_geometry(window, tmp_path):
    # the offscreen screen is 800x800 and the window is at least ~1000 wide: Qt fits a
    # restored geometry into the screen, so compare with what a restore of the same gives
    window.resize(1100, 650)
    window.sessions.save_preferences()
    assert window.settings.value("geometry") is not None
    window.restoreGeometry(window.settings.value("geometry"))
    want = (window.width(), window.height())
    window.resize(1300, 780)
    window.sessions.restore_preferences()
    assert (window.width(), window.height()) == want != (1300, 780)


def test_ctrl_z_after_opening_a_model_brings_the_stack_back(window, qtbot):
    from PySide6 import QtCore

    st = window.state
    st.set_layer_option(0, "units", 6)
    mine = st.snapshot()
    model = Path(__file__).parent / "fixtures" / "k3_merge_branches" / "model.keras"
    assert window.open_file(str(model))
    assert st.readonly and "model.keras" in window.windowTitle()
    assert window.sessions.undo_action.isEnabled()
    qtbot.keyClick(window, QtCore.Qt.Key.Key_Z, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert not st.readonly and st.path is None
    assert_same_stack(mine, st)
    assert "model.keras" not in window.windowTitle()
    assert [e.name for e in st.layers] == [layer.name for layer in st.model.layers]


def test_a_killed_window_leaves_an_autosave_the_next_window_finds(make_window, tmp_path):
    # a real process holds the lock beside its autosave, then dies without cleaning up
    appdata = tmp_path / "appdata"
    code = (
        "import os, sys, time\n"
        "os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from pathlib import Path\n"
        "from lstmviz.ui.app import _app, make_window\n"
        "app = _app(True)\n"
        "w = make_window(None, quiet=True)\n"
        f"w.sessions.autosave_path = Path({str(appdata / 'autosave-killed.lstmviz')!r})\n"
        "w.state.set_layer_option(0, 'units', 5)\n"
        "assert w.sessions.autosave(force=True, wait=True)\n"
        "print('saved', flush=True)\n"
        "time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parents[1])
    try:
        assert proc.stdout.readline().strip() == "saved"
        other = make_window()
        other.sessions.autosave_path = appdata / "autosave-other.lstmviz"
        assert other.sessions.leftovers() == []  # alive: its lock is held
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        found = other.sessions.leftovers()  # dead: the stale lock is taken over
        assert found == [appdata / "autosave-killed.lstmviz"]
        assert ses.read_session(found[0]).layers[0].config["units"] == 5
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("case", ["k3_seq2seq_lstm", "k3_merge_branches", "k2_two_outputs",
                                  "k3_explicit_mask"])
def test_a_read_only_model_is_kept_whole_in_its_session(tmp_path, case):
    import lstmviz

    src = Path(__file__).parent / "fixtures" / case / "model.keras"
    if not src.exists():
        src = src.with_name("model.h5")
    st = AppState()
    st.set_model(lstmviz.load(src), str(src))
    assert st.readonly
    st.set_input_spec(batch_size=3, seed=4)
    st.set_cursor(step=2, sample=1, unit=1)
    saved = tmp_path / "graph.lstmviz"
    ses.save_session(st, saved)
    copy = tmp_path / "moved.lstmviz"  # the model file is not needed to open it again
    copy.write_bytes(saved.read_bytes())

    other = AppState()
    ses.open_session(other, copy)
    assert other.readonly and other.error is None
    assert other.model.summary_text() == st.model.summary_text()
    assert other.cursor == st.cursor and other.input.batch_size == 3
    for name, rec in st.trace.layers.items():
        for a, b in zip(rec.outputs, other.trace.layers[name].outputs):
            np.testing.assert_array_equal(a, b, err_msg=name)
    assert other.undo() and not other.readonly  # what was there before comes back


def test_a_damaged_kept_model_is_a_clear_error_and_changes_nothing(tmp_path):
    import lstmviz

    st = AppState()
    st.set_model(lstmviz.load(Path(__file__).parent / "fixtures" / "k3_seq2seq_lstm" / "model.keras"))
    good = tmp_path / "g.lstmviz"
    ses.save_session(st, good)
    with zipfile.ZipFile(good) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    manifest = json.loads(members["manifest.json"])
    manifest["model"]["layers"][2]["config"]["units"] = -3
    members["manifest.json"] = json.dumps(manifest).encode()
    bad = tmp_path / "b.lstmviz"
    with zipfile.ZipFile(bad, "w") as zf:
        for n, data in members.items():
            zf.writestr(n, data)
    other = AppState()
    before = other.snapshot()
    with pytest.raises(LstmvizError, match="not a usable lstmviz session.*kept model"):
        ses.open_session(other, bad)
    assert_same_stack(before, other) and not other.readonly


def test_window_saves_and_reopens_a_graph_model_session(window, tmp_path):
    assert window.open_file(Path(__file__).parent / "fixtures" / "k3_seq2seq_lstm" / "model.keras")
    window.state.set_cursor(layer="decoder", step=3, unit=2)
    window.tabs.setCurrentIndex(1)
    path = window.sessions.save_to(tmp_path / "s2s.lstmviz")
    outputs = [np.array(o) for o in window.state.trace.outputs]
    window.new_stack()
    window.tabs.setCurrentIndex(0)
    assert window.open_file(str(path))
    st = window.state
    assert st.readonly and [l.name for l in st.model.layers][-3:] == ["encoder", "decoder", "td"]
    assert (st.cursor.layer, st.cursor.step, st.cursor.unit) == ("decoder", 3, 2)
    assert window.tabs.currentIndex() == 1
    for a, b in zip(outputs, st.trace.outputs):
        np.testing.assert_array_equal(a, b)


def test_an_unreadable_leftover_is_kept_aside_and_not_offered_again(window, monkeypatch):
    from PySide6 import QtWidgets

    left = window.sessions.autosave_path.parent / "autosave-999997-1.lstmviz"
    left.parent.mkdir(parents=True, exist_ok=True)
    left.write_bytes(b"PK\x03\x04 not a session")
    before = window.state.snapshot()
    assert _start(window, monkeypatch, QtWidgets.QMessageBox.StandardButton.Yes)
    assert "cannot be restored" in window.last_message
    assert not left.exists() and left.with_name(left.name + ".damaged").exists()
    assert window.sessions.leftovers() == []
    assert_same_stack(before, window.state)


def test_a_moved_cursor_rewrites_the_autosave_of_a_small_input_but_not_of_a_large_one(window):
    """Each autosave compresses the whole input again: for a long one (hundreds of MiB:
    seconds of a core) a cursor that moved is saved with the next edit, not every 30 s."""
    from lstmviz.ui.session_ui import MOVED_SAVE_BYTES

    mgr, st = window.sessions, window.state
    for features, saved_on_move in ((1, True), (MOVED_SAVE_BYTES // (4 * 40) + 1, False)):
        st.set_input_data(np.zeros((1, 40, features), np.float32))
        mgr._dirty = False
        st.set_cursor(step=7)
        assert mgr._dirty is saved_on_move
        st.set_layer_option(0, "units", 5 + saved_on_move)  # an edit is saved whatever the size
        assert mgr._dirty


def test_a_moved_cursor_over_a_large_input_is_saved_alone_and_restored(window, monkeypatch):
    """With a large input a cursor that only moved was saved with the next edit: killed
    after a seek to step 150,000 of a long input, the restored session came back at the step
    of the last edit. Now the timer's tick writes the cursor alone beside the autosave (a few
    hundred bytes, the session not written again) and the restore takes it; one left from
    before a newer save of the session is not."""
    from lstmviz.ui import session_ui

    monkeypatch.setattr(session_ui, "MOVED_SAVE_BYTES", 1024)  # (a long input's rule, on a small one)
    mgr, st = window.sessions, window.state
    st.set_input_data(np.random.default_rng(0).normal(size=(1, 3000, st.input.input_dim)).astype(np.float32))
    st.set_cursor(step=10)
    assert mgr.autosave(force=True, wait=True)  # (what an edit's autosave wrote)
    saved = mgr.autosave_path.stat().st_mtime_ns, mgr.autosave_path.read_bytes()
    window.quiet = False
    try:
        st.set_cursor(step=2345, unit=3)
        assert mgr.autosave()  # the timer's tick
        mgr.wait()
        assert (mgr.autosave_path.stat().st_mtime_ns, mgr.autosave_path.read_bytes()) == saved
        assert ses.position_path(mgr.autosave_path).stat().st_size < 400
        assert not mgr.autosave()  # nothing moved since
    finally:
        window.quiet = True
    st.set_cursor(step=0, unit=0)  # (the window killed: another one restores)
    st.set_layer_option(0, "units", 7)
    assert mgr.restore_autosave()
    assert (st.cursor.step, st.cursor.unit) == (2345, 3)
    assert st.layers[0].config["units"] != 7
    # a newer save of the session (an edit's) holds its own cursor: the position written
    # before it is dropped, and one that does not match its file is not taken
    position = ses.position_path(mgr.autosave_path).read_bytes()
    st.set_cursor(step=77)
    assert mgr.autosave(force=True, wait=True)
    assert not ses.position_path(mgr.autosave_path).exists()
    ses.position_path(mgr.autosave_path).write_bytes(position)
    st.set_cursor(step=0)
    assert mgr.restore_autosave()
    assert st.cursor.step == 77
    ses.position_path(mgr.autosave_path).write_bytes(b'{"format": "lstmviz-position", "cursor": ')
    assert mgr.restore_autosave() and st.cursor.step == 77  # (one that cannot be read: the session's)
    mgr.remove_autosave()
    assert not ses.position_path(mgr.autosave_path).exists()


def test_ctrl_z_from_the_spin_box_just_edited_undoes_the_edit(window, qtbot):
    """units 8 -> 3 typed in the side panel's spin box and Return, then Ctrl+Z with the focus
    still there: the stack goes back to 8 (the spin box kept Ctrl+Z and nothing happened);
    Ctrl+Shift+Z redoes it. While a number is being typed, Ctrl+Z still undoes the typing."""
    from PySide6 import QtCore, QtWidgets

    st = window.state
    window.activateWindow()
    spin = window.stack_panel.findChild(QtWidgets.QSpinBox, "option:units")
    assert spin is not None and spin.value() == 8
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin, "3")
    qtbot.keyClick(spin, QtCore.Qt.Key.Key_Return)
    assert st.layers[0].config["units"] == 3
    focus = QtWidgets.QApplication.focusWidget()
    assert focus is spin or focus is spin.lineEdit()
    ctrl = QtCore.Qt.KeyboardModifier.ControlModifier
    qtbot.keyClick(focus, QtCore.Qt.Key.Key_Z, ctrl)
    assert st.layers[0].config["units"] == 8
    spin = window.stack_panel.findChild(QtWidgets.QSpinBox, "option:units")
    assert spin.value() == 8
    focus = QtWidgets.QApplication.focusWidget() or window
    qtbot.keyClick(focus, QtCore.Qt.Key.Key_Z, ctrl | QtCore.Qt.KeyboardModifier.ShiftModifier)
    assert st.layers[0].config["units"] == 3
    # typing, not yet committed: Ctrl+Z is the field's own
    spin = window.stack_panel.findChild(QtWidgets.QSpinBox, "option:units")
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin, "5")
    assert spin.lineEdit().text() == "5"
    qtbot.keyClick(spin, QtCore.Qt.Key.Key_Z, ctrl)
    assert spin.lineEdit().text() == "3" and st.layers[0].config["units"] == 3


def test_save_after_opening_another_model_asks_where(window, tmp_path, monkeypatch):
    """Session A saved, then a model opened and Ctrl+S pressed: Save wrote the model over
    session A without a word (the window kept A as its document). Opening a model or a new
    stack now makes Save ask where; the title names the session once saved."""
    from PySide6 import QtWidgets

    from helpers import FIXTURES

    path = window.sessions.save_to(tmp_path / "a.lstmviz")
    window.sessions.save()  # (Save to the same session: says so, names it)
    assert "a.lstmviz" in window.windowTitle()
    saved = path.read_bytes()
    asked = []
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName",
                        lambda *a, **k: (asked.append(a) or ("", "")))
    assert window.open_file(str(FIXTURES / "k3_lstm_default" / "model.keras"))
    assert "model.keras" in window.windowTitle()
    window.sessions.save()
    assert asked and path.read_bytes() == saved  # asked where, session A untouched
    window.sessions.save_to(tmp_path / "b.lstmviz")
    window.new_stack()
    asked.clear()
    window.sessions.save()
    assert asked


def test_closing_with_edits_not_saved_asks_first(make_window, tmp_path, monkeypatch):
    """A stack edited for an hour and the window closed: no question, the autosave was
    removed as after any clean close, and the next start opened the demo (the work gone,
    Edit > Undo gone with the window). Closing with edits the last save or open did not
    hold now asks: Save (the session dialog; cancelling it keeps the window), Discard, or
    Cancel (the window and its autosave stay). Without edits, or undone back to what was
    saved, it closes without a word; a quiet window (a script's, a test's) never asks."""
    from PySide6 import QtWidgets

    answers, asked = [], []

    def reply(box):
        asked.append(box.text())
        return answers.pop(0)

    monkeypatch.setattr(QtWidgets.QMessageBox, "exec", reply)
    B = QtWidgets.QMessageBox.StandardButton

    w = make_window((1000, 700))
    w.sessions.mark_saved()  # (what the window's start does once it shows the model)
    w.quiet = False
    assert w.close() and asked == []  # nothing edited: no question
    w = make_window((1000, 700))
    w.sessions.mark_saved()
    w.quiet = False
    w.state.set_layer_option(0, "units", 7)
    w.sessions.autosave(force=True, wait=True)
    answers.append(B.Cancel)
    assert not w.close() and w.isVisible() and w.sessions.autosave_path.exists()
    assert "units of" in asked[-1] and "7" in asked[-1]
    answers.append(B.Save)  # ... and the save dialog cancelled: still open
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", lambda *a, **k: ("", ""))
    assert not w.close() and w.isVisible()
    out = tmp_path / "kept.lstmviz"
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    answers.append(B.Save)
    assert w.close() and not w.isVisible()
    assert ses.read_session(out).layers[0].config["units"] == 7
    w = make_window((1000, 700))
    w.sessions.mark_saved()
    w.quiet = False
    w.state.set_layer_option(0, "units", 9)
    w.state.undo()  # back to what was saved: nothing to lose
    n = len(asked)
    assert w.close() and len(asked) == n
    w = make_window((1000, 700))
    w.sessions.mark_saved()
    w.quiet = False
    w.state.set_layer_option(0, "units", 9)
    answers.append(B.Discard)
    assert w.close() and not w.isVisible()


def test_a_demo_or_a_model_with_its_given_input_is_nothing_to_save(make_window):
    """A demo opens its model, then sets its input (typed text, an array): closing right
    after asked 'The edits (the input ...) are not saved', of edits the user never made."""
    from lstmviz.app.demos import load_demos

    w = make_window((1000, 700))
    for demo in load_demos():
        assert w.open_demo(demo)
        assert w.sessions.unsaved() == "", (demo["title"], w.sessions.unsaved())
    w.state.set_layer_option(0, "units", 3)
    assert w.sessions.unsaved()


def test_undo_back_across_a_session_open_saves_no_longer_over_that_session(window, tmp_path, monkeypatch):
    """A model opened, then a session; Ctrl+Z brought the model back but Save still wrote
    to the session's file (and the title named it): the session opened was overwritten
    with the model it was opened over. Redo makes the session the document again."""
    from helpers import FIXTURES
    from lstmviz.ui import export

    saved = tmp_path / "work.lstmviz"
    ses.save_session(edited_state(), saved)
    kept = saved.read_bytes()
    assert window.open_file(str(FIXTURES / "k3_lstm_default" / "model.keras"))
    assert window.open_file(str(saved))
    assert window.sessions.session_path == str(saved)
    assert window.sessions.undo()
    assert window.sessions.session_path is None and "work.lstmviz" not in window.windowTitle()
    monkeypatch.setattr(export, "ask_save_name", lambda *a, **k: "")  # Save asks where: cancelled
    window.sessions.save()
    assert saved.read_bytes() == kept
    assert window.sessions.redo()
    assert window.sessions.session_path == str(saved) and "work.lstmviz" in window.windowTitle()


def test_undo_back_to_work_saved_as_a_session_saves_to_that_session(window, tmp_path):
    from helpers import FIXTURES

    assert window.open_file(str(FIXTURES / "k3_lstm_default" / "model.keras"))
    window.sessions.save_to(tmp_path / "mine.lstmviz")
    assert window.open_file(str(FIXTURES / "torch_lstm_1layer" / "model.pt"))
    assert window.sessions.session_path is None
    assert window.sessions.undo()
    assert window.sessions.session_path == str(tmp_path / "mine.lstmviz")


def test_the_close_question_shows_a_layers_name_as_plain_text(window, monkeypatch, tmp_path):
    """'The edits (units of '<b>x</b>' 2 -> 3) are not saved' was shown as rich text: a
    layer named by a file in markup came out bold (an <img> one loads an image)."""
    from PySide6 import QtCore, QtWidgets

    from helpers import legacy_lstm_file

    asked = []

    def reply(box):
        asked.append((box.text(), box.textFormat()))
        return QtWidgets.QMessageBox.StandardButton.Cancel
    monkeypatch.setattr(QtWidgets.QMessageBox, "exec", reply)
    assert window.open_file(str(legacy_lstm_file(tmp_path / "m.h5", ["<b>x</b>"])))
    window.state.set_layer_option(0, "units", 3)
    window.quiet = False
    try:
        assert not window.sessions.may_close()
    finally:
        window.quiet = True
    assert "<b>x</b>" in asked[0][0] and asked[0][1] == QtCore.Qt.TextFormat.PlainText


def test_an_undo_of_an_import_that_refitted_the_weights_says_the_input_first(tmp_path):
    """A model opened from a file (LSTM over 3 features), then File > Import input of a
    CSV of 10 columns: the input became 4 steps x 10 features and the LSTM's kernel new
    initial weights. Ctrl+Z brought both back and said "Undone: the weights of 'lstm'",
    not the input the user had imported. It names the input, then the weights."""
    from lstmviz.app.history import describe_change
    from lstmviz.engine import LayerSpec, Model

    model = Model.sequential((None, 10, 3), [LayerSpec("LSTM", {"units": 6}, name="lstm"),
                                             LayerSpec("Dense", {"units": 1}, name="dense")], seed=0)
    st = AppState()
    st.set_model(model, path=str(tmp_path / "small.keras"))
    np.savetxt(tmp_path / "x.csv", np.random.default_rng(0).normal(size=(4, 10)), delimiter=",")
    st.import_input(tmp_path / "x.csv")
    assert st.input.input_dim == 10
    before = st.snapshot()
    assert st.undo()
    assert st.input.input_dim == 3
    assert describe_change(before, st.snapshot()) == (
        "the input's values, shape (1, 4, 10) \u2192 (4, 10, 3), and the weights of 'lstm'")
    # and Redo the same way round
    before = st.snapshot()
    assert st.redo()
    assert describe_change(before, st.snapshot()) == (
        "the input's values, shape (4, 10, 3) \u2192 (1, 4, 10), and the weights of 'lstm'")


def test_the_window_title_marks_edits_not_saved(window, tmp_path, qtbot):
    """The title never said that the work had edits a close would ask about. It shows "*"
    (Qt's windowModified) after an edit, not after Undo back to what was opened or saved,
    again after Redo, and not once saved; a "[*]" in a file's name is shown as it is."""
    import shutil

    from PySide6 import QtWidgets

    from helpers import FIXTURES

    path = tmp_path / "odd[*]name.keras"
    shutil.copy(FIXTURES / "k3_lstm_default" / "model.keras", path)
    assert window.open_file(str(path))
    sessions = window.sessions

    def shown() -> str:  # (the title as the window system is given it: the placeholder replaced)
        QtWidgets.QApplication.processEvents()
        return window.windowHandle().title()

    assert not window.isWindowModified()
    assert shown() == "lstmviz \u2014 odd[*]name.keras"
    window.state.set_input_spec(timesteps=7)
    qtbot.waitUntil(window.isWindowModified, timeout=2000)
    assert shown().endswith("*") and "odd[*]name.keras" in shown()
    window.state.undo()
    qtbot.waitUntil(lambda: not window.isWindowModified(), timeout=2000)
    assert not shown().endswith("*")
    window.state.redo()
    qtbot.waitUntil(window.isWindowModified, timeout=2000)
    sessions.session_path = str(tmp_path / "w.lstmviz")
    sessions.save()  # (File > Save)
    assert not window.isWindowModified() and shown() == "lstmviz \u2014 w.lstmviz"


def test_a_session_saved_with_the_side_panel_hidden_reopens_with_it_back(make_window, tmp_path):
    """Saved on the Train tab where the side panel gave way to it (the projector theme at
    1280 x 720), or after S hid it, the session kept the splitter's [0, 1280]: reopened,
    the side panel stayed squeezed to 0 px on every tab, and S did not bring it back."""
    from lstmviz.ui.export import _settle

    a = make_window((1280, 720))
    a.splitter.setSizes([430, a.width() - 430])
    _settle()
    width = a.side.width()
    a.presenter.set_side(False)  # (as the Train tab's giving way and S hide it)
    _settle()
    ui = a.sessions.ui_state()
    k = a.splitter.indexOf(a.side)
    assert ui["splitter"][k] == width
    path = a.sessions.save_to(tmp_path / "w.lstmviz")
    b = make_window((1280, 720))
    assert b.open_file(str(path))
    _settle()
    assert b.side.isVisibleTo(b) and b.side.width() == width
    # a session written so before: its 0 px side is not applied
    b.fit_side()
    _settle()
    b.sessions.apply_ui({"splitter": [0, b.width()]}, geometry=False)
    _settle()
    assert b.side.width() > 300


def test_a_session_keeps_focus_equations_terms_and_speed(make_window, tmp_path):
    """A teacher's view settings come back with the session: Focus on the unit (F), the
    equations hidden (E), the Cell view's terms written out, the player's speed (turned on
    F, saved and reopened, it was off)."""
    from lstmviz.app.views import VIEW_KEYS

    cell = VIEW_KEYS.index("cell")
    a = make_window((1200, 800))
    a.presenter.set_focus(True)
    a.presenter.set_equations(False)
    a.views[cell].set_expanded(True)
    a.player.speed.setCurrentIndex(a.player.speed.findData(15))
    ui = a.sessions.ui_state()
    assert (ui["focus"], ui["equations"], ui["cell_terms"], ui["speed"]) == (True, False, True, 15)
    path = a.sessions.save_to(tmp_path / "v.lstmviz")

    b = make_window((1200, 800))
    assert not b.presenter.focus and b.presenter.equations and b.player.speed.currentData() == 4
    assert b.open_file(str(path))
    assert b.presenter.focus and b.presenter.actions["focus"].isChecked()
    assert not b.presenter.equations and not b.presenter.actions["equations"].isChecked()
    assert b.views[cell].expanded and b.views[cell].expand_box.isChecked()
    assert b.player.speed.currentData() == 15

    # and each back off (the other way round) the same
    for key, value in (("focus", False), ("equations", True), ("cell_terms", False), ("speed", 0.5)):
        b.sessions.apply_ui({key: value}, geometry=False)
    assert not b.presenter.focus and b.presenter.equations and not b.views[cell].expanded
    assert b.player.speed.currentData() == 0.5


def test_a_session_without_view_settings_leaves_the_windows_own(make_window, tmp_path):
    """An older session (none of the keys) and implausible values in a hand-edited one
    change nothing: the window keeps its own settings, and the session opens."""
    from lstmviz.app.views import VIEW_KEYS

    cell = VIEW_KEYS.index("cell")
    w = make_window((1200, 800))
    path = w.sessions.save_to(tmp_path / "v.lstmviz")
    w.presenter.set_focus(True)
    w.player.speed.setCurrentIndex(w.player.speed.findData(8))
    old = {k: v for k, v in w.sessions.ui_state().items()
           if k not in ("focus", "equations", "cell_terms", "speed")}
    w.sessions.apply_ui(old, geometry=False)
    assert w.presenter.focus and w.presenter.equations and w.player.speed.currentData() == 8
    assert not w.views.is_built(cell) or not w.views[cell].expanded
    w.sessions.apply_ui({"focus": 0, "equations": "no", "cell_terms": 1, "speed": 7}, geometry=False)
    w.sessions.apply_ui({"speed": True, "focus": None}, geometry=False)
    assert w.presenter.focus and w.presenter.equations and w.player.speed.currentData() == 8
    assert not w.views.is_built(cell) or not w.views[cell].expanded
    assert w.open_file(str(path))  # (saved with the defaults: they come back)
    assert not w.presenter.focus and w.player.speed.currentData() == 4


def test_save_session_as_offers_the_models_name_in_the_last_sessions_folder(window, tmp_path, monkeypatch):
    """Save session as offered the last export's folder (a picture's) for a model opened
    after a session was saved elsewhere, the working folder ('/' from a desktop's menu) for
    a demo, and in a lesson the work's own session file, which Enter, Enter wrote the
    lesson's stack over. It offers the model's name + .lstmviz in the folder of the last
    session saved or opened, else the model's, else a folder of the user's."""
    import shutil

    from PySide6 import QtWidgets

    from lstmviz.app.demos import DEMOS_DIR

    lectures, models, pictures = (tmp_path / d for d in ("lectures", "models", "pictures"))
    for d in (lectures, models, pictures):
        d.mkdir()
    mine = models / "my_lstm.keras"
    shutil.copy(DEMOS_DIR / "sine_predictor.keras", mine)
    offered, answer = [], [""]

    def ask(parent, title, start, filt, *a, **k):
        offered.append(start)
        return answer[0], ""
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", ask)
    monkeypatch.chdir("/")
    assert window.open_file(str(DEMOS_DIR / "sine_predictor.keras"))
    window.sessions.save_as_dialog()
    first = Path(offered[-1])
    assert first.name == "sine_predictor.lstmviz"
    assert first.parent != Path("/") and first.parent != DEMOS_DIR and first.parent.is_dir()

    answer[0] = str(lectures / "week1.lstmviz")
    assert window.sessions.save_as_dialog() == lectures / "week1.lstmviz"
    answer[0] = ""
    window.exporter.last_dir = str(pictures)  # (a picture exported since)
    assert window.open_file(str(mine))
    assert window.sessions.session_path is None
    window.sessions.save_as_dialog()
    assert offered[-1] == str(lectures.resolve() / "my_lstm.lstmviz")
    # the Open session dialog starts there too
    seen = []
    monkeypatch.setattr(QtWidgets.QFileDialog, "getOpenFileName",
                        lambda parent, title, start, filt: (seen.append(start), ("", ""))[1])
    window.sessions.open_dialog()
    assert seen == [str(lectures.resolve())]

    # in a lesson: the lesson's title, not the work's session file
    answer[0] = str(lectures / "mine.lstmviz")
    window.sessions.save_as_dialog()
    answer[0] = ""
    window.presenter.tour.start(0)
    window.sessions.save_as_dialog()
    assert window.presenter.tour.lesson.title == "What `units` means"
    assert offered[-1] == str(lectures / "What_units_means.lstmviz")
    window.presenter.tour.end()
    window.sessions.save_as_dialog()  # (the work's own file again after it)
    assert offered[-1] == str(lectures / "mine.lstmviz")


def _run_app_child(tmp_path, edit: str):
    """``run_app`` (the interactive app, offscreen) in a child process whose data and
    preferences live in ``tmp_path``; it prints 'ready' once shown and ``edit`` made (the
    autosave's timers far off: whatever is written after, a signal's handler wrote)."""
    code = (
        "import sys\n"
        "from PySide6 import QtCore\n"
        "from lstmviz.ui import app as ui_app, session_ui\n"
        "session_ui.AUTOSAVE_MS = session_ui.DEBOUNCE_MS = 10 ** 8\n"
        "shown = ui_app.show_window\n"
        "def show(window, size=None, step=None):\n"
        "    shown(window, size, step)\n"
        "    def ready():\n"
        f"        {edit}\n"
        "        print('ready', flush=True)\n"
        "    QtCore.QTimer.singleShot(300, ready)\n"
        "ui_app.show_window = show\n"
        "sys.exit(ui_app.run_app(None, size=(900, 600)))\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_CONFIG_HOME=str(tmp_path / "config"), LSTMVIZ_SKIP_CHECKS="1")
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=Path(__file__).resolve().parents[1], env=env)


@pytest.mark.parametrize("edited", [True, False])
def test_sigterm_ends_the_app_as_a_close_does_keeping_unsaved_work(make_window, tmp_path, edited):
    """SIGTERM (the desktop logging out) killed the app at once: no preferences written and
    the edits since the last autosave tick (up to 30 s) lost. It now ends as a close does,
    without the question nobody can answer: the preferences written, the edits not saved
    kept in the window's autosave (its lock let go of: the next start offers it), and with
    nothing unsaved no autosave left behind; exit status 0."""
    edit = "window.state.set_layer_option(0, 'units', 5)" if edited else "pass"
    proc = _run_app_child(tmp_path, edit)
    try:
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read() if proc.poll() is not None else ""
        data = tmp_path / "data"
        assert not list(data.rglob("autosave-*.lstmviz"))  # (none written before the signal)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0, proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    conf = list((tmp_path / "config").rglob("*.conf"))
    assert conf and "geometry" in conf[0].read_text()  # the preferences, as a close writes them
    left = list((tmp_path / "data").rglob("autosave-*.lstmviz"))
    if not edited:
        assert left == []  # nothing unsaved: removed, as a close removes it
        return
    assert len(left) == 1 and not Path(str(left[0]) + ".lock").exists()
    assert ses.read_session(left[0]).layers[0].config["units"] == 5
    other = make_window()
    other.sessions.autosave_path = left[0].parent / "autosave-next.lstmviz"
    assert other.sessions.leftovers() == left  # the next start offers it
    from lstmviz.ui import session_ui

    assert session_ui.ended_by(left[0]) == "SIGTERM"  # ... as the work a clean close kept


@pytest.mark.parametrize("answer", ["restore", "discard"])
def test_the_start_after_a_close_on_a_signal_does_not_say_it_did_not_close_cleanly(
        make_window, tmp_path, monkeypatch, answer):
    """After a logout (SIGTERM), which closes the app cleanly and keeps its edits not saved
    in the autosave, the next start asked as after a crash: "lstmviz did not close cleanly
    last time". The autosave is marked as written by that close (once written: a failed
    write leaves no mark), and the question says so; a crash's autosave (no mark) is still
    offered as one; the mark goes with the autosave it is beside."""
    from PySide6 import QtWidgets

    from lstmviz.ui import session_ui

    B = QtWidgets.QMessageBox.StandardButton
    w = make_window()
    w.sessions.autosave_path = tmp_path / "data" / "autosave-1-1.lstmviz"
    w.sessions.mark_saved()  # (as the app's window at its start)
    w.state.set_layer_option(0, "units", 5)
    w.quiet = False  # (as the app's window: the autosave is written)
    try:
        w.sessions.end_by_signal("SIGTERM")
    finally:
        w.quiet = True
    left = w.sessions.autosave_path
    assert left.exists() and session_ui.ended_by(left) == "SIGTERM"
    nxt = make_window()
    nxt.sessions.autosave_path = left.parent / "autosave-2-1.lstmviz"
    asked = _start(nxt, monkeypatch, B.Yes if answer == "restore" else B.No)
    nxt.sessions.wait()
    assert asked and "did not close cleanly" not in asked[0], asked[0]
    assert asked[0].startswith("lstmviz was closed by the system last time (SIGTERM: a logout or a shutdown), "
                               "with edits not saved; it kept them automatically. Restore them?"), asked[0]
    assert not left.exists() and not session_ui.ended_by(left)
    assert not list(left.parent.glob("*.ended"))  # (gone with the autosave it was beside)
    assert (nxt.state.layers[0].config["units"] == 5) == (answer == "restore")
    # a crash's autosave, and one whose write failed at the signal's close: "did not close cleanly"
    crashed = _crashed_autosave(nxt, edited_state())
    failing = make_window()
    failing.sessions.autosave_path = tmp_path / "data" / "autosave-3-1.lstmviz"
    failing.sessions.mark_saved()
    failing.state.set_layer_option(0, "units", 3)

    def cannot(*_args, **_kw):
        raise OSError("disk full")
    monkeypatch.setattr(ses, "write_atomic", cannot)
    failing.quiet = False
    try:
        failing.sessions.end_by_signal("SIGTERM")
    finally:
        failing.quiet = True
    monkeypatch.undo()
    assert not session_ui.ended_by(crashed)
    assert not Path(str(failing.sessions.autosave_path) + ".ended").exists()
    third = make_window()
    third.sessions.autosave_path = tmp_path / "data" / "autosave-4-1.lstmviz"
    asked = _start(third, monkeypatch, B.No)
    assert asked and asked[0].startswith("lstmviz did not close cleanly last time"), asked[0]


@pytest.mark.parametrize("answer", ["enter", "restore", "discard"])
def test_a_start_on_a_file_never_lets_the_restore_replace_it_unasked(make_window, tmp_path, monkeypatch, answer):
    """`lstmviz lecture.lstmviz` after a crash: the restore question did not name the file
    asked for, Yes was its default, and Enter put the autosaved work where that file had
    opened ("Restored the autosaved session"); Ctrl+S then wrote that work over the file.
    Started on a file, the question names it and Enter (or Esc) keeps it open and the
    autosave for the next start; restoring says what it replaced (Edit > Undo opens it
    again) and leaves Save to ask where; discarding removes the autosave."""
    from PySide6 import QtWidgets

    B = QtWidgets.QMessageBox.StandardButton
    w = make_window()
    lecture = tmp_path / "lecture.lstmviz"
    mine = AppState()
    mine.set_layer_option(0, "units", 3)
    ses.save_session(mine, lecture)
    crashed = edited_state()
    left = _crashed_autosave(w, crashed)
    assert w.open_file(str(lecture))
    w.sessions.started_on = str(lecture)  # (what run_app's window is told)
    asked = _start(w, monkeypatch, {"enter": B.Cancel, "restore": B.Yes, "discard": B.No}[answer],
                   seen=lambda box: (box.text(), box.defaultButton() is box.button(B.Cancel),
                                     box.escapeButton() is box.button(B.Cancel)))
    w.sessions.wait()
    text, enter_keeps, esc_keeps = asked[0]
    assert "lecture.lstmviz" in text and enter_keeps and esc_keeps
    if answer == "restore":
        assert_same_stack(crashed, w.state)
        said = w.statusBar().currentMessage()
        assert "in place of lecture.lstmviz" in said and "Undo" in said, said
        assert w.sessions.session_path is None  # (Ctrl+S asks where: not over lecture.lstmviz)
        assert not left.exists() and w.sessions.autosave_path.exists()
        assert w.sessions.undo()
        assert_same_stack(mine, w.state)  # the file asked for, back
        assert w.last_message == "Undone: the restored work; lecture.lstmviz as opened"
        # the session opened, as it was: Ctrl+S writes it again, nothing to save
        assert w.sessions.session_path == str(lecture) and w.sessions.unsaved() == ""
        assert w.sessions.redo() and w.last_message == "Redone: the restored work"
        assert_same_stack(crashed, w.state)
        assert w.sessions.session_path is None and w.sessions.unsaved() == "the restored work"
        mine_saved = w.sessions._save_reporting(tmp_path / "restored.lstmviz")  # (Save as ...)
        assert mine_saved is not None and w.sessions.unsaved() == ""
        assert w.sessions.undo() and w.sessions.session_path == str(lecture) and w.sessions.unsaved() == ""
        assert w.sessions.redo() and w.sessions.session_path == str(mine_saved) and w.sessions.unsaved() == ""
        return
    assert_same_stack(mine, w.state)  # the file asked for stays
    assert w.sessions.session_path == str(lecture) and not w.isWindowModified()
    if answer == "discard":
        assert not left.exists()
        return
    assert left.exists()  # kept: offered at the next start
    assert "next start" in w.statusBar().currentMessage()
    nxt = make_window()
    assert nxt.sessions.leftovers() == [left]


def test_ctrl_z_with_nothing_to_undo_says_so(window, qtbot):
    """Undo greyed: Ctrl+Z did nothing and the status bar kept the last "Undone: ..." line,
    as though it had undone again. It says "Nothing to undo" (Ctrl+Shift+Z, Ctrl+Y: "Nothing
    to redo"), the menu's entries staying greyed; while there is something, the keys undo."""
    from PySide6 import QtCore

    st, s = window.state, window.sessions
    window.activateWindow()
    ctrl = QtCore.Qt.KeyboardModifier.ControlModifier
    shift = QtCore.Qt.KeyboardModifier.ShiftModifier
    st.set_layer_option(0, "units", 3)
    qtbot.keyClick(window, QtCore.Qt.Key.Key_Z, ctrl)
    assert st.layers[0].config["units"] == 8 and window.last_message.startswith("Undone: units")
    assert not s.undo_action.isEnabled()
    qtbot.keyClick(window, QtCore.Qt.Key.Key_Z, ctrl)
    assert window.last_message == "Nothing to undo"
    assert st.layers[0].config["units"] == 8 and not s.undo_action.isEnabled()
    qtbot.keyClick(window, QtCore.Qt.Key.Key_Z, ctrl | shift)
    assert st.layers[0].config["units"] == 3 and window.last_message.startswith("Redone: units")
    assert not s.redo_action.isEnabled()
    for key, mods in ((QtCore.Qt.Key.Key_Z, ctrl | shift), (QtCore.Qt.Key.Key_Y, ctrl)):
        window.message("")
        qtbot.keyClick(window, key, mods)
        assert window.last_message == "Nothing to redo"
    assert st.layers[0].config["units"] == 3
    qtbot.keyClick(window, QtCore.Qt.Key.Key_Z, ctrl)  # enabled again: the action's, once
    assert st.layers[0].config["units"] == 8 and window.last_message.startswith("Undone: units")


def test_save_as_after_new_stack_offers_what_the_title_calls_it(window, monkeypatch):
    """File > New stack: the title says "built-in stack", but Save session as offered
    'sequential.lstmviz' (the Keras model's name the stack is built under). It offers the
    title's name, as a file name; exports start from it too. A model file's stays its own."""
    from helpers import FIXTURES
    from lstmviz.ui import export

    offered = []
    monkeypatch.setattr(export, "ask_save_name", lambda _w, _t, start, *a, **k: offered.append(start) or "")
    assert window.open_file(str(FIXTURES / "k3_lstm_default" / "model.keras"))
    window.sessions.save_as_dialog()
    assert Path(offered[-1]).name == "model.lstmviz"
    window.new_stack()
    assert "built-in stack" in window.windowTitle()
    assert window.state.model is not None and window.state.model.name == "sequential"
    window.sessions.save_as_dialog()
    assert Path(offered[-1]).name == "built-in_stack.lstmviz"
    assert window.exporter.stem() == "built-in_stack"


@pytest.mark.parametrize("answer", ["save", "discard", "cancel"])
def test_a_restore_undone_by_mistake_is_not_lost_at_close(make_window, tmp_path, monkeypatch, qtbot, answer):
    """Restore an autosave (hours of work), Edit > Undo once by mistake, close: the restored
    work was only on the redo stack, the title had no "*", and the close asked nothing and
    removed the autosave: the work was gone. The close asks, as for edits not saved: Save
    brings it back and saves it as a session, Discard closes without it, Cancel keeps the
    window open (Edit > Redo still brings it back)."""
    from PySide6 import QtWidgets

    from lstmviz.ui import export

    B = QtWidgets.QMessageBox.StandardButton
    w = make_window()
    crashed = edited_state()
    left = _crashed_autosave(w, crashed)
    assert _start(w, monkeypatch, B.Yes)
    w.sessions.wait()
    assert_same_stack(crashed, w.state)
    assert not left.exists()
    w.sessions.undo_action.trigger()  # (Edit > Undo, by mistake)
    assert w.last_message.startswith("Undone: the restored work")
    assert_same_stack(AppState(), w.state)  # (the built-in stack it replaced)
    qtbot.waitUntil(lambda: not w.isWindowModified())  # (no "*": nothing the close asked about)
    assert w.sessions.unsaved() == ""
    assert w.sessions.undone_restore()
    asked = []

    def reply(box):
        asked.append(box.text())
        return {"save": B.Save, "discard": B.Discard, "cancel": B.Cancel}[answer]
    monkeypatch.setattr(QtWidgets.QMessageBox, "exec", reply)
    where = tmp_path / "rescued.lstmviz"
    monkeypatch.setattr(export, "ask_save_name", lambda *a, **k: str(where))
    w.quiet = False  # (a close of a window that is not quiet asks; make_window's are quiet)
    try:
        closed = w.close()
    finally:
        w.quiet = True
    assert len(asked) == 1 and "restored from the autosave was taken back by Edit > Undo" in asked[0]
    assert closed == (answer != "cancel")
    if answer == "save":
        assert_same_stack(crashed, w.state)  # (brought back, and saved)
        saved = ses.read_session(where)
        assert [e.config for e in saved.layers] == [e.config for e in crashed.layers]
        assert saved.input.data is not None and np.array_equal(saved.input.data, crashed.input.data)
    elif answer == "cancel":
        assert w.isVisible() and w.sessions.undone_restore()
        w.sessions.redo_action.trigger()
        assert_same_stack(crashed, w.state)
        assert w.sessions.unsaved() == "the restored work"
    else:
        assert not w.sessions.autosave_path.exists()


def test_a_restore_undone_is_kept_in_the_autosave_when_the_system_ends_lstmviz(make_window, monkeypatch):
    """The same on SIGTERM (no question can be asked): the restored work Undo took back is
    written to the autosave and kept for the next start, as edits not saved are."""
    from PySide6 import QtWidgets

    w = make_window()
    crashed = edited_state()
    _crashed_autosave(w, crashed)
    assert _start(w, monkeypatch, QtWidgets.QMessageBox.StandardButton.Yes)
    w.sessions.wait()
    assert w.sessions.undo() and w.sessions.undone_restore()
    w.quiet = False
    try:
        w.sessions.end_by_signal("SIGTERM")
    finally:
        w.quiet = True
    from lstmviz.ui import session_ui

    kept = ses.read_session(w.sessions.autosave_path)
    assert [e.config for e in kept.layers] == [e.config for e in crashed.layers]
    assert session_ui.ended_by(w.sessions.autosave_path) == "SIGTERM"


# -- what the model was compiled with ------------------------------------------------------------
def _compiled_session(tmp_path) -> Path:
    import lstmviz
    from helpers import FIXTURES

    path = FIXTURES / "compiled" / "trained_adam.keras"
    st = AppState()
    st.set_model(lstmviz.load(path), str(path))
    out = tmp_path / "work.lstmviz"
    ses.save_session(st, out)
    return out


def _rewritten(src: Path, dst: Path, change) -> Path:
    """``src`` with its manifest changed by ``change(manifest)``, its members kept."""
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w") as out:
        for item in z.namelist():
            if item == "manifest.json":
                m = json.loads(z.read(item))
                change(m)
                out.writestr(item, json.dumps(m))
            else:
                out.writestr(item, z.read(item))
    return dst


def test_a_session_keeps_what_the_model_was_compiled_with_and_its_saved_state(tmp_path):
    """A session of an opened compiled (and Keras-trained) .keras kept nothing of it: fit
    and the Train tab of the reopened stack needed a loss, and started the optimizer
    afresh. It keeps the loss, the optimizer and its saved state (names, numbers and .npy
    members, no pickle): fit of the reopened session goes on as Keras' fit of the file
    (Keras 3.15's numbers); a session written before it was kept opens with none."""
    import lstmviz
    from helpers import FIXTURES
    from lstmviz.engine.compiled import describe, of, state_of
    from lstmviz.engine.train import trainable_arrays

    kept = _compiled_session(tmp_path)
    with zipfile.ZipFile(kept) as z:
        manifest = json.loads(z.read("manifest.json"))
        assert not [n for n in z.namelist() if n.endswith((".pkl", ".pickle"))]
    assert manifest["compiled"]["loss"] == "mse" and len(manifest["compiled"]["state"]["slots"]) == 10
    st = AppState()
    ses.open_session(st, kept)
    file_compiled = of(lstmviz.load(FIXTURES / "compiled" / "trained_adam.keras"))
    assert describe(of(st.model)) == describe(file_compiled)
    assert of(st.model)["state"] == file_compiled["state"] and state_of(st.model)[0] is not None
    assert of(st.model)["session"] == str(kept)
    npz = np.load(FIXTURES / "compiled" / "fit.npz")
    model = lstmviz.load(kept)  # (the session as a model file: fit's defaults too)
    lstmviz.fit(model, npz["x"], npz["y"], batch_size=4, shuffle=False)
    for k, a in enumerate(trainable_arrays(model)):
        np.testing.assert_allclose(a, npz[f"resumed_adam_w{k}"], atol=2e-6)
    older = _rewritten(kept, tmp_path / "older.lstmviz", lambda m: m.pop("compiled"))
    st = AppState()
    ses.open_session(st, older)
    assert of(st.model) is None and st.compiled is None


@pytest.mark.parametrize("file, y, fit, keras", [
    ("schedule_trained.keras", "y_schedule", {"validation_split": 0.25}, "schedule_trained"),
    ("categorical.keras", "y_categorical", {"validation_split": 0.25}, "categorical"),
])
def test_a_sessions_compile_keeps_a_schedule_and_the_metrics(tmp_path, file, y, fit, keras):
    """A compiled optimizer with a learning-rate schedule (ril_bilstm_128.h5's PolynomialDecay)
    made a session that could not be reopened ("its optimizer Adam's setting 'schedule' is not
    computed here"), and a session dropped the compiled metrics. Reopened, fit of the session
    is Keras' fit of the file (Keras 3.15's History, metrics and all, and weights)."""
    import lstmviz
    from helpers import FIXTURES
    from lstmviz.engine.compiled import describe, of
    from lstmviz.engine.train import trainable_arrays

    path = FIXTURES / "metrics" / file
    st = AppState()
    st.set_model(lstmviz.load(path), str(path))
    kept = tmp_path / "work.lstmviz"
    ses.save_session(st, kept)
    again = AppState()
    ses.open_session(again, kept)
    file_compiled = of(lstmviz.load(path))
    assert describe(of(again.model)) == describe(file_compiled)
    assert of(again.model).get("metrics") == file_compiled.get("metrics")
    npz = np.load(FIXTURES / "metrics" / "fit.npz")
    model = lstmviz.load(kept)
    history = lstmviz.fit(model, npz["x"], npz[y], batch_size=5, epochs=3, shuffle=False, **fit)
    keys = json.loads(str(npz[f"{keras}__keys"]))
    assert sorted(history.history) == sorted(keys)
    for key in keys:
        np.testing.assert_allclose(history.history[key], npz[f"{keras}__{key}"], rtol=1e-5, err_msg=key)
    for k, a in enumerate(trainable_arrays(model)):
        np.testing.assert_allclose(a, npz[f"{keras}_w{k}"], atol=2e-6)


def test_a_sessions_compile_keeps_weighted_metrics(tmp_path):
    """A weighted metric (Keras names it ``weighted_mae`` beside a plain ``mae``) is kept with
    the name it was compiled with; the session reopens with the same metrics."""
    import lstmviz
    from helpers import FIXTURES
    from lstmviz.engine.compiled import of, read_compile_config

    path = FIXTURES / "metrics" / "categorical.keras"
    model = lstmviz.load(path)
    model.source["compile"] = read_compile_config({
        "loss": "mse", "optimizer": {"class_name": "SGD", "config": {}}, "metrics": ["mae"],
        "weighted_metrics": ["mae", "mse"]})
    assert [m.get("weighted") for m in of(model)["metrics"]] == [None, "mae", "mse"]
    st = AppState()
    st.set_model(model, str(path))
    ses.save_session(st, tmp_path / "w.lstmviz")
    again = AppState()
    ses.open_session(again, tmp_path / "w.lstmviz")
    assert of(again.model)["metrics"] == of(model)["metrics"]


def test_a_sessions_compile_keeps_an_aucs_settings(tmp_path):
    """AUCs of multi_label, num_labels, label weights, curve and summation method (Keras 3's
    file: its label weights a tensor object) reopen from a session as the same metrics."""
    import lstmviz
    from helpers import FIXTURES
    from lstmviz.engine.compiled import of

    path = FIXTURES / "metrics" / "auc_multi.keras"
    st = AppState()
    st.set_model(lstmviz.load(path), str(path))
    assert [dict(m["options"]) for m in of(st.model)["metrics"]][1:] == [
        {"curve": "PR", "multi_label": True, "num_labels": 3, "label_weights": [0.5, 1.0, 2.0]},
        {"summation_method": "majoring", "label_weights": [1.0, 0.5, 2.0]}]
    ses.save_session(st, tmp_path / "a.lstmviz")
    again = AppState()
    ses.open_session(again, tmp_path / "a.lstmviz")
    assert of(again.model)["metrics"] == of(st.model)["metrics"]


@pytest.mark.parametrize("change, said", [
    (lambda c: c.update(loss="huber"), "its loss 'huber' is not one lstmviz computes"),
    (lambda c: c.update(optimizer={"class": "\x1b[31mLion", "options": {}}), "optimizer '\\x1b[31mLion'"),
    (lambda c: c["optimizer"]["options"].update(weight_decay=0.1), "weight_decay=0.1 is not computed here"),
    (lambda c: c["state"].update(iterations=-1), "iterations are not a count of updates"),
    (lambda c: c["state"].update(weights=["zz" * 16]), "weights are not digests"),
    (lambda c: c["state"].update(slots=["compiled/slots/99.npy"]),
     "the compiled optimizer's slot 0 ('compiled/slots/99.npy') is missing from the archive"),
    (lambda c: c.update(notes="text"), "its notes are not a list of texts"),
    (lambda c: c.update(code="import os"), "not an object of loss, optimizer"),
    (lambda c: c.update(metrics="accuracy"), "its metrics are not a list of metrics"),
    (lambda c: c.update(metrics=[{"name": "mae", "kind": "mae", "options": {}, "weighted": 1}]), "its metric"),
    (lambda c: c.update(metrics=[{"name": "r2", "kind": "r2_score", "options": {}}]), "its metric"),
    (lambda c: c.update(metrics=[{"name": "auc", "kind": "auc", "options": {"curve": "PRC"}}]),
     "its metric 'auc''s 'curve' is not one lstmviz computes"),
    (lambda c: c.update(metrics=[{"name": "auc", "kind": "auc", "options": {"thresholds": [0.9, 0.1]}}]),
     "its metric 'auc''s 'thresholds' is not one lstmviz computes"),  # (a file's are read sorted)
    (lambda c: c.update(metrics=[{"name": "top", "kind": "top_k_categorical_accuracy", "options": {"k": -1}}]),
     "its metric 'top''s 'k' is not one lstmviz computes"),
])
def test_a_damaged_compile_in_a_session_is_refused_in_one_line(tmp_path, change, said):
    kept = _compiled_session(tmp_path)
    bad = _rewritten(kept, tmp_path / "bad.lstmviz", lambda m: change(m["compiled"]))
    st = AppState()
    before = st.snapshot()
    with pytest.raises(LstmvizError) as err:
        ses.open_session(st, bad)
    text = str(err.value)
    assert "\n" not in text and text.startswith(f"{bad}: not a usable lstmviz session (") and said in text, text
    assert_same_stack(before, st)


def test_a_kept_models_compile_is_kept_and_an_older_sessions_is_checked(tmp_path):
    """A read-only model's compile was in its source, written only where it held no
    optimizer state (json.dumps of the state failed: the whole source, notes and all, was
    dropped) and read back unchecked. It is kept as the stack's is; an older session's
    source is checked alike."""
    import lstmviz
    from helpers import FIXTURES
    from lstmviz.engine.compiled import of

    compiled = of(lstmviz.load(FIXTURES / "compiled" / "rmsprop_mae.keras"))
    path = next(p for p in FIXTURES.glob("*/model.keras") if not lstmviz.load(p).is_sequential)
    model = lstmviz.load(path)
    model.source["compile"] = compiled
    st = AppState()
    st.set_model(model, str(path))
    assert st.readonly
    kept = tmp_path / "graph.lstmviz"
    ses.save_session(st, kept)
    again = AppState()
    ses.open_session(again, kept)
    assert again.readonly and of(again.model)["optimizer"] == compiled["optimizer"]
    assert of(again.model)["session"] == str(kept)

    def as_older(m):
        m["model"]["source"]["compile"] = {**m.pop("compiled"), "optimizer": {"class": "Evil", "options": {}}}
    older = _rewritten(kept, tmp_path / "older.lstmviz", as_older)
    with pytest.raises(LstmvizError, match="what the model was compiled with: its optimizer 'Evil' is not one"):
        ses.open_session(AppState(), older)


# -- the Train tab's own data and frozen layers ------------------------------------------------
def _train_data(st: AppState, tmp_path):
    """The Train tab's "Your data" for ``st``'s stack, read from files as the tab reads them."""
    from lstmviz.app.train_user import kept_data, user_data

    rng = np.random.default_rng(3)
    x = rng.normal(size=(10,) + st.x.shape[1:]).astype(np.float32)
    y = rng.normal(size=(10,) + tuple(st.model.output_shapes()[0][1:])).astype(np.float32)
    np.save(tmp_path / "my x.npy", x)
    np.save(tmp_path / "my y.npy", y)
    data, loss = user_data(st.model, tmp_path / "my x.npy", tmp_path / "my y.npy", "mae", 0.3)
    return kept_data(data, "my x.npy", "my y.npy", loss, 0.3), x, y


def test_the_train_tabs_own_data_round_trips_in_a_session(tmp_path):
    """The inputs and targets opened in the Train tab ("Your model and data") were not kept:
    a reopened session had none, and their files may be gone. They are kept as members of the
    session (their files' names, the loss and validation split with them), equal to the bit,
    and a run on them after reopening trains on the same data as before."""
    st = edited_state()
    st.train_data, x, y = _train_data(st, tmp_path)
    path = ses.save_session(st, tmp_path / "t.lstmviz")
    (tmp_path / "my x.npy").unlink()  # (the files are not needed)
    (tmp_path / "my y.npy").unlink()
    with zipfile.ZipFile(path) as zf:
        assert {"train/inputs.npy", "train/targets.npy"} <= set(zf.namelist())
        kept = json.loads(zf.read("manifest.json"))["train_data"]
    assert kept["loss"] == "mae" and kept["validation_split"] == 0.3 and kept["input_name"] == "my x.npy"
    other = AppState()
    ses.open_session(other, path)
    t = other.train_data
    assert t is not None and (t.input_name, t.target_name, t.loss, t.validation_split) == (
        "my x.npy", "my y.npy", "mae", 0.3)
    assert t.inputs.dtype == x.dtype and t.targets.dtype == y.dtype
    np.testing.assert_array_equal(t.inputs, x)
    np.testing.assert_array_equal(t.targets, y)
    from lstmviz.app.train_user import user_data

    data, loss = user_data(other.model, None, None, t.loss, t.validation_split, held=t)  # (what Train runs on)
    np.testing.assert_array_equal(np.concatenate([data.x_train, data.x_val]), x)
    np.testing.assert_array_equal(np.concatenate([data.y_train, data.y_val]), y)
    assert len(data.x_val) == 3 and loss == "mae"
    # a session without them (one written before they were kept) opens, and holds none
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist() if not n.startswith("train/")}
    manifest = json.loads(members.pop("manifest.json"))
    del manifest["train_data"]
    old = tmp_path / "old.lstmviz"
    with zipfile.ZipFile(old, "w") as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        for n, b in members.items():
            zf.writestr(n, b)
    ses.open_session(other, old)
    assert other.train_data is None
    assert_same_stack(st, other)


@pytest.mark.parametrize("damage, said", [
    (lambda t: t.update(loss="hinge_of_doom"), "its loss 'hinge_of_doom' is not a loss lstmviz computes"),
    (lambda t: t.update(validation_split=2), "its validation split 2 is not a share from 0 to 0.9"),
    (lambda t: t.update(targets="layers/0/0.npy"), "not one target per sample"),
    (lambda t: t.update(inputs="train/nothing.npy"), "the Train tab's data's inputs ('train/nothing.npy') is missing"),
    (lambda t: t.update(input_name=""), "its files' names are not names"),
])
def test_damaged_train_data_in_a_session_is_refused_in_one_line(tmp_path, damage, said):
    st = edited_state()
    st.train_data = _train_data(st, tmp_path)[0]
    path = ses.save_session(st, tmp_path / "t.lstmviz")
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    manifest = json.loads(members.pop("manifest.json"))
    damage(manifest["train_data"])
    bad = tmp_path / "bad.lstmviz"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        for n, b in members.items():
            zf.writestr(n, b)
    with pytest.raises(LstmvizError) as err:
        ses.read_session(bad)
    assert said in str(err.value) and "\n" not in str(err.value)


def test_a_frozen_layer_stays_frozen_through_a_session(tmp_path):
    """A layer frozen in the side panel (Keras' ``trainable = False``) reopens frozen: its
    config says so, training moves none of its weights, the others' as before."""
    from lstmviz.engine.layers import frozen_arrays, trainable_arrays

    st = edited_state()
    st.set_layer_option(1, "trainable", False)
    assert st.layers[1].config["trainable"] is False
    n_trainable = len(trainable_arrays(st.model))
    path = ses.save_session(st, tmp_path / "f.lstmviz")
    other = AppState()
    ses.open_session(other, path)
    assert [e.config.get("trainable", True) for e in other.layers] == [e.config.get("trainable", True)
                                                                       for e in st.layers]
    assert other.layers[1].config["trainable"] is False
    assert len(trainable_arrays(other.model)) == n_trainable
    frozen = [frozen_arrays(layer) for layer in other.model.layers]
    assert frozen == [frozen_arrays(layer) for layer in st.model.layers] and frozen[1] > 0 == frozen[0]
