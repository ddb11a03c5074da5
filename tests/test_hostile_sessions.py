"""Hostile .lstmviz sessions: bounded before anything large is allocated, bad values get
one sentence, and opening is all or nothing (state, model, trace and undo stack exactly as
before), in the app state and in the window. Generated manifests (hypothesis) too."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lstmviz import limits
from lstmviz.app import session as ses
from lstmviz.app.state import AppState
from lstmviz.errors import LstmvizError
from tests.test_session import _manifest_edit, _rezip, _stateful_stack, assert_same_stack, edited_state

FIX = Path(__file__).resolve().parent / "fixtures"


def _good() -> bytes:
    return ses.session_bytes(ses.capture(edited_state()))


def _npy(arr) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr)
    return buf.getvalue()


def _write(tmp_path, data: bytes, name="s.lstmviz"):
    p = tmp_path / name
    p.write_bytes(data)
    return p


def _state() -> AppState:
    st = AppState()
    st.set_layer_option(0, "units", 5)
    return st


def _frozen(st: AppState):
    return (st.snapshot(), st.model, st.trace, st.x, st.cursor, list(st.undo_stack),
            list(st.redo_stack), st.readonly, st.path, st.error, [e.name for e in st.layers])


def _assert_unchanged(st: AppState, before) -> None:
    snap, model, trace, x, cursor, undo, redo, readonly, path, error, names = before
    assert_same_stack(snap, st)
    assert st.model is model and st.trace is trace and st.x is x
    assert st.cursor == cursor and st.readonly == readonly and st.path == path
    assert st.undo_stack == undo and st.redo_stack == redo
    assert st.error == error and [e.name for e in st.layers] == names


def _refused(tmp_path, data: bytes, *words: str) -> str:
    st = _state()
    before = _frozen(st)
    seen = []  # what a listener finds in the state when it is told of a change
    st.changed.connect(lambda change: seen.append(_frozen(st)))
    with pytest.raises(LstmvizError) as ei:
        ses.open_session(st, _write(tmp_path, data))
    for frozen in seen:  # never the refused content: at most the old one, told again
        _assert_unchanged(st, frozen)
        _assert_unchanged(st, before)
    msg = str(ei.value)
    assert "\n" not in msg and msg.isprintable(), msg
    for w in words:
        assert w in msg, (w, msg)
    _assert_unchanged(st, before)
    return msg


def _with_manifest(data: bytes, fn) -> bytes:
    return _rezip(data, _manifest_edit(fn))


# -- sizes -----------------------------------------------------------------------------------

def test_one_member_named_many_times(tmp_path, monkeypatch):
    monkeypatch.setenv(limits.ENV, "16M")

    def edit(m):
        m["layers"][0]["weights"] = ["big.npy"] * 32

    data = _with_manifest(_good(), edit)
    data = _rezip(data, lambda n, b: b)  # unchanged members, then one more:
    buf = io.BytesIO(data)
    with zipfile.ZipFile(buf, "a") as z:
        z.writestr("big.npy", _npy(np.random.default_rng(0).standard_normal(600_000).astype("f4")))
    _refused(tmp_path, buf.getvalue(), "over the memory limit of 16 MiB", "--max-memory")


def test_member_of_zeros_is_a_zip_bomb(tmp_path):
    zeros = _npy(np.zeros((1, 10_000_000, 4), np.float32))  # 160 MB, deflates to ~160 KB
    data = _rezip(_good(), lambda n, b: zeros if n == "input/data.npy" else b)
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for n in src.namelist():
            z.writestr(n, src.read(n))
    assert len(buf.getvalue()) < 2 * 1024 ** 2
    _refused(tmp_path, buf.getvalue(), "zip bomb")


def test_one_small_member_named_by_many_layers_is_refused(tmp_path):
    """One 4 MB member of zeros (4 KB in the archive) named ten times: 40 MB inflated from
    a file of kilobytes, each member under the one-member zip-bomb check (sixty names of a
    28 MB member were 1.7 GB and 7 s from 33 KB, and the session opened)."""
    def edit(m):
        m["layers"][0]["weights"] = ["z.npy"] * 10

    data = _with_manifest(_good(), edit)
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for n in src.namelist():
            z.writestr(n, src.read(n))
        z.writestr("z.npy", _npy(np.zeros(1_000_000, np.float32)))
    assert len(buf.getvalue()) < 100_000
    _refused(tmp_path, buf.getvalue(), "would inflate", "named many times")


def test_manifest_that_inflates_like_a_bomb(tmp_path):
    """A manifest of 2 MB of '{},' deflated 1000 times: 15 MB of them were 800 MB and 5 s
    in the window's own process from a 20 KB session (each '{}' a dict of 64 bytes)."""
    text = '{"format": "lstmviz-session", "version": 1, "layers": [' + "{}," * 700_000 + "{}]}"
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_good())) as src, \
            zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for n in src.namelist():
            z.writestr(n, text if n == "manifest.json" else src.read(n))
    assert len(buf.getvalue()) < 100_000
    _refused(tmp_path, buf.getvalue(), "'manifest.json' would inflate", "not JSON text")


def test_a_kept_model_of_more_layers_than_a_file_may_hold(tmp_path):
    """The stack is bounded at 5,000 layers, a kept (read-only) model was not: 200,000
    Dropouts in a manifest took 26 s and 1 GB, and the session opened. It is bounded at what
    a model file's readers allow (an ONNX graph's nodes and inputs: 25,000)."""
    def edit(m):
        m["model"] = {"name": "k", "inputs": [], "outputs": [], "layers": [
            {"class_name": "InputLayer", "config": {"batch_shape": [None, 5, 1]}, "name": "in"},
            *({"class_name": "Dropout", "config": {"rate": 0.1}, "name": f"d{i}"}
              for i in range(ses.MAX_KEPT_LAYERS))]}
    _refused(tmp_path, _with_manifest(_good(), edit), "the kept model lists 25,001 layers, more than 25,000")


