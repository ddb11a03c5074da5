"""Fuzz the loaders: mutated bytes, attributes and config values raise only LstmvizError."""

from __future__ import annotations

import json
import random
import re
import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lstmviz.errors import LstmvizError
from lstmviz.io import read_model_file, read_weights_file
from lstmviz.io.formats import read_model_file_isolated, read_weights_file_isolated
from tests.helpers import REALWORLD, mutate_bytes

ROOT = Path(__file__).resolve().parents[1]
CORPUS = REALWORLD / "models"
FIXTURES = ROOT / "tests" / "fixtures"


def _seeds() -> list[Path]:
    out = []
    if CORPUS.is_dir():
        out += sorted(p for p in CORPUS.iterdir()
                      if p.suffix != ".pt" and p.stat().st_size < 120_000)
    if FIXTURES.is_dir():
        out += sorted(p for p in FIXTURES.glob("*/*") if p.suffix in (".h5", ".keras")
                      and p.stat().st_size < 120_000)[:20]
    return out


SEEDS = _seeds()
needs_seeds = pytest.mark.skipif(not SEEDS, reason="no corpus or fixture files to mutate")
FUZZ = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=list(HealthCheck))


def _only_lstmviz_errors(path, readers=(read_model_file, read_weights_file)):
    for fn in readers:
        try:
            fn(path)
        except LstmvizError as e:
            assert "\n" not in str(e)


#: Randomly damaged bytes can hang or crash libhdf5 itself, in any process: they go
#: through the readers lstmviz.load uses, which parse in a child with a time limit.
ISOLATED = (lambda p: read_model_file_isolated(p, timeout=20),
            lambda p: read_weights_file_isolated(p, timeout=20))


@needs_seeds
@FUZZ
@given(data=st.data())
def test_mutated_bytes(tmp_path_factory, data):
    seed = data.draw(st.sampled_from(SEEDS))
    blob = mutate_bytes(data, bytearray(seed.read_bytes()))
    p = tmp_path_factory.mktemp("fz") / seed.name
    p.write_bytes(bytes(blob))
    _only_lstmviz_errors(p, ISOLATED)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 10**6) | st.floats(allow_nan=False)
    | st.text(max_size=12),
    lambda ch: st.lists(ch, max_size=4) | st.dictionaries(st.text(max_size=8), ch, max_size=4),
    max_leaves=8)


def _paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, prefix + (i,))


def _set(obj, path, value):
    if not path:
        return value
    cur = obj
    for k in path[:-1]:
        cur = cur[k]
    cur[path[-1]] = value
    return obj


H5_SEEDS = [p for p in SEEDS if p.read_bytes()[:4] == b"\x89HDF"]


@pytest.mark.skipif(not H5_SEEDS, reason="no HDF5 seeds")
@FUZZ
@given(data=st.data())
def test_mutated_config_and_attributes(tmp_path_factory, data):
    seed = data.draw(st.sampled_from(H5_SEEDS))
    p = tmp_path_factory.mktemp("fz") / seed.name
    shutil.copyfile(seed, p)
    with h5py.File(p, "a") as f:
        what = data.draw(st.sampled_from(["config", "layer_names", "weight_names", "version"]))
        if what == "config" and "model_config" in f.attrs:
            raw = f.attrs["model_config"]
            cfg = json.loads(raw.decode() if isinstance(raw, bytes) else raw)
            paths = list(_paths(cfg))[:2000]
            path = data.draw(st.sampled_from(paths))
            cfg = _set(cfg, path, data.draw(json_values))
            f.attrs["model_config"] = json.dumps(cfg).encode()
        elif what == "version":
            f.attrs["keras_version"] = data.draw(st.sampled_from(
                [b"", b"1.0", b"x", np.array([], dtype="S1"), np.int64(3)]))
        else:
            root = f["model_weights"] if "model_weights" in f else f
            target = root
            if what == "weight_names":
                groups = [k for k in root.keys() if isinstance(root[k], h5py.Group)]
                if groups:
                    target = root[data.draw(st.sampled_from(groups))]
            key = "layer_names" if what == "layer_names" else "weight_names"
            value = data.draw(st.sampled_from([
                np.array([], dtype="S1"), np.array([b"nope"]), b"", np.int32(7),
                np.array(["lstm", "dense"], dtype=h5py.string_dtype()),
                np.array([b"a"] * 3), np.zeros((2, 2))]))
            target.attrs[key] = value
    _only_lstmviz_errors(p)



