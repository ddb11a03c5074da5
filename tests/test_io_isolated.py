"""Reading HDF5 files in a child process: same results, and hangs / crashes become errors.

A file that really hangs or crashes libhdf5 is not reproducible across h5py builds, so the
child is simulated by replacing ``isolated.child_command`` with a command that sleeps, is
killed by a signal, or prints something that is not our result.
"""

from __future__ import annotations

import os
import pickle
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lstmviz
from lstmviz.errors import LstmvizError
from lstmviz.io import isolated, read_model_file, read_weights_file
from lstmviz.io.formats import read_model_file_isolated, read_weights_file_isolated
from tests.helpers import FIXTURES, REALWORLD, mutate_bytes

FILES = [FIXTURES / p for p in (
    "k3_lstm_default/model.keras", "k3_lstm_default/model.h5", "k3_lstm_default/model.weights.h5",
    "k2_lstm_default/model.h5", "k2_lstm_default/weights.h5", "k3_rnn_cells/model.keras",
    "k2_rnn_cells/weights.h5", "k3_seq2seq_lstm/model.keras", "k2_emb_mask_lstm/model.h5",
)]
FILES += sorted(p for p in (REALWORLD / "models").glob("*") if p.suffix != ".pt")[:6] \
    if (REALWORLD / "models").is_dir() else []


def _same_arrays(a, b):
    assert (a is None) == (b is None)
    if a is not None:
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert x.dtype == y.dtype
            np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_isolated_reads_equal_in_process(path):
    try:
        want = read_model_file(path)
    except LstmvizError as exc:
        with pytest.raises(LstmvizError) as got:
            read_model_file_isolated(path)
        assert str(got.value) == str(exc)
        return
    got = read_model_file_isolated(path)
    assert (got.name, got.inputs, got.outputs, got.keras_version, got.source) == \
        (want.name, want.inputs, want.outputs, want.keras_version, want.source)
    assert len(got.layers) == len(want.layers)
    for g, w in zip(got.layers, want.layers):
        assert (g.class_name, g.name, g.config, g.inbound, g.initial_state) == \
            (w.class_name, w.name, w.config, w.inbound, w.initial_state)
        _same_arrays(g.weights, w.weights)
    entries, k3 = read_weights_file_isolated(path, paths=True)
    want_entries, want_k3 = read_weights_file(path, paths=True)
    assert [n for n, _ in entries] == [n for n, _ in want_entries]
    for (_, a), (_, b) in zip(entries, want_entries):
        _same_arrays(a, b)
    assert (k3 is None) == (want_k3 is None)
    if k3 is not None:
        assert sorted(k3) == sorted(want_k3)
        for k in k3:
            _same_arrays(k3[k], want_k3[k])


def test_load_and_load_weights_isolate_by_default(monkeypatch):
    case = FIXTURES / "k3_lstm_default"
    model = lstmviz.load(case / "model.keras")
    ref = lstmviz.load(case / "model.keras", isolate=False)
    x = np.load(case / "x.npy")
    np.testing.assert_array_equal(model.trace(x).outputs[0], ref.trace(x).outputs[0])
    for layer in model.layers:
        if layer.weights:
            layer.set_weights([np.zeros_like(w) for w in layer.weights])
    lstmviz.load_weights(model, case / "model.weights.h5")
    np.testing.assert_array_equal(model.trace(x).outputs[0], ref.trace(x).outputs[0])
    _fake_child(monkeypatch, "import os; os.kill(os.getpid(), 9)")
    with pytest.raises(LstmvizError, match="crashed"):
        lstmviz.load(case / "model.keras")
    with pytest.raises(LstmvizError, match="crashed"):
        lstmviz.load_weights(model, case / "model.weights.h5")
    lstmviz.load(case / "model.keras", isolate=False)  # in-process: no child


def _fake_child(monkeypatch, code: str) -> None:
    monkeypatch.setattr(isolated, "child_command",
                        lambda kind, path, memory: [sys.executable, "-c", code])


H5 = FIXTURES / "k3_lstm_default" / "model.h5"


def test_crash_is_an_error(monkeypatch):
    _fake_child(monkeypatch, "import os; os.kill(os.getpid(), 9)")
    with pytest.raises(LstmvizError) as e:
        read_model_file_isolated(H5)
    assert str(e.value) == ("model.h5: the HDF5 library crashed reading this file; it is "
                            "damaged or not a Keras file")


@pytest.mark.skipif(os.name == "nt", reason="no SIGSEGV on Windows")
def test_segfault_is_an_error(monkeypatch):
    _fake_child(monkeypatch, "import ctypes; ctypes.string_at(0)")
    with pytest.raises(LstmvizError, match="crashed"):
        read_weights_file_isolated(H5)


def test_hang_is_a_timeout(monkeypatch):
    _fake_child(monkeypatch, "import time; time.sleep(60)")
    t0 = time.monotonic()
    with pytest.raises(LstmvizError) as e:
        read_model_file_isolated(H5, timeout=1)
    assert time.monotonic() - t0 < 15
    assert str(e.value) == ("model.h5: reading the file took longer than 1 s; the file is "
                            "probably damaged")


@pytest.mark.parametrize("code", [
    "print('hello')",
    "import sys; sys.exit(3)",
    # a child that sends a pickle which would run code: the parent refuses to unpickle it
    "import os, pickle, sys; sys.stdout.buffer.write(pickle.dumps(('ok', "
    "os.system)))",
    "import pickle, sys, collections; sys.stdout.buffer.write(pickle.dumps(('ok', "
    "collections.OrderedDict())))",
])
def test_unexpected_child_output_is_an_error(monkeypatch, code):
    _fake_child(monkeypatch, code)
    with pytest.raises(LstmvizError, match=r"^model\.h5: the reader process failed"):
        read_model_file_isolated(H5)


