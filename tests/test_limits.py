"""One budget for every path (lstmviz.limits): traces, arrays read, inputs, zip members.

Each hostile input of the issue is made small here and refused before anything large is
allocated; the message says the limit and how to raise it, and raising it lets the same
input through.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from lstmviz import cli, limits
from lstmviz.app import inputs as gen
from lstmviz.engine import LayerSpec, Model
from lstmviz.errors import LstmvizError
from lstmviz.io import read_model_file
from lstmviz.io.npy import read_npy

#: the real reading (conftest gives every test a 64 GB machine)
REAL_PHYSICAL_MEMORY = limits.physical_memory

ROOT = Path(__file__).resolve().parents[1]
K3_ZIP = ROOT / "tests" / "fixtures" / "k3_tiny_stacked" / "model.keras"


@pytest.fixture
def small_limit(monkeypatch):
    monkeypatch.setenv(limits.ENV, "16M")
    return 16 * 1024 ** 2


def _assert_limit_message(msg: str) -> None:
    assert "\n" not in msg
    assert "--max-memory" in msg and limits.ENV in msg, msg


def test_parse_size():
    assert limits.parse_size("16G") == 16 * 1024 ** 3
    assert limits.parse_size("512 MB") == 512 * 1024 ** 2
    assert limits.parse_size("1.5g") == int(1.5 * 1024 ** 3)
    assert limits.parse_size(str(2 ** 30)) == 2 ** 30
    assert limits.parse_size("2 GiB") == limits.parse_size("2GB") == 2 * 1024 ** 3
    for bad in ("lots", "-1G", "1Q", "1k", "1 GiBs"):
        with pytest.raises(LstmvizError):
            limits.parse_size(bad)


@pytest.mark.parametrize("n,shown", [(0, "0 bytes"), (1023, "1023 bytes"), (1024, "1 KiB"), (1536, "1.5 KiB"),
                                     (16 * 1024 ** 2, "16 MiB"), (40 * 10 ** 6, "38.1 MiB"),
                                     (2 * 1024 ** 3, "2 GiB"), (3 * 1024 ** 4, "3 TiB")])
def test_sizes_are_said_in_binary_units_and_taken_back_as_shown(n, shown):
    # 1024 ** 2 bytes were said "1 MB" (a megabyte is 10 ** 6: 5% short, 7% at GB); the
    # memory limit's own units are binary, and File > Memory limit offers the limit as
    # fmt_bytes shows it, to be edited: what it shows is taken back
    assert limits.fmt_bytes(n) == shown
    if n >= limits.MIN_MEMORY and n <= limits.largest_limit() and "." not in shown:
        assert limits.parse_size(shown) == n


def test_environment_variable_sets_the_limit(monkeypatch):
    monkeypatch.delenv(limits.ENV, raising=False)
    assert limits.memory_limit() == limits.DEFAULT_MEMORY
    monkeypatch.setenv(limits.ENV, "8G")
    assert limits.memory_limit() == 8 * 1024 ** 3
    monkeypatch.setenv(limits.ENV, "plenty")
    with pytest.raises(LstmvizError, match=limits.ENV):
        limits.memory_limit()


# -- traces -----------------------------------------------------------------------------

def _repeat_model(n: int) -> Model:
    return Model.sequential((None, 3), [LayerSpec("RepeatVector", {"n": n}),
                                        LayerSpec("LSTM", {"units": 2})])


def test_repeat_vector_steps_count_in_the_trace_check():
    """RepeatVector(n=1e7) passed the old check, which counted only the input's steps."""
    model = _repeat_model(10_000_000)
    with pytest.raises(LstmvizError) as ei:
        model.trace(np.ones((1, 3), np.float32))
    msg = str(ei.value)
    assert "10,000,000 recurrent steps" in msg, msg
    _assert_limit_message(msg)
    assert _repeat_model(50).trace(np.ones((1, 3), np.float32)).output.shape == (1, 2)


