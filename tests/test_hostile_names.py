"""Names from files reach stderr, the summary, the window and written files escaped and
cut: terminal escape sequences, bidirectional overrides, a 1 MB layer name, a 70,000
character name in a trace's .npz, a state_dict key with 80,000 dots."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest

import lstmviz
from helpers import legacy_lstm_file
from lstmviz.errors import LstmvizError
from lstmviz.io import read_model_file
from lstmviz.text import NAME_LIMIT, safe_name, safe_text

ROOT = Path(__file__).resolve().parents[1]
ESC = "evil\x1b]0;pwned\x07\x1b[2J\x1b[31m\u202etxt.exe\r\n"
BIG = "n" * 1_000_000


def test_safe_text_escapes_and_cuts():
    assert safe_text("plain name_1") == "plain name_1"
    s = safe_text(ESC)
    assert "\x1b" not in s and "\x07" not in s and "\u202e" not in s and "\n" not in s
    assert "\\x1b]0;pwned\\x07" in s and "\\u202e" in s
    big = safe_text(BIG)
    assert len(big) < 2100 and big.endswith("more characters)")


def test_safe_name_keeps_long_names_apart():
    a, b = "x" * 5000 + "a", "x" * 5000 + "b"
    assert len(safe_name(a)) == len(safe_name(b)) == NAME_LIMIT
    assert safe_name(a) != safe_name(b)
    assert safe_name("lstm_1") == "lstm_1"


def test_error_messages_are_escaped():
    err = LstmvizError(f"layer '{ESC}' is broken")
    assert "\x1b" not in str(err) and "\n" not in str(err)


def test_a_long_name_a_file_quotes_in_a_refusal_is_cut_to_its_head_and_tail(tmp_path):
    """A .keras whose layer takes its input from a 5,000-character name (found by fuzzing)
    was refused with the name whole up to the message's 2,000 characters: a dialog of
    'aaaa'. A run that long is now its head and tail, saying how much is left out; the
    rest of the message (what is supported) is whole."""
    import json

    err = LstmvizError("layer 'x' takes its input from '" + "a" * 4999 + "b', which is not in the model")
    assert str(err).endswith("a...[4,840 characters left out]..." + "a" * 39 + "b', which is not in the model")
    assert len(str(err)) < 400
    assert str(LstmvizError("a" * 240)) == "a" * 240  # (a run up to 240 characters stays)
    src = zipfile.ZipFile(ROOT / "tests" / "fixtures" / "k3_lstm_options" / "model.keras")
    config = json.loads(src.read("config.json"))
    layer = config["config"]["layers"][-1]
    layer["inbound_nodes"][0]["args"][0]["config"]["keras_history"][0] = "a" * 5000
    with zipfile.ZipFile(tmp_path / "m.keras", "w") as out:
        for name in src.namelist():
            out.writestr(name, json.dumps(config) if name == "config.json" else src.read(name))
    with pytest.raises(LstmvizError) as got:
        lstmviz.load(tmp_path / "m.keras")
    text = str(got.value)
    assert "...[4,840 characters left out]..." + "a" * 40 + "', which is not in the model; supported: Keras 3" in text
    assert len(text) < 800 and "\n" not in text


def test_model_names_are_escaped_and_cut(tmp_path):
    p = legacy_lstm_file(tmp_path / "m.h5", [ESC, "lstm_b"])
    spec = read_model_file(p)
    names = [l.name for l in spec.layers]
    assert all(n.isprintable() for n in names), names
    model = lstmviz.load(p)
    text = model.summary_text()
    assert "\x1b" not in text and "\\x1b]0;pwned" in text


def test_megabyte_layer_name(tmp_path):
    p = legacy_lstm_file(tmp_path / "m.h5", [BIG])
    model = lstmviz.load(p)
    assert all(len(layer.name) <= NAME_LIMIT for layer in model.layers)
    text = model.summary_text()
    assert max(len(line) for line in text.splitlines()) < 1000


def test_cli_summary_and_trace_show_nothing_raw(tmp_path):
    name70k = "L" * 70_000
    p = legacy_lstm_file(tmp_path / "m.h5", [ESC, name70k])
    x = tmp_path / "x.npy"
    np.save(x, np.ones((1, 4, 3), "f4"))
    proc = subprocess.run([sys.executable, "-m", "lstmviz", "summary", str(p)],
                          capture_output=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert b"\x1b" not in proc.stdout + proc.stderr and b"\\x1b" in proc.stdout
    assert max(len(line) for line in proc.stdout.splitlines()) < 1000
    out = tmp_path / "out.npz"
    proc = subprocess.run([sys.executable, "-m", "lstmviz", "trace", str(p), "-i", str(x), "-o", str(out)],
                          capture_output=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert b"\x1b" not in proc.stdout + proc.stderr
    with zipfile.ZipFile(out) as z:
        keys = z.namelist()
    assert all(len(k) < 400 and k.isprintable() for k in keys), max(map(len, keys))
    assert any(k.startswith("L" * 50) for k in keys)


def test_safetensors_module_names_reach_the_summary_escaped(tmp_path):
    """A .safetensors file's module names went into its notes raw (the .pt reader escapes
    them, the safetensors one did not): 'lstmviz summary' printed a terminal escape
    sequence, a bidirectional override and a bell from the file."""
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    evil = ESC  # (line breaks too: a module name may hold one)
    rng = np.random.default_rng(0)
    p = tmp_path / "m.safetensors"
    safetensors_numpy.save_file({
        f"{evil}.weight_ih_l0": rng.standard_normal((16, 3)).astype("f4"),
        f"{evil}.weight_hh_l0": rng.standard_normal((16, 4)).astype("f4"),
        f"head{evil}.weight": rng.standard_normal((2, 4)).astype("f4"),
        f"odd{evil}.zz": rng.standard_normal(5).astype("f4")}, str(p))
    notes = lstmviz.load(p).source["notes"]
    assert all(n.isprintable() for n in notes) and any("\\x1b]0;pwned" in n for n in notes), notes
    proc = subprocess.run([sys.executable, "-m", "lstmviz", "summary", str(p)],
                          capture_output=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode()
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "\\x1b]0;pwned\\x07" in out and "\\u202e" in out


def test_onnx_producer_and_graph_names_reach_the_summary_escaped(tmp_path):
    """An ONNX model's producer name and version went into its notes raw: 'lstmviz summary'
    printed the file's terminal escape sequence, bell, override and line break."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    inits = [numpy_helper.from_array(rng.standard_normal(s).astype("f4"), n)
             for n, s in (("w", (1, 8, 3)), ("r", (1, 8, 2)))]
    node = helper.make_node("LSTM", ["x", "w", "r"], ["y"], hidden_size=2, name=ESC)
    graph = helper.make_graph([node], ESC, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["t", "b", 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              initializer=inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    m.producer_name, m.producer_version = ESC, ESC
    p = tmp_path / "m.onnx"
    onnx.save(m, str(p))
    source = lstmviz.load(p).source
    texts = [v for v in source.values() if isinstance(v, str)] + list(source["notes"])
    assert all(t.isprintable() for t in texts) and any("\\x1b]0;pwned" in t for t in texts), texts
    proc = subprocess.run([sys.executable, "-m", "lstmviz", "summary", str(p)],
                          capture_output=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode()
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out and "\r" not in out
    assert "\\x1b]0;pwned\\x07" in out


def test_cli_error_with_escape_in_name_is_one_escaped_line(tmp_path):
    p = legacy_lstm_file(tmp_path / "m.h5", [ESC])
    with h5py.File(p, "r+") as f:  # the weights group of the hostile name goes missing
        mw = f["model_weights"]
        del mw[ESC]
        mw.create_group(ESC + "x").attrs["weight_names"] = np.array([b"kernel:0"])
        mw.attrs["layer_names"] = np.array([(ESC + "x").encode(), b"dense"], dtype=object)
    proc = subprocess.run([sys.executable, "-m", "lstmviz", "summary", str(p)],
                          capture_output=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2
    assert b"\x1b" not in proc.stderr and b"\r" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert b"\\x1b" in proc.stderr


# -- PyTorch: keys from strangers ----------------------------------------------------------

def _torch_zip(path: Path, pickle_bytes: bytes, storages: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("archive/data.pkl", pickle_bytes)
        z.writestr("archive/byteorder", "little")
        for k, v in (storages or {}).items():
            z.writestr(f"archive/data/{k}", v)
        z.writestr("archive/version", "3\n")
    return path


def _state_dict_pickle(keys: list[str]) -> tuple[bytes, dict]:
    """A torch-style pickle of {key: FloatTensor(4)} built by hand (no torch needed)."""
    out = bytearray(b"\x80\x02")
    out += b"ccollections\nOrderedDict\nq\x00)Rq\x01("
    for i, k in enumerate(keys):
        kb = k.encode()
        out += b"X" + len(kb).to_bytes(4, "little") + kb
        out += b"ctorch._utils\n_rebuild_tensor_v2\n("
        out += b"(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX" + len(str(i)).to_bytes(4, "little") \
            + str(i).encode() + b"X\x03\x00\x00\x00cpuK\x04tQ"
        out += b"K\x00K\x04\x85K\x01\x85\x89ccollections\nOrderedDict\n)RtR"
    out += b"u."  # the opcodes torch.save writes for a state_dict of FloatTensors
    return bytes(out), {str(i): np.arange(4, dtype="<f4").tobytes() for i in range(len(keys))}


def test_torch_key_with_80000_dots_is_refused_quickly(tmp_path):
    key = "a." * 80_000 + "weight_ih_l0"
    data, storages = _state_dict_pickle([key])
    p = _torch_zip(tmp_path / "dots.pt", data, storages)
    with pytest.raises(LstmvizError) as ei:
        lstmviz.load(p)
    msg = str(ei.value)
    assert "80,000 dots" in msg and len(msg) < 2100, msg[:300]


def test_torch_pickle_with_millions_of_opcodes_is_refused(tmp_path):
    body = b"\x80\x02" + b"N0" * 1_100_000 + b"}."
    p = _torch_zip(tmp_path / "ops.pt", body)
    with pytest.raises(LstmvizError, match="more than 2,000,000 operations"):
        lstmviz.load(p)


def test_cli_trace_of_a_model_of_thousands_of_outputs_says_them_in_a_short_line(tmp_path):
    """A .keras of 2 KB whose model lists its input 5,000 times as outputs: ``lstmviz trace``
    wrote every output's shape on its one line of what it did (60 KB)."""
    import io
    import json

    x = {"module": "keras.layers", "class_name": "InputLayer", "name": "x",
         "config": {"batch_shape": [None, 4, 3], "name": "x"}, "inbound_nodes": []}
    config = {"module": "keras", "class_name": "Functional", "config": {
        "name": "f", "layers": [x], "input_layers": [["x", 0, 0]], "output_layers": [["x", 0, 0]] * 5000}}
    weights = io.BytesIO()
    with h5py.File(weights, "w") as f:
        f.create_group("layers")
    p = tmp_path / "outputs.keras"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.5.0"}))
        z.writestr("config.json", json.dumps(config))
        z.writestr("model.weights.h5", weights.getvalue())
    assert p.stat().st_size < 10_000
    xs = tmp_path / "x.npy"
    np.save(xs, np.ones((1, 4, 3), "f4"))
    proc = subprocess.run([sys.executable, "-m", "lstmviz", "trace", str(p), "-i", str(xs), "-o",
                           str(tmp_path / "o.npz")], capture_output=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    line = proc.stdout.decode().strip()
    assert "(5,000 outputs)" in line and len(line) < 400, line[:500]


@pytest.mark.parametrize("case", ["onnx_hand_conv_pool_attrs", "onnx_hand_norms_reduce",
                                  "onnx_torch_classic_cnn_lstm_max"])
def test_onnx_conv_pool_and_norm_nodes_of_hostile_names_are_shown_as_text(tmp_path, case):
    """Every node, tensor, initializer and the graph of an ONNX model with Conv, MaxPool,
    AveragePool, BatchNormalization, LayerNormalization and Reduce* nodes renamed to a
    terminal escape, a bidi override and markup: the model opens, computes the fixture's
    numbers, and its layer names, notes and summary hold none of it raw."""
    onnx = pytest.importorskip("onnx")
    from helpers import FIXTURES

    hostile = "x\x1b]0;pwned\x07\u202e<b>B</b>&amp;\r\n"
    m = onnx.load(str(FIXTURES / case / "model.onnx"))
    g, names = m.graph, {}

    def bad(n):
        return names.setdefault(n, f"{hostile}{len(names)}") if n else n
    for k, node in enumerate(g.node):
        node.name = bad(node.name or f"node{k}")
        node.input[:] = [bad(s) for s in node.input]
        node.output[:] = [bad(s) for s in node.output]
    for coll in (g.input, g.output, g.value_info, g.initializer):
        for v in coll:
            v.name = bad(v.name)
    g.name = hostile
    p = tmp_path / "m.onnx"
    onnx.save(m, str(p))
    model = lstmviz.load(p)
    kinds = {layer.class_name for layer in model.layers}
    assert kinds & {"onnx.Conv", "onnx.MaxPool", "onnx.AveragePool", "onnx.LayerNormalization",
                    "onnx.BatchNormalization", "onnx.ReduceMean", "onnx.ReduceMax"}, kinds
    x = np.load(FIXTURES / case / "x.npy")
    want = np.load(FIXTURES / case / "expected.npz")
    got = model.predict(x)
    got = got if isinstance(got, list) else [got]
    np.testing.assert_allclose(got[0], want[want.files[0]], atol=1e-5)
    texts = [layer.name for layer in model.layers] + list(model.source.get("notes", []))
    for t in texts:
        assert t.isprintable() and "<b>" not in t and "\u202e" not in t, repr(t)
    proc = subprocess.run([sys.executable, "-m", "lstmviz", "summary", str(p)],
                          capture_output=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode()
    assert not any(c in out for c in "\x1b\x07\u202e\r") and "<b>B" not in out