def test_a_session_of_an_onnx_graph_of_more_layers_than_a_stack_may_hold_reads_back(tmp_path):
    """An ONNX graph of 5,001 nodes opens (its reader takes 20,000), and its session was
    written, then refused when read back: "the kept model lists 5,003 layers, more than
    5,000" (an autosave that cannot be restored)."""
    onnx = pytest.importorskip("onnx")
    from onnx import helper

    import lstmviz

    m = onnx.load(FIX / "onnx_hand_lstm_clip" / "model.onnx")
    nodes, last = [m.graph.node[0]], "Y"
    for i in range(5001):
        nodes.append(helper.make_node("Relu", [last], [f"r{i}"], name=f"relu{i}"))
        last = f"r{i}"
    del m.graph.node[:]
    m.graph.node.extend(nodes)
    m.graph.output[0].name = last
    p = tmp_path / "deep.onnx"
    p.write_bytes(m.SerializeToString())
    st = AppState()
    st.set_model(lstmviz.load(p), str(p))
    kept = ses.parse_session(ses.session_bytes(ses.capture(st)), "s")
    assert kept.model is not None and len(kept.model.layers) == len(st.model.layers) > ses.MAX_LAYERS


def test_weights_that_do_not_fit_their_layer_are_refused(tmp_path):
    """Ten arrays given to an LSTM (or one of another shape): the stack kept what fits and
    drew the rest afresh, as after an edit, so the session opened with initial weights
    and showed other numbers than were saved, without a word."""
    def ten(m):
        m["layers"][0]["weights"] = ["layers/0/0.npy"] * 10
    _refused(tmp_path, _with_manifest(_good(), ten), "layer 0 (LSTM) holds 10 weight arrays",
             "where its config needs 3")

    def swapped(m):
        m["layers"][0]["weights"] = m["layers"][0]["weights"][::-1]
    _refused(tmp_path, _with_manifest(_good(), swapped), "layer 0 (LSTM) holds 3 weight arrays")


def test_duplicated_member_names(tmp_path):
    buf = io.BytesIO(_good())
    with pytest.warns(UserWarning), zipfile.ZipFile(buf, "a") as z:
        z.writestr("manifest.json", "{}")
    _refused(tmp_path, buf.getvalue(), "two members named 'manifest.json'")


@pytest.mark.parametrize("key,value,word", [
    ("input_dim", 4_000_000, "over the memory limit"),
    ("batch_size", 10_000_000, "over the memory limit"),
    ("timesteps", 5_000_000, "5,000,000 timesteps"),
])
def test_declared_input_sizes(tmp_path, key, value, word):
    def edit(m):
        m["input"][key] = value
        m["input"]["source"] = "sine"
        m["input"]["data"] = None
    _refused(tmp_path, _with_manifest(_good(), edit), word)


def test_units_without_weights_refused_and_nothing_changes(tmp_path):
    """6000 units and no weights: refused when building, after reading; all or nothing."""
    def edit(m):
        m["layers"][0]["config"]["units"] = 6000
        for layer in m["layers"]:
            layer["weights"] = None
    _refused(tmp_path, _with_manifest(_good(), edit), "would take too long")


def _stateful_good() -> bytes:
    """A stateful stack at batch 2: its states carried into that batch as members
    ``states/1/0/{0,1}.npy`` (the LSTM's h and c, (2, 3)) and ``states/2/0/0.npy`` (the
    GRU's h, (2, 2))."""
    st = _stateful_stack()
    st.next_batch()
    st.next_batch()
    return ses.session_bytes(ses.capture(st))


def _member(name: str, arr):
    return lambda n, data: _npy(arr) if n == name else data


@pytest.mark.parametrize("arr,words", [
    (np.zeros((2, 4), np.float32), ("layer 'lstm' is given carried states of shapes (2, 4), (2, 3)",
                                    "it carries (2, 3), (2, 3)")),
    (np.zeros((1, 3), np.float32), ("shapes (1, 3), (2, 3)",)),  # another batch
    (np.full((2, 3), np.nan, np.float32), ("states/1/0/0.npy holds values that are not finite",)),
    (np.array([[1, 2, np.inf]] * 2, np.float32), ("not finite",)),
    (np.zeros((2, 3)), ("float64 of shape (2, 3), not a 2-D float32 array",)),
    (np.zeros((2, 3, 1), np.float32), ("float32 of shape (2, 3, 1), not a 2-D float32 array",)),
    (np.zeros(6, np.int32).reshape(2, 3), ("int32",)),
])
def test_carried_states_that_are_not_the_stacks_are_refused(tmp_path, arr, words):
    """The states a session carries into its batch come from strangers' files too: each
    member is checked as it is read (2-D float32, finite) and against the stack once it is
    built (its layers' shapes exactly); anything else refuses the session in one line, the
    state as it was. (Traced again from zero states instead, the file would open at other
    numbers than it says it holds: a damaged file, as weights that do not fit are.)"""
    _refused(tmp_path, _rezip(_stateful_good(), _member("states/1/0/0.npy", arr)), *words)