def test_trace_memory_is_checked_and_the_limit_can_be_raised(small_limit, monkeypatch):
    model = Model.sequential((None, None, 4), [LayerSpec("LSTM", {"units": 64,
                                                                  "return_sequences": True})])
    x = np.zeros((8, 200, 4), np.float32)  # 8*200*64*16*4 bytes of records = 6.5 MB, + outputs
    model.trace(x[:2])
    with pytest.raises(LstmvizError) as ei:
        model.trace(np.zeros((32, 200, 4), np.float32))
    msg = str(ei.value)
    assert "over the memory limit of 16 MiB" in msg
    _assert_limit_message(msg)
    monkeypatch.setenv(limits.ENV, "256M")
    assert model.trace(np.zeros((32, 200, 4), np.float32)).output.shape == (32, 200, 64)


def test_huge_units_without_weights_refused_before_initialising(small_limit):
    with pytest.raises(LstmvizError, match="initialising the model's weights would need"):
        Model.sequential((None, 5, 6000), [LayerSpec("LSTM", {"units": 6000})])


def test_orthogonal_initialiser_is_bounded():
    with pytest.raises(LstmvizError, match=r"^drawing the orthogonal initial weights of 1 layer would take "
                                           r"too long \(8\.6e\+11 multiply-adds of QR"):
        Model.sequential((None, 5, 2), [LayerSpec("LSTM", {"units": 6000})])


def test_two_lstm_2048_layers_are_within_the_initialisers_bounds():
    """An LSTM(2048) built in the side panel was refused: "would take minutes", for a QR
    that takes 3.5 s here. Two of them are within the bounds (checked from the shapes: the
    QRs themselves take seconds)."""
    from lstmviz.engine import initializers

    one = initializers.orthogonal_work("orthogonal", (2048, 4 * 2048))
    assert one == 8192 * 2048 ** 2 <= initializers.MAX_ORTHOGONAL_WORK
    assert 2 * one <= initializers.MAX_ORTHOGONAL_TOTAL


# -- inputs ------------------------------------------------------------------------------

def test_generated_input_checked_before_generating():
    with pytest.raises(LstmvizError) as ei:
        gen.generate("sine", 1, 30_000_000, 1)
    assert "30,000,000 timesteps" in str(ei.value)
    _assert_limit_message(str(ei.value))
    with pytest.raises(LstmvizError, match="over the memory limit"):
        gen.generate("noise", 10_000_000, 20, 4_000_000)


def _npy_header_only(path: Path, shape, descr="|b1") -> Path:
    header = repr({"descr": descr, "fortran_order": False, "shape": tuple(shape)}).encode()
    header += b" " * (63 - (len(header) + 10) % 64) + b"\n"
    path.write_bytes(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + b"\0" * 64)
    return path


def test_npy_declared_size_checked_before_reading(tmp_path):
    """A boolean .npy declaring 20 million steps: refused from its header."""
    p = _npy_header_only(tmp_path / "steps.npy", (1, 20_000_000))
    with pytest.raises(LstmvizError, match="20,000,000 timesteps"):
        read_npy(p)
    p = _npy_header_only(tmp_path / "huge.npy", (100_000, 100_000, 1000), "<f4")
    with pytest.raises(LstmvizError, match="over the memory limit"):
        read_npy(p)
    p = _npy_header_only(tmp_path / "short.npy", (1, 1000), "<f4")
    with pytest.raises(LstmvizError, match="truncated"):
        read_npy(p)


def test_long_npy_header_is_not_called_pickled(tmp_path):
    fine = {"descr": "<f4", "fortran_order": False, "shape": (1, 2, 1)}
    header = repr(fine).encode() + b" " * 20_000 + b"\n"  # over NumPy's own 10,000 limit
    p = tmp_path / "long.npy"
    p.write_bytes(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header
                  + np.array([1, 2], "<f4").tobytes())
    assert read_npy(p).tolist() == [[[1.0], [2.0]]]
    header = b"{" + b" " * 70_000 + b"}\n"
    p.write_bytes(b"\x93NUMPY\x02\x00" + len(header).to_bytes(4, "little") + header)
    with pytest.raises(LstmvizError) as ei:
        read_npy(p)
    assert "pickle" not in str(ei.value) and "header" in str(ei.value)


