"""The ``lstmviz`` command line: summary, trace, the app fallback, and one-line errors.

File-based cases use the committed fixtures (skipped with a reason when a fixture is
absent); the rest call ``cli.main([...])`` in-process with ``lstmviz.load`` replaced by a
stack built in code, since lstmviz has no writer.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import lstmviz
from lstmviz import cli
from lstmviz.engine import LayerSpec, Model, ModelSpec, TensorRef
from lstmviz.engine.model import BEYOND_FLOAT32

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONDONTWRITEBYTECODE": "1"}
ENV.pop("LSTMVIZ_DEBUG", None)


def fixture(case: str, *names: str) -> Path:
    """The first of ``names`` present in fixture ``case``, or skip the test."""
    for name in names or ("model.keras", "model.h5"):
        path = FIXTURES / case / name
        if path.is_file():
            return path
    pytest.skip(f"fixture {case}/{'|'.join(names or ('model.keras', 'model.h5'))} is absent "
                "(generate it with scripts/make_fixtures.py)")


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lstmviz", *map(str, args)], capture_output=True,
                          text=True, env=ENV, timeout=timeout, cwd=ROOT)


def assert_one_line_error(rc, err: str, status: int = 2, contains: str | None = None) -> str:
    assert rc == status, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("lstmviz: ")
    if contains:
        assert contains.lower() in lines[0].lower(), lines[0]
    return lines[0]


# -- models built in code ----------------------------------------------------------------
def lstm_stack(**lstm_options) -> Model:
    return Model.sequential(
        (None, 6, 3),
        [LayerSpec("LSTM", {"units": 4, "return_sequences": True, **lstm_options}),
         LayerSpec("GRU", {"units": 3}),
         LayerSpec("Dense", {"units": 2})],
        seed=1,
    )


def embedding_stack() -> Model:
    return Model.sequential(
        (None, 5),
        [LayerSpec("Embedding", {"input_dim": 10, "output_dim": 4, "mask_zero": True}),
         LayerSpec("LSTM", {"units": 3}),
         LayerSpec("Dense", {"units": 1})],
        seed=2,
    )


def bidi_stack() -> Model:
    return Model.sequential(
        (None, 4, 2),
        [LayerSpec("Bidirectional", {"layer": {"class_name": "LSTM",
                                               "config": {"units": 3, "return_sequences": True}}}),
         LayerSpec("TimeDistributed", {"layer": {"class_name": "Dense", "config": {"units": 1}}})],
        seed=3,
    )


def two_input_model() -> Model:
    """Two inputs, concatenated, into an LSTM with return_state (three outputs)."""
    spec = ModelSpec(
        layers=[
            LayerSpec("InputLayer", {"batch_shape": [None, 5, 3]}, name="a"),
            LayerSpec("InputLayer", {"batch_shape": [None, 5, 2]}, name="b"),
            LayerSpec("Concatenate", {"axis": -1}, name="cat",
                      inbound=[TensorRef("a"), TensorRef("b")]),
            LayerSpec("LSTM", {"units": 2, "return_state": True}, name="lstm",
                      inbound=[TensorRef("cat")]),
        ],
        inputs=[TensorRef("a"), TensorRef("b")],
        outputs=[TensorRef("lstm", 0), TensorRef("lstm", 1), TensorRef("lstm", 2)],
        name="two_in",
    )
    return Model.from_spec(spec, seed=4)


@pytest.fixture
def use_model(monkeypatch):
    """``use_model(factory)``: every ``lstmviz.load`` in the CLI returns a fresh model."""

    def install(factory):
        monkeypatch.setattr(lstmviz, "load", lambda path, seed=0: factory())
        return factory()

    return install


def call(capsys, *args) -> tuple[int, str, str]:
    rc = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


def assert_npz_equals_trace(path: Path, trace) -> None:
    from lstmviz.app.export_data import KEYS_KEY

    flat = trace.flat()
    with np.load(path, allow_pickle=False) as npz:
        assert sorted(npz.files) == sorted([*flat, KEYS_KEY])
        index = {key: tuple(where) for key, *where in npz[KEYS_KEY].tolist()}
        assert index == trace.flat_index()
        for key, want in flat.items():
            got = npz[key]
            assert got.shape == want.shape, key
            assert got.dtype == want.dtype, key
            np.testing.assert_array_equal(got, want, err_msg=key)


# -- summary -----------------------------------------------------------------------------
def test_summary_in_process_rows(capsys, use_model):
    model = use_model(lstm_stack)
    rc, out, err = call(capsys, "summary", "m.keras")
    assert rc == 0 and err == ""
    for layer in model.layers:
        shape = "(" + ", ".join("None" if d is None else str(d) for d in layer.output_shapes[0]) + ")"
        row = next(l for l in out.splitlines() if l.startswith(f"{layer.name} ({layer.class_name})"))
        assert shape in row
        assert row.rstrip().endswith(f"{layer.count_params():,}")
    assert f"Total params: {model.count_params():,}" in out
    # weight shapes per gate and the formula with numbers filled in
    assert "4·(d·u + u·u + u) = 4·(3·4 + 4·4 + 4) = 128" in out
    assert "kernel_f (3, 4)" in out and "recurrent_kernel_o (4, 4)" in out
    assert "3·(d·u + u·u + 2u)" in out  # GRU reset_after=True


def test_summary_bidirectional_sections(capsys, use_model):
    model = use_model(bidi_stack)
    rc, out, _ = call(capsys, "summary", "m.keras")
    assert rc == 0
    assert "bidirectional (Bidirectional)" in out
    assert "forward/kernel" in out and "backward/recurrent_kernel" in out
    assert f"Total params: {model.count_params():,}" in out


def test_summary_subprocess_on_fixture():
    path = fixture("k3_lstm_default", "model.keras")
    meta = json.loads((path.parent / "meta.json").read_text())
    res = run_cli("summary", path)
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    for layer in meta["layers"]:
        row = next(l for l in res.stdout.splitlines()
                   if l.startswith(f"{layer['name']} ({layer['class']})"))
        shape = "(" + ", ".join("None" if d is None else str(d) for d in layer["output_shape"]) + ")"
        assert shape in row and row.rstrip().endswith(f"{layer['params']:,}")
    assert f"Total params: {meta['total_params']:,}" in res.stdout


@pytest.mark.parametrize("path, says", [
    (("k2_lstm_default", "model.h5"), "Keras 1/2/3 or tf.keras HDF5 model, saved by Keras 2.21.0."),
    (("k2_lstm_default", "weights.h5"), "Keras 1/2 weights (save_weights), saved by Keras 2.21.0."),
    (("k3_lstm_default", "model.keras"), "Keras 3 model, saved by Keras 3.15.1."),
    (("torch_lstm_1layer", "model.pt"), "PyTorch state_dict."),
    (("safetensors_lstm", "model.safetensors"), "PyTorch state_dict (safetensors)."),
    (("onnx_keras_lstm_dense", "model.onnx"), "ONNX model."),  # (traced as Keras 3; not saved by it)
])
def test_summary_names_the_format_it_read(capsys, path, says):
    path = fixture(*path)
    rc, out, err = call(capsys, "summary", path)
    assert rc == 0, err
    assert f"Read from {path.name}: {says}" in out.splitlines()


def test_summary_of_a_session_names_no_keras_that_saved_it(capsys, tmp_path):
    """A session holds the stack's Keras generation (the semantics it is traced with), not
    the version of a Keras that saved it: lstmviz did."""
    from lstmviz.app.session import save_session
    from lstmviz.app.state import AppState

    path = save_session(AppState(), tmp_path / "s.lstmviz")
    rc, out, err = call(capsys, "summary", path)
    assert rc == 0, err
    assert "Read from s.lstmviz: lstmviz session." in out.splitlines()


@pytest.mark.parametrize("case", ["k2_lstm_default", "k3_bidi_lstm_stacked", "k3_emb_mask_lstm"])
def test_summary_total_matches_keras(capsys, case):
    path = fixture(case)
    meta = json.loads((path.parent / "meta.json").read_text())
    rc, out, err = call(capsys, "summary", path)
    assert rc == 0, err
    assert f"Total params: {meta['total_params']:,}" in out


# -- trace -------------------------------------------------------------------------------
def test_trace_npy_in_process(tmp_path, capsys, use_model):
    model = use_model(lstm_stack)
    x = np.random.default_rng(0).normal(size=(2, 6, 3)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    out = tmp_path / "t.npz"
    rc, stdout, err = call(capsys, "trace", "m.keras", "--input", tmp_path / "x.npy", "--out", out)
    assert rc == 0, err
    assert len(stdout.strip().splitlines()) == 1 and str(out) in stdout
    trace = model.trace(x)
    assert_npz_equals_trace(out, trace)
    with np.load(out) as npz:
        for key in ("output", "lstm", "gru", "dense", "lstm/i", "lstm/f", "lstm/c_tilde", "lstm/o",
                    "lstm/c", "lstm/h", "lstm/pre", "gru/z", "gru/r", "gru/h_tilde"):
            assert key in npz.files
        assert npz["lstm/f"].shape == (2, 6, 4)


def test_trace_out_name_kept_exactly(tmp_path, capsys, use_model):
    use_model(lstm_stack)
    np.save(tmp_path / "x.npy", np.zeros((1, 6, 3), np.float32))
    out = tmp_path / "trace_without_suffix"
    rc, _, err = call(capsys, "trace", "m", "-i", tmp_path / "x.npy", "-o", out)
    assert rc == 0, err
    assert out.is_file() and not Path(str(out) + ".npz").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".lstmviz-")]


def test_trace_csv_rows_are_timesteps(tmp_path, capsys, use_model):
    model = use_model(lstm_stack)
    x = np.round(np.random.default_rng(1).normal(size=(6, 3)), 3).astype(np.float32)
    csv = tmp_path / "x.csv"
    csv.write_text("# a comment\nf0,f1,f2\n" + "\n".join(",".join(repr(float(v)) for v in r) for r in x) + "\n")
    out = tmp_path / "t.npz"
    rc, _, err = call(capsys, "trace", "m", "--input", csv, "--out", out)
    assert rc == 0, err
    assert_npz_equals_trace(out, model.trace(x[None]))


def test_trace_csv_with_shape(tmp_path, capsys, use_model):
    model = use_model(lstm_stack)
    x = np.arange(2 * 6 * 3, dtype=np.float32).reshape(2, 6, 3) / 10
    csv = tmp_path / "x.csv"
    csv.write_text("\n".join(" ".join(str(v) for v in row) for row in x.reshape(4, 9)))
    out = tmp_path / "t.npz"
    rc, _, err = call(capsys, "trace", "m", "--input", csv, "--shape", "2,-1,3", "--out", out)
    assert rc == 0, err
    assert_npz_equals_trace(out, model.trace(x))


def test_shape_reshapes_a_npy_too_as_its_help_says(tmp_path, capsys, use_model):
    """A (rows, features) .npy saved without its batch axis, given --shape 1,-1,3: the help
    said --shape was for a .csv's numbers, while it reshapes a .npy's as well."""
    model = use_model(lstm_stack)
    x = np.arange(6 * 3, dtype=np.float32).reshape(6, 3) / 10
    np.save(tmp_path / "x.npy", x)
    out = tmp_path / "t.npz"
    rc, _, err = call(capsys, "trace", "m", "--input", tmp_path / "x.npy", "--shape", "1,-1,3", "--out", out)
    assert rc == 0, err
    assert_npz_equals_trace(out, model.trace(x[None]))
    for command in ("trace", "grad", "train", "app"):
        with pytest.raises(SystemExit):
            cli.build_parser().parse_args([command, "--help"])
        text = " ".join(capsys.readouterr().out.split())
        assert "--shape B,T,F reshape an input's numbers (a .csv's, or a .npy's)" in text, command


@pytest.mark.parametrize("shape", ["-1,6,3", "-1,6,-1"])
def test_trace_csv_shape_may_start_with_minus_one(tmp_path, capsys, use_model, shape):
    """--help: "one dimension may be -1"; a first -1 is the shape, not an unknown option."""
    model = use_model(lstm_stack)
    x = np.arange(2 * 6 * 3, dtype=np.float32).reshape(2, 6, 3) / 10
    csv = tmp_path / "x.csv"
    csv.write_text("\n".join(",".join(str(v) for v in row) for row in x.reshape(4, 9)))
    out = tmp_path / "t.npz"
    rc, _, err = call(capsys, "trace", "m", "--input", csv, "--shape", shape, "--out", out)
    if shape == "-1,6,-1":  # two unknowns: the shape's own one-line refusal, not "expected one argument"
        assert rc == 2 and "one may be -1" in err and "expected one argument" not in err
        return
    assert rc == 0, err
    assert_npz_equals_trace(out, model.trace(x))
    args = cli.build_parser().parse_args(cli._normalise_argv(["m.keras", "--input", "x.csv", "--shape", shape]))
    assert args.command == "app" and args.shape == [(-1, 6, 3)]


def test_trace_csv_integers_for_embedding(tmp_path, capsys, use_model):
    model = use_model(embedding_stack)
    ids = np.array([[1, 2, 3, 0, 0], [4, 5, 6, 7, 9]])
    csv = tmp_path / "ids.csv"
    csv.write_text("\n".join(",".join(str(v) for v in r) for r in ids))
    out = tmp_path / "t.npz"
    rc, _, err = call(capsys, "trace", "m", "--input", csv, "--out", out)
    assert rc == 0, err
    assert_npz_equals_trace(out, model.trace(ids))
    with np.load(out) as npz:
        assert "lstm/mask" in npz.files


def test_trace_csv_fractions_for_embedding_refused(tmp_path, capsys, use_model):
    use_model(embedding_stack)
    csv = tmp_path / "ids.csv"
    csv.write_text("1,2.5,3,0,0\n")
    rc, _, err = call(capsys, "trace", "m", "--input", csv, "--out", tmp_path / "t.npz")
    assert_one_line_error(rc, err, contains="whole-number")


def test_trace_csv_beyond_float32_is_named_not_called_infinity(tmp_path, capsys, use_model):
    """A .csv given to a command holding 1e39: NumPy's "overflow encountered in cast" and
    then "holds NaN or infinity" of a file of finite numbers; now named, as File > Import
    names it (engine.model.check_float32)."""
    import warnings

    use_model(lstm_stack)
    csv = tmp_path / "x.csv"
    csv.write_text("1,2,3\n4,5,6\n7,-1e39,9\n" + "0,0,0\n" * 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rc, _, err = call(capsys, "trace", "m", "--input", csv, "--out", tmp_path / "t.npz")
    line = assert_one_line_error(rc, err)
    assert line == f"lstmviz: {csv}: line 3, column 2: '-1e39' is {BEYOND_FLOAT32}"  # (where the file holds it)


def test_trace_bidirectional_keys(tmp_path, capsys, use_model):
    model = use_model(bidi_stack)
    x = np.random.default_rng(2).normal(size=(3, 4, 2)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    rc, _, err = call(capsys, "trace", "m", "--input", tmp_path / "x.npy", "--out", tmp_path / "t.npz")
    assert rc == 0, err
    assert_npz_equals_trace(tmp_path / "t.npz", model.trace(x))
    with np.load(tmp_path / "t.npz") as npz:
        assert {"bidirectional/forward/h", "bidirectional/backward/h", "bidirectional/forward/f",
                "time_distributed"} <= set(npz.files)


def test_trace_two_inputs_and_several_outputs(tmp_path, capsys, use_model):
    model = use_model(two_input_model)
    rng = np.random.default_rng(3)
    a = rng.normal(size=(2, 5, 3)).astype(np.float32)
    b = rng.normal(size=(2, 5, 2)).astype(np.float32)
    np.save(tmp_path / "a.npy", a)
    np.save(tmp_path / "b.npy", b)
    out = tmp_path / "t.npz"
    rc, _, err = call(capsys, "trace", "m", "--input", tmp_path / "a.npy", "--input", tmp_path / "b.npy",
                      "--out", out)
    assert rc == 0, err
    trace = model.trace([a, b])
    assert_npz_equals_trace(out, trace)
    with np.load(out) as npz:
        assert {"output0", "output1", "output2", "lstm", "lstm:1", "lstm:2"} <= set(npz.files)
        assert "output" not in npz.files
    # one file for a two-input model
    rc, _, err = call(capsys, "trace", "m", "--input", tmp_path / "a.npy", "--out", out)
    assert_one_line_error(rc, err, contains="2 input(s)")


def test_trace_stateful_reset_states(tmp_path, capsys, use_model):
    model = use_model(lambda: Model.sequential(
        (2, 4, 3), [LayerSpec("LSTM", {"units": 2, "stateful": True})], seed=5))
    x = np.ones((2, 4, 3), np.float32)
    np.save(tmp_path / "x.npy", x)
    rc, _, err = call(capsys, "trace", "m", "--input", tmp_path / "x.npy", "--out", tmp_path / "t.npz",
                      "--reset-states")
    assert rc == 0, err
    assert_npz_equals_trace(tmp_path / "t.npz", model.trace(x))


def test_trace_subprocess_on_fixture_equals_engine_and_keras(tmp_path):
    path = fixture("k3_lstm_default", "model.keras")
    x_path = path.parent / "x.npy"
    out = tmp_path / "t.npz"
    res = run_cli("trace", path, "--input", x_path, "--out", out)
    assert res.returncode == 0, res.stderr
    assert len(res.stdout.strip().splitlines()) == 1
    trace = lstmviz.load(path).trace(np.load(x_path))
    assert_npz_equals_trace(out, trace)
    with np.load(path.parent / "expected.npz") as exp, np.load(out) as got:
        np.testing.assert_allclose(got["output"], exp["output"], atol=1e-5)


def test_trace_of_layers_named_with_a_slash_keys_each_array_once(tmp_path, capsys):
    """A Keras 2 file's layers 'enc' and 'enc/f' (as a Keras 2 name scope makes them):
    'enc/f' held layer 'enc/f''s output, written over layer 'enc''s forget gate (exit 0,
    one array missing, and no way to tell what a key held). Now 'enc/f' is the gate,
    'enc%2Ff' the layer, and the index 'lstmviz:keys' says which is which."""
    from helpers import legacy_lstm_file

    path = legacy_lstm_file(tmp_path / "m.h5", ["enc", "enc/f", "dec:1"])
    x = np.random.default_rng(0).normal(size=(2, 4, 3)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    out = tmp_path / "t.npz"
    rc, _, err = call(capsys, "trace", path, "--input", tmp_path / "x.npy", "--out", out)
    assert rc == 0, err
    trace = lstmviz.load(path, isolate=False).trace(x)
    assert_npz_equals_trace(out, trace)
    with np.load(out) as npz:
        index = {key: (layer, part, rec) for key, layer, part, rec in npz["lstmviz:keys"].tolist()}
        np.testing.assert_array_equal(npz["enc/f"], trace["enc"].steps["f"])
        np.testing.assert_array_equal(npz["enc%2Ff"], trace["enc/f"].output)
        np.testing.assert_array_equal(npz["enc%2Ff/f"], trace["enc/f"].steps["f"])
        np.testing.assert_array_equal(npz["dec%3A1/h"], trace["dec:1"].steps["h"])
    assert index["enc/f"] == ("enc", "", "f") and index["enc%2Ff"] == ("enc/f", "", "output")
    assert index["dec%3A1/initial_c"] == ("dec:1", "", "initial_c")


@pytest.mark.parametrize("case", ["k3_lstm_return_state", "k3_bidi_lstm_merge_modes", "k2_emb_mask_lstm"])
def test_trace_fixture_keys(tmp_path, capsys, case):
    path = fixture(case)
    x_path = path.parent / "x.npy"
    if not x_path.is_file():
        pytest.skip(f"{case} has no x.npy")
    out = tmp_path / "t.npz"
    rc, _, err = call(capsys, "trace", path, "--input", x_path, "--out", out)
    assert rc == 0, err
    assert_npz_equals_trace(out, lstmviz.load(path).trace(np.load(x_path)))
    with np.load(path.parent / "expected.npz") as exp, np.load(out) as got:
        outs = [k for k in exp.files if k == "output" or (k.startswith("output") and k[6:].isdigit())]
        assert outs
        for k in outs:
            np.testing.assert_allclose(got[k], exp[k], atol=1e-5, err_msg=k)


# -- bad input: exit 2, one line, no traceback --------------------------------------------
def _bad_inputs(tmp: Path) -> dict[str, tuple[Path, str]]:
    """name -> (input file, a word the message must contain)."""
    cases = {}

    def put(name, data, fname, word):
        p = tmp / fname
        if isinstance(data, np.ndarray):
            np.save(p, data)
        elif isinstance(data, bytes):
            p.write_bytes(data)
        elif data is not None:
            p.write_text(data)
        cases[name] = (p, word)

    put("missing", None, "nope.npy", "nope.npy")
    put("empty", b"", "empty.npy", "empty")
    put("empty_csv", "", "empty.csv", "empty")
    put("png_as_npy", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "img.npy", "img.npy")
    put("rank", np.zeros((6, 3), np.float32), "rank.npy", "rank")
    put("width", np.zeros((1, 6, 5), np.float32), "width.npy", "features")
    put("nan_npy", np.array([[[0, np.nan, 0]] * 6], np.float32), "nan.npy", "NaN")
    put("nan_csv", "1,2,3\n4,nan,6\n", "nan.csv", "NaN")
    put("garbage_csv", "1,2,3\n4,five,6\n", "garbage.csv", "five")
    put("binary_csv", b"\xff\xfe\x00\x01garbage\x00", "bin.csv", "text")
    put("ragged_csv", "1,2,3\n4,5\n", "ragged.csv", "columns")
    put("width_csv", "1,2\n3,4\n", "w.csv", "features")
    put("truncated_npy", b"", "trunc.npy", "trunc")
    np.save(tmp / "full.npy", np.zeros((1, 6, 3), np.float32))
    (tmp / "trunc.npy").write_bytes((tmp / "full.npy").read_bytes()[:-10])
    put("object_npy", b"", "obj.npy", "Python objects")
    np.save(tmp / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    put("npz_input", b"", "x.npz", ".npz")
    np.savez(tmp / "x.npz", x=np.zeros(3))
    put("unknown_suffix", "1,2,3", "x.bin", "format")
    put("directory", None, "adir", "directory")
    (tmp / "adir").mkdir()
    return cases


BAD_INPUTS = ["missing", "empty", "empty_csv", "png_as_npy", "rank", "width", "nan_npy", "nan_csv",
              "garbage_csv", "binary_csv", "ragged_csv", "width_csv", "truncated_npy", "object_npy",
              "npz_input", "unknown_suffix", "directory"]


#: the bad inputs whose fault is the file's own, whatever the model: refused before the
#: model is read (it took seconds to read a model before saying its input was empty)
FILE_FAULTS = set(BAD_INPUTS) - {"rank", "width", "width_csv", "nan_npy"}


@pytest.mark.parametrize("name", BAD_INPUTS)
def test_bad_input_exit_2_one_line(tmp_path, capsys, use_model, monkeypatch, name):
    use_model(lstm_stack)
    loaded = []
    monkeypatch.setattr(lstmviz, "load", lambda path, seed=0: loaded.append(path) or lstm_stack())
    path, word = _bad_inputs(tmp_path)[name]
    out = tmp_path / "t.npz"
    rc, stdout, err = call(capsys, "trace", "m", "--input", path, "--out", out)
    assert_one_line_error(rc, err, contains=word)
    assert not out.exists()
    assert (not loaded) == (name in FILE_FAULTS)


@pytest.mark.parametrize("stack", [lstm_stack, embedding_stack])
@pytest.mark.parametrize("text, said", [
    ("the quick brown fox\n", "words.txt: holds no rows of numbers"),
    # a text of more lines than one (a book given to a character model's --input): its
    # first line was a header, and the second "line 2, column 1 ('the quick brown fox'):
    # 'jumps over the lazy...' is not a number; lstmviz reads columns of numbers only:
    # remove that column", no word of a text
    ("the quick brown fox\njumps over the lazy dog.\nAnd so on.\n",
     "words.txt: reads as text, not numbers (line 2: 'jumps over the la...')")])
def test_a_text_file_as_input_says_what_an_input_is(tmp_path, capsys, use_model, stack, text, said):
    use_model(stack)
    (tmp_path / "words.txt").write_text(text)
    rc, _, err = call(capsys, "trace", "m", "--input", tmp_path / "words.txt", "--out", tmp_path / "t.npz")
    line = assert_one_line_error(rc, err, contains=said)
    assert "is a table of numbers" in line and "File > Open a long input" in line


def test_bad_csv_shape(tmp_path, capsys, use_model):
    use_model(lstm_stack)
    (tmp_path / "x.csv").write_text("1,2,3\n4,5,6\n")
    rc, _, err = call(capsys, "trace", "m", "-i", tmp_path / "x.csv", "--shape", "4,4,4", "-o", tmp_path / "t")
    assert_one_line_error(rc, err, contains="--shape")


@pytest.mark.parametrize("where", ["no_folder", "is_dir"])
def test_bad_out(tmp_path, capsys, use_model, where):
    use_model(lstm_stack)
    np.save(tmp_path / "x.npy", np.zeros((1, 6, 3), np.float32))
    out = tmp_path / "missing" / "t.npz" if where == "no_folder" else tmp_path
    rc, _, err = call(capsys, "trace", "m", "-i", tmp_path / "x.npy", "-o", out)
    assert_one_line_error(rc, err)


@pytest.mark.parametrize("kind", ["missing", "empty", "png", "directory", "text"])
def test_bad_model_file_in_process(tmp_path, capsys, kind):
    path = tmp_path / "model.h5"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "png":
        path.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + b"\0" * 200)
    elif kind == "directory":
        path.mkdir()
    elif kind == "text":
        path.write_text("this is not a model\n" * 10)
    np.save(tmp_path / "x.npy", np.zeros((1, 6, 3), np.float32))  # (a good input: trace reads it first)
    for args in (("summary", path), ("trace", path, "-i", tmp_path / "x.npy", "-o", tmp_path / "t.npz")):
        rc, out, err = call(capsys, *args)
        assert_one_line_error(rc, err, contains="model.h5")


def test_bad_model_file_subprocess(tmp_path):
    png = tmp_path / "photo.h5"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + b"\0" * 200)
    res = run_cli("summary", png)
    assert_one_line_error(res.returncode, res.stderr, contains="photo.h5")
    assert res.stdout == ""


def test_truncated_fixture_subprocess(tmp_path):
    path = fixture("k3_lstm_default", "model.keras")
    cut = tmp_path / "cut.keras"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    res = run_cli("trace", cut, "--input", path.parent / "x.npy", "--out", tmp_path / "t.npz")
    assert_one_line_error(res.returncode, res.stderr, contains="cut.keras")


def test_engine_error_is_one_line(capsys, monkeypatch):
    def boom(path, seed=0):
        raise lstmviz.LstmvizError("layer 'x' is a Foo, which lstmviz does not compute;\nsupported: LSTM")

    monkeypatch.setattr(lstmviz, "load", boom)
    rc, _, err = call(capsys, "summary", "m.keras")
    assert_one_line_error(rc, err, contains="Foo")


def test_unexpected_exception_still_one_line(capsys, monkeypatch):
    monkeypatch.setattr(lstmviz, "load", lambda path, seed=0: {}["nothing"])
    monkeypatch.delenv("LSTMVIZ_DEBUG", raising=False)
    rc, _, err = call(capsys, "summary", "m.keras")
    assert_one_line_error(rc, err, status=1, contains="KeyError")


def test_running_out_of_memory_is_one_plain_line(capsys, monkeypatch):
    """The machine's memory running out (past lstmviz's own limits: another program took
    it) was refused with status 2 but said as a bug: "unexpected MemoryError: ... (please
    report this ...)". It says what happened and what needs less."""
    def oom(path, seed=0):
        raise MemoryError("Unable to allocate 3.20 GiB for an array with shape (800000000,)")

    monkeypatch.setattr(lstmviz, "load", oom)
    monkeypatch.delenv("LSTMVIZ_DEBUG", raising=False)
    rc, _, err = call(capsys, "summary", "m.keras")
    line = assert_one_line_error(rc, err, contains="out of memory: the machine could not give what this needs")
    assert "MemoryError" not in line and "report" not in line