OTHER_SEEDS = sorted(p for p in FIXTURES.glob("*/*") if p.suffix in (".onnx", ".safetensors", ".pt")
                     and p.stat().st_size < 120_000)


def _damaged(rng: random.Random, blob: bytes) -> bytes:
    """Bytes flipped, cut, spliced in, or 4-byte counts set huge (hypothesis' draws favour
    small offsets and values; these reach a protobuf's names and a pickle's counts)."""
    b = bytearray(blob)
    how = rng.randrange(4)
    if how == 0:
        for _ in range(rng.randrange(1, 20)):
            b[rng.randrange(len(b))] = rng.randrange(256)
    elif how == 1:
        del b[rng.randrange(len(b)):]
    elif how == 2:
        i = rng.randrange(len(b))
        b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 16)))
    else:
        for _ in range(rng.randrange(1, 6)):
            i = rng.randrange(len(b) - 4)
            b[i:i + 4] = rng.choice([b"\xff\xff\xff\x7f", b"\x00\x00\x00\x80", b"\xff\xff\xff\xff"])
    return bytes(b)


@pytest.mark.skipif(not OTHER_SEEDS, reason="no ONNX, safetensors or PyTorch fixtures")
@pytest.mark.parametrize("round_", range(4))
def test_damaged_onnx_safetensors_and_torch_files(tmp_path, round_):
    """Their readers parse in this process (no libhdf5): a damaged file gives one line that
    says what is wrong, not Python's own error ('KeyError: ...' from a name no node gives,
    'TypeError' from a name that is not UTF-8, both once found here in ONNX files)."""
    pytest.importorskip("onnx")
    pytest.importorskip("safetensors")
    rng = random.Random(round_)
    for k in range(100):
        seed = rng.choice(OTHER_SEEDS)
        p = tmp_path / f"{k}{seed.suffix}"
        p.write_bytes(_damaged(rng, seed.read_bytes()))
        for fn in (read_model_file, read_weights_file):
            try:
                fn(p)
            except LstmvizError as e:
                msg = str(e)
                assert "\n" not in msg, msg
                assert not re.search(r"\b(Key|Type|Index|Attribute|Value)Error: ", msg), (seed.name, msg)