@pytest.mark.parametrize("edit,words", [
    (lambda m: m["states"].pop(), ("given for 2 layers, the stack has 3",)),
    (lambda m: m["states"][1][0].pop(), ("layer 'lstm' is given carried states of shapes (2, 3), it carries",)),
    (lambda m: m["states"][2].__setitem__(0, None), ("layer 'gru' carries states the session does not give",)),
    (lambda m: m["states"][0].append(["states/2/0/0.npy"]), ("layer 'input", "is given carried states for 1")),
    (lambda m: m.update(states={"a": 1}), ("the carried states are not a list per layer",)),
    (lambda m: m["states"][1].__setitem__(0, ["states/1/0/0.npy"] * 9), ("not a list per layer",)),
    (lambda m: m["states"][1][0].__setitem__(0, "states/nowhere.npy"), ("states/nowhere.npy", "missing")),
    (lambda m: m.update(batch=10**12), ("stateful batch 1,000,000,000,000 cannot be traced",
                                        "over the memory limit")),
])
def test_carried_states_listed_wrong_are_refused(tmp_path, edit, words):
    _refused(tmp_path, _with_manifest(_stateful_good(), edit), *words)


def test_carried_states_too_large_are_refused_before_they_are_read(tmp_path, monkeypatch):
    """However well they compress, the states' members take at most ``STATE_BYTES``
    together, refused from the archive's directory before any is inflated."""
    monkeypatch.setattr(ses, "STATE_BYTES", 1000)
    big = np.random.default_rng(0).normal(size=(2, 400)).astype(np.float32)
    read = []
    real = ses.read_npy_bytes
    monkeypatch.setattr(ses, "read_npy_bytes", lambda data, what, **k: (read.append(what), real(data, what, **k))[1])
    _refused(tmp_path, _rezip(_stateful_good(), _member("states/1/0/1.npy", big)),
             "the carried states take", "more than a stack carries")
    assert not any("states/" in r for r in read)


# -- values ---------------------------------------------------------------------------------

def test_units_a_list(tmp_path):
    _refused(tmp_path, _with_manifest(_good(), lambda m: m["layers"][0]["config"].update(units=[4, 4])),
             "units is [4, 4]", "accepted")


def test_period_beyond_floats(tmp_path):
    def edit(m):  # json writes 10**400 as its digits; Python reads them as an int
        m["input"]["period"] = 10 ** 400
    _refused(tmp_path, _with_manifest(_good(), edit), "input period", "401 digits")


def test_deep_config(tmp_path):
    """A config nested 600 levels deep (the RecursionError of the issue)."""
    data = _rezip(_good(), lambda n, b: (json.dumps(_deep_manifest(b)).encode()
                                         if n == "manifest.json" else b))
    _refused(tmp_path, data, "nests")


def _deep_manifest(raw: bytes) -> dict:
    m = json.loads(raw)
    deep: dict = {}
    for _ in range(600):
        deep = {"a": deep}
    m["layers"][0]["config"]["deep"] = deep
    return m


def test_splitter_at_1e30_is_dropped(tmp_path):
    data = _with_manifest(_good(), lambda m: m.update(ui={"splitter": [10 ** 30, 5], "tab": 1}))
    s = ses.read_session(_write(tmp_path, data))
    assert s.ui == {"tab": 1}


@pytest.mark.parametrize("value", [0, 1, "true", None, [True], 1e30, float("nan")])
def test_view_settings_not_true_or_false_are_dropped(tmp_path, value):
    def edit(m):
        m["ui"] = {"focus": value, "equations": value, "cell_terms": value, "tab": 1}
    s = ses.read_session(_write(tmp_path, _with_manifest(_good(), edit)))
    assert s.ui == {"tab": 1}


@pytest.mark.parametrize("value", [0, 3, -4, 1e30, 4.5, True, "4", None, [4], float("inf")])
def test_a_speed_the_player_does_not_offer_is_dropped(tmp_path, value):
    data = _with_manifest(_good(), lambda m: m.update(ui={"speed": value, "focus": True}))
    s = ses.read_session(_write(tmp_path, data))
    assert s.ui == {"focus": True}


@pytest.mark.parametrize("value", [-1, ses.MOST_CELLS, 1.0, True, "1", None, [1], float("nan")])
def test_a_picked_cell_not_a_cells_number_is_dropped(tmp_path, value):
    """A stack of cells' cell a view showed (``CELL_PICKS``): a whole number 0 .. 1,023, else
    dropped as no window wrote it; 0 and 3 kept."""
    data = _with_manifest(_good(), lambda m: m.update(ui={"cell_view_cell": value, "over_time_cell": 3,
                                                          "weights_cell": value, "focus": True}))
    assert ses.read_session(_write(tmp_path, data)).ui == {"over_time_cell": 3, "focus": True}
    data = _with_manifest(_good(), lambda m: m.update(ui={"cell_view_cell": 0}))
    assert ses.read_session(_write(tmp_path, data)).ui == {"cell_view_cell": 0}


def test_speeds_the_player_offers_are_kept(tmp_path):
    for speed in (0.5, 1, 4.0, 60):
        data = _with_manifest(_good(), lambda m, v=speed: m.update(ui={"speed": v, "cell_terms": False}))
        assert ses.read_session(_write(tmp_path, data)).ui == {"speed": speed, "cell_terms": False}


def test_hostile_names_are_escaped(tmp_path):
    def edit(m):
        m["layers"][0]["name"] = "x\x1b]0;pwned\x07" + "y" * 70_000
    s = ses.read_session(_write(tmp_path, _with_manifest(_good(), edit)))
    name = s.layers[0].name
    assert name.isprintable() and len(name) <= 120 and "\\x1b" in name