# -- argparse ------------------------------------------------------------------------------
@pytest.mark.parametrize("args", [
    ["trace"], ["trace", "m.keras", "--input", "x.npy"], ["summary"], ["summary", "a", "b"],
    ["trace", "m", "-i", "x", "-o", "y", "--shape", "1,a"], ["m.keras", "--size", "big"],
    ["trace", "m", "-i", "x", "-o", "y", "--shape", "1,x,1"], ["trace", "m", "-i", "x", "-o", "y", "--shape", "1,,3"],
    ["m.keras", "--step", "-1"], ["--bogus"],
])
def test_argparse_errors_exit_2(capsys, args):
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "error:" in err
    assert len(err.strip().splitlines()) == 1, err  # one line, as every other refusal (no usage block)
    assert "--help'" in err


@pytest.mark.parametrize("args, said", [
    (["train", "--task", "delay", "--epochs", "0", "-o", "t.keras"], "--epochs: must be at least 1, not 0"),
    (["grad", "m", "-i", "x", "-y", "y", "--loss", "hinge", "-o", "g"],
     "argument --loss: unknown loss 'hinge'; supported: mse, mae"),
    (["trace", "m.keras"], "required: --input/-i, --out/-o"),
    # an option the command does not take: that command's help is where to look
    (["grad", "m", "-i", "x", "-y", "y", "--loss", "mse", "-o", "g", "--steps", "1:3"],
     "lstmviz grad: error: unrecognized option '--steps' (an option of lstmviz trace and lstmviz app, not "
     "of this command); see 'lstmviz grad --help'"),
])
def test_argparse_errors_say_what_is_wrong_in_one_line(capsys, args, said):
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and said in err, err