def test_a_result_of_the_wrong_kind_is_an_error(monkeypatch):
    _fake_child(monkeypatch, "import pickle, sys; sys.stdout.buffer.write(pickle.dumps(('ok', 5)))")
    with pytest.raises(LstmvizError, match="unexpected"):
        read_model_file_isolated(H5)
    with pytest.raises(LstmvizError, match="unexpected"):
        read_weights_file_isolated(H5)


def test_unpickler_allows_only_our_classes():
    blob = pickle.dumps(("ok", [np.zeros((2, 3), "f4"), np.arange(6)[::2], np.float32(1)]))
    status, value = isolated._ResultUnpickler(__import__("io").BytesIO(blob)).load()
    assert status == "ok" and value[0].shape == (2, 3) and list(value[1]) == [0, 2, 4]
    with pytest.raises(pickle.UnpicklingError):
        isolated._ResultUnpickler(__import__("io").BytesIO(pickle.dumps(os.getcwd))).load()


def test_files_that_are_not_hdf5_or_zip_need_no_child(monkeypatch, tmp_path):
    def no_child(*a):
        raise AssertionError("no child for this file")

    monkeypatch.setattr(isolated, "child_command", no_child)
    p = tmp_path / "notes.txt"
    p.write_text("hello")
    with pytest.raises(LstmvizError, match="text file"):
        read_model_file_isolated(p)
    with pytest.raises(LstmvizError, match="no such file"):
        read_weights_file_isolated(tmp_path / "missing.h5")


def test_child_error_message_is_the_readers(tmp_path):
    p = tmp_path / "cut.h5"
    p.write_bytes(H5.read_bytes()[:3000])
    with pytest.raises(LstmvizError) as want:
        read_model_file(p)
    with pytest.raises(LstmvizError) as got:
        read_model_file_isolated(p)
    assert str(got.value) == str(want.value)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS on Linux")
def test_child_limits_its_memory():
    import subprocess
    code = ("from lstmviz.io._child import _limit_memory; import resource; "
            "_limit_memory(3 * 2**30); print(resource.getrlimit(resource.RLIMIT_AS)[0])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, cwd=str(Path(__file__).resolve().parents[1]))
    assert int(out.stdout.strip()) == 3 * 2**30
    cmd = isolated.child_command("model", "x.h5", isolated._memory_limit(H5))
    assert cmd[-1] == str(isolated.MIN_MEMORY_BYTES)


# ------------------------------------------------------------------ fuzz

H5_SEEDS = sorted(p for p in FIXTURES.glob("*/*") if p.suffix in (".h5", ".keras")
                  and p.stat().st_size < 120_000)[:24]
FUZZ_TIMEOUT = 20.0


@pytest.mark.skipif(not H5_SEEDS, reason="no HDF5 fixtures")
@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_mutated_hdf5_never_hangs_or_crashes(tmp_path_factory, data):
    seed = data.draw(st.sampled_from(H5_SEEDS))
    blob = mutate_bytes(data, bytearray(seed.read_bytes()), max_flips=24, keep=8)
    p = tmp_path_factory.mktemp("fz") / seed.name
    p.write_bytes(bytes(blob))
    reader = data.draw(st.sampled_from([read_model_file_isolated, read_weights_file_isolated]))
    t0 = time.monotonic()
    try:
        reader(p, timeout=FUZZ_TIMEOUT)
    except LstmvizError as e:
        assert "\n" not in str(e)
    assert time.monotonic() - t0 < FUZZ_TIMEOUT + 10


def test_default_timeout_grows_with_the_file(tmp_path, monkeypatch):
    assert isolated._timeout_for(H5) == pytest.approx(isolated.DEFAULT_TIMEOUT, abs=0.01)
    big = tmp_path / "big.h5"
    with open(big, "wb") as fh:
        fh.truncate(500 * 1024 ** 2)
    assert isolated._timeout_for(big) == pytest.approx(isolated.DEFAULT_TIMEOUT + 10)
    seen = {}

    def fake_run(cmd, **kw):
        seen.update(kw)
        raise __import__("subprocess").TimeoutExpired(cmd, kw["timeout"])

    monkeypatch.setattr(isolated.subprocess, "run", fake_run)
    with pytest.raises(LstmvizError, match=r"longer than 30 s"):
        read_model_file_isolated(H5)
    assert seen["cwd"] == isolated._PACKAGE_ROOT


def test_child_runs_from_any_working_directory(tmp_path, monkeypatch):
    (tmp_path / "lstmviz").mkdir()  # a stray package of the same name must not be imported
    (tmp_path / "lstmviz" / "__init__.py").write_text("raise SystemExit(5)")
    monkeypatch.chdir(tmp_path)
    spec = read_model_file_isolated(H5)
    assert spec.layers
    rel = os.path.relpath(H5, tmp_path)
    assert read_model_file_isolated(rel).source["path"] == rel


def test_a_reader_process_that_cannot_start_says_the_systems_words_only(monkeypatch, tmp_path):
    """A reader process the system could not start was "cannot start the reader process
    ([Errno 2] No such file or directory: '/gone/python')": the errno and a path the user
    never gave. It keeps the system's words."""
    monkeypatch.setattr(isolated, "child_command",
                        lambda kind, path, limit: [str(tmp_path / "gone" / "python"), "-c", "pass"])
    with pytest.raises(LstmvizError) as err:
        read_model_file_isolated(H5)
    assert str(err.value) == "model.h5: cannot start the reader process (No such file or directory)"
    assert isinstance(err.value.__cause__, FileNotFoundError)