def test_a_npy_header_with_a_call_in_it_is_said_without_pythons_internals(tmp_path):
    """A header that is no plain dictionary (a call in it): NumPy's parser said "malformed
    node or string on line 1: <ast.Call object at 0x7f...>", Python's words and an address
    in a refusal a user reads; now what the header holds instead of NumPy's values."""
    header = b"{'descr': '<f4', 'fortran_order': False, 'shape': (os.system('ls'),), }"
    header += b" " * (63 - (len(header) + 10) % 64) + b"\n"
    p = tmp_path / "call.npy"
    p.write_bytes(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header)
    with pytest.raises(LstmvizError) as ei:
        read_npy(p)
    msg = str(ei.value)
    assert "0x" not in msg and "ast." not in msg and "malformed" not in msg
    assert "expression" in msg and "header" in msg and "accepted:" in msg and "\n" not in msg


def _npy_v3(path: Path, header: str, data: bytes = b"") -> Path:
    """A version 3.0 .npy (its header UTF-8, as NumPy writes one with non-latin-1 names)."""
    text = header.encode("utf-8")
    text += b" " * (63 - (len(text) + 12) % 64) + b"\n"
    path.write_bytes(b"\x93NUMPY\x03\x00" + len(text).to_bytes(4, "little") + text + data)
    return path


@pytest.mark.parametrize("value", ["-" * 60_000 + "1", "1+" * 30_000 + "1"])
def test_a_npy_header_nesting_thousands_deep_is_said_in_words(tmp_path, value):
    """Python's parser, behind NumPy's, raised a MemoryError of no words on 60,000 signs
    ("the .npy header cannot be read ()") and a RecursionError on 30,000 additions ("maximum
    recursion depth exceeded during ast construction"): said in words now."""
    p = _npy_v3(tmp_path / "deep.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': "
                + value + "}")
    with pytest.raises(LstmvizError) as ei:
        read_npy(p, "deep.npy")
    assert str(ei.value) == ("deep.npy: the .npy header cannot be read (its text nests thousands of operators "
                             "or brackets deep, not the plain values NumPy writes); accepted: .npy arrays of "
                             "numbers (bool, integer or float)")


def test_a_version_3_npy_header_is_read_as_utf8(tmp_path):
    """NumPy's format 3 header is UTF-8 (1 and 2 are latin-1): a non-ASCII key was decoded
    as latin-1 and said garbled ("'Ã©tape'"); its array read as a version 2 one is."""
    p = _npy_v3(tmp_path / "ok.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 1), }",
                np.array([1, 2], "<f4").tobytes())
    assert read_npy(p).tolist() == [[[1.0], [2.0]]]
    p = _npy_v3(tmp_path / "key.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'étape€': 1}")
    with pytest.raises(LstmvizError) as ei:
        read_npy(p)
    msg = str(ei.value)
    assert "'étape€'" in msg and "Ã" not in msg and "\n" not in msg and "accepted:" in msg
    p.write_bytes(p.read_bytes().replace("é".encode(), b"\xe9"))  # (its length kept: latin-1's é)
    with pytest.raises(LstmvizError, match=r"header cannot be read \(its text is not UTF-8"):
        read_npy(p)


@pytest.mark.parametrize("arr,word", [
    (np.array([[1 + 2j]], np.complex64), "complex"),
    (np.array([[1, 2]], "m8[s]"), "timedelta"),
    (np.array([[1, 2]], "M8[D]"), "datetime"),
    (np.array([["a"]]), "text"),
    (np.array([[{"a": 1}]], dtype=object), "Python objects"),
])
def test_npy_kinds_refused_in_cli_and_app(tmp_path, capsys, arr, word):
    p = tmp_path / "x.npy"
    np.save(p, arr, allow_pickle=True)
    with pytest.raises(LstmvizError, match=word):
        gen.load_array(p)
    with pytest.raises(LstmvizError, match=word):
        cli.read_input(p)


def _csv(path: Path, rows: int) -> Path:
    path.write_text("".join(f"{i}.5\n" for i in range(rows)))
    return path


def test_csv_is_streamed_with_a_cap(tmp_path, small_limit, capsys):
    cap = limits.csv_number_limit()
    assert cap == 16 * 1024 ** 2 // limits.BYTES_PER_CSV_NUMBER
    ok = _csv(tmp_path / "ok.csv", cap - 10)
    assert cli.read_input(ok).shape == (1, cap - 10, 1)
    assert gen.load_array(ok).shape == (1, cap - 10, 1)
    big = _csv(tmp_path / "big.csv", cap + 500)
    for read in (cli.read_input, gen.load_array):
        with pytest.raises(LstmvizError) as ei:
            read(big)
        assert f"more than {cap:,} numbers" in str(ei.value)
        _assert_limit_message(str(ei.value))