@pytest.mark.parametrize("number", ["+1", "1_0", "\u0661", "1.0"])
@pytest.mark.parametrize("args", [
    ["m.keras", "--step", "{}"], ["m.keras", "--size", "{}00x300"], ["m.keras", "--shape", "{},4,1"],
    ["trace", "m", "-i", "x", "-o", "y", "--shape", "1,{},1"], ["trace", "m", "-i", "x", "-o", "y", "--seed", "{}"],
    ["grad", "m", "-i", "x", "-y", "y", "--loss", "mse", "-o", "g", "--shape", "{},4,1"],
    ["train", "--task", "delay", "-o", "t.keras", "--seed", "{}"],
    ["train", "--task", "delay", "-o", "t.keras", "--epochs", "{}"],
    ["train", "--task", "delay", "-o", "t.keras", "--batch-size", "{}"],
])
def test_integer_options_take_plain_decimal_digits(capsys, args, number):
    """int() took '--step +1', '--epochs 1_0', '--size 4_00x300', Arabic-Indic digits and so
    on (while 'trace --steps' took digits only): every integer option now reads plain
    decimal digits, anything else refused in one line saying so."""
    assert cli.main([a.format(number) for a in args]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "in decimal digits" in err, err


@pytest.mark.parametrize("args, said", [
    (["m.keras", "--step", "-1"], "argument --step: must be at least 0, not -1"),
    (["train", "--task", "delay", "-o", "t.keras", "--seed", "-1"], "argument --seed: must be at least 0, not -1"),
])
def test_integer_options_below_their_least_say_it(capsys, args, said):
    """'train --seed -1' failed with NumPy's "expected non-negative integer", without naming
    the option; now the option and what it takes."""
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and said in err, err


def test_integer_options_in_decimal_digits_are_read(capsys):
    from lstmviz.cli_inputs import parse_shape

    args = cli.build_parser().parse_args(["app", "m.keras", "--step", "12", "--size", "400x300",
                                          "--shape=-1,20,3"])
    assert (args.step, args.size, args.shape) == (12, (400, 300), [(-1, 20, 3)])
    assert parse_shape(" 2x 5x1 ") == (2, 5, 1)


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.build_parser().parse_args(["--version"])
    assert exit_.value.code == 0
    assert cli.main(["--version"]) == 0
    assert lstmviz.__version__ in capsys.readouterr().out


def test_help_documents_csv(capsys):
    assert cli.main(["trace", "--help"]) == 0
    out = capsys.readouterr().out
    assert "rows" in out and "timestep" in out and "--shape" in out and "Embedding" in out


def test_each_commands_help_lists_max_memory(capsys):
    """``--max-memory`` works after a command (``lstmviz trace ... --max-memory 4G``), but
    only 'lstmviz --help' listed it: each command's --help lists it with the same words, the
    top-level help once (its copy of the app's options leaves it out), and given after a
    command it is the limit (a value under the least refused as such)."""
    words = " ".join(cli.MAX_MEMORY_HELP.split())
    for command in cli.SUBCOMMANDS:
        assert cli.main([command, "--help"]) == 0
        out = " ".join(capsys.readouterr().out.split())
        assert f"--max-memory SIZE {words}" in out, command
    assert cli.main(["--help"]) == 0
    assert " ".join(capsys.readouterr().out.split()).count(f"--max-memory SIZE {words}") == 1
    model = str(FIXTURES / "k3_lstm_default" / "model.keras")
    assert cli.main(["summary", model, "--max-memory", "1K"]) == 2
    assert "memory limit '1K' is below" in capsys.readouterr().err


def test_theme_alone_lists_the_themes(capsys):
    """``lstmviz --theme`` (no value) lists the choices instead of argparse's "expected one
    argument"; a wrong name is refused naming them; both before any window."""
    from lstmviz.ui.theme import THEMES

    for argv in (["--theme"], ["app", "--theme"]):
        assert cli.main(argv) == 0
        out = capsys.readouterr().out
        assert out.startswith("themes: " + ", ".join(THEMES) + " ("), out
    assert cli.main(["--theme", "pink"]) == 2 and "choose from 'dark', 'light', 'projector'" in capsys.readouterr().err


def test_console_script_version():
    exe = Path(sys.executable).parent / "lstmviz"
    if not exe.exists():
        pytest.skip("the lstmviz console script is not installed in this environment")
    res = subprocess.run([str(exe), "--version"], capture_output=True, text=True, env=ENV, timeout=60)
    assert res.returncode == 0 and lstmviz.__version__ in res.stdout


# -- the app command -------------------------------------------------------------------------
def test_app_fallback_prints_demo_summary(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "lstmviz.ui.app", None)  # import fails
    rc, out, err = call(capsys)
    assert rc == 0
    assert "Total params:" in out and "LSTM" in out
    assert "not available" in err


def test_app_fallback_with_model(capsys, monkeypatch, use_model):
    monkeypatch.setitem(sys.modules, "lstmviz.ui.app", None)
    model = use_model(bidi_stack)
    rc, out, _ = call(capsys, "m.keras", "--step", "2", "--size", "800x600")
    assert rc == 0
    assert f"Total params: {model.count_params():,}" in out


def _fake_exports(monkeypatch) -> list:
    """``lstmviz.ui.app`` replaced by one that notes what it is asked to write, in order
    (("screenshot", path), (kind, path)): the list it writes to."""
    import types

    done: list = []
    fake = types.ModuleType("lstmviz.ui.app")
    fake.run_app = lambda *a, **k: done.append(("screenshot", a[1])) and 0
    fake.export_from_cli = lambda model, out, kind, *a, **k: done.append((kind, out)) and 0
    monkeypatch.setitem(sys.modules, "lstmviz.ui.app", fake)
    monkeypatch.setattr("lstmviz.ui.preflight.check_window", lambda window: [])
    return done


def test_app_arguments_passed(capsys, monkeypatch, tmp_path):
    import types

    monkeypatch.chdir(tmp_path)  # (a model that is no file is refused before the app starts, below)
    (tmp_path / "m.keras").touch()
    seen = {}
    fake = types.ModuleType("lstmviz.ui.app")
    fake.run_app = lambda *a: seen.setdefault("args", a) and 0
    monkeypatch.setitem(sys.modules, "lstmviz.ui.app", fake)
    monkeypatch.setattr("lstmviz.ui.preflight.check_window", lambda window: [])
    assert cli.main(["m.keras", "--screenshot", "o.png", "--step", "3", "--size", "1600x900",
                     "--theme", "light", "--view", "cell"]) == 0
    assert seen["args"] == ("m.keras", "o.png", 3, (1600, 900), "light", "cell")
    seen.clear()
    assert cli.main([]) == 0
    assert seen["args"] == (None, None, None, None, None, None)

    def failing(*a):
        raise lstmviz.LstmvizError("m.keras: no such file")

    fake.run_app = failing
    rc, _, err = call(capsys, "app", "m.keras")
    assert_one_line_error(rc, err, contains="no such file")
    # a MODEL that is no file, nor a command's name, is refused before Qt starts, saying what
    # is supported as `lstmviz summary` says it (it said "frobnicate: no such file" alone)
    for argv in (["frobnicate"], ["frobnicate", "--export-png", "o.png"]):
        rc, _, err = call(capsys, *argv)
        assert_one_line_error(rc, err, contains="frobnicate: no such file; supported: Keras 3 model")
    assert not (tmp_path / "o.png").exists()


def test_a_lesson_is_started_from_the_command_line(capsys, monkeypatch, tmp_path):
    """Lessons opened only from Help > Lessons (or L, then its key): ``--lesson NAME``
    (its number in that menu, its title or words of one title) starts it as the menu
    does, named in --help; a name of no lesson, of several, or beside what a lesson sets
    itself (--view, --step) or what draws no window (--export-*) is refused in one line
    before Qt starts."""
    import types

    from lstmviz.app import tours

    seen = {}
    fake = types.ModuleType("lstmviz.ui.app")
    fake.run_app = lambda *a, **k: seen.update(args=a, kwargs=k) and 0
    monkeypatch.setitem(sys.modules, "lstmviz.ui.app", fake)
    monkeypatch.setattr("lstmviz.ui.preflight.check_window", lambda window: [])
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.keras").touch()
    forget = next(k for k, les in enumerate(tours.ALL_LESSONS) if les.title == "What the forget gate learns")
    for name in ("forget gate", "What the FORGET  gate learns", str(forget + 1)):
        seen.clear()
        assert cli.main(["--lesson", name]) == 0
        assert seen["kwargs"] == {"lesson": forget} and seen["args"][0] is None
    assert cli.main(["m.keras", "--lesson", "`stateful`", "--screenshot", "s.png"]) == 0
    assert seen["args"][:2] == ("m.keras", "s.png")
    assert tours.ALL_LESSONS[seen["kwargs"]["lesson"]].title == "`stateful`"
    seen.clear()
    rc, _, err = call(capsys, "--lesson", "photosynthesis")
    line = assert_one_line_error(rc, err, contains="no lesson 'photosynthesis': give a lesson's number or words")
    assert all(f"{k + 1} {les.title.replace('`', '')}" in line for k, les in enumerate(tours.ALL_LESSONS))
    rc, _, err = call(capsys, "--lesson", "units")
    assert_one_line_error(rc, err, contains="lesson 'units' is in the titles of 2 lessons (1 What units means; 3 ")
    for name in ("0", str(len(tours.ALL_LESSONS) + 1), ""):
        rc, _, err = call(capsys, "--lesson", name)
        assert_one_line_error(rc, err, contains=f"no lesson '{name}'")
    rc, _, err = call(capsys, "--lesson", "3", "--view", "cell")
    assert_one_line_error(rc, err, contains="--lesson sets the view and step its first step shows")
    rc, _, err = call(capsys, "--lesson", "3", "--export-png", "e.png")
    assert_one_line_error(rc, err, contains="--lesson starts a lesson in the window")
    assert not seen
    assert cli.main(["--help"]) == 0
    said = " ".join(capsys.readouterr().out.split())
    assert "--lesson NAME start a guided lesson, as Help > Lessons does" in said


def test_the_train_tab_is_a_view_of_the_command_line(capsys, monkeypatch):
    """--help lists ``train`` among --view's tabs (it listed unrolled, cell, over_time,
    weights, though the window has a Train tab); --view train beside an animation is refused
    in one line before anything is written (a --export-png beside it is not written first)."""
    assert cli.main(["--help"]) == 0
    said = " ".join(capsys.readouterr().out.split())
    assert "the tab shown (unrolled, cell, over_time, weights, train);" in said
    done = _fake_exports(monkeypatch)
    rc, _, err = call(capsys, "--export-png", "e.png", "--export-gif", "e.gif", "--view", "train")
    assert_one_line_error(rc, err, contains="--view train: the Train tab is exported as a picture")
    assert not done
    assert cli.main(["--export-png", "e.png", "--screenshot", "s.png", "--view", "train"]) == 0
    assert done == [("png", "e.png"), ("screenshot", "s.png")]


def test_app_screenshot_beside_an_export_is_taken_too(monkeypatch, tmp_path):
    """--export-png OUT --screenshot SHOT: both are written (the screenshot was dropped, exit 0)."""
    done = _fake_exports(monkeypatch)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.keras").touch()
    assert cli.main(["m.keras", "--export-png", "e.png", "--export-gif", "e.gif", "--screenshot", "s.png"]) == 0
    assert done == [("gif", "e.gif"), ("png", "e.png"), ("screenshot", "s.png")]
    done.clear()
    assert cli.main(["m.keras", "--export-png", "e.png"]) == 0
    assert done == [("png", "e.png")]


@pytest.mark.parametrize("how", ["--export-png", "--screenshot"])
def test_app_render_of_a_file_that_does_not_open_is_one_line(tmp_path, how):
    """--export-png printed the failure twice (a log line, then lstmviz: ...)."""
    bad = tmp_path / "notes.txt"
    bad.write_text("these are words, not numbers\n")
    res = run_cli(bad, how, tmp_path / "o.png", timeout=180)
    line = assert_one_line_error(res.returncode, res.stderr, contains="notes.txt")
    assert "holds no rows of numbers" in line and "a row per step" in line  # what such a file must be
    assert not (tmp_path / "o.png").exists()


def test_app_screenshot_subprocess(tmp_path):
    """``lstmviz --screenshot`` never hangs: it renders (app present) or prints the summary."""
    shot = tmp_path / "shot.png"
    res = run_cli("--screenshot", shot, "--size", "800x600", timeout=180)
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    assert shot.is_file() or "Total params:" in res.stdout


def _png_model(tmp_path) -> Path:
    png = tmp_path / "photo.h5"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + b"\0" * 200)
    return png


def test_app_bad_model_exit_2_subprocess(tmp_path):
    res = run_cli(_png_model(tmp_path), "--screenshot", tmp_path / "s.png", timeout=180)
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr
    assert any(l.startswith("lstmviz: ") and "photo.h5" in l for l in res.stderr.splitlines())
    assert not (tmp_path / "s.png").exists()


def test_app_bad_model_one_line_subprocess(tmp_path):
    res = run_cli(_png_model(tmp_path), "--screenshot", tmp_path / "s.png", timeout=180)
    assert_one_line_error(res.returncode, res.stderr, contains="photo.h5")


@pytest.mark.parametrize("case,want", [
    ("k3_seq2seq_lstm", {"decoder": "decoder_input, initial_state=encoder[1], encoder[2]",
                         "td": "decoder"}),
    ("k2_explicit_mask", {"lstm": "x, mask=m", "gru": "lstm, mask=m"}),
])
def test_summary_of_a_graph_says_what_each_layer_is_connected_to(capsys, case, want):
    path = fixture(case)
    meta = json.loads((path.parent / "meta.json").read_text())
    rc, out, _ = call(capsys, "summary", path)
    assert rc == 0 and "Connected to" in out
    lines = out.splitlines()
    for layer in meta["layers"]:  # the Keras columns are as before
        row = next(l for l in lines if l.startswith(f"{layer['name']} ({layer['class']})"))
        assert f" {layer['params']:,}" in row
        if layer["name"] in want:
            assert row.endswith(want[layer["name"]]), row
    sequential = fixture("k3_lstm_default")
    rc, out, _ = call(capsys, "summary", sequential)
    assert "Connected to" not in out


# -- windows of long sequences (--steps) ---------------------------------------------------
def long_stack() -> Model:
    return Model.sequential(
        (None, None, 3),
        [LayerSpec("LSTM", {"units": 6, "return_sequences": True}, name="lstm"),
         LayerSpec("Bidirectional", {"layer": {"class_name": "GRU",
                                               "config": {"units": 4, "return_sequences": True}}},
                   name="bi"),
         LayerSpec("Dense", {"units": 2}, name="dense")],
        seed=5,
    )