def test_an_input_label_of_control_characters_is_escaped(tmp_path):
    """A session's input label (a demo's input, "demo: sine wave", ``InputSpec.label``) of a
    line break, a right-to-left override and an escape sequence was shown as it was on the
    Stack tab's input button and the Input tab's source list: two lines, the first cut off,
    the text after the override drawn backwards. It is escaped as a layer's name is; markup
    stays text (those widgets show plain text)."""
    label = "line1\nline2\u202eevil<b>bold</b>\x1b[31m"

    def edit(m):
        m["input"]["label"] = label
    s = ses.read_session(_write(tmp_path, _with_manifest(_good(), edit)))
    assert s.input.label == "line1\\x0aline2\\u202eevil<b>bold</b>\\x1b[31m", s.input.label
    assert s.input.label.isprintable()


# -- generated manifests ------------------------------------------------------------------

PATHS = [("input", "batch_size"), ("input", "timesteps"), ("input", "input_dim"),
         ("input", "seed"), ("input", "period"), ("input", "source"), ("input", "text"),
         ("input", "data"), ("cursor", "step"), ("cursor", "sample"), ("cursor", "layer"),
         ("cursor", "side"), ("seed",), ("trace_all_samples",), ("ui",), ("ui", "splitter"),
         ("layers", 0, "config", "units"), ("layers", 0, "config", "activation"),
         ("layers", 1, "config", "return_sequences"), ("layers", 0, "class_name"),
         ("layers", 0, "weights"), ("layers", 0, "name"), ("layers",), ("version",), ("path",)]

VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-10 ** 20, 10 ** 20),
    st.sampled_from([0, -1, 10 ** 7, 2 ** 63, 10 ** 400, 1e30, float("nan")]),
    st.floats(allow_nan=False), st.text(max_size=10),
    st.lists(st.integers(-5, 10 ** 6), max_size=5),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=3),
)


def _set(m, path, value):
    obj = m
    for k in path[:-1]:
        obj = obj[k]
    if isinstance(obj, (list, dict)):
        obj[path[-1]] = value


GOOD = None


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(path=st.sampled_from(PATHS), value=VALUES)
def test_generated_manifests_open_whole_or_not_at_all(tmp_path_factory, path, value):
    global GOOD
    if GOOD is None:
        GOOD = _good()
    data = _rezip(GOOD, _manifest_edit(lambda m: _set(m, path, value)))
    p = tmp_path_factory.mktemp("gen") / "g.lstmviz"
    p.write_bytes(data)
    state = _state()
    before = _frozen(state)
    try:
        ses.open_session(state, p)
    except LstmvizError as err:
        msg = str(err)
        assert "\n" not in msg and msg.isprintable() and len(msg) < 2100, msg[:200]
        _assert_unchanged(state, before)
    else:
        assert state.error is None and state.model is not None and state.trace is not None


# -- in the window ---------------------------------------------------------------------------

@pytest.fixture
def window(make_window):
    return make_window((1200, 800))


def test_window_failed_session_leaves_everything_as_it_was(window, tmp_path):
    st = window.state
    st.set_layer_option(0, "units", 3)
    before = _frozen(st)
    panel_rows = _panel_rows(window)

    def edit(m):
        m["layers"][0]["config"]["units"] = [1, 2]
        m["layers"].append(m["layers"][-1])
    path = _write(tmp_path, _with_manifest(_good(), edit))
    assert not window.open_file(str(path))
    assert "units is [1, 2]" in window.last_message
    _assert_unchanged(st, before)
    assert _panel_rows(window) == panel_rows
    assert window.sessions.undo_action.isEnabled()
    assert st.undo()  # the old undo stack works as before
    assert st.layers[0].config["units"] != 3


def _panel_rows(window) -> list[str]:
    """What the side panel lists: one text per layer row."""
    from PySide6 import QtWidgets

    lists = window.findChildren(QtWidgets.QListWidget)
    rows = []
    for lw in lists:
        rows += [lw.item(i).text() for i in range(lw.count())]
    return rows or [e.label() for e in window.state.layers]


def test_opening_a_model_that_cannot_be_traced_changes_nothing():
    """A model file read fine but not traceable (here: 300,000 fixed timesteps, over the
    step limit) is refused whole by ``set_model``; the stack, trace and undo stay."""
    from lstmviz.engine import LayerSpec, Model

    st = _state()
    before = _frozen(st)
    model = Model.sequential((None, 300_000, 1), [LayerSpec("LSTM", {"units": 1})], name="long")
    with pytest.raises(LstmvizError) as ei:
        st.set_model(model, "long.keras")
    assert str(ei.value).startswith("long.keras cannot be shown: ")
    assert "300,000 timesteps, over the limit" in str(ei.value)
    _assert_unchanged(st, before)
    ok = Model.sequential((None, 7, 1), [LayerSpec("GRU", {"units": 2})], name="fine")
    st.set_model(ok, "fine.keras")
    assert st.model is not None and st.layers[0].class_name == "GRU" and st.error is None
    assert len(st.undo_stack) == len(before[5]) + 1


# -- damaged bytes (found by mutating saved sessions) ------------------------------------------
def test_a_npy_header_whose_text_is_cut_is_one_line(tmp_path):
    """NumPy parses an array's header text with tokenize: an unclosed bracket raised
    tokenize's TokenError, which escaped every check (a traceback, not a message)."""
    def cut(name, data):
        if not name.endswith(".npy"):
            return data
        i = data.index(b"'shape': (")
        j = data.index(b")", i)
        return data[:j] + b" " + data[j + 1:]  # same length, bracket left open

    msg = _refused(tmp_path, _rezip(_good(), cut), "not a usable lstmviz session", "header cannot be read")
    assert "EOF in multi-line statement" in msg and "(2, 0)" not in msg