# -- hostile input files (.npy, .csv) ------------------------------------------------------------
def _npy_of(header: str, data: bytes = b"") -> bytes:
    """A version-1 .npy of ``header`` (its dict's text, as NumPy writes it) and ``data``."""
    text = header.encode()
    text += b" " * (63 - (10 + len(text)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text + data


@pytest.mark.parametrize("shape, data, says", [
    ("(" + "1," * 100 + ")", b"\0" * 4, "100 dimensions"),
    ("(0, 5, " + "9" * 100 + ")", b"", "(0, 5, 99999999...(100 digits))"),
    ("(" + "9" * 4000 + ", 0)", b"", "(4,000 digits)"),
])
def test_a_npy_whose_shape_numpy_cannot_make_is_one_line(tmp_path, shape, data, says):
    """A header NumPy's parser takes but no array has: more than 64 dimensions, or an empty
    array with a dimension of 10**100 (no bytes, so every size check passed). NumPy's
    reshape then raised ValueError ("Maximum allowed dimension exceeded"): a traceback
    from ``read_input``, and ``lstmviz trace`` said NumPy's words naming no file."""
    from lstmviz.cli_inputs import read_input

    p = tmp_path / "x.npy"
    p.write_bytes(_npy_of(f"{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}", data))
    for long in (False, True):
        with pytest.raises(LstmvizError) as ei:
            read_input(p, (None, None, 3), long=long)
        msg = str(ei.value)
        assert "\n" not in msg and len(msg) < 300 and "x.npy" in msg and says in msg, msg
        assert "header is damaged" in msg, msg


@pytest.mark.parametrize("sep", [",", " "])
def test_a_csv_line_of_more_numbers_than_the_cap_is_refused_before_it_is_split(tmp_path, sep):
    """One line of 2.2 million cells (4 MB; the cap is 2,097,152 numbers at the default
    limit): each cell was a string, then a float, before the cap was looked at after the
    row; a line of 16 MB took 500 MB and 3 s to be refused. Counted first now."""
    import tracemalloc

    from lstmviz.cli_inputs import read_input

    p = tmp_path / "wide.csv"
    p.write_text(sep.join(["1"] * 2_200_000) + "\n")
    tracemalloc.start()
    try:
        with pytest.raises(LstmvizError) as ei:
            read_input(p, (None, None, 3))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    msg = str(ei.value)
    assert "more than 2,097,152 numbers" in msg and "line 1" in msg and "\n" not in msg, msg
    assert peak < 60 * 1024 ** 2, f"{peak / 1024 ** 2:.0f} MB"
    p.write_text(sep.join(["1"] * 1000) + "\n")  # (a wide row under the cap is read)
    assert read_input(p, (None, None, 3)).shape == (1, 1, 1000)


@pytest.mark.parametrize("name, content, says", [
    ("ids.csv", "1,2,3,4,5,1e30\n", "holds 1e+30, not a token id"),
    ("ids.csv", "1,2,3,4,5,9223372036854775808\n", "not a token id"),
    ("ids.npy", np.full((2, 6), 2 ** 64 - 1, np.uint64), "token id 18446744073709551615 is outside"),
    ("ids.npy", np.full((2, 6), 1e30, np.float32), "token id 1000000015047466219876688855040 is outside"),
])
def test_token_ids_past_int64_are_said_as_the_file_holds_them(tmp_path, name, content, says):
    """Ids for an Embedding were cast to int64 before they were checked: a CSV's 1e30 made
    NumPy print "RuntimeWarning: invalid value encountered in cast" (two lines on stderr),
    and it, a uint64 .npy's 2**64 - 1 and a float one's 1e30 were refused as "token id -1"
    or "-9223372036854775808", ids no file held."""
    import warnings

    import lstmviz
    from lstmviz.cli_inputs import read_input

    p = tmp_path / name
    if isinstance(content, str):
        p.write_text(content)
    else:
        np.save(p, content)
    model = lstmviz.load(FIXTURES / "k3_emb_gru_lstm" / "model.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(LstmvizError) as ei:
            model.trace(read_input(p, (None, 6), integer=True))
    msg = str(ei.value)
    assert says in msg and "\n" not in msg, msg


def test_an_onnx_nodes_attributes_of_kinds_no_op_reads_are_left_out(tmp_path):
    """A Relu carrying a TYPE_PROTO and a TENSORS attribute (no op lstmviz computes reads
    either): they went into its layer's config as protobuf objects, so the model opened but
    a session of it could not be written ("Object of type TypeProto is not JSON
    serializable"), and a session's nodes are checked to hold numbers, texts and constants."""
    onnx = pytest.importorskip("onnx")
    from onnx import helper

    import lstmviz
    from lstmviz.app import session as ses
    from lstmviz.app.state import AppState

    m = onnx.load(FIXTURES / "onnx_hand_lstm_clip" / "model.onnx")
    g = m.graph
    g.node.append(helper.make_node("Relu", ["Y"], ["relu_out"], name="relu"))
    g.output[0].name = "relu_out"
    tp = onnx.AttributeProto(name="tp", type=onnx.AttributeProto.TYPE_PROTO)
    tp.tp.CopyFrom(g.input[0].type)
    ts = onnx.AttributeProto(name="ts", type=onnx.AttributeProto.TENSORS)
    ts.tensors.extend([g.initializer[0]])
    g.node[-1].attribute.extend([tp, ts])
    p = tmp_path / "relu.onnx"
    p.write_bytes(m.SerializeToString())
    model = lstmviz.load(p)
    st = AppState()
    st.set_model(model, str(p))
    kept = ses.parse_session(ses.session_bytes(ses.capture(st)), "s")
    assert kept.model is not None and kept.model.get_layer("relu").config.get("attrs") == {}


def test_an_onnx_op_of_more_than_eight_axes_still_opens(tmp_path):
    """NumPy's arrays have up to 64 axes, and so may an op's output: the kept nodes' config
    check took 8, and refused a graph that unsqueezes a tensor to 9 axes and back."""
    onnx = pytest.importorskip("onnx")
    from onnx import helper, numpy_helper

    import lstmviz

    m = onnx.load(FIXTURES / "onnx_hand_lstm_clip" / "model.onnx")
    g = m.graph
    g.initializer.append(numpy_helper.from_array(np.arange(5, dtype=np.int64), "five_axes"))
    g.node.append(helper.make_node("Unsqueeze", ["Y", "five_axes"], ["wide"], name="wide"))
    g.node.append(helper.make_node("Squeeze", ["wide", "five_axes"], ["back"], name="back"))
    g.output[0].name = "back"
    p = tmp_path / "wide.onnx"
    p.write_bytes(m.SerializeToString())
    model = lstmviz.load(p)
    assert len(model.get_layer("wide").config["output_shapes"][0]) == 9
    x = np.zeros((5, 1, 2), np.float32)
    assert model.trace(x).outputs[0].shape == (5, 1, 1, 3)