def test_trace_steps_writes_the_window_of_a_full_trace_without_building_one(tmp_path, capsys,
                                                                            use_model, monkeypatch):
    model = use_model(long_stack)
    x = np.random.default_rng(1).normal(size=(2, 3000, 3)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    full = model.trace(x).flat()
    # spy: no full trace, and every recording run covers at most the window + K + a chunk
    from lstmviz.engine import layers, recurrent
    from lstmviz.engine.windows import choose_every
    runs = []
    for cls in (layers.LSTM, layers.GRU):
        orig = cls._run

        def spy(self, xs, states, mask, _orig=orig, **kw):
            runs.append((len(xs), kw.get("record", True)))
            return _orig(self, xs, states, mask, **kw)
        monkeypatch.setattr(cls, "_run", spy)
    monkeypatch.setattr(Model, "trace", lambda *a, **k: pytest.fail("built a full trace"))
    out = tmp_path / "w.npz"
    rc, stdout, err = call(capsys, "trace", "m.keras", "--input", tmp_path / "x.npy", "--out", out,
                           "--steps", "1234:1300")
    assert rc == 0, err
    assert "1234:1300" in stdout
    K = choose_every(long_stack(), 2, 3000)
    recording = [n for n, rec in runs if rec]
    assert recording and max(recording) <= 66 + K + recurrent.CHUNK
    with np.load(out) as npz:
        for key in ("lstm/i", "lstm/c", "lstm/h", "lstm/pre", "lstm/x_proj", "bi/forward/z",
                    "bi/backward/h_tilde", "bi", "dense"):
            assert npz[key].shape[:2] == (2, 66), key
            np.testing.assert_array_equal(npz[key], full[key][:, 1234:1300], err_msg=key)
        np.testing.assert_array_equal(npz["output"], full["output"])
    # (as the help says: it said 'the memory of the window, not of the sequence')
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["trace", "--help"])
    assert "('output' is the whole sequence's)" in " ".join(capsys.readouterr().out.split())


def conv_stack() -> Model:
    """A causal Conv1D and a same pooling before an LSTM, a same Conv1D after it: windows
    follow them (``engine/conv.py``'s ``keeps_steps``)."""
    return Model.sequential(
        (None, None, 3),
        [LayerSpec("Conv1D", {"filters": 5, "kernel_size": 4, "padding": "causal", "dilation_rate": 2}, name="conv"),
         LayerSpec("AveragePooling1D", {"pool_size": 3, "strides": 1, "padding": "same"}, name="pool"),
         LayerSpec("LSTM", {"units": 6, "return_sequences": True}, name="lstm"),
         LayerSpec("Conv1D", {"filters": 2, "kernel_size": 3, "padding": "same"}, name="head")],
        seed=5,
    )