def test_a_csv_of_hundreds_of_thousands_of_rows_reads_on_the_command_line_as_in_the_app(tmp_path, small_limit):
    """A CSV of 300,000 rows of 9 features (a year of minutes of a stock) was refused by
    ``--input`` and ``lstmviz trace`` at the default 2 GB ("holds more than 2,097,152
    numbers"), the limit of one row's numbers taken as the whole file's, while File > Open a
    long input read it (5 s, 40 MB). At 1/128 of that limit (16 MB), 1/128 of those rows:
    the command line reads what the app reads, the same numbers."""
    from lstmviz.app import long_data

    rows = 300_000 * 16 // 2048
    t = np.arange(rows)
    x = np.stack([np.sin(t / 50 + k) for k in range(9)], 1).astype(np.float32)
    p = tmp_path / "minutes.csv"
    with open(p, "w") as f:
        f.write("open,high,low,close,volume,ma7,ma21,rsi,macd\n")
        np.savetxt(f, x, delimiter=",", fmt="%.5f")
    got = cli.read_input(p)
    assert got.shape == (1, rows, 9)
    np.testing.assert_array_equal(got, long_data.read_csv(p))


def test_cli_max_memory_option(tmp_path):
    big = _csv(tmp_path / "big.csv", 270_000)
    model = ROOT / "tests" / "fixtures" / "k3_tiny_stacked" / "model.keras"
    out = tmp_path / "t.npz"
    env = {"LSTMVIZ_MAX_MEMORY": "16M", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "lstmviz", "trace", str(model), "-i", str(big),
                           "-o", str(out)], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=120)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "more than 262,144 numbers" in proc.stderr and not out.exists()
    proc = subprocess.run([sys.executable, "-m", "lstmviz", "trace", str(model), "-i", str(big),
                           "-o", str(out), "--max-memory", "512M", "--shape", "54000,5,1"],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert out.exists()


# -- zip members -------------------------------------------------------------------------

def test_keras_zip_member_that_inflates_like_a_bomb(tmp_path):
    with zipfile.ZipFile(K3_ZIP) as z:
        members = {n: z.read(n) for n in z.namelist()}
    members["model.weights.h5"] = b"\x89HDF\r\n\x1a\n" + b"\0" * (48 * 1024 ** 2)
    p = tmp_path / "bomb.keras"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        for n, b in members.items():
            z.writestr(n, b)
    assert p.stat().st_size < 1024 ** 2
    with pytest.raises(LstmvizError, match="zip bomb"):
        read_model_file(p)


def test_keras_config_json_that_inflates_like_a_bomb(tmp_path):
    """A config.json of 2 MB of '{},' deflated 1000 times: parsed, each '{}' is a dict
    of 64 bytes (28 MB of them were 800 MB from a 32 KB file), and it is under the 32 MB
    a weights member may inflate to at any ratio; JSON has a floor of 1 MB."""
    with zipfile.ZipFile(K3_ZIP) as z:
        members = {n: z.read(n) for n in z.namelist()}
    members["config.json"] = ('{"class_name": "Sequential", "config": {"layers": ['
                              + "{}," * 700_000 + "{}]}}").encode()
    p = tmp_path / "bomb.keras"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for n, b in members.items():
            z.writestr(n, b)
    assert p.stat().st_size < 100_000
    with pytest.raises(LstmvizError) as ei:
        read_model_file(p)
    assert "'config.json' would inflate" in str(ei.value) and "not JSON text" in str(ei.value)


def test_keras_zip_member_over_the_memory_limit(tmp_path, small_limit):
    with zipfile.ZipFile(K3_ZIP) as z:
        members = {n: z.read(n) for n in z.namelist()}
    rng = np.random.default_rng(0)
    members["model.weights.h5"] = members["model.weights.h5"] + rng.bytes(20 * 1024 ** 2)
    p = tmp_path / "big.keras"
    with zipfile.ZipFile(p, "w") as z:
        for n, b in members.items():
            z.writestr(n, b)
    with pytest.raises(LstmvizError) as ei:
        read_model_file(p)
    assert "over the memory limit of 16 MiB" in str(ei.value)
    _assert_limit_message(str(ei.value))


def test_summary_does_not_read_the_file_again_after_a_time_out(tmp_path, monkeypatch, capsys):
    """A reader that times out is not followed by a second full read (the old fallback
    listing of weights-only files read the file again, in the same time)."""
    from lstmviz.io import isolated

    calls = []

    def slow(kind, path, memory_limit):
        calls.append(kind)
        return [sys.executable, "-c", "import time; time.sleep(30)"]

    monkeypatch.setattr(isolated, "child_command", slow)
    monkeypatch.setattr(isolated, "DEFAULT_TIMEOUT", 0.5)
    rc = cli.main(["summary", str(K3_ZIP)])
    err = capsys.readouterr().err
    assert rc == 2 and "took longer than" in err
    assert calls == ["model"]


def test_weights_only_listing_uses_what_was_read(tmp_path, capsys):
    """The listing of a weights-only file that does not wire into one stack still works,
    from the one read."""
    import h5py

    p = tmp_path / "two.h5"
    rng = np.random.default_rng(0)
    with h5py.File(p, "w") as f:
        f.attrs["layer_names"] = np.array([b"enc", b"dec"])
        for name, d, u in (("enc", 3, 4), ("dec", 5, 2)):
            g = f.create_group(name)
            g.attrs["weight_names"] = np.array([b"kernel:0", b"recurrent_kernel:0", b"bias:0"])
            g["kernel:0"] = rng.standard_normal((d, 4 * u)).astype("f4")
            g["recurrent_kernel:0"] = rng.standard_normal((u, 4 * u)).astype("f4")
            g["bias:0"] = np.zeros(4 * u, "f4")
    rc = cli.main(["summary", str(p)])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "Weights-only file: two.h5" in out and "Not runnable" in out
    # a stranger's names: the file's and the layers' shown escaped, never as themselves
    evil = tmp_path / "t\x1b[31mwo\n.h5"
    with h5py.File(p, "r") as src, h5py.File(evil, "w") as f:
        f.attrs["layer_names"] = np.array([b"en\x1b[2Jc", b"dec"])
        src.copy(src["enc"], f, "en\x1b[2Jc")
        src.copy(src["dec"], f, "dec")
    rc = cli.main(["summary", str(evil)])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "\x1b" not in out and "Weights-only file: t\\x1b[31mwo\\x0a.h5" in out, out
    assert "en\\x1b[2Jc (LSTM)" in out, out


def test_keras_zip_with_a_member_named_twice(tmp_path):
    import warnings

    with zipfile.ZipFile(K3_ZIP) as z:
        members = {n: z.read(n) for n in z.namelist()}
    p = tmp_path / "twice.keras"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(p, "w") as z:
            for n, b in members.items():
                z.writestr(n, b)
            z.writestr("model.weights.h5", members["model.weights.h5"])
    with pytest.raises(LstmvizError, match="two members named 'model.weights.h5'"):
        read_model_file(p)


def test_a_limit_beyond_the_machines_memory_is_refused_in_one_line(monkeypatch):
    """--max-memory 100T (and LSTMVIZ_MAX_MEMORY=100T, File > Memory limit) was taken: any
    file could then ask for more memory than the machine has. The largest limit is the
    machine's memory rounded up to whole GB (a "16 GB" laptop reports ~15.6 GB), 1 TB
    where it cannot be read; beyond it the refusal is one line saying what is taken."""
    monkeypatch.setattr(limits, "physical_memory", lambda: int(15.6 * 1024 ** 3))
    assert limits.largest_limit() == 16 * 1024 ** 3
    assert limits.parse_size("16G") == 16 * 1024 ** 3
    for big in ("100T", "17G", "16.5G"):
        with pytest.raises(LstmvizError) as err:
            limits.parse_size(big)
        assert str(err.value) == (f"memory limit {big!r} is more than this machine's memory: "
                                  "give 16M up to 16 GiB")
    monkeypatch.setenv(limits.ENV, "100T")
    with pytest.raises(LstmvizError, match=r"^LSTMVIZ_MAX_MEMORY: memory limit '100T' is more than"):
        limits.memory_limit()
    monkeypatch.setattr(limits, "physical_memory", lambda: None)  # (no sysconf, no Windows call)
    assert limits.parse_size("512G") == 512 * 1024 ** 3
    with pytest.raises(LstmvizError) as err:
        limits.parse_size("100T")
    assert str(err.value) == ("memory limit '100T' is more than lstmviz takes where it cannot read "
                              "the machine's memory: give 16M up to 1 TiB")


def test_the_machines_memory_is_read(monkeypatch):
    REAL_PHYSICAL_MEMORY.cache_clear()
    monkeypatch.setattr(limits, "physical_memory", REAL_PHYSICAL_MEMORY)
    phys = limits.physical_memory()
    assert phys is not None and 256 * 1024 ** 2 < phys < 64 * 1024 ** 4  # (Linux, macOS, Windows)
    assert limits.largest_limit() >= phys


def test_the_command_line_refuses_a_limit_beyond_the_machines_memory(capsys):
    from lstmviz.cli import main

    rc = main(["--max-memory", "100T", "summary", str(K3_ZIP)])
    err = capsys.readouterr().err
    assert rc != 0 and "memory limit '100T' is more than this machine's memory: give 16M up to" in err
    assert len(err.strip().splitlines()) == 1, err


def _cgroup(tmp_path, lines, files):
    tmp_path.mkdir(parents=True, exist_ok=True)
    proc = tmp_path / "cgroup"
    proc.write_text("".join(line + "\n" for line in lines))
    for name, text in files.items():
        f = tmp_path / "fs" / name
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(text + "\n")
    return limits.cgroup_memory(str(proc), str(tmp_path / "fs"))


def test_a_containers_memory_limit_is_the_machines_memory(tmp_path, monkeypatch):
    """sysconf gives the host's memory, not the 4 GB a container (a cgroup) may use: a
    limit of 16G was taken there, and a trace within it ended the app (the kernel's OOM
    killer). The least limit of the group and the groups above it counts, v2 and v1."""
    g = 1024 ** 3
    # cgroup v2: the group's own limit, a parent's lower one, "max" for none
    assert _cgroup(tmp_path / "a", ["0::/user.slice/app"],
                   {"user.slice/app/memory.max": str(4 * g), "user.slice/memory.max": "max",
                    "memory.max": "max"}) == 4 * g
    assert _cgroup(tmp_path / "b", ["0::/user.slice/app"],
                   {"user.slice/app/memory.max": "max", "user.slice/memory.max": str(3 * g)}) == 3 * g
    assert _cgroup(tmp_path / "c", ["0::/"], {"memory.max": "max"}) is None
    # a container whose own group is the root it sees; the hybrid layout's unified tree
    assert _cgroup(tmp_path / "d", ["0::/"], {"memory.max": str(2 * g)}) == 2 * g
    assert _cgroup(tmp_path / "e", ["0::/x"], {"unified/x/memory.max": str(5 * g)}) == 5 * g
    # cgroup v1: the memory controller's line, 2**63 rounded to a page for none
    assert _cgroup(tmp_path / "f", ["4:memory:/docker/abc", "3:cpu,cpuacct:/docker/abc"],
                   {"memory/docker/abc/memory.limit_in_bytes": str(6 * g),
                    "memory/memory.limit_in_bytes": "9223372036854771712"}) == 6 * g
    assert _cgroup(tmp_path / "g", ["4:memory:/"],
                   {"memory/memory.limit_in_bytes": "9223372036854771712"}) is None
    # nothing readable, or a path that tries to climb out of the tree
    assert limits.cgroup_memory(str(tmp_path / "absent"), str(tmp_path)) is None
    assert _cgroup(tmp_path / "h", ["0::/../../etc"], {"memory.max": "max"}) is None
    # the machine's memory is then the group's, and so is the largest limit taken
    monkeypatch.setattr(limits, "cgroup_memory", lambda: 4 * g)
    monkeypatch.setattr(limits, "physical_memory", REAL_PHYSICAL_MEMORY)
    REAL_PHYSICAL_MEMORY.cache_clear()
    assert limits.physical_memory() == 4 * g
    assert limits.largest_limit() == 4 * g
    with pytest.raises(LstmvizError,
                       match=r"^memory limit '16G' is more than this machine's memory: give 16M up to 4 GiB$"):
        limits.parse_size("16G")
    monkeypatch.delenv(limits.ENV, raising=False)
    assert limits.memory_limit() == limits.DEFAULT_MEMORY
    monkeypatch.setattr(limits, "cgroup_memory", lambda: g)  # a 1 GB container: 1 GB by default
    REAL_PHYSICAL_MEMORY.cache_clear()
    assert limits.memory_limit() == g
    REAL_PHYSICAL_MEMORY.cache_clear()  # (what it cached with the group's limit)


def test_orthogonal_draws_are_bounded_together():
    """Each draw under the one-draw bound, seven of them over the model's: seven
    1,700-unit LSTMs without weights (a 16 KB session) took 37 s to initialise. The
    bound is checked before any draw, from the shapes; fewer units still build."""
    from lstmviz.engine import initializers

    one = 6800 * 1700 ** 2  # a recurrent kernel's QR: rows * columns**2
    assert one < initializers.MAX_ORTHOGONAL_WORK < 7 * one
    stack = [LayerSpec("LSTM", {"units": 1700, "return_sequences": True}) for _ in range(7)]
    with pytest.raises(LstmvizError) as ei:
        Model.sequential((None, 5, 2), stack)
    assert str(ei.value).startswith("drawing the orthogonal initial weights of 7 layers would "
                                    "take too long")
    Model.sequential((None, 5, 2), [LayerSpec("LSTM", {"units": 64, "return_sequences": True})
                                    for _ in range(7)])


def _zip_of(members: int, comment: bytes = b"", zip64: bool = False, monkeypatch=None) -> bytes:
    """A zip of ``members`` empty members (with an archive comment; with zip64's end record,
    which zipfile writes beyond 65,535 members, here beyond 10)."""
    import io

    if zip64:
        monkeypatch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 10)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for i in range(members):
            z.writestr(f"m/{i}", b"")
        z.comment = comment
    if zip64:
        monkeypatch.undo()
    return buf.getvalue()


