"""PyTorch state_dicts: the engine equals torch, and the loader never runs code from a file.

The fixtures (``tests/fixtures/torch_*``) were made by ``scripts/make_torch_fixtures.py``
with real torch; this suite reads them only and never imports torch.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import struct
import subprocess
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lstmviz.engine import Model
from lstmviz.errors import LstmvizError
from lstmviz.io.safetensors_state import read_model as read_safetensors
from lstmviz.io.torch_state import LEGACY_MAGIC, load_torch_object, looks_like_torch_file, read_torch_state_dict
from tests.helpers import REALWORLD

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
CORPUS = REALWORLD / "models"
CORPUS_EXPECTED = FIXTURES / "torch_corpus_expected"
CORPUS_FILES = ("rlindland_lstm.pt", "rlindland_gru.pt", "chrisprasanna_gas_lstm.pt")
ATOL = 1e-5

CASES = sorted(p.parent for p in FIXTURES.glob("torch_*/meta.json"))
PARAMS = [(c, f) for c in CASES for f in json.loads((c / "meta.json").read_text())["files"]]
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(),
                                  reason=f"the real-world corpus ({CORPUS}) is absent")


def _one_line(err: LstmvizError, fname: str) -> str:
    msg = str(err)
    assert "\n" not in msg
    assert msg.startswith(f"{fname}: "), msg
    assert "; " in msg, msg
    return msg


# ------------------------------------------------------------------ fixtures equal torch

def test_fixtures_present():
    assert len(CASES) >= 10, "run scripts/make_torch_fixtures.py"
    formats = {f for _, f in PARAMS}
    assert formats == {"model.pt", "model_legacy.pt"}


@pytest.mark.parametrize("case,fname", PARAMS, ids=[f"{c.name}/{f}" for c, f in PARAMS])
def test_trace_equals_torch(case, fname):
    meta = json.loads((case / "meta.json").read_text())
    spec = read_torch_state_dict(case / fname)
    assert spec.source["framework"] == "pytorch"
    assert spec.source["format"] == ("torch-zip" if fname == "model.pt" else "torch-pickle")
    assert spec.source["weights_only"] is False
    assert spec.keras_version == "3"
    assert any("forward() code is not in the file" in n for n in spec.source["notes"])
    model = Model.from_spec(spec)
    assert model.count_params() == meta["total_params"]
    for row in meta["layers"]:
        assert model.get_layer(row["name"]).class_name == row["class"]
        assert model.get_layer(row["name"]).count_params() == row["params"], row["name"]
    x = np.load(case / "x.npy")
    want = np.load(case / "expected.npz")["output"]
    got = model.trace(x).output
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, atol=ATOL)


@pytest.mark.parametrize("fname", ["model.pt", "model_legacy.pt"])
def test_checkpoint_objects_decoded(fname):
    """Strides, storage offsets, Parameters, NumPy scalars, plain values in a checkpoint."""
    case = FIXTURES / "torch_lstm_checkpoint"
    obj, fmt = load_torch_object(case / fname)
    assert fmt == ("torch-zip" if fname == "model.pt" else "torch-pickle")
    assert obj["epoch"] == 3 and obj["note"] == "hello"
    assert obj["loss"] == 0.125 and isinstance(obj["loss"], np.float64)
    np.testing.assert_array_equal(obj["view"], np.load(case / "expected.npz")["view"])
    sd = obj["model_state_dict"]
    assert sd["lstm.weight_ih_l0"].shape == (16, 3)
    spec = read_torch_state_dict(case / fname)
    assert any("model_state_dict" in n for n in spec.source["notes"])


@pytest.mark.parametrize("fname", ["model.pt", "model_legacy.pt"])
def test_a_checkpoint_of_two_recurrent_models_says_which_is_shown_and_which_is_not(fname):
    """{'encoder': ..., 'decoder': ..., 'epoch': 2}: the encoder was shown as if the file
    held nothing else; the decoder is now a warning (the window's "Opened" message) that
    says where it is and how to see it. Its values: test_trace_equals_torch."""
    spec = read_torch_state_dict(FIXTURES / "torch_lstm_two_models" / fname)
    said = ("The checkpoint holds other recurrent state_dicts, not shown: ['decoder'] (shown: "
            "the one under ['encoder']; to see another, save it alone: "
            "torch.save(checkpoint['decoder'], 'state_dict.pt')).")
    assert said in spec.source["warnings"] and said in spec.source["notes"]
    assert [l.class_name for l in spec.layers] == ["InputLayer", "LSTM", "Dense"]
    one = read_torch_state_dict(FIXTURES / "torch_lstm_checkpoint" / fname)
    assert not any("other recurrent" in n for n in one.source["notes"])


@pytest.mark.parametrize("case,folded", [
    ("torch_gru_weight_norm", "rnn.weight_hh_l0, fc.weight"),
    ("torch_lstm_weight_norm_hook", "rnn.weight_hh_l1, rnn.weight_ih_l0")])
def test_weights_under_weight_norm_are_computed_from_g_and_v(case, folded):
    """weight_norm (the parametrization's original0/original1, or the old hook's <name>_g,
    <name>_v) leaves no weight_hh_l0 in the state_dict: the file was refused as lacking
    it. w = v * (g / ||v||) now, said in the notes, and its parametrization's module is no
    "module without weights, not applied" (its values: test_trace_equals_torch)."""
    spec = read_torch_state_dict(FIXTURES / case / "model.pt")
    assert (f"weight_norm: {', '.join(sorted(folded.split(', ')))} computed as torch's forward() "
            "does from the state_dict's g and v, w = v * (g / ||v||).") in spec.source["notes"]
    assert spec.source["warnings"] == []


def test_weight_norm_parts_of_shapes_torch_never_writes_are_refused(tmp_path):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    rng = np.random.default_rng(0)
    sd = {"rnn.weight_ih_l0": rng.standard_normal((4, 3), np.float32),
          "rnn.weight_hh_l0_g": np.ones((2, 1), np.float32),
          "rnn.weight_hh_l0_v": rng.standard_normal((4, 4), np.float32)}
    path = tmp_path / "bad.safetensors"
    safetensors_numpy.save_file(sd, str(path))
    with pytest.raises(LstmvizError) as ei:
        read_safetensors(path)
    assert ("rnn.weight_hh_l0 is split by weight_norm into g (2, 1) and v (4, 4), shapes "
            "torch's weight_norm never writes together") in _one_line(ei.value, "bad.safetensors")


def test_mapping_notes():
    spec = read_torch_state_dict(FIXTURES / "torch_rnn_1layer" / "model.pt")
    assert any("nonlinearity" in n and "tanh" in n for n in spec.source["notes"])
    spec = read_torch_state_dict(FIXTURES / "torch_gru_2layer_bidir" / "model.pt")
    classes = [l.class_name for l in spec.layers]
    assert classes == ["InputLayer", "Bidirectional", "Bidirectional", "Dense"]
    assert spec.layers[1].config["layer"]["config"]["return_sequences"] is True
    assert spec.layers[2].config["layer"]["config"]["return_sequences"] is False
    assert spec.layers[1].config["layer"]["config"]["reset_after"] is True
    assert spec.layers[0].config["batch_shape"] == [None, None, 3]
    assert any("h_n[-2]" in n for n in spec.source["notes"])
    spec = read_torch_state_dict(FIXTURES / "torch_lstm_nobias" / "model_legacy.pt")
    assert spec.layers[1].config["use_bias"] is False and len(spec.layers[1].weights) == 2
    assert spec.layers[2].config["use_bias"] is False and len(spec.layers[2].weights) == 1


def test_a_module_name_with_a_line_break_is_read_and_shown_escaped():
    """nn.Module takes any attribute name without '.' as a submodule's, a line break too:
    the recurrent keys' pattern stopped at it (`.` and `$` without DOTALL), so the file was
    refused as holding no recurrent weights while it held them (its values:
    test_trace_equals_torch)."""
    spec = read_torch_state_dict(FIXTURES / "torch_lstm_linebreak_name" / "model.pt")
    assert [l.name for l in spec.layers] == ["input", "enc_lstm", "fc"]
    assert "PyTorch state_dict: enc\\x0alstm = nn.LSTM(3, 4); Linear head fc" in spec.source["notes"]
    assert not any("\n" in n for n in spec.source["notes"])


def test_a_cell_stepped_by_forward_is_refused_naming_the_cell(tmp_path):
    """An nn.LSTMCell looped in forward() (cell.weight_ih, no layer number) was refused as
    "holds no nn.LSTM / nn.GRU / nn.RNN weights", which said nothing of what it holds; the
    line now names the cell and why (the loop is code), in a .pt and a .safetensors alike."""
    path = FIXTURES / "refused_torch_lstmcell" / "model.pt"
    with pytest.raises(LstmvizError) as ei:
        read_torch_state_dict(path)
    msg = _one_line(ei.value, "model.pt")
    said = ("model.pt: cell holds an nn.LSTMCell's weights (weight_ih, weight_hh, no layer number): a "
            "cell is stepped by a loop in forward(), code that is not in the file (keys: "
            "cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh, fc.weight, fc.bias); supported: "
            "PyTorch state_dicts of nn.LSTM / nn.GRU / nn.RNN")
    assert msg.startswith(said)
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    gru = {"gru.weight_ih": np.zeros((12, 3), np.float32), "gru.weight_hh": np.zeros((12, 4), np.float32)}
    safetensors_numpy.save_file(gru, str(tmp_path / "cell.safetensors"))
    with pytest.raises(LstmvizError) as ei:
        read_safetensors(tmp_path / "cell.safetensors")
    assert "gru holds an nn.GRUCell's weights" in _one_line(ei.value, "cell.safetensors")


def test_looks_like_torch_file(tmp_path):
    assert looks_like_torch_file(FIXTURES / "torch_lstm_1layer" / "model.pt")
    assert looks_like_torch_file(FIXTURES / "torch_lstm_1layer" / "model_legacy.pt")
    assert not looks_like_torch_file(FIXTURES / "torch_lstm_1layer" / "x.npy")
    assert not looks_like_torch_file(tmp_path / "missing.pt")
    keras = next(FIXTURES.glob("k3_*/model.keras"), None)
    if keras is not None:
        assert not looks_like_torch_file(keras)


# ------------------------------------------------------------------ the published files

@needs_corpus
@pytest.mark.parametrize("name", CORPUS_FILES)
def test_corpus_equals_torch(name):
    spec = read_torch_state_dict(CORPUS / name)
    assert spec.source["format"] == ("torch-zip" if "chris" in name else "torch-pickle")
    expected = np.load(CORPUS_EXPECTED / (Path(name).stem + ".npz"))
    got = Model.from_spec(spec).trace(expected["x"]).output
    np.testing.assert_allclose(got, expected["output"], atol=ATOL)


@needs_corpus
def test_corpus_weightless_module_noted():
    spec = read_torch_state_dict(CORPUS / "chrisprasanna_gas_lstm.pt")
    assert any("relu" in n for n in spec.source["notes"])


# ------------------------------------------------------------------ hand-made files

def _uni(s: str) -> bytes:
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def _int(n: int) -> bytes:
    if -2 ** 31 <= n < 2 ** 31:
        return b"J" + struct.pack("<i", n)
    return b"\x8a\x08" + struct.pack("<q", n)  # LONG1, 8 bytes


def _tup(items) -> bytes:
    return b"(" + b"".join(_int(i) for i in items) + b"t"


def _tensor_pickle(entries, storage_type="FloatStorage", extra=b"") -> bytes:
    """A protocol-2 pickle of an OrderedDict of tensors, as torch writes a state_dict.

    ``entries``: (name, storage key, storage numel, offset, size, stride).
    """
    out = [b"\x80\x02ccollections\nOrderedDict\n)R("]
    for name, key, numel, off, size, stride in entries:
        out += [_uni(name), b"ctorch._utils\n_rebuild_tensor_v2\n((", _uni("storage"),
                f"ctorch\n{storage_type}\n".encode(), _uni(key), _uni("cpu"), _int(numel),
                b"tQ", _int(off), _tup(size), _tup(stride), b"\x89N", b"tR"]
    out += [extra, b"u."]
    return b"".join(out)


def _legacy(obj_pickle: bytes, storages: dict[str, np.ndarray]) -> bytes:
    head = (pickle.dumps(LEGACY_MAGIC, protocol=2) + pickle.dumps(1001, protocol=2)
            + pickle.dumps({"protocol_version": 1001, "little_endian": True,
                            "type_sizes": {"short": 2, "int": 4, "long": 4}}, protocol=2))
    tail = pickle.dumps(sorted(storages), protocol=2)
    for key in sorted(storages):
        arr = storages[key]
        tail += struct.pack("<q", arr.size) + arr.astype("<f4").tobytes()
    return head + obj_pickle + tail


def _zip(obj_pickle: bytes, storages: dict[str, bytes | np.ndarray]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("archive/data.pkl", obj_pickle)
        zf.writestr("archive/byteorder", "little")
        for key, arr in storages.items():
            data = arr if isinstance(arr, bytes) else arr.astype("<f4").tobytes()
            zf.writestr(f"archive/data/{key}", data)
        zf.writestr("archive/version", "3\n")
    return buf.getvalue()


def _rnn_entries(prefix="lstm", k=4, u=2, d=3):
    """A 1-layer recurrent module's tensors, each in its own storage."""
    shapes = {"weight_ih_l0": (k * u, d), "weight_hh_l0": (k * u, u),
              "bias_ih_l0": (k * u,), "bias_hh_l0": (k * u,)}
    entries, storages = [], {}
    for i, (pname, shape) in enumerate(shapes.items()):
        n = int(np.prod(shape))
        stride = (shape[1], 1) if len(shape) == 2 else (1,)
        entries.append((f"{prefix}.{pname}", str(i), n, 0, shape, stride))
        storages[str(i)] = np.arange(n, dtype=np.float32) / 10
    return entries, storages


@pytest.mark.parametrize("container", ["zip", "legacy"])
def test_hand_made_state_dict_loads(tmp_path, container):
    entries, storages = _rnn_entries()
    entries.append(("head.weight", "9", 6, 0, (3, 2), (1, 3)))  # column-major: transposed
    storages["9"] = np.arange(6, dtype=np.float32)
    blob = _tensor_pickle(entries)
    path = tmp_path / "hand.pt"
    path.write_bytes(_zip(blob, storages) if container == "zip" else _legacy(blob, storages))
    spec = read_torch_state_dict(path)
    assert [l.class_name for l in spec.layers] == ["InputLayer", "LSTM", "Dense"]
    head = spec.layers[2]
    np.testing.assert_array_equal(head.weights[0], np.arange(6, dtype=np.float32).reshape(2, 3))
    assert head.config["use_bias"] is False
    lstm = spec.layers[1]
    w_ih = (np.arange(24, dtype=np.float32) / 10).reshape(8, 3)
    np.testing.assert_array_equal(lstm.weights[0], w_ih.T)
    np.testing.assert_allclose(lstm.weights[2], 2 * np.arange(8, dtype=np.float32) / 10)


@pytest.mark.parametrize("fmt", ["zip", "legacy", "safetensors"])
@pytest.mark.parametrize("key, shown", [
    ("lstm.weight_ih_l99999999999", "99999999999"),  # (past 9 digits: was "other weights, not used")
    ("lstm.weight_ih_l00", "00"),  # (read as layer 0: it replaced lstm.weight_ih_l0 unsaid)
    ("weight_hh_l" + "7" * 400, "777777777777...7777"),
])
def test_a_recurrent_key_of_a_layer_number_torch_never_writes_is_refused(tmp_path, fmt, key, shown):
    """lstm.weight_ih_l99999999999 (a layer number of more than 9 digits) was left out, said
    only among the weights not used, and lstm.weight_ih_l00 silently took the place of
    lstm.weight_ih_l0, while a gap (l0 and l2) is refused. Each now is, as a gap is: one
    line naming the module, the layer number and the key."""
    entries, storages = _rnn_entries()
    entries.append((key, "x", 24, 0, (8, 3), (3, 1)))
    storages["x"] = np.ones(24, np.float32)
    path = tmp_path / ("odd.safetensors" if fmt == "safetensors" else "odd.pt")
    if fmt == "safetensors":
        path.write_bytes(_safetensors_bytes({name: ("F32", size, storages[at].astype("<f4").tobytes())
                                             for name, at, _, _, size, _ in entries}))
        reader = read_safetensors
    else:
        blob = _tensor_pickle(entries)
        path.write_bytes(_zip(blob, storages) if fmt == "zip" else _legacy(blob, storages))
        reader = read_torch_state_dict
    with pytest.raises(LstmvizError) as ei:
        reader(path)
    msg = _one_line(ei.value, path.name)
    module = key.rpartition(".")[0] or "(top level)"
    assert f"recurrent module {module} has a layer numbered {shown} (" in msg, msg
    assert "not 0..n-1 as torch numbers a module's layers (l0, l1, ...); supported: " in msg, msg


def _write(tmp_path, container, blob, storages, name="bad.pt"):
    path = tmp_path / name
    path.write_bytes(_zip(blob, storages) if container == "zip" else _legacy(blob, storages))
    return path


@pytest.mark.parametrize("container", ["zip", "legacy"])
def test_no_recurrent_module_refused(tmp_path, container):
    blob = _tensor_pickle([("fc.weight", "0", 6, 0, (2, 3), (3, 1)),
                           ("fc.bias", "1", 2, 0, (2,), (1,))])
    path = _write(tmp_path, container, blob, {"0": np.zeros(6), "1": np.zeros(2)})
    with pytest.raises(LstmvizError) as ei:
        read_torch_state_dict(path)
    msg = _one_line(ei.value, "bad.pt")
    assert "no nn.LSTM / nn.GRU / nn.RNN" in msg and "fc.weight" in msg and "fc.bias" in msg


@pytest.mark.parametrize("container", ["zip", "legacy"])
@pytest.mark.parametrize("bad,words", [
    (("lstm.weight_ih_l0", "0", 24, 0, (8, 3), (3, 1)), None),  # fine (control)
    (("lstm.weight_ih_l0", "0", 24, 0, (1_000_000_000_000,), (0,)),
     "1,000,000,000,000 elements read from storage 0, which holds 24 elements"),
    (("lstm.weight_ih_l0", "0", 24, 5, (8, 3), (3, 1)), "its last element would be at 28 in storage 0"),
    (("lstm.weight_ih_l0", "0", 24, 0, (8, 3), (300, 1)), "its last element would be at 2,102 in storage 0"),
    (("lstm.weight_ih_l0", "0", 24, 0, (7, 3), (3, 1)), "shape"),
    (("lstm.weight_ih_l0", "0", 24, -1, (8, 3), (3, 1)), "below 0"),
    (("lstm.weight_ih_l0", "0", 24, 0, (8, 0), (1, 1)),  # (it was "layer 'input' (InputLayer) ...")
     "recurrent module lstm: weight_ih_l0 has shape (8, 0), an nn.LSTM of no input features"),
])
def test_bad_tensor_geometry_refused(tmp_path, container, bad, words):
    entries, storages = _rnn_entries()
    entries[0] = bad
    path = _write(tmp_path, container, _tensor_pickle(entries), storages)
    if words is None:
        read_torch_state_dict(path)
        return
    with pytest.raises(LstmvizError) as ei:
        read_torch_state_dict(path)
    assert words in _one_line(ei.value, "bad.pt")


def _long(n: int) -> bytes:
    """``n`` as pickle's LONG4 of as many bytes as it takes (past int64 too)."""
    raw = n.to_bytes((n.bit_length() + 8) // 8, "little", signed=True)
    return b"\x8b" + struct.pack("<I", len(raw)) + raw


@pytest.mark.parametrize("container", ["zip", "legacy"])
@pytest.mark.parametrize("geometry, says", [
    ((0, (8, 3), (300, 1)), "has size [8, 3], stride [300, 1] and storage offset 0: its last element would be "
     "at 2,102 in storage 0, which holds 24 elements (offset + (size - 1) x stride, summed, must be below "
     "that); the file is damaged"),
    ((30, (8, 3), (3, 1)), "has size [8, 3], stride [3, 1] and storage offset 30: its last element would be "
     "at 53 in storage 0"),
    ((0, (8, 3), (-3, 1)), "has size [8, 3], stride [-3, 1] and storage offset 0: a size, stride or offset "
     "below 0, which torch never writes (storage 0 holds 24 elements); the file is damaged"),
    ((0, (-8, 3), (3, 1)), "has size [-8, 3], stride [3, 1] and storage offset 0: a size, stride or offset below 0"),
    ((0, (2 ** 62, 2 ** 62), (0, 0)), "stride [0, 0] and storage offset 0: about 2.1e+37 elements read from "
     "storage 0, which holds 24 elements (a tensor repeating elements with a stride of 0 is not read)"),
    ((0, (8, 3), (2 ** 62, 1)), "its last element would be at about 3.2e+19 in storage 0"),
    # (no element, but NumPy makes no array of that size: it was "the file is truncated or corrupt")
    ((0, (0, 2 ** 62, 2 ** 62), (1, 1, 1)), "stride [1, 1, 1] and storage offset 0: a size that is larger "
     "than any array can be (its dimensions multiply to 2**63 or more); the file is damaged"),
])
def test_a_tensor_reaching_outside_its_storage_is_named_with_its_geometry(tmp_path, container, geometry, says):
    """A tensor whose size, stride or offset reached past its storage, or was negative, was
    refused as "a tensor of size [8, 3] reaches past the end of its storage" or "a tensor
    has a negative size, stride or offset": which of the file's tensors, its stride, its
    offset, and what a tensor needs were not said. One line now names the tensor by its
    key, its size, stride, offset and storage, before anything of it is allocated."""
    entries, storages = _rnn_entries()
    entries[0] = ("lstm.weight_ih_l0", "0", 24, *geometry)
    path = _write(tmp_path, container, _tensor_pickle(entries), storages)
    with pytest.raises(LstmvizError) as ei:
        read_torch_state_dict(path)
    msg = _one_line(ei.value, "bad.pt")
    assert msg.startswith("bad.pt: tensor 'lstm.weight_ih_l0' has size [") and says in msg, msg


def test_a_tensor_reaching_outside_its_storage_is_named_where_a_checkpoint_holds_it(tmp_path):
    """In a checkpoint ({'state_dict': {...}, 'epoch': 3}) the tensor is named by where it is."""
    entries, storages = _rnn_entries()
    entries[2] = ("lstm.bias_ih_l0", "2", 8, 0, (8,), (2,))
    inner = _tensor_pickle(entries)[2:-1]  # (the OrderedDict, without the protocol and STOP)
    blob = b"\x80\x02}(" + _uni("epoch") + _int(3) + _uni("state_dict") + inner + b"u."
    path = _write(tmp_path, "zip", blob, storages)
    with pytest.raises(LstmvizError) as ei:
        read_torch_state_dict(path)
    assert _one_line(ei.value, "bad.pt").startswith(
        "bad.pt: tensor ['state_dict'] 'lstm.bias_ih_l0' has size [8], stride [2] and storage offset 0: its "
        "last element would be at 14 in storage 2, which holds 8 elements")


@pytest.mark.parametrize("container", ["zip", "legacy"])
def test_a_tensor_size_past_int64_is_refused_before_it_is_counted(tmp_path, container):
    """torch's sizes, strides and offsets are int64: a pickle's integer of 100,000 digits as
    a size was multiplied and written out in the refusal, which Python refuses for an integer
    of more than 4,300 digits: "the file is truncated or corrupt"."""
    entries, storages = _rnn_entries()
    blob = _tensor_pickle(entries).replace(_tup((8, 3)), b"(" + _long(10 ** 100_000) + _int(3) + b"t", 1)
    path = _write(tmp_path, container, blob, storages)
    with pytest.raises(LstmvizError) as ei:
        read_torch_state_dict(path)
    assert "a tensor's size is an integer of 332,193 bits, beyond torch's 64" in _one_line(ei.value, "bad.pt")


@pytest.mark.parametrize("container", ["zip", "legacy"])
def test_storage_claims_refused(tmp_path, container):
    entries, storages = _rnn_entries()
    name, key, numel, off, size, stride = entries[1]
    entries[1] = (name, key, 2 ** 40, off, size, stride)  # storage claims 4 TiB
    path = _write(tmp_path, container, _tensor_pickle(entries), storages)
    with pytest.raises(LstmvizError) as ei:
        read_torch_state_dict(path)
    _one_line(ei.value, "bad.pt")


def test_legacy_count_prefix_past_end_refused(tmp_path):
    entries, storages = _rnn_entries()
    blob = bytearray(_legacy(_tensor_pickle(entries), storages))
    # the last storage's 8-byte element count: claim far more than the file holds
    last = storages["3"]
    pos = len(blob) - last.nbytes - 8
    blob[pos:pos + 8] = struct.pack("<q", 2 ** 50)
    path = tmp_path / "bad.pt"
    path.write_bytes(bytes(blob))
    with pytest.raises(LstmvizError) as ei:
        read_torch_state_dict(path)
    assert "file ends first" in _one_line(ei.value, "bad.pt")


def test_proj_size_refused(tmp_path):
    entries, storages = _rnn_entries()
    entries.append(("lstm.weight_hr_l0", "7", 4, 0, (2, 2), (2, 1)))
    storages["7"] = np.zeros(4)
    path = _write(tmp_path, "zip", _tensor_pickle(entries), storages)
    with pytest.raises(LstmvizError) as ei:
        read_torch_state_dict(path)
    assert "proj_size" in _one_line(ei.value, "bad.pt")


@pytest.mark.parametrize("content,words", [
    (b"", "empty"),
    (b"hello world\n", "unrecognised"),
    (b"\x89HDF\r\n\x1a\n" + b"\0" * 100, "HDF5"),
    (b"PK\x03\x04garbage", "zip"),
    (b"\x80\x02K\x05.", "not a PyTorch file"),
    (b"\x80\x02\x8a\x0a" + LEGACY_MAGIC.to_bytes(10, "little"), "truncated"),
])
def test_not_torch_files(tmp_path, content, words):
    path = tmp_path / "thing.pt"
    path.write_bytes(content)
    with pytest.raises(LstmvizError) as ei:
        read_torch_state_dict(path)
    assert words in _one_line(ei.value, "thing.pt")


def test_missing_and_directory(tmp_path):
    with pytest.raises(LstmvizError, match="no such file"):
        read_torch_state_dict(tmp_path / "nope.pt")
    with pytest.raises(LstmvizError, match="directory"):
        read_torch_state_dict(tmp_path)


def test_keras_archive_refused():
    keras = next(FIXTURES.glob("k3_*/model.keras"), None)
    if keras is None:
        pytest.skip("no Keras fixtures")
    with pytest.raises(LstmvizError, match="Keras .keras archive"):
        read_torch_state_dict(keras)


# ------------------------------------------------------------------ nothing runs

class _Payload:
    def __init__(self, fn, args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


def _payloads(marker: Path):
    m = str(marker)
    return {
        "os.system": _Payload(os.system, (f"touch {m}",)),
        "builtins.eval": _Payload(eval, (f"open({m!r}, 'w').close()",)),
        "builtins.exec": _Payload(exec, (f"open({m!r}, 'w').close()",)),
        "subprocess.Popen": _Payload(subprocess.Popen, (["touch", m],)),
        "builtins.open": _Payload(open, (m, "w")),
    }


@pytest.mark.parametrize("which", ["os.system", "builtins.eval", "builtins.exec",
                                   "subprocess.Popen", "builtins.open"])
@pytest.mark.parametrize("where", ["bare", "legacy", "zip", "inside_state_dict"])
@pytest.mark.parametrize("protocol", [2, 4])
def test_code_in_pickle_never_runs(tmp_path, which, where, protocol):
    marker = tmp_path / "pwned"
    payload = _payloads(marker)[which]
    evil = pickle.dumps(payload, protocol=protocol)
    if where == "bare":
        blob = evil
    elif where == "legacy":
        blob = _legacy(evil, {})
    elif where == "zip":
        blob = _zip(evil, {})
    else:  # a valid state_dict whose last value is the payload
        entries, storages = _rnn_entries()
        inner = pickle.dumps({"x": payload}, protocol=2)[2:-1]  # the dict, without PROTO/STOP
        tensors = _tensor_pickle(entries, extra=_uni("extra") + inner)
        blob = _zip(tensors, storages)
    path = tmp_path / "evil.pt"
    path.write_bytes(blob)
    with pytest.raises(LstmvizError) as ei:
        read_torch_state_dict(path)
    msg = _one_line(ei.value, "evil.pt")
    assert "asks to run" in msg and "lstmviz never does" in msg
    mod, _, name = which.partition(".")
    assert name in msg  # e.g. posix.system for os.system
    with pytest.raises(LstmvizError):
        load_torch_object(path)
    assert not marker.exists()


def test_whole_pickled_model_refused(tmp_path):
    blob = _legacy(b"\x80\x02ctorch.nn.modules.rnn\nLSTM\n)\x81.", {})
    path = tmp_path / "model.pt"
    path.write_bytes(blob)
    with pytest.raises(LstmvizError) as ei:
        read_torch_state_dict(path)
    msg = _one_line(ei.value, "model.pt")
    assert "torch.nn.modules.rnn.LSTM" in msg and "state_dict()" in msg


@pytest.mark.parametrize("klass", [b"__torch__\nNet", b"__torch__.___torch_mangle_3\nNet"])
def test_a_torchscript_file_is_named_with_how_to_get_its_state_dict(tmp_path, klass):
    """torch.jit.save(torch.jit.script(model), "model.pt"), what many projects ship: its
    data.pkl builds __torch__.Net; the refusal listed state_dicts without saying what the
    file is or how to get one from it."""
    path = tmp_path / "model.pt"
    path.write_bytes(_zip(b"\x80\x02c" + klass + b"\nq\x00)\x81q\x01}q\x02b.", {}))
    with pytest.raises(LstmvizError) as ei:
        read_torch_state_dict(path)
    msg = _one_line(ei.value, "model.pt")
    assert "never does; this is a TorchScript module (torch.jit.save); supported: its state_dict" in msg
    assert "torch.save(torch.jit.load(path).state_dict(), 'state_dict.pt')" in msg


@pytest.mark.parametrize("target", [b"ctorch._utils\n_rebuild_tensor_v2\n",
                                    b"ccollections\nOrderedDict\n", b"ctorch\nFloatStorage\n"])
def test_allowed_names_cannot_be_modified(tmp_path, target):
    """BUILD on an allowed name (to plant attributes) is refused, not applied."""
    blob = _zip(b"\x80\x02" + target + b"}" + _uni("__call__") + b"K\x01sb.", {})
    path = tmp_path / "build.pt"
    path.write_bytes(blob)
    with pytest.raises(LstmvizError):
        read_torch_state_dict(path)
    # and the loader still works afterwards
    read_torch_state_dict(FIXTURES / "torch_lstm_1layer" / "model.pt")


def test_persistent_module_source_refused(tmp_path):
    blob = _legacy(b"\x80\x02(" + _uni("module") + b"N" + _uni("f.py") + _uni("import os")
                   + b"tQ.", {})
    path = tmp_path / "src.pt"
    path.write_bytes(blob)
    with pytest.raises(LstmvizError, match="source code"):
        read_torch_state_dict(path)


# ------------------------------------------------------------------ fuzz

def _fuzz_seeds() -> list[Path]:
    seeds = [c / f for c, f in PARAMS]
    if CORPUS.is_dir():
        seeds += [CORPUS / "chrisprasanna_gas_lstm.pt", CORPUS / "rlindland_gru.pt"]
    return seeds


FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=list(HealthCheck))


def _check_only_lstmviz_errors(path: Path):
    t0 = time.monotonic()
    try:
        spec = read_torch_state_dict(path)
    except LstmvizError as e:
        assert "\n" not in str(e)
    else:
        try:
            model = Model.from_spec(spec)
            d = spec.layers[0].config["batch_shape"][-1]
            model.trace(np.zeros((1, 2, d), np.float32))
        except LstmvizError:
            pass
    assert time.monotonic() - t0 < 20, "the loader took too long"


def _mutate(data, blob: bytearray) -> bytearray:
    op = data.draw(st.sampled_from(["flip", "truncate", "splice", "int"]))
    if not blob:
        return blob
    if op == "flip":
        for _ in range(data.draw(st.integers(1, 16))):
            i = data.draw(st.integers(0, len(blob) - 1))
            blob[i] = data.draw(st.integers(0, 255))
    elif op == "truncate":
        blob = blob[: data.draw(st.integers(0, len(blob)))]
    elif op == "splice":
        i = data.draw(st.integers(0, len(blob)))
        j = data.draw(st.integers(i, min(len(blob), i + 64)))
        blob[i:j] = data.draw(st.binary(max_size=64))
    else:  # overwrite with an extreme 32-bit integer (sizes, lengths, counts)
        i = data.draw(st.integers(0, max(0, len(blob) - 4)))
        v = data.draw(st.sampled_from([0, 1, 2 ** 31 - 1, 2 ** 32 - 1, 2 ** 16, 255]))
        blob[i:i + 4] = struct.pack("<I", v)
    return blob


@pytest.mark.skipif(not PARAMS, reason="no torch fixtures")
@FUZZ
@given(data=st.data())
def test_fuzz_file_bytes(tmp_path_factory, data):
    seed = data.draw(st.sampled_from(_fuzz_seeds()))
    blob = _mutate(data, bytearray(seed.read_bytes()))
    path = tmp_path_factory.mktemp("fuzz") / seed.name
    path.write_bytes(bytes(blob))
    _check_only_lstmviz_errors(path)


@pytest.mark.skipif(not PARAMS, reason="no torch fixtures")
@FUZZ
@given(data=st.data())
def test_fuzz_pickle_inside_zip(tmp_path_factory, data):
    """Mutate data.pkl itself and re-zip it (valid CRCs), so the unpickler sees the damage."""
    seed = data.draw(st.sampled_from([c / "model.pt" for c in CASES]))
    with zipfile.ZipFile(seed) as zf:
        entries = {i.filename: zf.read(i) for i in zf.infolist()}
    pkl = next(n for n in entries if n.endswith("data.pkl"))
    target = data.draw(st.sampled_from([pkl, pkl, pkl] + sorted(entries)))
    entries[target] = bytes(_mutate(data, bytearray(entries[target])))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for name, payload in entries.items():
            zf.writestr(name, payload)
    path = tmp_path_factory.mktemp("fuzz") / "model.pt"
    path.write_bytes(buf.getvalue())
    _check_only_lstmviz_errors(path)


# ------------------------------------------------------------------ resource bombs

@pytest.mark.parametrize("container", ["zip", "legacy"])
@pytest.mark.parametrize("op", [b"r\xff\xff\xff\x7f", b"p2147483647\n", b"r\x00\x00\x00\x40"])
def test_memo_index_bomb_refused_fast(tmp_path, container, op):
    """A huge memo index would make the stdlib unpickler allocate gigabytes."""
    blob = b"\x80\x02K\x01" + op + b"."
    path = _write(tmp_path, container, blob, {})
    t0 = time.monotonic()
    with pytest.raises(LstmvizError) as ei:
        read_torch_state_dict(path)
    assert "memo slot" in _one_line(ei.value, "bad.pt")
    assert time.monotonic() - t0 < 2


def _shared_dict_bomb(levels=40, fanout=10) -> bytes:
    """Dict i holds ``fanout`` references to dict i-1: fanout**levels paths, tiny file."""
    out = [b"\x80\x02}q\x00"]
    for i in range(1, levels + 1):
        out.append(b"}r" + struct.pack("<I", i) + b"(")
        for j in range(fanout):
            out.append(_uni(f"k{j}") + b"j" + struct.pack("<I", i - 1))
        out.append(b"u")
    out.append(b".")
    return b"".join(out)


@pytest.mark.parametrize("container", ["zip", "legacy"])
def test_shared_references_do_not_explode(tmp_path, container):
    path = _write(tmp_path, container, _shared_dict_bomb(), {})
    t0 = time.monotonic()
    with pytest.raises(LstmvizError) as ei:
        read_torch_state_dict(path)
    assert "no tensors" in _one_line(ei.value, "bad.pt")
    obj, _ = load_torch_object(path)
    assert obj["k0"] is obj["k1"]  # still shared, not copied fanout**levels times
    assert time.monotonic() - t0 < 5


def test_tensor_objects_cannot_be_modified(tmp_path):
    entries, storages = _rnn_entries()
    blob = _tensor_pickle(entries)
    # BUILD on the last tensor before it is stored: ... R } 'array' K1 s b  u .
    blob = blob[:-2] + b"}" + _uni("array") + b"K\x01sb" + blob[-2:]
    path = _write(tmp_path, "zip", blob, storages)
    with pytest.raises(LstmvizError, match="state"):
        read_torch_state_dict(path)


def test_compressed_storage_bomb_refused(tmp_path):
    """A deflated entry that would expand far beyond the file is refused before reading."""
    entries, storages = _rnn_entries()
    path = tmp_path / "bomb.pt"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("archive/data.pkl", _tensor_pickle(entries))
        for key, arr in storages.items():
            if key != "0":
                zf.writestr(f"archive/data/{key}", arr.astype("<f4").tobytes())
        with zf.open("archive/data/0", "w") as fh:
            chunk = b"\0" * (1 << 20)
            for _ in range(80):
                fh.write(chunk)
    assert path.stat().st_size < 1_000_000
    with pytest.raises(LstmvizError) as ei:
        read_torch_state_dict(path)
    assert "more than the file could hold" in _one_line(ei.value, "bomb.pt")


def _entries_with(extra_modules, before=()):
    """A 1-layer LSTM(3, 2) plus Linear modules (name, out, in) before and after it."""
    entries, storages = [], {}
    k = 100

    def linear(name, out, inp):
        nonlocal k
        entries.append((f"{name}.weight", str(k), out * inp, 0, (out, inp), (inp, 1)))
        storages[str(k)] = np.ones(out * inp, np.float32)
        k += 1

    for m in before:
        linear(*m)
    rnn_entries, rnn_storages = _rnn_entries()
    entries += rnn_entries
    storages.update(rnn_storages)
    for m in extra_modules:
        linear(*m)
    return entries, storages


def test_heads_after_the_rnn_preferred(tmp_path):
    # 'proj' (3 -> 2) before the LSTM(3, 2) would fit as a head by width but is an input
    # projection by position; 'fc' after it is the head; 'aux' (7 -> 1) fits nothing.
    entries, storages = _entries_with([("fc", 1, 2), ("aux", 1, 7)], before=[("proj", 2, 2)])
    path = _write(tmp_path, "zip", _tensor_pickle(entries), storages)
    spec = read_torch_state_dict(path)
    assert [l.name for l in spec.layers] == ["input", "lstm", "fc"]
    notes = " ".join(spec.source["notes"])
    assert "proj (Linear 2->2)" in notes and "aux (Linear 7->1)" in notes


def test_head_registered_before_the_rnn_used_when_nothing_follows(tmp_path):
    entries, storages = _entries_with([], before=[("fc", 1, 2)])
    path = _write(tmp_path, "legacy", _tensor_pickle(entries), storages)
    spec = read_torch_state_dict(path)
    assert [l.name for l in spec.layers] == ["input", "lstm", "fc"]


@pytest.mark.parametrize("container", ["zip", "legacy"])
def test_an_embedding_before_the_rnn_takes_token_ids(tmp_path, container):
    """nn.Embedding(7, 3) -> nn.LSTM(3, 2) -> nn.Linear(2, 1), the usual text model, opened
    as an LSTM over 3 floats with its embedding 'not used (Linear 3->7)': ids could not be
    given. The table is now an Embedding taking the ids, and the model traces as the one
    without it does on the table's rows; a square bias-free Linear(3, 3) before the LSTM
    (an input projection as likely as a table of 3 ids) stays unused unless named so."""
    table = np.random.default_rng(0).standard_normal((7, 3)).astype(np.float32)

    def write(name, before):
        entries, storages = _entries_with([("fc", 1, 2)])
        for prefix, arr in before:
            key = str(200 + len(storages))
            entries.insert(0, (f"{prefix}.weight", key, arr.size, 0, arr.shape, (arr.shape[1], 1)))
            storages[key] = arr.reshape(-1)
        return _write(tmp_path, container, _tensor_pickle(entries), storages, name=name)

    spec = read_torch_state_dict(write("text.pt", [("embedding", table)]))
    assert [(l.name, l.class_name) for l in spec.layers] == [
        ("input", "InputLayer"), ("embedding", "Embedding"), ("lstm", "LSTM"), ("fc", "Dense")]
    assert spec.layers[0].config["batch_shape"] == [None, None]
    np.testing.assert_array_equal(spec.layers[1].weights[0], table)
    notes = " ".join(spec.source["notes"])
    assert "embedding = nn.Embedding(7, 3)" in notes and "Not used" not in notes, notes
    ids = np.array([[0, 6, 2, 2, 5], [3, 1, 4, 0, 6]])
    got = Model.from_spec(spec).trace(ids).output
    plain = Model.from_spec(read_torch_state_dict(write("plain.pt", [])))
    np.testing.assert_array_equal(got, plain.trace(table[ids]).output)
    square = np.eye(3, dtype=np.float32)
    spec = read_torch_state_dict(write("proj.pt", [("proj", square)]))
    assert [l.class_name for l in spec.layers] == ["InputLayer", "LSTM", "Dense"]
    assert "proj (Linear 3->3)" in " ".join(spec.source["notes"])
    spec = read_torch_state_dict(write("emb.pt", [("word_emb", square)]))
    assert [l.class_name for l in spec.layers] == ["InputLayer", "Embedding", "LSTM", "Dense"]


def test_an_embedding_in_a_safetensors_file_is_found_by_its_name_or_shape(tmp_path):
    """safetensors writes tensors sorted by name, not in the order the modules were
    registered: PyTorch's word_language_model (encoder = nn.Embedding(V, E), rnn =
    nn.LSTM(E, H), decoder = nn.Linear(H, V), E == H) comes as decoder, encoder, rnn, and a
    'word_emb' after the 'lstm'. The decoder is the head and the encoder the Embedding,
    whose ids trace as its rows do in the model without it."""
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    rng = np.random.default_rng(1)
    v, e = 11, 4

    def lstm(prefix):
        return {f"{prefix}.weight_ih_l0": rng.standard_normal((4 * e, e)).astype(np.float32),
                f"{prefix}.weight_hh_l0": rng.standard_normal((4 * e, e)).astype(np.float32),
                f"{prefix}.bias_ih_l0": rng.standard_normal(4 * e).astype(np.float32),
                f"{prefix}.bias_hh_l0": rng.standard_normal(4 * e).astype(np.float32)}

    table = rng.standard_normal((v, e)).astype(np.float32)
    head = {"decoder.weight": rng.standard_normal((v, e)).astype(np.float32),
            "decoder.bias": rng.standard_normal(v).astype(np.float32)}
    sd = {"encoder.weight": table, **lstm("rnn"), **head}
    path = tmp_path / "lm.safetensors"
    safetensors_numpy.save_file(sd, str(path))
    spec = read_safetensors(path)
    assert [(l.name, l.class_name) for l in spec.layers] == [
        ("input", "InputLayer"), ("encoder", "Embedding"), ("rnn", "LSTM"), ("decoder", "Dense")]
    plain = tmp_path / "plain.safetensors"
    safetensors_numpy.save_file({k: a for k, a in sd.items() if k != "encoder.weight"}, str(plain))
    ids = np.array([[0, 10, 3, 3], [7, 1, 2, 9]])
    np.testing.assert_array_equal(Model.from_spec(spec).trace(ids).output,
                                  Model.from_spec(read_safetensors(plain)).trace(table[ids]).output)
    named = tmp_path / "named.safetensors"
    safetensors_numpy.save_file({"word_emb.weight": table, **lstm("lstm")}, str(named))
    assert [l.class_name for l in read_safetensors(named).layers] == ["InputLayer", "Embedding", "LSTM"]


def test_recurrent_modules_sorted_by_name_are_put_in_the_order_they_chain(tmp_path):
    """lstm = nn.LSTM(3, 8) then gru = nn.GRU(8, 4) saved as .safetensors come sorted by
    name, gru first, and were refused ('do not chain'), though their .pt opened. They are
    taken in the one order whose widths chain, as named files in that order are, and the
    notes say so; two orders that chain (equal widths) stay refused."""
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    rng = np.random.default_rng(2)

    def rnn(prefix, gates, inp, out):
        return {f"{prefix}.weight_ih_l0": rng.standard_normal((gates * out, inp)).astype(np.float32),
                f"{prefix}.weight_hh_l0": rng.standard_normal((gates * out, out)).astype(np.float32)}

    lstm, gru = rnn("lstm", 4, 3, 8), rnn("gru", 3, 8, 4)
    path = tmp_path / "two.safetensors"
    safetensors_numpy.save_file({**lstm, **gru}, str(path))
    spec = read_safetensors(path)
    assert [(l.name, l.class_name) for l in spec.layers] == [
        ("input", "InputLayer"), ("lstm", "LSTM"), ("gru", "GRU")]
    assert "taken in the one order their widths chain (lstm, gru)" in " ".join(spec.source["notes"])
    in_order = tmp_path / "in_order.safetensors"  # names that sort as the modules chain
    safetensors_numpy.save_file({k.replace("lstm.", "a.").replace("gru.", "b."): a
                                 for k, a in {**lstm, **gru}.items()}, str(in_order))
    x = rng.standard_normal((2, 5, 3)).astype(np.float32)
    np.testing.assert_array_equal(Model.from_spec(spec).trace(x).output,
                                  Model.from_spec(read_safetensors(in_order)).trace(x).output)
    path = tmp_path / "three.safetensors"
    safetensors_numpy.save_file({**rnn("z", 4, 3, 4), **rnn("x", 1, 4, 4), **rnn("y", 3, 4, 4)},
                                str(path))
    with pytest.raises(LstmvizError, match="do not chain; lstmviz runs one recurrent stack"):
        read_safetensors(path)


def test_linear_heads_sorted_by_name_chain_by_width(tmp_path):
    """head = nn.Linear(8, 16) then classifier = nn.Linear(16, 2) after an LSTM(3, 8), as
    .safetensors (sorted by name: classifier, head, lstm): the classifier was left out
    ('not used') and the model ended at 16 outputs. The heads chain by width there."""
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    rng = np.random.default_rng(3)

    def f(*shape):
        return rng.standard_normal(shape).astype(np.float32)

    sd = {"lstm.weight_ih_l0": f(32, 3), "lstm.weight_hh_l0": f(32, 8), "head.weight": f(16, 8),
          "head.bias": f(16), "classifier.weight": f(2, 16), "classifier.bias": f(2)}
    path = tmp_path / "heads.safetensors"
    safetensors_numpy.save_file(sd, str(path))
    spec = read_safetensors(path)
    assert [l.name for l in spec.layers] == ["input", "lstm", "head", "classifier"]
    notes = " ".join(spec.source["notes"])
    assert "Not used" not in notes and "Linear layers chained by their widths" in notes, notes
    x = f(2, 5, 3)
    lstm_only = tmp_path / "lstm.safetensors"
    safetensors_numpy.save_file({k: a for k, a in sd.items() if k.startswith("lstm.")}, str(lstm_only))
    h = Model.from_spec(read_safetensors(lstm_only)).trace(x).output
    want = (h @ sd["head.weight"].T + sd["head.bias"]) @ sd["classifier.weight"].T + sd["classifier.bias"]
    np.testing.assert_allclose(Model.from_spec(spec).trace(x).output, want, rtol=1e-5, atol=1e-5)


def _lstm_then(tmp_path, heads: dict[str, tuple[int, int]], name: str = "heads.safetensors"):
    """An nn.LSTM(3, 16) and Linear modules (name -> (in, out)) saved as .safetensors
    (sorted by name), with the state_dict."""
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    rng = np.random.default_rng(11)
    sd = {"lstm.weight_ih_l0": rng.standard_normal((64, 3)).astype(np.float32),
          "lstm.weight_hh_l0": rng.standard_normal((64, 16)).astype(np.float32)}
    for p, (n_in, n_out) in heads.items():
        sd[f"{p}.weight"] = (rng.standard_normal((n_out, n_in)) / 4).astype(np.float32)
        sd[f"{p}.bias"] = rng.standard_normal(n_out).astype(np.float32)
    path = tmp_path / name
    safetensors_numpy.save_file(sd, str(path))
    return path, sd


def _heads_applied(tmp_path, sd, order, x):
    """The LSTM's last output through the Linear modules ``order``, in NumPy."""
    import safetensors.numpy as safetensors_numpy

    lstm_only = tmp_path / "lstm_only.safetensors"
    safetensors_numpy.save_file({k: a for k, a in sd.items() if k.startswith("lstm.")}, str(lstm_only))
    h = Model.from_spec(read_safetensors(lstm_only)).trace(x).output
    for p in order:
        h = h @ sd[f"{p}.weight"].T + sd[f"{p}.bias"]
    return h


def test_numbered_linear_heads_chain_in_their_numbers_order(tmp_path):
    """head = nn.Sequential of 12 Linear(16, 16) and a Linear(16, 2), saved as .safetensors:
    sorted by name, head.10 came before head.2, and the heads chained head.0, head.1,
    head.10, head.11, head.12 (ending at 2 outputs), head.2 ... head.9 'not used'. They
    chain in their numbers' order."""
    heads = {f"head.{k}": (16, 16) for k in range(12)} | {"head.12": (16, 2)}
    path, sd = _lstm_then(tmp_path, heads)
    spec = read_safetensors(path)
    order = [f"head.{k}" for k in range(13)]
    assert [l.name for l in spec.layers] == ["input", "lstm"] + [p.replace(".", "_") for p in order]
    assert "Not used" not in " ".join(spec.source["notes"])
    x = np.random.default_rng(2).standard_normal((2, 5, 3)).astype(np.float32)
    np.testing.assert_allclose(Model.from_spec(spec).trace(x).output, _heads_applied(tmp_path, sd, order, x),
                               rtol=1e-5, atol=1e-5)


def test_a_linear_keeping_the_width_comes_before_one_changing_it(tmp_path):
    """proj = Linear(16, 16), classifier = Linear(16, 2): sorted by name the classifier came
    first and proj was left out. The one that keeps the width goes first: both used."""
    path, sd = _lstm_then(tmp_path, {"proj": (16, 16), "classifier": (16, 2)})
    spec = read_safetensors(path)
    assert [l.name for l in spec.layers] == ["input", "lstm", "proj", "classifier"]
    x = np.random.default_rng(3).standard_normal((2, 4, 3)).astype(np.float32)
    np.testing.assert_allclose(Model.from_spec(spec).trace(x).output,
                               _heads_applied(tmp_path, sd, ["proj", "classifier"], x), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("heads,a,b", [({"proj": (16, 16), "mix": (16, 16), "out": (16, 2)}, "mix", "proj"),
                                       ({"out_a": (16, 2), "out_b": (16, 4)}, "out_a", "out_b")])
def test_linear_heads_whose_order_nothing_gives_are_refused(tmp_path, heads, a, b):
    """Two Linear(16, 16) named proj and mix (or two heads on the same features): widths
    chain either way, and names that are no numbered siblings say nothing of the order. It
    was guessed (by name); refused in one line, naming them."""
    path, _ = _lstm_then(tmp_path, heads)
    with pytest.raises(LstmvizError) as ei:
        read_safetensors(path)
    msg = _one_line(ei.value, "heads.safetensors")
    assert (f"Linear modules {a} (16 -> {heads[a][1]}) and {b} (16 -> {heads[b][1]}) both take the 16 "
            "features before them, and neither their widths nor their names give their order") in msg, msg

def test_a_layer_number_of_thousands_of_digits_is_a_plain_refusal(tmp_path):
    """A .safetensors key 'lstm.weight_ih_l999...' of 5,000 digits reached int(), whose
    ValueError was shown as 'the file is truncated or corrupt (... use
    sys.set_int_max_str_digits() to increase the limit)': Python's advice, nothing a user
    of a file can do. Such a key is no layer's: refused as a layer number torch never
    writes, its digits cut. (A .pt's keys are refused past 1,024 characters first.)"""
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    path = tmp_path / "bad.safetensors"
    safetensors_numpy.save_file({"lstm.weight_ih_l" + "9" * 5000: np.zeros((8, 3), np.float32),
                                 "lstm.weight_hh_l0": np.zeros((8, 2), np.float32)}, str(path))
    with pytest.raises(LstmvizError) as ei:
        read_safetensors(path)
    msg = _one_line(ei.value, "bad.safetensors")
    assert "recurrent module lstm has a layer numbered 999999999999...9999 (" in msg, msg
    assert "set_int_max_str_digits" not in msg and len(msg) < 600, msg


def test_a_member_named_twice_is_refused(tmp_path):
    """A torch zip holding two 'archive/data/0' (or two data.pkl) was read with the later
    one, silently: which of them torch reads is not defined. It is refused, as a .keras
    or session archive with a member named twice is."""
    entries, storages = _rnn_entries()
    blob = _zip(_tensor_pickle(entries), storages)
    assert read_torch_state_dict(_write_bytes(tmp_path / "ok.pt", blob)).layers[1].class_name == "LSTM"
    buf = io.BytesIO(blob)
    with zipfile.ZipFile(buf, "a") as zf, pytest.warns(UserWarning, match="Duplicate name"):
        zf.writestr("archive/data/0", np.full(24, 7, np.float32).tobytes())
    with pytest.raises(LstmvizError) as ei:
        read_torch_state_dict(_write_bytes(tmp_path / "bad.pt", buf.getvalue()))
    assert "holds two members named 'archive/data/0'" in _one_line(ei.value, "bad.pt")


def _write_bytes(path, data):
    path.write_bytes(data)
    return path


def test_big_endian_and_half_storages(tmp_path):
    entries, storages = _rnn_entries()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("m/data.pkl", _tensor_pickle(entries, storage_type="HalfStorage"))
        zf.writestr("m/byteorder", "big")
        for key, arr in storages.items():
            zf.writestr(f"m/data/{key}", arr.astype(">f2").tobytes())
    path = tmp_path / "be.pt"
    path.write_bytes(buf.getvalue())
    spec = read_torch_state_dict(path)
    w_ih = (np.arange(24, dtype=np.float32) / 10).astype(np.float16).astype(np.float32)
    np.testing.assert_array_equal(spec.layers[1].weights[0], w_ih.reshape(8, 3).T)


# ------------------------------------------------------------------ memo amplification

def _named_many_times(text: str, times: int, use: bytes) -> bytes:
    """A pickle holding ``text`` once (memo 0) and ``use`` applied to a list naming it
    ``times`` times (two bytes each): what the reader makes of it must not grow with
    ``times * len(text)``."""
    return (b"\x80\x02" + _uni(text) + b"q\x00" + b"](" + b"h\x00" * times + b"e" + use)


@pytest.mark.parametrize("container", ["zip", "legacy"])
@pytest.mark.parametrize("use", [b"\x85Q.",  # the list as a persistent id: its text in the refusal
                                 b"\x85ctorch\ndevice\n\x85R."])  # torch.device(list): str() of it
def test_a_value_named_many_times_is_never_written_out(tmp_path, container, use):
    """A 300-byte file whose refusal, or torch.device stand-in, wrote out the text of a list
    naming one 5,000-character string 4,000 times: 20 MB here, a gigabyte with other
    numbers (str(v)[:40] makes the whole text before cutting it)."""
    import tracemalloc

    if use.startswith(b"\x85c"):  # GLOBAL before its argument
        blob = (b"\x80\x02" + _uni("a" * 5000) + b"q\x00ctorch\ndevice\n](" + b"h\x00" * 4000
                + b"e\x85R.")
    else:
        blob = _named_many_times("a" * 5000, 4000, use)
    path = _write(tmp_path, container, blob, {})
    tracemalloc.start()
    try:
        with pytest.raises(LstmvizError) as ei:
            read_torch_state_dict(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    _one_line(ei.value, "bad.pt")
    assert peak < 5 * 1024 ** 2, peak


@pytest.mark.parametrize("container", ["zip", "legacy"])
def test_codecs_encode_of_one_string_many_times_is_refused(tmp_path, container):
    """_codecs.encode (bytes in a protocol-2 pickle) called 2,000 times on one memoised
    2,000-character string: 4 MB from 16 KB of pickle; with other numbers gigabytes from a
    zip of a few hundred bytes."""
    blob = (b"\x80\x02" + _uni("a" * 2000) + b"q\x00c_codecs\nencode\nq\x01]("
            + b"h\x01h\x00\x85R" * 2000 + b"e.")
    path = _write(tmp_path, container, blob, {})
    with pytest.raises(LstmvizError) as ei:
        read_torch_state_dict(path)
    assert "far more data than it holds" in _one_line(ei.value, "bad.pt")


@pytest.mark.parametrize("container", ["zip", "legacy"])
def test_build_repeated_on_one_ordered_dict_is_refused(tmp_path, container):
    """BUILD of one OrderedDict from one memoised 300-entry state, 300 times (the cost
    grows as their product: 20,000 x 20,000 were 8 s for a 31 KB file); torch's own
    _metadata still loads (the fixtures)."""
    blob = (b"\x80\x02ccollections\nOrderedDict\n)Rq\x00"
            + b"}(" + b"".join(_int(i) + b"N" for i in range(300)) + b"uq\x010"
            + b"h\x00h\x01b0" * 300 + b"h\x00.")
    path = _write(tmp_path, container, blob, {})
    with pytest.raises(LstmvizError) as ei:
        read_torch_state_dict(path)
    assert "OrderedDict is given attributes" in _one_line(ei.value, "bad.pt")


def test_a_checkpoints_entries_that_are_no_dicts_are_not_walked(tmp_path, monkeypatch):
    """A checkpoint beside its state_dict held a dict of 200,000 entries (2.5 MB): looking
    for other state_dicts queued every entry, a dict or not, each with its label, and took
    each from the front of a list: 13 s (at a load of 9; 1.6 s now). Only dicts are queued
    now (from a deque): the entries' labels are not made."""
    from lstmviz.io import torch_state

    entries, storages = _rnn_entries()
    inner = _tensor_pickle(entries)[2:-1]  # (the OrderedDict, without the protocol and STOP)
    wide = b"}(" + b"".join(_uni(f"k{i}") + b"N" for i in range(20_000)) + b"u"
    blob = b"\x80\x02}(" + _uni("state_dict") + inner + _uni("other") + wide + b"u."
    path = _write(tmp_path, "zip", blob, storages)
    labels = []
    monkeypatch.setattr(torch_state, "_brief", lambda v, n=40: labels.append(v) or str(v)[:n])
    spec = read_torch_state_dict(path)
    assert [l.class_name for l in spec.layers] == ["InputLayer", "LSTM"]
    assert len(labels) < 10, len(labels)


@pytest.mark.parametrize("sizes, says", [
    ((40 << 20, None), "'archive/data/0' would inflate from "),
    ((20 << 20, 20 << 20), "the archive's members read would inflate from "),
])
def test_a_storage_deflated_a_thousand_times_is_a_bomb(tmp_path, sizes, says):
    """torch stores its storages uncompressed: a 62 KB file inflated a 64 MB storage of
    zeros (128 MB with its decoding) for a tensor of 24 of its numbers, and opened. One
    such member, or several together (each under the floor), is refused as a .keras's or
    a session's is."""
    entries, storages = _rnn_entries()
    big = {}
    for i, n in enumerate(sizes):
        if n:
            name, key, _numel, off, size, stride = entries[i]
            entries[i] = (name, key, n // 4, off, size, stride)
            big[key] = bytes(n)
    path = tmp_path / "bad.pt"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("archive/data.pkl", _tensor_pickle(entries))
        for key, arr in storages.items():
            data = big.get(key, arr.astype("<f4").tobytes())
            zf.writestr(f"archive/data/{key}", data,
                        compress_type=zipfile.ZIP_DEFLATED if key in big else zipfile.ZIP_STORED)
    assert path.stat().st_size < 100_000
    with pytest.raises(LstmvizError) as ei:
        read_torch_state_dict(path)
    assert says in _one_line(ei.value, "bad.pt")


def test_a_pickle_deflated_a_thousand_times_is_a_bomb(tmp_path):
    """torch stores data.pkl uncompressed; 2 MB of EMPTY_DICT opcodes deflated to 2 KB
    made two million dicts (220 MB) in the window's own process."""
    path = tmp_path / "bad.pt"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("archive/data.pkl", b"\x80\x02](" + b"}" * 1_500_000 + b"e.")
        zf.writestr("archive/version", "3\n")
    assert path.stat().st_size < 10_000
    with pytest.raises(LstmvizError) as ei:
        read_torch_state_dict(path)
    assert "'archive/data.pkl' would inflate" in _one_line(ei.value, "bad.pt")


@pytest.mark.parametrize("blob,kind", [
    (b"\x80\x02ccollections\nOrderedDict\n)R.", "an OrderedDict"),
    (b"\x80\x02ctorch\ndevice\nX\x03\x00\x00\x00cpu\x85R.", "a torch.device")])
def test_a_file_without_tensors_names_the_class_it_holds_as_the_pickle_does(tmp_path, blob, kind):
    """The refusal named lstmviz's own stand-ins ('a _PickledOrderedDict', 'a _Device')."""
    path = _write(tmp_path, "zip", blob, {})
    with pytest.raises(LstmvizError) as ei:
        read_torch_state_dict(path)
    assert f"the file holds {kind} with no tensors" in _one_line(ei.value, "bad.pt")


def test_a_damaged_pickle_string_warns_of_nothing():
    """A damaged pickle's string with a bad escape ("S'\\R'", from fuzz seed 905 on a legacy
    .pt) made Python print "DeprecationWarning: invalid escape sequence '\\R'" from
    pickletools and the unpickler, before the file was refused or read: the scan and the
    load say nothing but their own result."""
    import warnings

    from lstmviz.io.torch_state import _load_pickle, _scan_pickle, _Unpickler

    data = b"S'\\R'\n."
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert _scan_pickle(data) == len(data)
        assert _load_pickle(_Unpickler(io.BytesIO(data))) == "\\R"
    assert [str(w.message) for w in seen] == []


@pytest.mark.parametrize("ih_shape, hh_shape, words", [
    ((3, 32), (32, 8), "weight_ih_l0 has shape (3, 32); an nn.LSTM's is (4*hidden, input) = (32, input) "
                       "for hidden 8 (from weight_hh_l0's (32, 8)): this one is transposed (input 3)"),
    ((3, 8), (32, 8), "weight_ih_l0 has shape (3, 8); an nn.LSTM's is (4*hidden, input) = (32, input) "
                      "for hidden 8 (from weight_hh_l0's (32, 8));"),
    ((32, 3), (8, 32), "weight_hh_l0 has shape (8, 32), the transpose of an nn.LSTM's (k*hidden, hidden) "
                       "= (32, 8) for hidden 8"),
])
def test_a_transposed_weight_is_named_in_the_modules_own_sizes(tmp_path, ih_shape, hh_shape, words):
    """An LSTM(3, 8) whose weight_ih_l0 was saved transposed, (3, 32): the refusal said
    'has shape [3, 32], expected [32, 32]', the input size read from the bad array itself
    (and [3, 8] 'expected [32, 8]'). Now the hidden size comes from weight_hh_l0, the
    shape an nn.LSTM's weight_ih has is spelled out and a transpose is named."""
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    sd = {"lstm.weight_ih_l0": np.zeros(ih_shape, np.float32),
          "lstm.weight_hh_l0": np.zeros(hh_shape, np.float32),
          "lstm.bias_ih_l0": np.zeros(32, np.float32), "lstm.bias_hh_l0": np.zeros(32, np.float32)}
    path = tmp_path / "bad.safetensors"
    safetensors_numpy.save_file(sd, str(path))
    with pytest.raises(LstmvizError) as ei:
        read_safetensors(path)
    msg = _one_line(ei.value, "bad.safetensors")
    assert words in msg and "supported: " in msg, msg
    assert "expected [" not in msg, msg


def test_a_transposed_weight_of_a_second_layer_is_named(tmp_path):
    """num_layers=2: weight_ih_l1 (16, 4) transposed is (4, 16), the layer's input is
    layer 0's hidden 4."""
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    sd = {"gru.weight_ih_l0": np.zeros((12, 3), np.float32), "gru.weight_hh_l0": np.zeros((12, 4), np.float32),
          "gru.weight_ih_l1": np.zeros((4, 12), np.float32), "gru.weight_hh_l1": np.zeros((12, 4), np.float32)}
    path = tmp_path / "bad.safetensors"
    safetensors_numpy.save_file(sd, str(path))
    with pytest.raises(LstmvizError) as ei:
        read_safetensors(path)
    msg = _one_line(ei.value, "bad.safetensors")
    assert ("weight_ih_l1 has shape (4, 12); an nn.GRU's is (3*hidden, input) = (12, 4) for hidden 4 "
            "(from weight_hh_l0's (12, 4)): this one is transposed") in msg, msg


@pytest.mark.parametrize("dtype", [np.uint16, np.uint32, np.uint64, np.int32])
def test_integer_weights_are_refused_for_what_they_are(tmp_path, dtype):
    """A .safetensors of U16/U32/U64 tensors was refused as 'tensor ... is U32, which NumPy
    cannot hold' (NumPy holds them). They are read now, as the other integer types are (a
    state_dict's counters beside the weights do not refuse the file); an integer tensor in
    a weight's place is refused as what it is."""
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    path = tmp_path / "ints.safetensors"
    safetensors_numpy.save_file({"lstm.weight_ih_l0": np.ones((32, 3), dtype),
                                 "lstm.weight_hh_l0": np.ones((32, 8), dtype)}, str(path))
    with pytest.raises(LstmvizError) as ei:
        read_safetensors(path)
    msg = _one_line(ei.value, "ints.safetensors")
    assert (f"lstm.weight_ih_l0 has dtype {np.dtype(dtype)}, an integer type: weights are floats, and "
            "integer tensors are not weights lstmviz can use; supported: ") in msg, msg
    assert "NumPy cannot hold" not in msg


def test_unsigned_tensors_beside_float_weights_are_read(tmp_path):
    """A U64 counter (as BatchNorm's num_batches_tracked, saved unsigned) beside an LSTM's
    float weights: the file opens."""
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    rng = np.random.default_rng(0)
    path = tmp_path / "counter.safetensors"
    sd = {"lstm.weight_ih_l0": rng.standard_normal((32, 3)).astype(np.float32),
          "lstm.weight_hh_l0": rng.standard_normal((32, 8)).astype(np.float32),
          "steps": np.array(7, np.uint64), "seen": np.arange(3, dtype=np.uint16)}
    safetensors_numpy.save_file(sd, str(path))
    spec = read_safetensors(path)
    lstm = next(l for l in spec.layers if l.class_name == "LSTM")
    np.testing.assert_array_equal(lstm.weights[0], sd["lstm.weight_ih_l0"].T)


def _same_float32_bits(got, want) -> None:
    """Two specs of an LSTM and a Dense with the same weights, float32 bit for bit."""
    assert [l.class_name for l in got.layers] == ["InputLayer", "LSTM", "Dense"]
    for a, b in zip(got.layers, want.layers):
        assert len(a.weights or []) == len(b.weights or [])
        for wa, wb in zip(a.weights or [], b.weights or []):
            assert wa.dtype == np.float32
            np.testing.assert_array_equal(wa.view(np.uint32), wb.view(np.uint32))


def _safetensors_bytes(tensors: dict[str, tuple[str, tuple[int, ...], bytes]]) -> bytes:
    """A .safetensors file written by hand (name -> dtype, shape, raw bytes): the
    safetensors package writes no dtype NumPy lacks."""
    header, data = {}, b""
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    head = json.dumps(header).encode()
    return struct.pack("<Q", len(head)) + head + data


def test_bfloat16_weights_are_read_exactly(tmp_path):
    """BF16 (a float32's upper 16 bits, common in published checkpoints) was refused. It is
    read into float32 exactly: the model equals the one saved as F32 with the same values."""
    rng = np.random.default_rng(5)
    sd = {"lstm.weight_ih_l0": rng.standard_normal((32, 3)), "lstm.weight_hh_l0": rng.standard_normal((32, 8)),
          "lstm.bias_ih_l0": rng.standard_normal(32), "lstm.bias_hh_l0": rng.standard_normal(32),
          "head.weight": rng.standard_normal((2, 8))}
    bits = {k: (a.astype(np.float32).view(np.uint32) >> 16).astype("<u2") for k, a in sd.items()}
    values = {k: (b.astype(np.uint32) << 16).view(np.float32) for k, b in bits.items()}
    bf = tmp_path / "bf.safetensors"
    bf.write_bytes(_safetensors_bytes({k: ("BF16", b.shape, b.tobytes()) for k, b in bits.items()}))
    f32 = tmp_path / "f32.safetensors"
    f32.write_bytes(_safetensors_bytes({k: ("F32", v.shape, v.astype("<f4").tobytes()) for k, v in values.items()}))
    got, want = read_safetensors(bf), read_safetensors(f32)
    _same_float32_bits(got, want)
    np.testing.assert_array_equal(got.layers[1].weights[0], values["lstm.weight_ih_l0"].T)
    x = rng.standard_normal((2, 5, 3)).astype(np.float32)
    np.testing.assert_array_equal(Model.from_spec(got).trace(x).output, Model.from_spec(want).trace(x).output)


def _f8_by_definition(code: int, exp_bits: int, bias: int, fn: bool) -> float:
    """A float8's value from its bits (E4M3FN: no infinity, S.1111.111 NaN; E5M2: IEEE's)."""
    man_bits = 7 - exp_bits
    sign = -1.0 if code & 0x80 else 1.0
    exp, man = (code >> man_bits) & ((1 << exp_bits) - 1), code & ((1 << man_bits) - 1)
    top = (1 << exp_bits) - 1
    if exp == top and (man == (1 << man_bits) - 1 if fn else man != 0):
        return float("nan")
    if exp == top and not fn:
        return sign * float("inf")
    if exp == 0:
        return sign * man / (1 << man_bits) * 2.0 ** (1 - bias)
    return sign * (1 + man / (1 << man_bits)) * 2.0 ** (exp - bias)


@pytest.mark.parametrize("dtype,exp_bits,bias,fn", [("F8_E4M3", 4, 7, True), ("F8_E5M2", 5, 15, False)])
def test_float8_weights_are_read_exactly(tmp_path, dtype, exp_bits, bias, fn):
    """F8_E4M3 (torch.float8_e4m3fn) and F8_E5M2 were refused; every one of their 256 codes
    is read as its value. An LSTM(8, 8)'s weight_ih holds 32 x 8 = 256 of them."""
    codes = np.arange(256, dtype=np.uint8).reshape(32, 8)
    want = np.array([_f8_by_definition(c, exp_bits, bias, fn) for c in range(256)], np.float32).reshape(32, 8)
    hh = np.zeros((32, 8), np.uint8)
    path = tmp_path / "f8.safetensors"
    path.write_bytes(_safetensors_bytes({"lstm.weight_ih_l0": (dtype, (32, 8), codes.tobytes()),
                                         "lstm.weight_hh_l0": (dtype, (32, 8), hh.tobytes())}))
    lstm = read_safetensors(path).layers[1]
    np.testing.assert_array_equal(lstm.weights[0], want.T)
    assert np.all(lstm.weights[1] == 0)
    # a few by heart: the largest finite, the least subnormal, one (and E5M2's infinity)
    if fn:
        assert (want.flat[0x7E], want.flat[0x01], want.flat[0x38]) == (448.0, 2.0 ** -9, 1.0)
    else:
        assert (want.flat[0x7B], want.flat[0x01], want.flat[0x3C], want.flat[0x7C]) == (
            57344.0, 2.0 ** -16, 1.0, np.inf)
    ml_dtypes = pytest.importorskip("ml_dtypes")  # (and as ml_dtypes reads them)
    ref = codes.view(ml_dtypes.float8_e4m3fn if fn else ml_dtypes.float8_e5m2).astype(np.float32)
    np.testing.assert_array_equal(lstm.weights[0], ref.T)


@pytest.mark.parametrize("dtype,why", [("F8_E8M0", "a float type lstmviz does not read"),
                                       ("C64", "a complex type, and weights are real numbers"),
                                       ("Q4", "not a dtype lstmviz reads")])
def test_an_unread_safetensors_dtype_says_what_is_read(tmp_path, dtype, why):
    path = tmp_path / "odd.safetensors"
    path.write_bytes(_safetensors_bytes({"w": (dtype, (4,), b"\0" * (32 if dtype == "C64" else 4))}))
    with pytest.raises(LstmvizError) as ei:
        read_safetensors(path)
    msg = _one_line(ei.value, "odd.safetensors")
    assert f"tensor 'w' is {dtype}, {why}; save the state_dict as float32" in msg, msg
    assert "float tensors (F64, F32, F16, BF16, F8_E4M3, F8_E5M2)" in msg, msg


NARROW = Path(__file__).parent / "fixtures" / "narrow_floats_pt"


@pytest.mark.parametrize("name", ["lstm_bfloat16", "lstm_float8_e4m3fn", "lstm_float8_e5m2",
                                  "lstm_float8_e4m3fn_legacy"])
def test_narrow_float_pt_weights_are_read_exactly(name):
    """torch.save of a bfloat16 / float8 state_dict (REAL torch, scripts/
    make_narrow_float_fixtures.py): float8 tensors are bytes rebuilt by
    torch._utils._rebuild_tensor_v3, which was refused ("asks to run ... which lstmviz never
    does"). Each weight is read as its exact value: bit for bit the float32 torch converts
    it to (the same state_dict saved as float32), and the model traces the same numbers."""
    got = read_torch_state_dict(NARROW / f"{name}.pt")
    want = read_torch_state_dict(NARROW / f"{name.replace('_legacy', '')}_as_f32.pt")
    _same_float32_bits(got, want)
    x = np.random.default_rng(3).standard_normal((2, 5, 3)).astype(np.float32)
    np.testing.assert_array_equal(Model.from_spec(got).trace(x).output, Model.from_spec(want).trace(x).output)


@pytest.mark.parametrize("dtype", ["float8_e4m3fn", "float8_e5m2"])
def test_every_float8_code_of_a_pt_is_read_as_torch_reads_it(dtype):
    """All 256 codes of a torch float8 tensor: each the float32 torch makes of it (NaN
    where torch's is NaN), the others to the bit."""
    got, _ = load_torch_object(NARROW / f"codes_{dtype}.pt")
    want, _ = load_torch_object(NARROW / f"codes_{dtype}_as_f32.pt")
    g, w = got["codes"], want["codes"]
    assert g.dtype == np.float32 and g.shape == w.shape == (32, 8)
    assert np.array_equal(np.isnan(g), np.isnan(w)) and np.isnan(w).sum() == (2 if dtype == "float8_e4m3fn" else 6)
    keep = ~np.isnan(w)
    np.testing.assert_array_equal(g[keep].view(np.uint32), w[keep].view(np.uint32))


def test_an_unread_pt_float8_dtype_says_which_dtypes_are_read():
    """torch.float8_e4m3fnuz (another bias, no negative zero) is not read: one line naming
    its dtype and the dtypes a .pt's weights are read in."""
    with pytest.raises(LstmvizError) as ei:
        read_torch_state_dict(NARROW / "lstm_float8_e4m3fnuz.pt")
    msg = _one_line(ei.value, "lstm_float8_e4m3fnuz.pt")
    assert "dtype torch.float8_e4m3fnuz, which lstmviz does not read" in msg, msg
    assert "float32, float64, float16, bfloat16, float8_e4m3fn, float8_e5m2" in msg, msg


def _stored_zip(blob: bytes, storages: dict[str, np.ndarray], deflated: bool = False) -> bytes:
    """A torch zip whose storages come last (the last one's data just before the
    archive's directory)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED if deflated else zipfile.ZIP_STORED) as zf:
        zf.writestr("archive/data.pkl", blob)
        zf.writestr("archive/byteorder", "little")
        zf.writestr("archive/version", "3\n")
        for key, arr in storages.items():
            zf.writestr(f"archive/data/{key}", arr.astype("<f4").tobytes())
    return buf.getvalue()


def _directory_sizes(data: bytes, name: bytes, size: int) -> bytes:
    """``data`` with member ``name``'s compressed and uncompressed sizes in the archive's
    directory set to ``size`` (its local header keeps the true ones)."""
    out = bytearray(data)
    at = out.find(b"PK\x01\x02")
    while out[at + 46:at + 46 + len(name)] != name:
        at = out.find(b"PK\x01\x02", at + 4)
        assert at > 0, name
    out[at + 20:at + 28] = struct.pack("<II", size, size)
    return bytes(out)


def _damaged_torch_file(case: str) -> bytes:
    entries, storages = _rnn_entries()
    blob = _tensor_pickle(entries)
    if case == "legacy file cut short":
        whole = _legacy(blob, storages)
        return whole[:len(whole) // 3]
    if case == "pickle cut short":
        return _zip(blob[:len(blob) // 2], storages)
    if case == "pickle with a damaged string":
        return _zip(blob[:20] + b"\xff" + blob[21:], storages)
    if case == "pickle popping from an empty stack":
        return _zip(b"\x80\x02t.", storages)
    if case == "pickle building a class from arguments it does not take":
        return _zip(b"\x80\x02ccollections\nOrderedDict\nK\x05R.", storages)
    if case == "zip cut short":
        whole = _zip(blob, storages)
        return whole[:len(whole) // 2]
    if case == "stored byte changed":
        whole = bytearray(_stored_zip(blob, storages))
        at = whole.find(storages["0"].astype("<f4").tobytes())
        whole[at + 10] ^= 0xFF
        return bytes(whole)
    if case == "member running into the file's end":
        return _directory_sizes(_stored_zip(blob, storages), b"archive/data/3", 100_000)
    raise AssertionError(case)


@pytest.mark.parametrize("case, says", [
    ("legacy file cut short", "the pickle is truncated or corrupt"),
    ("pickle cut short", "the pickle is truncated or corrupt"),
    ("pickle with a damaged string", "the pickle is truncated or corrupt"),
    ("pickle popping from an empty stack", "the pickle is truncated or corrupt"),
    ("pickle building a class from arguments it does not take", "the pickle is truncated or corrupt"),
    ("zip cut short", "the zip archive is truncated or corrupt (File is not a zip file)"),
    ("stored byte changed", "cannot read storage 0 from the archive (Bad CRC-32 for file "
                            "'archive/data/0'); the file is truncated or corrupt"),
    ("member running into the file's end", "cannot read storage 3 from the archive (its data ends "
                                           "early); the file is truncated or corrupt"),
])
def test_a_damaged_torch_file_is_refused_without_pythons_class_names(tmp_path, case, says):
    """A damaged pickle was refused as "the pickle is truncated or corrupt (ValueError)" (or
    UnicodeDecodeError, UnpicklingError, TypeError), a damaged zip as "the zip archive is
    truncated or corrupt (BadZipFile)", a damaged member as "cannot read storage 0 from the
    archive (BadZipFile)" or "(EOFError)": Python's classes, which say nothing to a user.
    The pickle's are plain words; the archive's keep zipfile's own words where it has some
    (as a .keras archive's are said: ``text.archive_error``)."""
    from lstmviz.io.torch_state import SUPPORTED

    path = _write_bytes(tmp_path / "bad.pt", _damaged_torch_file(case))
    with pytest.raises(LstmvizError) as ei:
        read_torch_state_dict(path)
    assert str(ei.value) == f"bad.pt: {says}; {SUPPORTED}"


@pytest.mark.parametrize("raised, says", [
    (MemoryError(), "the file asks for more memory than it could hold"),
    (RecursionError("maximum recursion depth exceeded"), "the file is nested too deeply"),
    (KeyError("x"), "the file is truncated or corrupt"),
])
def test_the_torch_readers_last_line_of_defence_names_no_class(tmp_path, monkeypatch, raised, says):
    """What no check of the torch reader foresaw was "the file asks for more memory or
    nesting than it could hold (MemoryError)" or "the file is truncated or corrupt
    (KeyError)". Each says it in words (none known to reach it: the pickle's and the
    archive's own are said where they happen); the exception stays chained."""
    from lstmviz.io import torch_state

    def read_zip(path, size):
        raise raised

    monkeypatch.setattr(torch_state, "_read_zip", read_zip)
    entries, storages = _rnn_entries()
    path = _write_bytes(tmp_path / "m.pt", _zip(_tensor_pickle(entries), storages))
    with pytest.raises(LstmvizError) as ei:
        read_torch_state_dict(path)
    assert str(ei.value) == f"m.pt: {says}; {torch_state.SUPPORTED}"
    assert ei.value.__cause__ is raised


_ONE_TENSOR = _tensor_pickle([("lstm.weight_ih_l0", "0", 24, 0, (8, 3), (3, 1))])


@pytest.mark.parametrize("blob, said", [
    (_ONE_TENSOR.replace(b"tQJ\x00\x00\x00\x00", b"tQ" + _uni("0"), 1),
     "a tensor's storage offset is text, not an integer"),
    (_ONE_TENSOR.replace(b"(J\x08\x00\x00\x00J\x03\x00\x00\x00t",
                         b"(G" + struct.pack(">d", 8.0) + b"J\x03\x00\x00\x00t", 1),
     "a tensor's size is a decimal number, not an integer"),
    (_named_many_times("a", 3, b"\x85Q."), "unknown tensor reference a list"),
    (b"\x80\x02((K\x01t\x85Q.", "unknown tensor reference a list"),
    (b"\x80\x02(\x8a\x09" + b"\x01" * 9 + b"\x85Q.", "unknown tensor reference a whole number"),
    (b"\x80\x02cnumpy\ndtype\n(K\x05\x89\x88tR.", "unexpected NumPy dtype 5"),
    (b"\x80\x02cnumpy\ndtype\n(X\x01\x00\x00\x00O\x89\x88tR.", "unexpected NumPy dtype 'O'"),
])
def test_a_value_of_the_wrong_kind_in_a_pickle_is_said_in_words(tmp_path, blob, said):
    """A value of the wrong kind in a torch pickle was said by Python's type name: "a
    tensor's storage offset is str", "a tensor's size is float", "unknown tensor reference
    'a tuple'" ('a int' for a number past 64 bits), quoted as if it were the reference's
    name. It is said in words ("text", "a decimal number", "a list"), unquoted; text from
    the file stays quoted."""
    from lstmviz.io.torch_state import SUPPORTED

    path = _write(tmp_path, "zip", blob, {"0": np.zeros(24, np.float32)})
    with pytest.raises(LstmvizError) as ei:
        read_torch_state_dict(path)
    assert _one_line(ei.value, "bad.pt") == f"bad.pt: {said}; {SUPPORTED}"


def test_what_the_model_shown_leaves_out_is_a_warning(tmp_path):
    """A state_dict's weights that no layer uses (a Linear that follows nothing) and its
    modules without weights, not applied, are the spec's ``warnings`` too (the window's
    "Opened" message says them: it showed the model as if whole, the notes reached
    ``lstmviz summary`` only); a file whose every weight is used has none."""
    entries, storages = _entries_with([("fc", 1, 2), ("aux", 1, 7)])
    spec = read_torch_state_dict(_write(tmp_path, "zip", _tensor_pickle(entries), storages))
    assert spec.source["warnings"] == [
        "Not used (not a Linear head that follows the recurrent output): aux (Linear 7->1)."]
    assert set(spec.source["warnings"]) <= set(spec.source["notes"])
    entries, storages = _entries_with([("fc", 1, 2)])
    spec = read_torch_state_dict(_write(tmp_path, "zip", _tensor_pickle(entries), storages, name="clean.pt"))
    assert spec.source["warnings"] == []


@needs_corpus
def test_corpus_weightless_module_is_a_warning():
    spec = read_torch_state_dict(CORPUS / "chrisprasanna_gas_lstm.pt")
    assert spec.source["warnings"] == [
        "Modules without weights in the file, not applied (their place in forward() is unknown): relu."]


def test_a_quantized_models_state_dict_is_refused_as_one():
    """A state_dict saved after torch.ao.quantization.quantize_dynamic (real torch: packed
    qint8 weights) was refused as "asks to run torch.ScriptObject", which told a practitioner
    nothing; the line says it is a quantized model and what to save instead."""
    path = FIXTURES / "refused_torch_quantized" / "model.pt"
    with pytest.raises(LstmvizError) as ei:
        read_torch_state_dict(path)
    msg = _one_line(ei.value, "model.pt")
    assert msg.startswith("model.pt: the file asks to run torch.ScriptObject, which lstmviz never does; "
                          "this is a quantized model (torch.ao.quantization: packed, quantized weights); "
                          "supported: the float model's state_dict"), msg