def _trace_steps(tmp_path, capsys, model: Model, T: int, steps: str, x=None):
    """``lstmviz trace m.keras --input x.npy --out w.npz --steps STEPS`` of ``model`` saved
    as a real .keras file, over ``x`` (by default a 2-sample input of ``T`` steps of 3
    features): (the full trace's flat arrays, the file written, the window's first and end
    input steps, as said)."""
    from lstmviz.io.keras_writer import save_keras

    save_keras(model, tmp_path / "m.keras")
    if x is None:
        x = np.random.default_rng(2).normal(size=(2, T, 3)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    full = model.trace(x).flat()
    out = tmp_path / "w.npz"
    a, b = _window_written(capsys, tmp_path / "m.keras", tmp_path / "x.npy", out, steps, T)
    return full, out, a, b


def _window_written(capsys, model_path, x_path, out, steps: str, T: int) -> tuple[int, int]:
    """``lstmviz trace MODEL --input X --out OUT --steps STEPS`` over an input of ``T`` steps
    run, said done: the window's first and end input steps, as said."""
    rc, stdout, err = call(capsys, "trace", model_path, "--input", x_path, "--out", out, "--steps", steps)
    assert rc == 0, err
    a, b = (int(v or d) for v, d in zip(steps.split(":"), ("0", str(T))))
    assert f"(window {a}:{b})" in stdout
    return a, b


@pytest.mark.parametrize("steps", ["1234:1300", "2990:", ":17"])
def test_trace_steps_through_a_causal_conv1d_and_a_same_pooling(tmp_path, capsys, steps):
    """'--steps' refused a Conv1D ('reads 3 neighbouring steps at a time'); one of strides 1
    and padding same or causal (a pooling's too) is now windowed, its window's every array
    a full trace's, to the bit (a real .keras file, read as a user's)."""
    full, out, a, b = _trace_steps(tmp_path, capsys, conv_stack(), 3000, steps)
    with np.load(out) as npz:
        assert npz["lstmviz:steps"].tolist() == [a, b, 3000]
        for key in ("conv", "pool", "lstm/h", "lstm/c", "head"):
            assert npz[key].shape[:2] == (2, b - a), key
            np.testing.assert_array_equal(npz[key], full[key][:, a:b], err_msg=key)
        np.testing.assert_array_equal(npz["output"], full["output"])


@pytest.mark.parametrize("steps", ["1234:1301", "2990:", ":17", "7:8"])
def test_trace_steps_through_a_maxpooling_writes_each_layers_own_steps(tmp_path, capsys, steps):
    """A CNN-LSTM (causal Conv1D -> MaxPooling1D(2) -> LSTM -> Dense) over 3,001 steps was
    refused with '--steps' ('gives one step of every 2'). A:B are the input's steps; the
    layers after the pooling have 1,500 of their own and hold those A..B-1 stand for
    (ceil(A/2) .. ceil(B/2)-1; at least the one step 7 is in), said under 'lstmviz:steps/<layer>', every
    array a full trace's to the bit."""
    model = Model.sequential((None, None, 3), [
        LayerSpec("Conv1D", {"filters": 5, "kernel_size": 3, "padding": "causal"}, name="conv"),
        LayerSpec("MaxPooling1D", {"pool_size": 2}, name="pool"),
        LayerSpec("LSTM", {"units": 6, "return_sequences": True}, name="lstm"),
        LayerSpec("Dense", {"units": 2}, name="head")], seed=5)
    full, out, a, b = _trace_steps(tmp_path, capsys, model, 3001, steps)
    lo, hi = -(-a // 2), min(1500, -(-b // 2))
    if hi <= lo:  # (one input step: the pooled step it is in)
        lo, hi = a // 2, a // 2 + 1
    with np.load(out) as npz:
        assert npz["lstmviz:steps"].tolist() == [a, b, 3001] and "lstmviz:steps/conv" not in npz
        np.testing.assert_array_equal(npz["conv"], full["conv"][:, a:b])
        for key in ("pool", "lstm", "head"):
            assert npz[f"lstmviz:steps/{key}"].tolist() == [lo, hi, 1500], key
        for key in ("pool", "lstm/h", "lstm/c", "lstm/pre", "head"):
            assert npz[key].shape[:2] == (2, hi - lo), key
            np.testing.assert_array_equal(npz[key], full[key][:, lo:hi], err_msg=key)
        np.testing.assert_array_equal(npz["output"], full["output"])


@pytest.mark.parametrize("steps", ["1234:1301", "2990:", ":17", "7:8"])
def test_trace_steps_through_a_relu_between_channels_first_convolutions_writes_the_full_traces_steps(
        tmp_path, capsys, steps):
    """Permute((2, 1)) -> Conv1D(channels_first, causal) -> BatchNormalization(axis=1) ->
    Activation('relu') -> Conv1D(channels_first, strides 2) -> Dropout -> Permute((2, 1)) ->
    LSTM over 3,001 steps was refused with '--steps' at the BatchNormalization ('reads a
    sequence whose steps are on axis 2'). Now every array written is the full trace's to the
    bit: the layers before the strided Conv1D hold steps A..B-1 on axis 2, it and the layers
    after it their own steps those stand for (said under 'lstmviz:steps/<layer>'; the Dropout's
    on axis 2, the LSTM's on axis 1), a real .keras file read as a user's."""
    rng = np.random.default_rng(4)
    model = Model.sequential((None, None, 3), [
        LayerSpec("Permute", {"dims": [2, 1]}, name="p1"),
        LayerSpec("Conv1D", {"filters": 6, "kernel_size": 5, "padding": "causal",
                             "data_format": "channels_first"}, name="conv"),
        LayerSpec("BatchNormalization", {"axis": 1}, name="bn", weights=[
            rng.uniform(0.5, 2, 6).astype(np.float32), rng.normal(size=6).astype(np.float32),
            rng.normal(size=6).astype(np.float32), rng.uniform(0.2, 3, 6).astype(np.float32)]),
        LayerSpec("Activation", {"activation": "relu"}, name="relu"),
        LayerSpec("Conv1D", {"filters": 4, "kernel_size": 3, "strides": 2,
                             "data_format": "channels_first"}, name="conv2"),
        LayerSpec("Dropout", {"rate": 0.3}, name="drop"),
        LayerSpec("Permute", {"dims": [2, 1]}, name="p2"),
        LayerSpec("LSTM", {"units": 4, "return_sequences": True}, name="lstm")], seed=5)
    full, out, a, b = _trace_steps(tmp_path, capsys, model, 3001, steps)
    own = 1500  # ((3,001 - 3) // 2 + 1: 'valid', strides 2)
    lo, hi = -(-a // 2), min(own, -(-b // 2))
    if hi <= lo:  # (one input step: the strided step it is in)
        lo, hi = a // 2, a // 2 + 1
    with np.load(out) as npz:
        assert npz["lstmviz:steps"].tolist() == [a, b, 3001]
        for key in ("p1", "conv", "bn", "relu"):
            assert f"lstmviz:steps/{key}" not in npz and npz[key].shape == (2, 3 if key == "p1" else 6, b - a), key
            np.testing.assert_array_equal(npz[key], full[key][:, :, a:b], err_msg=key)
        for key in ("conv2", "drop", "p2", "lstm"):
            assert npz[f"lstmviz:steps/{key}"].tolist() == [lo, hi, own], key
        for key in ("conv2", "drop"):
            np.testing.assert_array_equal(npz[key], full[key][:, :, lo:hi], err_msg=key)
        for key in ("p2", "lstm/h", "lstm/c", "lstm/pre", "lstm"):
            assert npz[key].shape[:2] == (2, hi - lo), key
            np.testing.assert_array_equal(npz[key], full[key][:, lo:hi], err_msg=key)
        np.testing.assert_array_equal(npz["output"], full["output"])


def _keras_window_file(tmp_path, capsys, case_name, steps, total, named, clocks_want, on_two, least, along=()):
    """``lstmviz trace --steps`` of a real Keras 3 file (whose layers between two Permute((2, 1))
    hold their steps on axis 2, or whose layers act along the steps): the full trace Keras'
    numbers (its layers ``named`` too, atol 1e-5); every array of the window file the full
    trace's to the bit, sliced on the axis holding its steps (2 for the layers ``on_two``, in
    the model's order; whole where it has none: a pooling over the steps and the layers after
    it), each layer in its own steps (``clocks_want``); at least ``least`` arrays compared. The
    layers ``along`` (acting along the steps) write their numbers over every step
    (``LayerTrace.stats``) whole, the whole trace's."""
    import lstmviz
    from lstmviz.engine.windows import clock_window, layer_clocks, window_axes
    from tests.helpers import FIXTURES

    case = FIXTURES / case_name
    model = lstmviz.load(case / "model.keras")
    x = np.load(case / "x.npy")
    full_trace = model.trace(x)
    with np.load(case / "expected.npz") as want:
        np.testing.assert_allclose(full_trace.output, want["output"], atol=1e-5)
        for name in named:
            np.testing.assert_allclose(full_trace[name].output, want[f"layer:{name}"], atol=1e-5)
    full = full_trace.flat()
    out = tmp_path / "w.npz"
    a, b = _window_written(capsys, case / "model.keras", case / "x.npy", out, steps, total)
    clocks, axes = layer_clocks(model, [x]), window_axes(model, [x])
    assert {k: clocks[k][0] for k in clocks_want} == clocks_want
    assert [k for k in axes if axes[k] == [2]] == on_two
    with np.load(out) as npz:
        assert npz["lstmviz:steps"].tolist() == [a, b, total]
        compared = 0
        index = full_trace.flat_index()
        for key, whole in full.items():
            layer = key.split("/")[0]
            if key == "output" or key.startswith("lstmviz:") or "/initial_" in key:
                continue
            if index[key][2] in full_trace[index[key][0]].stats:  # (numbers over the steps: m, S ...)
                if layer in along:  # (of every step: the whole sequence's in a window too)
                    np.testing.assert_array_equal(npz[key], whole, err_msg=key)
                    compared += 1
                else:  # (a channels_first layer's over its axis 1, the features: per step, which
                    # a window does not record; not what a step page shows)
                    assert key not in npz.files, key
                continue
            if axes[layer] == [None]:  # (no steps: computed once from the whole sequence)
                np.testing.assert_array_equal(npz[key], whole, err_msg=key)
                compared += 1
                continue
            lo, hi = clock_window(clocks, total, layer, a, b)
            ax = 2 if layer in on_two else 1
            assert npz[key].shape[ax] == hi - lo, key
            np.testing.assert_array_equal(npz[key], np.take(whole, np.arange(lo, hi), axis=ax), err_msg=key)
            compared += 1
        assert compared >= least
        np.testing.assert_array_equal(npz["output"], full["output"])


@pytest.mark.parametrize("steps", ["100:200", "290:", ":17", "7:8"])
def test_trace_steps_through_layers_acting_on_each_number_between_channels_first_ones_of_a_real_keras_file(
        tmp_path, capsys, steps):
    """A real Keras 3 file (tests/fixtures/k3_cf_elementwise_lstm, scripts/make_cf_fixtures.py):
    Permute((2, 1)) -> Conv1D(channels_first) -> BatchNormalization(axis=1) -> relu -> Dropout
    -> Conv1D(channels_first, strides 2) -> Add(LeakyReLU of it, it) -> MaxPooling1D(2,
    channels_first) -> Permute((2, 1)) -> LSTM over 300 steps was refused with '--steps' at
    the BatchNormalization. Each layer in its own steps (149 after the strided Conv1D, 74
    after the pooling): ``_keras_window_file``."""
    _keras_window_file(
        tmp_path, capsys, "k3_cf_elementwise_lstm", steps, 300, ("relu", "add"),
        {"relu": 300, "add": 149, "lstm": 74},
        ["p1", "conv", "bn", "relu", "drop", "conv2", "leaky", "add", "pool"], 18)


#: real Keras 3 files of layers acting on each step's features over (batch, features, steps)
#: (scripts/make_cf_fixtures.py): the layers Keras' numbers are checked of, their clocks, the
#: layers holding the steps on axis 2, the arrays compared at least
STEPWISE_FILES = {
    "k3_cf_stepwise_lstm": (("ln", "cat"), {"sm": 160, "cat": 160, "lstm": 80},
                            ["p1", "conv", "ln", "sm", "conv2", "cat", "pool"], 14),
    # (issue 13: a channels_last GlobalAveragePooling1D of each step's features, keepdims)
    "k3_cf_pooled_lstm": (("gap", "cat"), {"enc": 160, "cat": 160, "lstm": 80}, ["p1", "gap", "cat", "pool"], 8),
}


@pytest.mark.parametrize("case", sorted(STEPWISE_FILES))
@pytest.mark.parametrize("steps", ["100:150", "159:", ":17", "15:16", "31:49"])
def test_trace_steps_through_layers_acting_on_each_steps_features_of_a_real_keras_file(tmp_path, capsys, steps,
                                                                                       case):
    """A real Keras 3 file (tests/fixtures/k3_cf_stepwise_lstm, scripts/make_cf_fixtures.py):
    Permute((2, 1)) -> Conv1D(12, channels_first) -> LayerNormalization(axis=1) -> Softmax(axis=1),
    Concatenate(axis=1) of it and another channels_first Conv1D -> MaxPooling1D(2, channels_first)
    -> Permute((2, 1)) -> LSTM over 160 steps was refused with '--steps' at the LayerNormalization;
    k3_cf_pooled_lstm's LSTM(12) -> Permute((2, 1)) -> GlobalAveragePooling1D(keepdims) (Keras pools
    axis 1 there, each step's 12 features) -> Concatenate(axis=1) -> ... at the pooling (issue 13).
    Each layer in its own steps (80 after the pooling): ``_keras_window_file``."""
    named, clocks, on_two, least = STEPWISE_FILES[case]
    _keras_window_file(tmp_path, capsys, case, steps, 160, named, clocks, on_two, least)


@pytest.mark.parametrize("steps", ["100:150", "200:", ":17", "15:16", "31:49"])
def test_trace_steps_through_a_real_keras_attention_pooling_classifier(tmp_path, capsys, steps):
    """Issue 13: a real Keras 3 file (tests/fixtures/k3_attention_pooling,
    scripts/make_attention_fixture.py): LSTM -> Dense(1, tanh) -> Softmax(axis=1) -> Multiply
    of the LSTM's sequence by those weights -> GlobalAveragePooling1D -> Dense over 240 steps
    was refused with '--steps' at the Softmax ('acts along the time axis'). The weights of the
    window's steps are sliced from their whole sequence, which the pass holds; the pooled head
    the whole's, and so are the Softmax's m and S over every step ('a/m', 'a/S'), which no
    export wrote (``_keras_window_file``)."""
    _keras_window_file(tmp_path, capsys, "k3_attention_pooling", steps, 240, ("a", "ctx"),
                       {"h": 240, "a": 240, "ctx": 240}, [], 12, along=("a",))


@pytest.mark.parametrize("steps", ["1234:1301", "2990:", ":17"])
def test_trace_steps_through_a_text_classifiers_global_pooling(tmp_path, capsys, steps):
    """The usual text classifier's head, Embedding -> LSTM(return_sequences) ->
    GlobalMaxPooling1D -> Dense, over 3,000 token ids was refused with '--steps' ('reshapes
    the time axis'). The window's LSTM arrays are the full trace's steps A..B-1, the pooled
    tensor and the Dense after it (no steps: computed once from the whole sequence) the full
    trace's whole, to the bit (a real .keras file, read as a user's)."""
    model = Model.sequential((None, None), [
        LayerSpec("Embedding", {"input_dim": 20, "output_dim": 4}, name="emb"),
        LayerSpec("LSTM", {"units": 6, "return_sequences": True}, name="lstm"),
        LayerSpec("GlobalMaxPooling1D", {}, name="pool"),
        LayerSpec("Dense", {"units": 3, "activation": "softmax"}, name="head")], seed=5)
    ids = np.random.default_rng(2).integers(0, 20, size=(2, 3000)).astype(np.float32)
    full, out, a, b = _trace_steps(tmp_path, capsys, model, 3000, steps, x=ids)
    with np.load(out) as npz:
        for key in ("emb", "lstm/h", "lstm/c", "lstm"):
            assert npz[key].shape[:2] == (2, b - a), key
            np.testing.assert_array_equal(npz[key], full[key][:, a:b], err_msg=key)
        for key in ("pool", "head", "output"):
            assert npz[key].shape == (2, 6 if key == "pool" else 3), key
            np.testing.assert_array_equal(npz[key], full[key], err_msg=key)


def _onnx_trace_steps(tmp_path, capsys, case: str, steps: str):
    """``lstmviz trace`` of ONNX fixture ``case`` over 3,000 random steps (batch 2) with
    ``--steps steps``: (the model, its full trace flat, the .npz written, A, B)."""
    path = FIXTURES / case / "model.onnx"
    model = lstmviz.load(path)
    x = np.random.default_rng(3).normal(size=(2, 3000, 3)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    full = model.trace(x).flat()
    out = tmp_path / "w.npz"
    rc, stdout, err = call(capsys, "trace", path, "--input", tmp_path / "x.npy", "--out", out, "--steps", steps)
    assert rc == 0, err
    a, b = (int(v or d) for v, d in zip(steps.split(":"), ("0", "3000")))
    assert f"(window {a}:{b})" in stdout
    return model, full, out, a, b


@pytest.mark.parametrize("case", ["onnx_torch_classic_cnn_lstm_max", "onnx_torch_dynamo_cnn_avgpool_lstm"])
@pytest.mark.parametrize("steps", ["1234:1301", "2990:", ":17", "7:8"])
def test_trace_steps_through_a_torch_onnx_cnn_lstms_pool_writes_each_layers_own_steps(tmp_path, capsys, case, steps):
    """torch's CNN-LSTM exported to ONNX (Conv1d -> MaxPool1d(2), or AvgPool1d(3, 2,
    padding 1, ceil_mode: 1,501 steps of 3,000), -> LSTM) over 3,000 steps was refused with
    '--steps' ('gives one step of every 2'). A:B are the input's steps; the pool and the
    nodes after it hold their own steps those stand for, said under 'lstmviz:steps/<layer>'
    (a window to the input's end: to their own end), every array a full trace's to the bit,
    each sliced on the axis holding its steps (the pool's (N, C, L) on its last)."""
    model, full, out, a, b = _onnx_trace_steps(tmp_path, capsys, case, steps)
    pool = "pool.MaxPool" if "max" in case else "node_avg_pool1d"
    own = 1500 if "max" in case else 1501
    lo, hi = -(-a // 2), min(own, -(-b // 2)) if b < 3000 else own
    if hi <= lo:  # (one input step: the pooled step it is in)
        lo, hi = a // 2, a // 2 + 1
    with np.load(out) as npz:
        assert npz["lstmviz:steps"].tolist() == [a, b, 3000]
        assert npz[f"lstmviz:steps/{pool}"].tolist() == [lo, hi, own]
        compared = 0
        for key, want in full.items():
            got = npz[key]
            layer = key.split("/")[0]
            w0, w1, n = (npz[f"lstmviz:steps/{layer}"].tolist() if f"lstmviz:steps/{layer}" in npz
                         else (a, b, 3000))
            if "/initial_" in key:  # (the states entering the window: those its step before left)
                want = full[key.replace("initial_", "")][:, w0 - 1] if w0 else want
            axes = [i for i, (g, d) in enumerate(zip(got.shape, want.shape)) if g != d]
            if axes:  # (the one axis of the layer's own steps)
                assert len(axes) == 1 and want.shape[axes[0]] == n and got.shape[axes[0]] == w1 - w0, key
                want = np.take(want, np.arange(w0, w1), axis=axes[0])
            assert np.array_equal(got, want), key
            compared += 1
        assert compared > 20 and npz[pool].shape == (2, 5 if "max" in case else 4, hi - lo)


@pytest.mark.parametrize("case", ["onnx_torch_classic_lstm_layernorm_mean", "onnx_torch_dynamo_lstm_layernorm_mean",
                                  "onnx_torch_classic_opset16_layernorm_mean"])
@pytest.mark.parametrize("steps", ["1234:1301", "2990:", "7:8"])
def test_trace_steps_through_a_torch_onnx_lstm_layernorm_writes_those_steps_of_the_full_trace(
        tmp_path, capsys, case, steps):
    """torch's LSTM -> LayerNorm -> mean over the steps exported to ONNX (classic, dynamo,
    and opset 16's LayerNorm decomposed into ReduceMean, Sub, Pow, Sqrt, Div ...) over 3,000
    steps was refused with '--steps' at the LayerNormalization (at opset 16 at its Pow). Now
    every array written is the full trace's to the bit: the LSTM's and the LayerNorm's
    steps A:B (sliced on the axis holding them), the mean over the steps and the output the
    whole sequence's."""
    model, full, out, a, b = _onnx_trace_steps(tmp_path, capsys, case, steps)
    norm = [n.layer.name for n in model.nodes if n.layer.class_name in ("onnx.LayerNormalization", "onnx.Div")][0]
    with np.load(out) as npz:
        assert npz["lstmviz:steps"].tolist() == [a, b, 3000]
        sliced = set()
        for key, want in full.items():
            got = npz[key]
            if "/initial_" in key:  # (the states entering the window: those its step before left)
                want = full[key.replace("initial_", "")][:, a - 1]
            axes = [i for i, (g, d) in enumerate(zip(got.shape, want.shape)) if g != d]
            if axes:  # (the one axis of the steps)
                assert len(axes) == 1 and want.shape[axes[0]] == 3000 and got.shape[axes[0]] == b - a, key
                want = np.take(want, np.arange(a, b), axis=axes[0])
                sliced.add(key.split("/")[0])
            assert np.array_equal(got, want), key
        assert norm in sliced and npz["output"].shape == (2, 2)
        np.testing.assert_array_equal(npz["output"], full["output"])


@pytest.mark.parametrize("steps, shown", [(":40", "0:40"), ("2950:", "2950:3000"),
                                          ("7:9", "7:9")])
def test_trace_steps_says_the_window_it_wrote(tmp_path, capsys, use_model, steps, shown):
    """'--steps :40' said '(window :40)' and '--steps 2950:' '(window 2950:)': the window
    taken is said with both ends, and the arrays hold that many steps."""
    use_model(long_stack)
    np.save(tmp_path / "x.npy", np.zeros((1, 3000, 3), np.float32))
    out = tmp_path / "w.npz"
    rc, stdout, err = call(capsys, "trace", "m.keras", "--input", tmp_path / "x.npy", "--out",
                           out, "--steps", steps)
    assert rc == 0, err
    assert f"(window {shown})" in stdout
    a, b = (int(v) for v in shown.split(":"))
    with np.load(out) as npz:
        assert npz["lstm/h"].shape[:2] == (1, b - a)
        assert npz["lstmviz:steps"].tolist() == [a, b, 3000]


@pytest.mark.parametrize("steps", ["5", "9:3", "a:b", "2990:3001", "-1:3"])
def test_trace_bad_steps_exit_2_one_line(tmp_path, capsys, use_model, steps):
    use_model(long_stack)
    np.save(tmp_path / "x.npy", np.zeros((1, 3000, 3), np.float32))
    rc, stdout, err = call(capsys, "trace", "m.keras", "--input", tmp_path / "x.npy", "--out",
                           tmp_path / "w.npz", "--steps", steps)
    assert rc == 2 and len(err.strip().splitlines()) == 1 and "steps" in err


@pytest.mark.parametrize("steps", ["+1:+3", "1_0:2_0", "\u0661:\u0663", "1:+3", "9" * 5000 + ":"])
def test_trace_steps_are_plain_decimal_digits(tmp_path, capsys, use_model, steps):
    """int() read '+1:+3' as 1:3, '1_0:2_0' as 10:20 and Arabic-Indic digits as 1:3, and
    wrote the file; '--steps' is A:B (A:, :B) in the digits 0-9, anything else refused in
    one line saying what a window is."""
    use_model(long_stack)
    np.save(tmp_path / "x.npy", np.zeros((1, 3000, 3), np.float32))
    rc, _, err = call(capsys, "trace", "m.keras", "--input", tmp_path / "x.npy", "--out",
                      tmp_path / "w.npz", "--steps", steps)
    line = assert_one_line_error(rc, err)
    assert "give a window as A:B with 0 <= A < B in decimal digits" in line, line
    assert not (tmp_path / "w.npz").exists()


@pytest.mark.parametrize("steps, says", [("3000:", "steps from 3000: the input has 3,000 steps: 0 to 2,999"),
                                         ("4000:", "steps from 4000: the input has 3,000 steps: 0 to 2,999"),
                                         ("2990:3001", "steps 2990:3001: the input has 3,000 steps: 0 to 2,999")])
def test_trace_steps_from_the_end_on_say_the_inputs_steps(tmp_path, capsys, use_model, steps, says):
    """'--steps 3000:' of 3,000 steps said 'steps 3000:3000 are not a window of 0:3000' (a
    window the user did not write, in other words than '2990:3001''s); now both say how many
    steps the input has and the window to give."""
    use_model(long_stack)
    np.save(tmp_path / "x.npy", np.zeros((1, 3000, 3), np.float32))
    rc, _, err = call(capsys, "trace", "m.keras", "--input", tmp_path / "x.npy", "--out",
                      tmp_path / "w.npz", "--steps", steps)
    assert assert_one_line_error(rc, err) == f"lstmviz: {says} (give a window within 0:3000)"
    assert not (tmp_path / "w.npz").exists()


def test_trace_steps_of_a_single_step_input_say_its_one_step(tmp_path, capsys, use_model):
    """A one-step input: '--steps 0:3' said "the input has 1 steps"; now its one step."""
    use_model(lambda: Model.sequential((None, 1, 2), [LayerSpec("LSTM", {"units": 2})]))
    np.save(tmp_path / "x.npy", np.ones((1, 1, 2), np.float32))
    rc, _, err = call(capsys, "trace", "m.keras", "--input", tmp_path / "x.npy", "--out",
                      tmp_path / "w.npz", "--steps", "0:3")
    assert assert_one_line_error(rc, err) == \
        "lstmviz: steps 0:3: the input has 1 step: 0 (give a window within 0:1)"


def test_trace_beyond_the_budget_says_to_take_a_window(tmp_path, capsys, use_model, monkeypatch):
    use_model(long_stack)
    np.save(tmp_path / "x.npy", np.zeros((1, 3000, 3), np.float32))
    from lstmviz import limits
    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-4)  # 200 KB of the 2 GB: a window it is
    rc, stdout, err = call(capsys, "trace", "m.keras", "--input", tmp_path / "x.npy", "--out",
                           tmp_path / "t.npz")
    assert rc == 2 and "--steps" in err and "--max-memory" in err and "LSTMVIZ_MAX_MEMORY" in err
    assert len(err.strip().splitlines()) == 1
    rc, stdout, err = call(capsys, "trace", "m.keras", "--input", tmp_path / "x.npy", "--out",
                           tmp_path / "t.npz", "--steps", "0:100")
    assert rc == 0, err


def test_trace_steps_holds_the_window_to_the_budget_and_refuses_before_the_pass(tmp_path, capsys,
                                                                               use_model, monkeypatch):
    """'--steps 0:' (or any window as long as the input) over the trace budget was traced
    anyway, where the trace without --steps was refused: --max-memory 64M, 100,000 steps,
    155.6 MB of arrays and ~390 MB resident. And a window past the input's end was said only
    after the whole keyframe pass had run (seconds to minutes for a typo). Both are now
    refused in one line before the pass, a window that fits written as before."""
    from lstmviz import limits
    from lstmviz.engine import windows

    use_model(long_stack)
    np.save(tmp_path / "x.npy", np.zeros((1, 3000, 3), np.float32))
    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-4)  # 200 KB of the 2 GB
    passes = []
    real = windows.keyframe_pass
    monkeypatch.setattr(windows, "keyframe_pass", lambda *a, **k: passes.append(1) or real(*a, **k))
    out = tmp_path / "w.npz"
    for steps in ("0:", "500:3000"):
        rc, _, err = call(capsys, "trace", "m.keras", "--input", tmp_path / "x.npy", "--out", out,
                          "--steps", steps)
        line = assert_one_line_error(rc, err)
        need = windows.full_trace_bytes(long_stack(), 1, 3000 - int(steps.split(":")[0]))
        assert need > limits.trace_budget()
        assert line == (f"lstmviz: steps {steps.rstrip(':')}{':3000' if steps.endswith(':') else ''}: "
                        f"every step of the window (batch 1 x {3000 - int(steps.split(':')[0]):,} steps) "
                        f"would take {limits.fmt_bytes(need)}, more than the trace budget "
                        f"{limits.fmt_bytes(limits.trace_budget())} (half the memory limit: "
                        "--max-memory or LSTMVIZ_MAX_MEMORY); take a shorter window"), line
    rc, _, err = call(capsys, "trace", "m.keras", "--input", tmp_path / "x.npy", "--out", out,
                      "--steps", "2990:3001")
    assert assert_one_line_error(rc, err).startswith("lstmviz: steps 2990:3001: the input has 3,000 steps")
    assert not passes and not out.exists()
    rc, _, err = call(capsys, "trace", "m.keras", "--input", tmp_path / "x.npy", "--out", out,
                      "--steps", "0:100")
    assert rc == 0, err
    assert passes == [1] and out.exists()


def test_trace_steps_through_an_onnx_recurrent_node_is_the_full_traces_window(tmp_path, capsys):
    """'lstmviz trace model.onnx --input x.npy --steps 1:3' of an ONNX LSTM node fed by the
    (time-major) input was refused ("is an ONNX recurrent node; a long sequence is traced by
    windows only through ..."). It writes the window now: each record the same steps of the
    whole trace, the node's Y its steps 1..2 on its time axis (0 in layout 0). A PyTorch
    export (Shape, Transpose, Squeeze ... around its node) is windowed too; a graph whose
    ops mix the steps (a Softmax over them) is still refused in one line."""
    path = FIXTURES / "onnx_hand_lstm_clip" / "model.onnx"
    x = FIXTURES / "onnx_hand_lstm_clip" / "x.npy"
    rc, _, err = call(capsys, "trace", path, "-i", x, "-o", tmp_path / "w.npz", "--steps", "1:3")
    assert rc == 0, err
    rc, out, err = call(capsys, "trace", path, "-i", x, "-o", tmp_path / "t.npz")
    assert rc == 0, err
    win, whole = np.load(tmp_path / "w.npz"), np.load(tmp_path / "t.npz")
    recs = [k for k in win.files if k.startswith("lstm.LSTM/") and "initial" not in k]
    assert len(recs) > 5
    for k in recs:
        assert np.array_equal(win[k], whole[k][:, 1:3]), k
    assert np.array_equal(win["lstm.LSTM"], whole["lstm.LSTM"][1:3])
    from helpers import onnx_unwindowed_model

    _, xs = onnx_unwindowed_model(tmp_path, steps=5)  # (a Concat along the steps)
    np.save(tmp_path / "xs.npy", xs)
    rc, _, err = call(capsys, "trace", tmp_path / "softmax.onnx", "-i", tmp_path / "xs.npy",
                      "-o", tmp_path / "v.npz", "--steps", "0:2")
    line = assert_one_line_error(rc, err)
    assert "a long sequence is traced by windows only" in line and "unexpected" not in line, line
    torch = FIXTURES / "onnx_torch_classic_lstm"  # (Shape, Transpose, Squeeze ... around its node)
    rc, _, err = call(capsys, "trace", torch / "model.onnx", "-i", torch / "x.npy", "-o", tmp_path / "v.npz",
                      "--steps", "1:3")
    assert rc == 0, err
    rc, _, err = call(capsys, "trace", torch / "model.onnx", "-i", torch / "x.npy", "-o", tmp_path / "u.npz")
    assert rc == 0, err
    win, whole = np.load(tmp_path / "v.npz"), np.load(tmp_path / "u.npz")
    assert np.array_equal(win["rnn.LSTM/h"], whole["rnn.LSTM/h"][:, 1:3])

def test_the_summary_of_a_weights_only_file_says_its_layers_are_guesses(tmp_path, capsys):
    """A weights file records no architecture: its summary looked like any model's
    ("Model: weights", shapes, a linear Dense) without a word that return_sequences and
    the activations were guessed; the app's message said it, the CLI's table did not."""
    import h5py

    p = tmp_path / "stock.h5"
    rng = np.random.default_rng(0)
    with h5py.File(p, "w") as f:
        f.attrs["layer_names"] = np.array([b"lstm", b"dense"])
        f.attrs["keras_version"] = b"2.8.0"
        for name, shapes in (("lstm", [("kernel:0", (3, 16)), ("recurrent_kernel:0", (4, 16)), ("bias:0", (16,))]),
                             ("dense", [("kernel:0", (4, 1)), ("bias:0", (1,))])):
            g = f.create_group(name)
            g.attrs["weight_names"] = np.array([f"{name}/{w}".encode() for w, _ in shapes])
            for w, shape in shapes:
                g[f"{name}/{w}"] = rng.standard_normal(shape).astype("f4")
    assert cli.main(["summary", str(p)]) == 0
    out = capsys.readouterr().out
    assert "Total params: 133" in out
    assert ("\nNote: weights-only file: layers inferred from weight shapes, chained in the file's order; "
            "the wiring, activations and return_sequences are guesses: a weights file records none of "
            "them\n") in out
    # a model's own summary has no such note
    assert "Note:" not in Model.sequential((None, 5, 3), [LayerSpec("LSTM", {"units": 4})], seed=0).summary_text()


def test_a_screenshot_named_for_another_format_is_refused(capsys, tmp_path):
    """--screenshot shot.jpg wrote PNG data under the .jpg name (exit 0): now one line
    saying it writes a PNG, before anything is rendered; a .png (any case) is written."""
    rc, _, err = call(capsys, "--screenshot", str(tmp_path / "shot.jpg"))
    line = assert_one_line_error(rc, err, contains="shot.jpg")
    assert "writes a PNG" in line and not (tmp_path / "shot.jpg").exists()


def test_a_token_id_outside_the_vocabulary_names_the_input_file(capsys, tmp_path):
    """'lstmviz trace' of ids beyond an Embedding's vocabulary said "layer 'embedding'
    (Embedding): token id 25 is outside the vocabulary 0..9" and no file (the app names it)."""
    case = FIXTURES / "k3_emb_gru_lstm"
    ids = np.load(case / "x.npy").copy()
    ids[0, 0] = 25
    np.save(tmp_path / "ids.npy", ids)
    model = lstmviz.load(case / "model.keras")
    emb = next(l for l in model.layers if l.class_name == "Embedding")
    rc, _, err = call(capsys, "trace", case / "model.keras", "-i", tmp_path / "ids.npy", "-o", tmp_path / "t.npz")
    line = assert_one_line_error(rc, err)
    assert line == (f"lstmviz: {tmp_path / 'ids.npy'}: layer '{emb.name}' (Embedding): token id 25 is outside "
                    f"the vocabulary 0..{emb.config['input_dim'] - 1}")


def test_a_csv_for_a_time_major_model_is_one_sample_a_row_per_step(capsys, tmp_path):
    """A CSV is one sample, a row per step; for a layout-0 ONNX model, whose input is (time,
    batch, features), it became (1, rows, columns): one step of 5 samples. And the trace's
    line counted the batch and steps of x.npy (5, 2, 2) as "batch 5, 2 steps"."""
    from lstmviz.app.inputs import use_array
    from lstmviz.app.state import AppState
    from lstmviz.cli_inputs import model_input

    path = FIXTURES / "onnx_hand_lstm_clip" / "model.onnx"
    x = np.load(FIXTURES / "onnx_hand_lstm_clip" / "x.npy")  # (time 5, batch 2, features 2)
    np.savetxt(tmp_path / "one.csv", x[:, 1], delimiter=",")
    model = lstmviz.load(path)
    want = model.trace(x[:, 1:2]).outputs
    rc, out, _ = call(capsys, "trace", path, "-i", tmp_path / "one.csv", "-o", tmp_path / "t.npz")
    assert rc == 0 and "1 sample x 5 steps" in out
    with np.load(tmp_path / "t.npz") as z:
        np.testing.assert_allclose(z["output0"], want[0], atol=1e-6)
    rc, out, _ = call(capsys, "trace", path, "-i", FIXTURES / "onnx_hand_lstm_clip" / "x.npy", "-o", tmp_path / "u.npz")
    assert rc == 0 and "2 samples x 5 steps" in out
    st = AppState()  # lstmviz MODEL --input one.csv: the same one sample
    st.set_model(lstmviz.load(path), str(path))
    use_array(st, model_input(tmp_path / "one.csv")(st.model))
    np.testing.assert_array_equal(st.x, x[:, 1:2])
    np.testing.assert_allclose(st.trace.outputs[0], want[0], atol=1e-6)


def test_a_weights_only_file_that_makes_no_model_gives_the_app_the_summarys_hint(capsys, tmp_path):
    """A Keras 3 .weights.h5 of GRUs, a RepeatVector (whose n no weights file records) and a
    TimeDistributed Dense (as a published seq2seq's): 'lstmviz summary' said what to do
    ("Open the full model file, or load these weights onto a matching stack in the app"),
    'lstmviz FILE --screenshot' and the window only why it could not run. Now the one
    refusal (lstmviz.load's) says both, wherever it is shown."""
    import h5py

    # (the setting no weights file records is named since fd1391d)
    WEIGHTS_ONLY_HINT = ("Open the full model file, or load these weights onto a matching stack in the app and set "
                         "the n of its RepeatVector 'repeat_vector' (how many steps it repeats) yourself")
    p = tmp_path / "seq.weights.h5"
    rng = np.random.default_rng(0)
    with h5py.File(p, "w") as f:
        for path, shape in [("layers/gru/cell/vars/0", (1, 12)), ("layers/gru/cell/vars/1", (4, 12)),
                            ("layers/gru/cell/vars/2", (2, 12)), ("layers/gru_1/cell/vars/0", (4, 12)),
                            ("layers/gru_1/cell/vars/1", (4, 12)), ("layers/gru_1/cell/vars/2", (2, 12)),
                            ("layers/time_distributed/layer/vars/0", (4, 1)),
                            ("layers/time_distributed/layer/vars/1", (1,))]:
            f.create_dataset(path, data=rng.standard_normal(shape).astype("f4"))
        for group in ("layers/repeat_vector/vars", "layers/gru/vars", "layers/gru_1/vars",
                      "layers/time_distributed/vars", "optimizer/vars", "vars"):
            f.require_group(group)
    with pytest.raises(lstmviz.LstmvizError) as info:
        lstmviz.load(p)
    refusal = str(info.value)
    assert refusal.startswith("seq.weights.h5: layer 'repeat_vector' (RepeatVector) has no 'n'")
    assert refusal.endswith(f". {WEIGHTS_ONLY_HINT}") and "\n" not in refusal
    rc, out, _ = call(capsys, "summary", p)
    assert rc == 0 and f"Not runnable as one stack: {refusal}." in out
    assert out.count(WEIGHTS_ONLY_HINT) == 1
    shot = tmp_path / "shot.png"
    rc, _, err = call(capsys, p, "--screenshot", shot)
    assert assert_one_line_error(rc, err) == f"lstmviz: {refusal}"
    assert not shot.exists()


@pytest.mark.parametrize("which", ["model", "input"])
def test_trace_out_naming_its_own_model_or_input_replaces_nothing(capsys, tmp_path, which):
    """'lstmviz trace m.keras -i x.npy -o x.npy' (a slip of the keys) wrote the trace's npz
    over the input (and -o m.keras over the model), exit 0: the user's file was gone. Now
    one line saying which file --out names, before any work, and both files as they were."""
    model, x = tmp_path / "m.keras", tmp_path / "x.npy"
    shutil.copy(FIXTURES / "k3_lstm_default" / "model.keras", model)
    shutil.copy(FIXTURES / "k3_lstm_default" / "x.npy", x)
    before = {p: p.read_bytes() for p in (model, x)}
    out = model if which == "model" else x
    rc, _, err = call(capsys, "trace", model, "-i", x, "-o", out)
    line = assert_one_line_error(rc, err, contains=out.name)
    assert f"this is the {which} file itself; give --out another name" in line
    assert {p: p.read_bytes() for p in (model, x)} == before


@pytest.mark.parametrize("option", ["--screenshot", "--export-png", "--export-svg", "--export-gif"])
@pytest.mark.parametrize("which", ["model", "input"])
def test_a_picture_named_as_its_own_suffixless_model_or_input_replaces_nothing(capsys, tmp_path, option, which):
    """A picture's name may have no suffix, and a user's model or input may have none
    ('mymodel', 'x'): 'lstmviz mymodel --export-png mymodel' wrote the PNG over the model,
    exit 0. As with --out: one line naming the option and the file, before anything is
    rendered, and both files as they were."""
    model, x = tmp_path / "mymodel", tmp_path / "x"
    shutil.copy(FIXTURES / "k3_lstm_default" / "model.keras", model)
    shutil.copy(FIXTURES / "k3_lstm_default" / "x.npy", x)
    before = {p: p.read_bytes() for p in (model, x)}
    out = model if which == "model" else x
    rc, _, err = call(capsys, str(model), "--input", str(x), option, str(out))
    line = assert_one_line_error(rc, err, contains=out.name)
    assert f"this is the {which} file itself; give {option} another name" in line
    assert {p: p.read_bytes() for p in (model, x)} == before


@pytest.mark.parametrize("option,name,says", [
    ("--export-gif", "steps.png", "--export-gif writes a GIF; give a .gif name"),
    ("--export-png", "view.jpg", "--export-png writes a PNG; give a .png name"),
    ("--export-svg", "view.png", "--export-svg writes an SVG; give a .svg name"),
    ("--export-mp4", "steps.gif", "--export-mp4 writes an MP4; give a .mp4 name"),
])
def test_an_export_named_for_another_format_is_refused(capsys, tmp_path, option, name, says):
    """--export-gif steps.png wrote a GIF under the .png name, --export-png view.jpg PNG
    data under .jpg (exit 0), as --screenshot did: now one line, before anything is
    rendered, and no file."""
    rc, _, err = call(capsys, option, str(tmp_path / name))
    line = assert_one_line_error(rc, err, contains=name)
    assert says in line and "write the other formats" in line
    assert not (tmp_path / name).exists()


@pytest.mark.parametrize("size", ["20000x900", "900x100000", "8x600"])
@pytest.mark.parametrize("option", ["--export-png", "--export-svg", "--screenshot"])
def test_a_picture_size_beyond_what_lstmviz_picture_takes_is_refused_alike(capsys, tmp_path, option, size):
    """lstmviz.picture takes 16 to 8192 pixels a side; --export-png OUT --size 100000x100000
    took any size (and asked Qt for tens of gigabytes of pixels). One rule for both
    (limits.check_picture_size), said in one line before anything is rendered."""
    w, h = (int(v) for v in size.split("x"))
    says = f"size {w} x {h}: give a width and a height between 16 and 8192 pixels"  # (lstmviz.picture's)
    out = tmp_path / f"v.{option.rsplit('-', 1)[-1].replace('screenshot', 'png')}"
    rc, _, stderr = call(capsys, option, str(out), "--size", size)
    assert rc == 2 and len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr, stderr
    assert "--size" in stderr and says in stderr
    assert not out.exists()


@pytest.mark.parametrize("option", ["--screenshot", "--export-png"])
def test_a_picture_into_a_missing_folder_is_refused_alike(capsys, tmp_path, option):
    """--screenshot made a missing folder (and any folders above it) while --export-png
    refused one: both now refuse it in the same line, before anything is rendered."""
    out = tmp_path / "no" / "such" / "shot.png"
    rc, _, err = call(capsys, option, str(out))
    line = assert_one_line_error(rc, err, contains="shot.png")
    assert f"the folder {out.parent} does not exist" in line
    assert not (tmp_path / "no").exists()


def test_trace_steps_of_a_years_npy_without_its_batch_axis_says_to_add_it(tmp_path, capsys, use_model):
    """A year of readings saved as (steps, features), as np.save(x) of a DataFrame's values
    gives it: 'the input has shape (262800, 3) (rank 2) but the model expects (None, None,
    3) (rank 3)'; true, and the one thing to do is said now (the app takes it as one
    sample, the command line takes the array the model takes, as Keras does)."""
    use_model(long_stack)
    np.save(tmp_path / "x.npy", np.zeros((5000, 3), np.float32))
    rc, stdout, err = call(capsys, "trace", "m.keras", "--input", tmp_path / "x.npy", "--out",
                           tmp_path / "w.npz", "--steps", "100:200")
    assert rc == 2 and err.count("\n") == 1
    assert err.rstrip().endswith("the input has shape (5000, 3) (rank 2) but the model expects "
                                 "(None, None, 3) (rank 3); one sample? give it a batch axis: x[None], "
                                 "shape (1, 5000, 3)")


def test_trace_of_a_plain_series_npy_says_to_give_it_a_batch_and_a_feature_axis(tmp_path, capsys):
    """A sensor's readings saved as a plain (steps,) array, for the demo model of one
    feature a step: refused, as Keras refuses it, with only the ranks said; now with the
    one thing to do (found by fuzzing input files)."""
    demo = ROOT / "lstmviz" / "resources" / "demos" / "sine_predictor.keras"
    np.save(tmp_path / "x.npy", np.sin(np.arange(300) / 5).astype(np.float32))
    rc, _, err = call(capsys, "trace", demo, "--input", tmp_path / "x.npy", "--out", tmp_path / "o.npz")
    assert rc == 2 and err.count("\n") == 1
    assert err.rstrip().endswith("the input has shape (300,) (rank 1) but the model expects (None, 40, 1) "
                                 "(rank 3); one series of steps? give it a batch and a feature axis: "
                                 "x[None, :, None], shape (1, 300, 1)")


def test_a_long_npy_is_read_for_a_window_of_steps_and_for_the_app_beyond_a_whole_traces_steps(
        tmp_path, capsys, use_model, monkeypatch):
    """A year of readings every 2 minutes (262,800 steps, 3 MB as .npy) and
    'lstmviz trace --steps 262000:262100' or 'lstmviz MODEL --input year.npy': refused
    while reading, 'the array has 262,800 timesteps, over the limit of 262,144', the step
    limit of a whole trace, though neither builds one (and the same readings as a .csv
    were read). A .npy input is now held to the memory limit when read; a whole trace
    still checks its own budget and steps, and says to take a window."""
    from lstmviz import cli, limits

    model = use_model(long_stack)
    x = np.random.default_rng(3).normal(size=(1, 6000, 3)).astype(np.float32)
    full = model.trace(x).flat()
    monkeypatch.setattr(limits, "BYTES_PER_STEP", limits.memory_limit() // 5000)  # 5,000 steps
    np.save(tmp_path / "year.npy", x)
    out = tmp_path / "w.npz"
    rc, stdout, err = call(capsys, "trace", "m.keras", "--input", tmp_path / "year.npy", "--out", out,
                           "--steps", "5900:6000")
    assert rc == 0, err
    with np.load(out) as npz:
        np.testing.assert_array_equal(npz["lstm/h"], full["lstm/h"][:, 5900:6000])
        assert npz["lstmviz:steps"].tolist() == [5900, 6000, 6000]
    rc, stdout, err = call(capsys, "trace", "m.keras", "--input", tmp_path / "year.npy", "--out", out)
    assert rc == 2 and err.count("\n") == 1 and "tracing would run 18,000 recurrent steps" in err
    assert "write a window of steps with --steps A:B, or to allow more" in err, err  # (it said "use fewer steps")
    # the app's --input: read whole, traced as a long input
    read = cli._app_input([str(tmp_path / "year.npy")], [])
    np.testing.assert_array_equal(read(model), x)


def test_a_size_times_its_scale_beyond_8192_pixels_is_refused(capsys, tmp_path):
    """--size 8192x8192 --scale 8 asked Qt for a 65536-pixel square (17 GB): the size and the
    scale each passed their rule. The pixels written are held to the picture's rule too,
    in one line, nothing written; a size and scale within it still render."""
    out = tmp_path / "v.png"
    rc, _, stderr = call(capsys, "--export-png", str(out), "--size", "6000x600", "--scale", "2")
    assert rc == 2 and len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr, stderr
    assert "6000 x 600 at scale 2 is 12,000 x 1,200 pixels; a picture has at most 8,192 a side" in stderr
    assert not out.exists()
    rc, _, stderr = call(capsys, "--export-png", str(out), "--size", "600x400", "--scale", "2")
    assert rc == 0 and out.exists(), stderr


@pytest.mark.parametrize("flag, suffix", [("--export-svg", "svg"), ("--export-gif", "gif"),
                                          ("--screenshot", "png")])
def test_scale_without_a_png_export_is_refused(capsys, tmp_path, flag, suffix):
    """'--export-svg v.svg --scale 2' (or a GIF's, or a screenshot's) wrote the same file
    as without it, without a word: --scale multiplies an --export-png's pixels only. Now
    refused in one line before anything is drawn; with --export-png it still applies."""
    out = tmp_path / f"v.{suffix}"
    rc, _, err = call(capsys, flag, str(out), "--size", "200x150", "--scale", "2")
    assert assert_one_line_error(rc, err) == (
        "lstmviz: --scale S multiplies the pixels of an --export-png only (--screenshot, --export-svg, "
        "--export-gif and --export-mp4 are drawn at --size): give it with --export-png, or give --size")
    assert not out.exists()


def test_two_outputs_of_one_call_may_not_share_a_file(capsys, tmp_path):
    """--screenshot a.png --export-png a.png wrote the export, then the screenshot over it,
    exit 0: one line now says so before anything is rendered."""
    out = tmp_path / "a.png"
    rc, _, stderr = call(capsys, "--screenshot", str(out), "--export-png", str(tmp_path / "." / "a.png"))
    assert rc == 2 and len(stderr.strip().splitlines()) == 1, stderr
    assert "a.png: named by both --screenshot and --export-png; give each its own file" in stderr
    assert not out.exists()


@pytest.mark.parametrize("command", ["trace", "grad"])
def test_trace_and_grad_out_of_another_kind_is_refused_before_any_work(capsys, tmp_path, command):
    """'lstmviz trace m -i x -o trace.csv' wrote a zip of NumPy arrays under the .csv name,
    exit 0 (as --screenshot shot.jpg once wrote PNG data): a user opening it in a
    spreadsheet found bytes. Now one line saying what --out writes, and no file."""
    case = FIXTURES / "k3_lstm_default"
    out = tmp_path / "trace.csv"
    more = ["-y", str(tmp_path / "no_target.npy"), "--loss", "mse"] if command == "grad" else []
    rc, _, err = call(capsys, command, case / "model.keras", "-i", case / "x.npy", *more, "-o", out)
    line = assert_one_line_error(rc, err)
    assert line == (f"lstmviz: {out}: lstmviz {command} writes NumPy arrays (np.savez_compressed); give a "
                    ".npz name" + (" (a trace as CSV: the window's File > Export > Trace as .csv)"
                                   if command == "trace" else ""))
    assert not out.exists()


def test_a_misspelled_command_is_named_as_such(capsys, tmp_path, monkeypatch):
    """'lstmviz sumary m.keras' was taken for the app on a model named 'sumary' and refused
    as "lstmviz app: error: unrecognized arguments: m.keras": no word of the slip. Now one
    line naming the command meant; a file of that name is still opened as a model."""
    model = FIXTURES / "k3_lstm_default" / "model.keras"
    rc, _, err = call(capsys, "sumary", model)
    assert assert_one_line_error(rc, err) == (
        "lstmviz: 'sumary' is neither a command nor a file: did you mean 'lstmviz summary'? "
        "(commands: summary, trace, grad, train, app; lstmviz MODEL opens the app)")
    monkeypatch.chdir(tmp_path)
    shutil.copy(model, tmp_path / "sumary")  # a model saved without a suffix under that name
    rc, _, err = call(capsys, "sumary", "--screenshot", tmp_path / "s.png")
    assert rc == 0 and (tmp_path / "s.png").exists(), err


@pytest.mark.parametrize("args, said", [
    # an option misspelled: it was 'required: --input/-i, --out/-o' (the option ignored)
    (["trace", "M", "--inptu", "x.npy", "--out", "t.npz"],
     "lstmviz trace: error: unrecognized option '--inptu' (did you mean '--input'?); see 'lstmviz trace --help'"),
    (["trace", "--ouput=t.npz", "M", "-i", "x.npy"],
     "lstmviz trace: error: unrecognized option '--ouput' (did you mean '--out'?); see 'lstmviz trace --help'"),
    (["M", "--veiw", "cell"],  # (was 'unrecognized arguments: --veiw cell')
     "lstmviz app: error: unrecognized option '--veiw' (did you mean '--view'?); see 'lstmviz app --help'"),
    (["--verison"],
     "lstmviz app: error: unrecognized option '--verison' (did you mean '--version'?); see 'lstmviz app --help'"),
    # a command after an option or after MODEL: it was taken for the app's MODEL
    (["--theme", "dark", "trace", "M"],
     "lstmviz: 'trace' is a command: it comes first, before MODEL and options ('lstmviz trace MODEL ...'; "
     "see 'lstmviz trace --help')"),
    (["M", "summary"],
     "lstmviz: 'summary' is a command: it comes first, before MODEL and options ('lstmviz summary MODEL ...'; "
     "see 'lstmviz summary --help')"),
    # a misspelled command after an option: only the first word was looked at
    (["--max-memory", "2G", "trcae", "M", "-i", "x.npy"],
     "lstmviz: 'trcae' is neither a command nor a file: did you mean 'lstmviz trace'? "
     "(commands: summary, trace, grad, train, app; lstmviz MODEL opens the app)"),
    (["--size", "800x600", "sumary", "M"],
     "lstmviz: 'sumary' is neither a command nor a file: did you mean 'lstmviz summary'? "
     "(commands: summary, trace, grad, train, app; lstmviz MODEL opens the app)"),
])
def test_a_slip_on_the_command_line_is_the_one_line_that_helps(capsys, args, said):
    model = str(FIXTURES / "k3_lstm_default" / "model.keras")
    assert cli.main([model if a == "M" else a for a in args]) == 2
    assert capsys.readouterr().err == said + "\n"


def test_options_and_their_values_are_not_taken_for_slips(capsys, tmp_path):
    """Values that look like commands or options, abbreviations argparse takes: read as before."""
    case = FIXTURES / "k3_lstm_default"
    out = tmp_path / "t.npz"
    assert cli.main(["trace", str(case / "model.keras"), "--inp", str(case / "x.npy"), "--out", str(out)]) == 0
    assert out.exists()
    assert cli.main(["--theme", "trace"]) == 2  # (a value: argparse says it is not a theme)
    assert "invalid choice: 'trace'" in capsys.readouterr().err


def test_trace_refuses_a_float64_input_beyond_float32(capsys, tmp_path):
    """A float64 .npy holding 1e300 was cast to float32's infinity inside the model (NumPy's
    'overflow encountered in cast' printed) and traced: exit 0, a trace of NaN written. Now
    the one sentence the window's Import says, naming the file, and no trace."""
    case = FIXTURES / "k3_lstm_default"
    x = np.load(case / "x.npy").astype(np.float64)
    x[0, 2, 1] = 1e300
    np.save(tmp_path / "big.npy", x)
    out = tmp_path / "t.npz"
    rc, _, err = call(capsys, "trace", case / "model.keras", "-i", tmp_path / "big.npy", "-o", out)
    line = assert_one_line_error(rc, err, contains="big.npy")
    assert line.endswith("holds 1e+300 (first at index (0, 2, 1)), beyond float32's range (\u00b13.4e38), "
                         "the numbers a model takes; scale it down")
    assert "RuntimeWarning" not in err and not out.exists()


@pytest.mark.parametrize("option", ["--screenshot", "--export-png", "--export-svg", "--export-gif"])
def test_a_picture_named_as_a_folder_is_refused_before_any_work(capsys, tmp_path, option):
    """--screenshot into a folder drew the window, then said 'could not write the PNG';
    the exports said 'Is a directory' (the system's words). Now one line naming the option,
    as trace's --out says it, before the window starts."""
    rc, _, err = call(capsys, FIXTURES / "k3_lstm_default" / "model.keras", option, tmp_path)
    assert assert_one_line_error(rc, err) == f"lstmviz: {tmp_path}: is a directory; give a file name for {option}"


@pytest.mark.parametrize("command", ["trace", "grad"])
@pytest.mark.parametrize("where", ["missing folder", "folder"])
def test_an_out_that_cannot_be_written_is_refused_before_the_model_is_read(
        tmp_path, capsys, monkeypatch, command, where):
    """``lstmviz trace M -i long.npy -o nosuch/t.npz --steps 100:19000`` read the model
    and the input and traced for 13 s, then said the folder does not exist (and '-o a
    folder' likewise, after the work). Now both are refused first, as train's --out is."""
    def no_load(*a, **k):
        raise AssertionError("the model was read before --out was checked")

    monkeypatch.setattr(lstmviz, "load", no_load)
    case = FIXTURES / "k3_lstm_default"
    out = tmp_path / "no" / "t.npz" if where == "missing folder" else tmp_path
    extra = ["--target", case / "x.npy", "--loss", "mse"] if command == "grad" else []
    rc, _, err = call(capsys, command, case / "model.keras", "-i", case / "x.npy", "-o", out, *extra)
    line = assert_one_line_error(rc, err)
    assert line == (f"lstmviz: {out}: the folder {out.parent} does not exist" if where == "missing folder"
                    else f"lstmviz: {out}: is a directory; give a file name for --out")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes anywhere")
@pytest.mark.parametrize("command", ["trace", "grad"])
def test_an_out_in_a_folder_without_write_permission_is_refused_first(tmp_path, capsys, command):
    case = FIXTURES / "k3_lstm_default"
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    out = folder / "t.npz"
    extra = ["--target", case / "x.npy", "--loss", "mse"] if command == "grad" else []
    try:
        rc, _, err = call(capsys, command, case / "model.keras", "-i", case / "x.npy", "-o", out, *extra)
    finally:
        folder.chmod(0o755)
    line = assert_one_line_error(rc, err)
    assert line == f"lstmviz: {out}: the folder {folder} is not writable; give a file in a folder you can write to"


@pytest.mark.parametrize("model_file", ["k3_lstm_default/model.keras", "k3_lstm_default/model.h5",
                                        "onnx_torch_classic_lstm/model.onnx"])
@pytest.mark.parametrize("option", ["--input", "--target"])
def test_a_model_file_given_as_an_input_is_named_as_what_it_is(capsys, tmp_path, model_file, option):
    """The model and the input swapped, or a model file given as the target: a .keras
    was called '.npz archives are not inputs', a .h5 or .onnx an 'unknown input format'.
    Now the line says it is a model file, and what an input is."""
    case = FIXTURES / "k3_lstm_default"
    given = FIXTURES / model_file
    x, y = (given, case / "x.npy") if option == "--input" else (case / "x.npy", given)
    rc, _, err = call(capsys, "grad", case / "model.keras", "-i", x, "-y", y, "--loss", "mse",
                      "-o", tmp_path / "g.npz")
    line = assert_one_line_error(rc, err)
    assert line.startswith(f"lstmviz: {given}: this is a model file (")
    assert line.endswith("not an array of numbers; give a .npy array or a .csv table"), line
    assert "npz" not in line and "unknown input format" not in line


@pytest.mark.parametrize("args, flag", [
    (["trace", "M", "-i", "X", "-o", ""], "--out"),
    (["grad", "M", "-i", "X", "-y", "X", "--loss", "mse", "-o", ""], "--out"),
    (["train", "--task", "delay", "-o", ""], "--out"),
    (["M", "--screenshot", ""], "--screenshot"),
    (["M", "--export-png", ""], "--export-png"),
    (["summary", ""], "MODEL"),
    (["trace", "", "-i", "X", "-o", "t.npz"], "MODEL"),
    (["grad", " ", "-i", "X", "-y", "X", "--loss", "mse", "-o", "g.npz"], "MODEL"),
    (["train", "", "-i", "X", "-y", "X", "-o", "m.keras"], "MODEL"),
    (["trace", "M", "-i", "", "-o", "t.npz"], "--input"),
    (["grad", "M", "-i", "X", "-y", "", "--loss", "mse", "-o", "g.npz"], "--target"),
    (["M", "-i", ""], "--input"),
])
def test_an_empty_file_name_is_refused_first(capsys, monkeypatch, args, flag):
    """'-o ""' (an unset shell variable) said 'lstmviz: : is a directory' after trace's
    checks, train '.: the trained model is saved as .keras', and '--screenshot ""' drew
    the window, then 'lstmviz: .: could not write the PNG'. Now one line naming the option,
    before any work. An empty MODEL of a subcommand alike (it was 'lstmviz: : no such
    file', where 'lstmviz ""' opens the demo as 'lstmviz' does), and an empty input or
    target (it was '.: is a directory, not an input file')."""
    def no_load(*a, **k):
        raise AssertionError("the model was read before the output name was checked")

    monkeypatch.setattr(lstmviz, "load", no_load)
    from lstmviz.ui import app as ui_app

    monkeypatch.setattr(ui_app, "run_app", no_load)  # (the window, offscreen: nothing is drawn)
    monkeypatch.setattr(ui_app, "export_from_cli", no_load)
    case = FIXTURES / "k3_lstm_default"
    args = [str(case / "model.keras") if a == "M" else str(case / "x.npy") if a == "X" else a for a in args]
    rc, _, err = call(capsys, *args)
    given = " " if " " in args else ""
    assert assert_one_line_error(rc, err) == f"lstmviz: {flag} {given!r} names no file; give a file name"


@pytest.mark.parametrize("where", ["build_parser", "_normalise_argv"])
def test_ctrl_c_while_the_command_line_is_read_is_one_line(capsys, monkeypatch, where):
    """Ctrl-C in the first tenth of a second (the parser importing the formats' registry)
    printed Python's traceback and the status of a signal (-2): only the command's run was
    guarded. Now 'lstmviz: interrupted' and 130 wherever it comes."""
    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, where, interrupted)
    rc, out, err = call(capsys, "summary", "m.keras")
    assert assert_one_line_error(rc, err, status=130) == "lstmviz: interrupted" and out == ""


@pytest.mark.parametrize("command", [["summary"], ["trace", "-i", "X", "-o", "OUT"], []])
def test_a_trace_npz_given_as_the_model_is_named_as_what_it_is(capsys, tmp_path, command):
    """A trace file given where the model goes (``lstmviz summary trace.npz``) was called
    'the zip archive has no config.json, so it is not a Keras 3 .keras file', as a
    .npy is called 'a NumPy .npy array'. Now: a NumPy .npz archive of arrays, not a model."""
    np.savez_compressed(tmp_path / "t.npz", **{"output": np.zeros(3), "lstm/h": np.ones(2)})
    x = FIXTURES / "k3_lstm_default" / "x.npy"
    args = [str(x) if a == "X" else str(tmp_path / "u.npz") if a == "OUT" else a for a in command]
    args = args[:1] + [str(tmp_path / "t.npz")] + args[1:] + (["--screenshot", str(tmp_path / "s.png")]
                                                               if not command else [])
    rc, _, err = call(capsys, *args)
    line = assert_one_line_error(rc, err)
    assert line.startswith("lstmviz: t.npz: this is a NumPy .npz archive of arrays, not a model file; "
                           "supported: Keras 3 model (.keras, or its folder saved unzipped)"), line


def test_a_column_of_token_ids_is_one_sequence_as_a_long_input_reads_it(tmp_path, capsys, use_model):
    """A .csv (or .txt) of one token id a line: `lstmviz trace --input` read it as that many
    samples of one step (a row per sample), File > Open a long input as one sample of that
    many steps. One rule now (``csv_numbers.ids_layout``): a column of ids is one sequence,
    said as "1 sample x 7 steps"; a model that takes one step a sample reads its rows as
    samples."""
    from lstmviz.app import long_data

    def free_steps():
        return Model.sequential((None, None), [LayerSpec("Embedding", {"input_dim": 10, "output_dim": 4}),
                                               LayerSpec("LSTM", {"units": 3, "return_sequences": True})], seed=2)

    ids = np.array([1, 2, 3, 9, 4, 0, 7])
    for name in ("ids.csv", "ids.txt"):
        path = tmp_path / name
        path.write_text("\n".join(str(v) for v in ids) + "\n")
        model = use_model(free_steps)
        out = tmp_path / "t.npz"
        rc, said, err = call(capsys, "trace", "m", "--input", path, "--out", out)
        assert rc == 0, err
        assert "; 1 sample x 7 steps;" in said
        assert_npz_equals_trace(out, model.trace(ids[None]))
        # File > Open a long input and lstmviz MODEL --input read it alike
        assert np.array_equal(long_data.load_long_input(path, model)[..., 0], ids[None])
        from lstmviz.cli_inputs import model_input
        assert np.array_equal(model_input(path)(model), ids[None])
    # grad says how it read it
    y = tmp_path / "y.npy"
    np.save(y, np.zeros((1, 7, 3), np.float32))
    rc, said, err = call(capsys, "grad", "m", "--input", tmp_path / "ids.csv", "--target", y, "--loss", "mse",
                         "--out", tmp_path / "g.npz")
    assert rc == 0, err
    assert said.rstrip().endswith("(ids.csv read as 1 sample x 7 steps)")
    # a model of one step a sample: its rows are samples, in every reader
    one = use_model(lambda: Model.sequential((None, 1), [LayerSpec("Embedding", {"input_dim": 10, "output_dim": 4}),
                                                         LayerSpec("LSTM", {"units": 3})], seed=2))
    rc, said, err = call(capsys, "trace", "m", "--input", tmp_path / "ids.csv", "--out", out)
    assert rc == 0 and "; 7 samples x 1 step;" in said, err
    assert_npz_equals_trace(out, one.trace(ids[:, None]))
    assert np.array_equal(long_data.load_long_input(tmp_path / "ids.csv", one)[..., 0], ids[:, None])


def test_trace_says_each_inputs_steps_where_they_differ(capsys, tmp_path):
    """fdeep_lstm_stateful.h5's five inputs run over 17, 1 and 12 steps (two more start
    states): 'lstmviz trace' said '1 sample x 17 steps', the first input's, as if of all.
    Where the inputs' steps differ each is named with its own; an input that only starts a
    layer's states runs over none; inputs of one length are said as before."""
    from helpers import encoder_decoder

    path = fixture("k3_seq2seq_lstm", "model.keras")  # (encoder 5 steps, decoder 4)
    names = [r.layer for r in lstmviz.load(path).inputs]
    n = int(np.load(path.parent / "x0.npy").shape[0])
    rc, out, _ = call(capsys, "trace", path, "-i", path.parent / "x0.npy", "-i", path.parent / "x1.npy",
                      "-o", tmp_path / "t.npz")
    assert rc == 0 and f"; {n} samples; {names[0]} 5 steps, {names[1]} 4 steps; output " in out, out
    # one file for two inputs: the line names them and says what to give
    rc, _, err = call(capsys, "trace", path, "-i", path.parent / "x0.npy", "-o", tmp_path / "t1.npz")
    assert_one_line_error(rc, err, contains=(
        f"the model takes 2 input(s) ('{names[0]}' (None, 5, 3), '{names[1]}' (None, 4, 2)) but 1 --input "
        "file(s) were given: give one --input per input, in this order"))
    rng = np.random.default_rng(0)
    same = encoder_decoder(5)
    xs = [rng.normal(size=(1, 5, 2)).astype(np.float32) for _ in range(2)]
    assert cli.inputs_read(same, xs) == "1 sample x 5 steps"
    # a decoder started by states given as inputs (h_in, c_in: no steps of their own)
    layers = [LayerSpec("InputLayer", {"batch_shape": [None, 4, 2]}, "x"),
              LayerSpec("InputLayer", {"batch_shape": [None, 3]}, "h_in"),
              LayerSpec("InputLayer", {"batch_shape": [None, 3]}, "c_in"),
              LayerSpec("InputLayer", {"batch_shape": [None, 1, 2]}, "y"),
              LayerSpec("LSTM", {"units": 3}, "a", inbound=[TensorRef("x")],
                        initial_state=[TensorRef("h_in"), TensorRef("c_in")]),
              LayerSpec("LSTM", {"units": 3}, "b", inbound=[TensorRef("y")])]
    model = Model.from_spec(ModelSpec(layers, [TensorRef(n) for n in ("x", "h_in", "c_in", "y")],
                                      [TensorRef("a"), TensorRef("b")], keras_version="3"))
    xs = [np.zeros((1, 4, 2), np.float32), np.zeros((1, 3), np.float32), np.zeros((1, 3), np.float32),
          np.zeros((1, 1, 2), np.float32)]
    assert cli.inputs_read(model, xs) == "1 sample; x 4 steps, y 1 step"


@pytest.mark.parametrize("steps", ["100:200", "290:", ":17", "7:8"])
def test_trace_steps_through_cropping_padding_and_upsampling_of_a_real_keras_file(tmp_path, capsys, steps):
    """A real Keras 3 file (tests/fixtures/k3_steps_moved_lstm, scripts/make_steps_moved_fixture.py):
    Cropping1D((3, 2)) -> LSTM -> ZeroPadding1D((2, 1)) -> UpSampling1D(2) -> GRU over 300
    steps was refused with '--steps' ('reshapes the time axis'). A:B are the input's steps;
    every layer holds its own steps those stand for (the crop's and LSTM's 295, the pad's
    298, the repeated 596: 2A .. 2B-1), said under 'lstmviz:steps/<layer>', each array a
    full trace's to the bit, and the full trace Keras' numbers."""
    import lstmviz
    from lstmviz.engine.windows import clock_window, layer_clocks
    from tests.helpers import FIXTURES

    case = FIXTURES / "k3_steps_moved_lstm"
    model = lstmviz.load(case / "model.keras")
    x = np.load(case / "x.npy")
    full_trace = model.trace(x)
    with np.load(case / "expected.npz") as want:
        np.testing.assert_allclose(full_trace.output, want["output"], atol=1e-5)
    full = full_trace.flat()
    out = tmp_path / "w.npz"
    rc, stdout, err = call(capsys, "trace", case / "model.keras", "--input", case / "x.npy", "--out", out,
                           "--steps", steps)
    assert rc == 0, err
    a, b = (int(v or d) for v, d in zip(steps.split(":"), ("0", "300")))
    assert f"(window {a}:{b})" in stdout
    clocks = layer_clocks(model, [x])
    assert {k: clocks[k][0] for k in ("crop", "lstm", "pad", "up", "gru")} == {
        "crop": 295, "lstm": 295, "pad": 298, "up": 596, "gru": 596}
    with np.load(out) as npz:
        assert npz["lstmviz:steps"].tolist() == [a, b, 300]
        for layer, keys in (("crop", ["crop"]), ("lstm", ["lstm/h", "lstm/c"]), ("pad", ["pad"]),
                            ("up", ["up"]), ("gru", ["gru/h", "gru/z"])):
            lo, hi = clock_window(clocks, 300, layer, a, b)
            if layer == "up":
                assert (lo, hi) == (2 * a, 2 * b if b < 300 else 596)
            said = npz[f"lstmviz:steps/{layer}"].tolist() if f"lstmviz:steps/{layer}" in npz else [a, b, 300]
            assert said == [lo, hi, clocks[layer][0]], layer
            for key in keys:
                assert npz[key].shape[:2] == (2, hi - lo), key
                np.testing.assert_array_equal(npz[key], full[key][:, lo:hi], err_msg=key)
        np.testing.assert_array_equal(npz["output"], full["output"])