@pytest.mark.parametrize("zip64", [False, True], ids=["zip", "zip64"])
@pytest.mark.parametrize("comment", [b"", b"PK" + b"c" * 300], ids=["no-comment", "comment"])
def test_a_zips_member_count_is_read_without_zipfiles_private_reader(monkeypatch, zip64, comment):
    """The count came from ``zipfile._EndRecData``, a private function: had a Python
    release renamed it, the check would have let every zip through without a word. It is
    read with ``struct``, where zipfile finds the record (after a comment; zip64's)."""
    import io

    data = _zip_of(53, comment, zip64, monkeypatch)
    assert (b"PK\x06\x06" in data) == zip64
    assert len(zipfile.ZipFile(io.BytesIO(data)).infolist()) == 53
    monkeypatch.delattr(zipfile, "_EndRecData", raising=False)
    monkeypatch.delattr(zipfile, "_ECD_ENTRIES_TOTAL", raising=False)
    monkeypatch.setattr(limits, "MAX_ZIP_MEMBERS", 40)
    fh = io.BytesIO(data)
    fh.seek(7)
    assert limits.zip_member_excess(fh) == "the zip archive declares 53 members, more than the 40 lstmviz opens"
    assert fh.tell() == 0
    monkeypatch.setattr(limits, "MAX_ZIP_MEMBERS", 53)
    assert limits.zip_member_excess(io.BytesIO(data)) is None


def test_a_zip64_count_is_the_one_read(monkeypatch):
    """zip64's end record holds the count zipfile reads (the classic record's may be
    anything, 0xFFFF in a real one); a file that is not a zip is not refused here."""
    import io

    data = bytearray(_zip_of(53, zip64=True, monkeypatch=monkeypatch))
    end = data.rfind(b"PK\x05\x06")
    data[end + 8:end + 12] = (3).to_bytes(2, "little") * 2
    monkeypatch.setattr(limits, "MAX_ZIP_MEMBERS", 40)
    assert "declares 53 members" in limits.zip_member_excess(io.BytesIO(bytes(data)))
    for junk in (b"", b"PK\x05\x06", b"not a zip at all" * 10, bytes(data[end:])):
        assert limits.zip_member_excess(io.BytesIO(junk)) is None