def test_a_npy_header_of_odd_text_is_refused_without_pythons_warnings(tmp_path):
    """A damaged header's '(2, 0)' read as '(0in 0)', or its dtype with a backslash: Python's parser,
    behind NumPy's, printed "SyntaxWarning: invalid decimal literal" (or a
    DeprecationWarning of an escape) on stderr before the one-line refusal (found by
    fuzzing sessions). The refusal alone now."""
    import warnings

    for at, new in ((b"'shape': (", b"0in"), (b"'descr': '", b"\\`")):
        def odd(name, data, at=at, new=new):
            if not name.endswith(".npy"):
                return data
            i = data.index(at) + len(at)
            return data[:i] + new + data[i + len(new):]  # (the header's length kept)

        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            _refused(tmp_path, _rezip(_good(), odd), "not a usable lstmviz session", "header cannot be read")
        assert not said, [str(w.message) for w in said]


def test_a_zip_of_a_version_no_reader_knows_is_one_line(tmp_path):
    data = bytearray(_good())
    central = data.index(b"PK\x01\x02")  # the first member's central directory entry
    data[central + 6:central + 8] = (63 * 256 + 99).to_bytes(2, "little")  # "version needed": 99
    local = data.index(b"PK\x03\x04")
    data[local + 4:local + 6] = (99).to_bytes(2, "little")
    _refused(tmp_path, bytes(data), "not a usable lstmviz session")


def test_a_kept_model_layer_that_is_not_an_object_is_one_line(tmp_path):
    import lstmviz

    st = AppState()
    st.set_model(lstmviz.load(FIX / "k3_seq2seq_lstm" / "model.keras"), "s2s.keras")
    data = ses.session_bytes(ses.capture(st))

    def listed(m):
        m["model"]["layers"][1] = ["not", "a", "layer"]

    _refused(tmp_path, _with_manifest(data, listed), "layer 1 of the kept model is not an object")


@pytest.mark.parametrize("edit", [
    lambda m: m["model"]["inputs"].__setitem__(1, ["gone", 0]),  # (a layer it does not hold: KeyError)
    lambda m: m["model"]["layers"][1].__setitem__("name", "renamed"),  # (its inputs name the old name)
    lambda m: m["model"]["layers"][4]["config"]["layer"].__setitem__("config", None),  # (AttributeError)
    lambda m: m["model"]["layers"][4]["config"]["layer"].__setitem__("class_name", ["LSTM"]),  # (TypeError)
])
def test_a_kept_model_that_cannot_be_built_is_said_without_pythons_words(tmp_path, edit):
    """A kept model whose inputs name a layer it does not hold, or whose wrapped layer's
    config is not an object, was refused with Python's class and words: "the kept model
    cannot be built (KeyError: 'gone')", "(AttributeError: 'NoneType' object has no
    attribute 'get')". One line in words now, the exception chained."""
    import lstmviz

    st = AppState()
    st.set_model(lstmviz.load(FIX / "k3_seq2seq_lstm" / "model.keras"), "s2s.keras")
    data = _with_manifest(ses.session_bytes(ses.capture(st)), edit)
    msg = _refused(tmp_path, data)
    head = f"{tmp_path / 's.lstmviz'}: not a usable lstmviz session (the kept model cannot be built: "
    if msg.startswith(head + "the model's input '") and msg.endswith("' is not an input layer of the model)"):
        return  # (said in the model's own words now: its inputs are checked when it is built)
    assert msg == head + "its layers' settings or connections are damaged)"
    with pytest.raises(LstmvizError) as err:
        ses.parse_session(data)
    assert isinstance(err.value.__cause__, (KeyError, AttributeError, TypeError))


@pytest.mark.parametrize("raised", [TypeError("'<' not supported between instances of 'str' and 'int'"),
                                    KeyError("layers"), IndexError("list index out of range")])
def test_the_session_readers_last_line_of_defence_says_no_pythons_words(monkeypatch, raised):
    """Past every check, the reader said "manifest.json holds what a session does not
    (TypeError: '<' not supported between instances of 'str' and 'int')": Python's class
    and words. It says the manifest holds what the reader did not foresee, the exception
    chained for a traceback."""
    def failing(*a, **k):
        raise raised

    data = _good()
    monkeypatch.setattr(ses, "_parse_manifest", failing)
    with pytest.raises(LstmvizError) as err:
        ses.parse_session(data, "s.lstmviz")
    assert str(err.value) == ("s.lstmviz: not a usable lstmviz session (manifest.json holds something "
                              "lstmviz's session reader did not foresee)")
    assert err.value.__cause__ is raised


def _damaged_session(rng, data: bytes) -> bytes:
    """A saved session with a manifest value replaced, an array's bytes flipped, or the
    archive's own bytes flipped."""
    how = rng.randrange(3)
    if how == 2:
        b = bytearray(data)
        for _ in range(rng.randrange(1, 10)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        return bytes(b)
    odd = [None, -1, 10 ** 12, "x", [], {}, 1e308, True, "\u202e", 0]

    def change(name, member):
        if name == "manifest.json" and how == 0:
            m = json.loads(member)
            stack = [m]
            while stack:
                o = stack.pop()
                keys = list(o) if isinstance(o, dict) else range(len(o)) if isinstance(o, list) else []
                for k in keys:
                    if rng.random() < 0.08:
                        o[k] = rng.choice(odd)
                    else:
                        stack.append(o[k])
            return json.dumps(m)
        if name.endswith(".npy") and how == 1 and rng.random() < 0.5:
            b = bytearray(member)
            for _ in range(rng.randrange(1, 8)):
                b[rng.randrange(len(b))] = rng.randrange(256)
            return bytes(b)
        return member

    return _rezip(data, change)


def test_damaged_sessions_give_one_line_from_the_checks(tmp_path):
    """300 damaged sessions (seeded): each opens or is refused in one line by a check that
    knows what it refuses, not by the parser's last line of defence (which caught a
    tokenize error, a zip version and a list where a layer belongs, found so)."""
    import random

    import lstmviz

    st = AppState()
    graph = ses.session_bytes(ses.capture(edited_state()))
    st.set_model(lstmviz.load(FIX / "k3_seq2seq_lstm" / "model.keras"), "s2s.keras")
    kept = ses.session_bytes(ses.capture(st))
    rng = random.Random(0)
    refused = 0
    for k in range(300):
        path = _write(tmp_path, _damaged_session(rng, rng.choice([graph, kept])), f"{k}.lstmviz")
        try:
            ses.read_session(path)
        except LstmvizError as err:
            refused += 1
            msg = str(err)
            assert "\n" not in msg and ses.LAST_RESORT not in msg, msg
    assert refused > 200  # the damage reached the checks


def test_a_kept_models_other_inputs_are_checked(tmp_path):
    """A session of a two-input model keeps the decoder's input beside the data
    (``input/others``): a list that is not one, a missing member, NaN or text in it, each
    is one line and nothing changes; the good one opens with the decoder's input as saved."""
    import lstmviz
    from lstmviz.app.inputs import use_array

    case = FIX / "k3_seq2seq_lstm"
    xs = [np.load(case / "x0.npy"), np.load(case / "x1.npy")]
    st = AppState()
    st.set_model(lstmviz.load(case / "model.keras"))
    use_array(st, xs)
    good = ses.session_bytes(ses.capture(st))
    opened = AppState()
    ses.open_session(opened, _write(tmp_path, good))
    np.testing.assert_array_equal(opened.trace.inputs[1], xs[1][:1])

    def named(value):
        def edit(m):
            m["input"]["others"] = value
        return edit
    made = AppState()  # (an input not given: made up)
    ses.open_session(made, _write(tmp_path, _with_manifest(good, named([None])), "made.lstmviz"))
    assert made.others_given() == [("decoder_input", False)]
    _refused(tmp_path, _with_manifest(good, named("input/others/0.npy")), "the other inputs are not a list")
    _refused(tmp_path, _with_manifest(good, named(["nope.npy"])), "input 1's data ('nope.npy') is missing")
    for bad, words in ((np.full((2, 4, 2), np.nan, np.float32), "input 1's data holds NaN or infinity"),
                       (np.array(["ab", "cd"]), "input 1's data (input/others/0.npy): holds text"),
                       (np.zeros(3, np.float32), "input 1's data has shape (3,) and dtype float32")):
        damaged = _rezip(good, lambda n, b, bad=bad: _npy(bad) if n == "input/others/0.npy" else b)
        _refused(tmp_path, damaged, words)


def test_a_damaged_member_header_is_one_short_line(tmp_path):
    from tests.test_io_errors import _long_local_name

    msg = _refused(tmp_path, _long_local_name(_good(), b"manifest.json"),
                   "name in the archive's directory and in its own header differ")
    assert len(msg) < 300 and "\\x" not in msg, msg


@pytest.mark.parametrize("manifest, why", [
    (b"{oops", "expecting property name enclosed in double quotes at line 1, column 2"),
    (b"[" * 100_000, "it nests too deeply"),
    (b'{"seed": 1' + b"0" * 5000 + b"}", "a number in it is too long"),
    (b"\xff\xfe{}", "it is not UTF-8 text"),
])
def test_a_manifest_that_is_no_json_is_said_in_plain_words(tmp_path, manifest, why):
    """It said "JSONDecodeError: Expecting value: line 1 column 1 (char 0)" (Python's class
    name), or "ValueError: Exceeds the limit (4300 digits) for integer string conversion ...;
    use sys.set_int_max_str_digits()" (advice for a programmer)."""
    data = _rezip(_good(), lambda name, b: manifest if name == "manifest.json" else b)
    msg = _refused(tmp_path, data, f"manifest.json is not valid JSON: {why}")
    assert "Error" not in msg and "sys." not in msg


# -- a kept ONNX model's node configs -----------------------------------------------------------
def _onnx_session(case: str = "onnx_torch_classic_lstm") -> bytes:
    """A session keeping a model opened from an ONNX file (its nodes' configs in the manifest)."""
    import lstmviz

    pytest.importorskip("onnx")
    st = AppState()
    st.set_model(lstmviz.load(FIX / case / "model.onnx"), "m.onnx")
    return ses.session_bytes(ses.capture(st))


def _node(m, cls: str, last: bool = False) -> dict:
    """The config of the first (or ``last``) node of class ``cls`` the kept model holds."""
    found = [item["config"] for item in m["model"]["layers"] if item["class_name"] == cls]
    return found[-1] if last else found[0]


@pytest.mark.parametrize("edit, says", [
    (lambda m: _node(m, "onnx.Concat").update(opset="x"), "opset is 'x'"),
    (lambda m: _node(m, "onnx.Concat").update(opset=[1.5]), "opset is '[1.5]'"),
    (lambda m: _node(m, "onnx.Concat")["slots"].__setitem__(0, ["const", "99"]), "its inputs are not"),
    (lambda m: _node(m, "onnx.Concat").update(slots="in"), "its inputs are not"),
    (lambda m: _node(m, "onnx.ConstantOfShape").update(attrs=[1, 2]), "attributes are not an object"),
    (lambda m: _node(m, "onnx.ConstantOfShape")["attrs"].update(value=None), "attribute 'value'"),
    (lambda m: _node(m, "onnx.Concat")["consts"]["2"].update(shape=[5]), "holds 1 values where its shape needs 5"),
    (lambda m: _node(m, "onnx.LSTM").update(consts=[1, 2]), "constants are not an object"),
    (lambda m: _node(m, "onnx.LSTM").update(slots={}), "its inputs are not named"),
    (lambda m: _node(m, "onnx.LSTM").update(clip="nan"), "clip is 'nan'"),
    # (ONNX's clip: a positive finite threshold; alpha and beta finite, where the activation takes them)
    (lambda m: _node(m, "onnx.LSTM").update(clip=float("inf")),
     "its clip is 'inf', not a positive finite number (ONNX's clip threshold)"),
    (lambda m: _node(m, "onnx.LSTM").update(clip=10 ** 400), "not a positive finite number"),
    (lambda m: _node(m, "onnx.LSTM").update(clip=1e39), "its clip is '1e+39', not a positive finite number"),
    (lambda m: _node(m, "onnx.LSTM").update(activation="LeakyRelu(alpha=nan)"),
     "layer 'rnn.LSTM' (ONNX LSTM): its activation 'LeakyRelu(alpha=nan)' has alpha nan, not a finite number"),
    (lambda m: _node(m, "onnx.LSTM").update(recurrent_activation="HardSigmoid(alpha=0.2, beta=inf)"),
     "its recurrent_activation 'HardSigmoid(alpha=0.2, beta=inf)' has beta inf, not a finite number"),
    (lambda m: _node(m, "onnx.LSTM").update(activation="Affine(alpha=1e39, beta=0)"),
     "has alpha 1e39, not a finite number"),
    (lambda m: _node(m, "onnx.LSTM").update(activation="LeakyRelu(alpha=-.)"), "has alpha '-.', not a number"),
    (lambda m: _node(m, "onnx.LSTM").update(activation="ScaledTanh(alpha=1)"),
     "its activation 'ScaledTanh(alpha=1)' takes alpha and beta"),
    (lambda m: _node(m, "onnx.LSTM").update(output_activation="Relu(alpha=2)"),
     "its output_activation 'Relu(alpha=2)' takes no alpha or beta"),
    (lambda m: _node(m, "onnx.Gather")["attrs"].update(axis=[-1]), "cannot be computed with its attributes (axis)"),
    (lambda m: _node(m, "onnx.Transpose")["attrs"].update(perm=-0.0), "cannot be computed with its attributes (perm)"),
    (lambda m: _node(m, "onnx.ConstantOfShape")["attrs"].update(value=0), "cannot be computed"),
    (lambda m: _node(m, "onnx.Transpose").update(output_shapes=[]), "output or weight shapes"),
    (lambda m: _node(m, "onnx.Transpose").update(output_shapes=None), "output or weight shapes"),
    (lambda m: _node(m, "onnx.Transpose").update(output_shapes=[[]]), "where the model declares ()"),
    (lambda m: _node(m, "onnx.Transpose").update(output_shapes=[[None, None, 3], [3]]),
     "makes 1 output where the model declares 2"),
    # (the Gather before the Dense: another axis, another width than the Dense was built for)
    (lambda m: _node(m, "onnx.Gather", last=True)["attrs"].update(axis=2), "where the model declares"),
])
def test_a_kept_onnx_nodes_damaged_config_is_one_line_naming_the_node(tmp_path, edit, says):
    """A session keeps an ONNX graph's nodes as configs its reader wrote: opset, slots,
    constants, attributes. A manifest's odd ones were Python's errors from the trace:
    ``lstmviz trace s.lstmviz`` said "invalid literal for int() with base 10: 'x'", the window
    "cannot be shown (TypeError: ...)", and a Gather of another axis fed the Dense after it
    the wrong width (NumPy's matmul error). Each is now one line about the node, from
    opening it (where it is built and traced) and from ``lstmviz.load`` and its trace."""
    import lstmviz

    data = _with_manifest(_onnx_session(), edit)
    msg = _refused(tmp_path, data, says)
    assert "Error" not in msg, msg
    x = np.zeros((5, 1, 3), np.float32)
    with pytest.raises(LstmvizError) as ei:
        lstmviz.load(_write(tmp_path, data, "again.lstmviz")).trace(x)
    assert says in str(ei.value) and "\n" not in str(ei.value), str(ei.value)


def test_a_kept_onnx_model_still_opens_and_traces_as_saved(tmp_path):
    import lstmviz

    data = _onnx_session()
    st = _state()
    ses.open_session(st, _write(tmp_path, data))
    assert st.error is None and st.model is not None
    x = np.load(FIX / "onnx_torch_classic_lstm" / "x.npy")
    want = lstmviz.load(FIX / "onnx_torch_classic_lstm" / "model.onnx").trace(x).outputs[0]
    got = lstmviz.load(_write(tmp_path, data, "again.lstmviz")).trace(x).outputs[0]
    np.testing.assert_array_equal(got, want)


def _input(m, role: str | None = None) -> dict:
    return next(item["config"] for item in m["model"]["layers"]
                if item["class_name"] == "InputLayer" and item["config"].get("role") == role)


@pytest.mark.parametrize("case, edit, says", [
    ("onnx_hand_rnn_bidir_nobias", lambda m: _node(m, "onnx.RNN").update(consts=3), "constants are not an object"),
    ("onnx_hand_rnn_bidir_nobias", lambda m: _node(m, "onnx.RNN").update(slots=""), "its inputs are not named"),
    ("onnx_hand_lstm_bidir_acts",
     lambda m: _node(m, "onnx.LSTM")["backward"].update(output_activation="Elu(alpha=nan)"),
     "layer 'lstm.LSTM' (ONNX LSTM): its backward half's output_activation 'Elu(alpha=nan)' has alpha nan"),
    ("onnx_hand_lstm_bidir_acts", lambda m: _node(m, "onnx.LSTM").update(backward=[1]),
     "its backward half is not an object of its activations"),
    ("onnx_hand_gru_clip_bidir", lambda m: _node(m, "onnx.GRU").update(backward={"clip": -1}),
     "its backward half is not an object of its activations"),
    ("onnx_hand_gru_clip_bidir", lambda m: _node(m, "onnx.GRU").update(clip=float("nan")),
     "layer 'gru.GRU' (ONNX GRU): its clip is 'nan', not a positive finite number"),
    ("onnx_torch_classic_lstm", lambda m: _input(m).update(batch_axis="concat"), "batch_axis is 'concat'"),
    ("onnx_torch_classic_lstm", lambda m: _input(m).update(batch_axis=None), "batch_axis is None"),
    ("onnx_torch_classic_lstm", lambda m: _input(m).update(batch_axis=3), "from 0 to 2"),
    ("onnx_torch_classic_lstm", lambda m: _input(m).update(role="weights"), "role is 'weights'"),
    ("onnx_hand_lstm_clip", lambda m: _input(m).update(batch_shape=[None]), "time_major is True"),
    ("onnx_hand_gru_seqlens_reverse", lambda m: _input(m, "sequence_lens").update(dtype=[0, 0]),
     "an integer type for sequence lengths"),
    ("onnx_hand_gru_layout1", lambda m: _input(m, "initial_state").update(batch_shape=[None]),
     "initial_h has shape (1,), needs (1, 1, 3)"),
    ("onnx_hand_gru_layout1", lambda m: m["model"].update(inputs=m["model"]["inputs"][:1]),
     "input layer 'h0' feeds layer 'gru.GRU' but is not among the model's inputs"),
    ("onnx_hand_gru_layout1", lambda m: m["model"].update(inputs=m["model"]["inputs"] * 2),
     "lists its input 'x' twice"),
    ("onnx_hand_gru_layout1", lambda m: m["model"]["inputs"].__setitem__(1, ["gru.GRU", 0]),
     "input 'gru.GRU' is not an input layer"),
])
def test_a_kept_onnx_graphs_inputs_and_bidirectional_nodes_are_checked_too(tmp_path, case, edit, says):
    """The same for a bidirectional node (its halves were checked, not its own slots and
    constants: "AttributeError: 'int' object has no attribute 'items'" from ``lstmviz.load``)
    and for what the reader says of a graph's inputs, which the window reads to make one:
    a batch axis of 'concat' or past the input's axes, a time-major input of one axis, a
    sequence_lens input of a dtype NumPy cannot make, an initial state of one axis, an input
    layer the model's inputs leave out were "cannot be shown (ValueError: ...)", "(IndexError:
    tuple index out of range)", "(KeyError: 'h0')"."""
    msg = _refused(tmp_path, _with_manifest(_onnx_session(case), edit), says)
    assert "Error" not in msg, msg


@pytest.mark.parametrize("where", ["loop", "nul"])
def test_a_restored_session_s_model_path_of_a_symlink_loop_or_a_nul_byte_leaves_the_dialogs_a_folder(
        window, tmp_path, where):
    """A session's "path" (the model file its work came from, put back by a restore) is any
    text: a symlink loop or a NUL byte made ``Path.resolve`` raise (RuntimeError "Symlink
    loop", ValueError "embedded null byte") out of the folder the Save and Open dialogs
    start in and out of the Export dialog's: the menu action failed with a traceback."""
    loop = tmp_path / "a"
    loop.symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(loop)
    path = str(loop / "m.keras") if where == "loop" else str(tmp_path / "m\x00.keras")

    def edit(m):
        m["path"] = path
    assert window.sessions.restore_autosave(_write(tmp_path, _with_manifest(_good(), edit)))
    assert window.state.path == path  # (the work restored, its model's path as it was kept)
    window.settings.remove("session_folder")
    window.sessions.session_path = None
    assert window.sessions.session_folder().is_dir()
    window.exporter.last_dir = None
    assert window.exporter.folder().is_dir()


def test_a_session_s_typed_text_is_escaped_on_the_stack_tab_s_input_button(window, tmp_path):
    """The Stack tab's input button shows the first 12 characters of typed text (``text "..."``):
    a session's text of a line break, a right-to-left override and an escape sequence was
    drawn as it was (two lines, the rest backwards), where its label is escaped. Escaped as a
    layer's name is; the text itself (the input's characters) is kept as it was, and so are
    the steps and width saved beside it (typing text sets them to its length and 29 columns;
    set after it, 14 steps of a 16-character text one-hot in 1 column): the fields, the
    traced input and the Input tab's note say them."""
    text = "a\nb\u202eevil\x1b[31mxyz"

    def edit(m):
        m["input"].update(source="text", text=text, timesteps=14)  # (input_dim 1, _good's)
    assert window.open_file(str(_write(tmp_path, _with_manifest(_good(), edit))))
    from PySide6 import QtWidgets

    assert window.state.input.source == "text" and window.state.input.text == text
    QtWidgets.QApplication.processEvents()
    shown = window.stack_panel.input_source_button.text()
    assert shown == "text \u201ca\\x0ab\\u202eevil\\x1b[31\u201d \u25be", shown
    sp = window.stack_panel
    assert (sp.timesteps_spin.value(), sp.input_dim_spin.value()) == (14, 1)
    assert window.state.x.shape == (3, 14, 1)
    assert "in 1 column it wraps around" in window.input_panel.text_note.text()
