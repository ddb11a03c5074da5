"""ONNX models and safetensors state_dicts: the engine equals onnxruntime / torch, refusals
are one line. Fixtures (``tests/fixtures/onnx_*``, ``safetensors_*``) come from
``scripts/make_onnx_fixtures.py`` run with real torch, onnx and onnxruntime; this suite
needs only the ``onnx`` and ``safetensors`` packages (the ``onnx`` extra)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
pytest.importorskip("safetensors")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

import lstmviz  # noqa: E402
from lstmviz import errors  # noqa: E402
from lstmviz.engine import Model  # noqa: E402
from lstmviz.errors import LstmvizError  # noqa: E402
from lstmviz.io import onnx_model, safetensors_state  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
ONNX_CASES = sorted(p.parent for p in FIXTURES.glob("onnx_*/meta.json"))
ST_CASES = sorted(p.parent for p in FIXTURES.glob("safetensors_*/meta.json"))
ATOL = 1e-5


def _inputs(case: Path, meta: dict, second: bool = False):
    if second:
        return [np.load(case / "x2.npy")]
    return [np.load(case / ("x.npy" if k == 0 else f"{n}.npy")) for k, n in enumerate(meta["inputs"])]


def test_fixtures_present():
    names = {c.name for c in ONNX_CASES}
    assert len(names) >= 25, "run scripts/make_onnx_fixtures.py"
    assert any("classic" in n for n in names) and any("dynamo" in n for n in names)
    assert (FIXTURES / "onnx_torch_dynamo_lstm_bidir_2layer" / "model.onnx.data").is_file()
    assert len(ST_CASES) >= 2


@pytest.mark.parametrize("case", ONNX_CASES, ids=[c.name for c in ONNX_CASES])
def test_onnx_trace_equals_onnxruntime(case):
    meta = json.loads((case / "meta.json").read_text())
    model = lstmviz.load(case / "model.onnx")
    xs = _inputs(case, meta)
    trace = model.trace(xs if len(xs) > 1 else xs[0])
    expected = np.load(case / "expected.npz")
    assert len(trace.outputs) == len(meta["outputs"])
    for got, name in zip(trace.outputs, meta["outputs"]):
        np.testing.assert_allclose(got, expected[name], atol=ATOL, rtol=0, err_msg=name)
    if (case / "x2.npy").exists():  # other batch and sequence sizes (symbolic axes)
        trace2 = model.trace(_inputs(case, meta, second=True)[0])
        exp2 = np.load(case / "expected2.npz")
        np.testing.assert_allclose(trace2.output, exp2["y"], atol=ATOL, rtol=0)


@pytest.mark.parametrize("case", ONNX_CASES, ids=[c.name for c in ONNX_CASES])
def test_onnx_counts_parameters_as_the_file_holds_them(case):
    meta = json.loads((case / "meta.json").read_text())
    model = lstmviz.load(case / "model.onnx")
    want = meta.get("file_params", meta.get("torch_params"))
    summary = model.summary_text()
    if "the layers above count each use" in summary:  # dynamo unrolls nn.RNN, sharing W
        assert f"the file holds {want:,} parameters" in summary
    else:
        assert model.count_params() == want
        assert f"Total params: {want:,}" in summary


def test_onnx_recurrent_node_is_traced_with_keras_gates():
    model = lstmviz.load(FIXTURES / "onnx_torch_classic_lstm" / "model.onnx")
    layer = model.get_layer("rnn.LSTM")  # named from the node /rnn/LSTM (weights are onnx::LSTM_*)
    assert layer.kind == "LSTM" and layer.gates == ("i", "f", "c", "o")
    blocks = layer.gate_blocks()
    assert {"kernel_i", "kernel_f", "kernel_c", "kernel_o", "bias_i"} <= set(blocks)
    assert layer.weights[2].shape == (2, 16)  # Wb and Rb, as the file holds them
    assert "i,o,f,c" in layer.describe()
    # the file's W is [1, 4u, d] in i, o, f, c: kernel_f is the file's third block
    proto = onnx.load(str(FIXTURES / "onnx_torch_classic_lstm" / "model.onnx"))
    lstm = next(n for n in proto.graph.node if n.op_type == "LSTM")
    inits = {t.name: numpy_helper.to_array(t) for t in proto.graph.initializer}
    W = inits[lstm.input[1]][0]
    np.testing.assert_array_equal(blocks["kernel_f"], W[8:12].T)
    np.testing.assert_array_equal(blocks["kernel_o"], W[4:8].T)
    x = np.load(FIXTURES / "onnx_torch_classic_lstm" / "x.npy")
    trace = model.trace(x)
    steps = trace["rnn.LSTM"].steps
    assert steps["f"].shape == (2, 5, 4) and steps["c"].shape == (2, 5, 4)
    # the recorded h is the node's Y (layout 0: time, direction, batch, units)
    np.testing.assert_allclose(steps["h"], trace["rnn.LSTM"].outputs[0][:, 0].transpose(1, 0, 2))
    # x_proj + h_proj (each with its bias half) is the pre-activation
    np.testing.assert_allclose(steps["x_proj"] + steps["h_proj"], steps["pre"], atol=1e-6)


def test_onnx_bidirectional_node_has_two_traced_halves():
    model = lstmviz.load(FIXTURES / "onnx_hand_lstm_seqlens_init" / "model.onnx")
    meta = json.loads((FIXTURES / "onnx_hand_lstm_seqlens_init" / "meta.json").read_text())
    trace = model.trace(_inputs(FIXTURES / "onnx_hand_lstm_seqlens_init", meta))
    rec = trace["lstm.LSTM"]
    assert set(rec.children) == {"forward", "backward"}
    assert rec.children["backward"].go_backwards
    # sequence_lens [5, 3]: sample 1's last two steps are masked
    assert rec.children["forward"].mask[1].tolist() == [True, True, True, False, False]


def test_onnx_session_round_trip(tmp_path):
    model = lstmviz.load(FIXTURES / "onnx_hand_gru_clip_bidir" / "model.onnx")
    again = Model.from_spec(model.to_spec())
    meta = json.loads((FIXTURES / "onnx_hand_gru_clip_bidir" / "meta.json").read_text())
    xs = _inputs(FIXTURES / "onnx_hand_gru_clip_bidir", meta)
    np.testing.assert_array_equal(model.trace(xs).outputs[0], again.trace(xs).outputs[0])
    json.dumps([l.config for l in model.to_spec().layers])  # configs are plain JSON


# ------------------------------------------------------------------ safetensors

@pytest.mark.parametrize("case", ST_CASES, ids=[c.name for c in ST_CASES])
def test_safetensors_equals_torch(case):
    model = lstmviz.load(case / "model.safetensors")
    out = model.trace(np.load(case / "x.npy")).output
    np.testing.assert_allclose(out, np.load(case / "expected.npz")["output"], atol=ATOL, rtol=0)
    assert model.source["format"] == "safetensors"
    assert any("safetensors" in n for n in model.source["notes"])


def test_safetensors_read_weights_and_sniff():
    path = FIXTURES / "safetensors_lstm" / "model.safetensors"
    with open(path, "rb") as fh:
        head = fh.read(64)
    assert safetensors_state.sniff(head) and not onnx_model.sniff(head)
    # JSON whitespace before the header's "{" (the package skips it), but a "{" of the data
    # after a header of nothing but whitespace is none of the header's
    n = int.from_bytes(head[:8], "little")
    assert safetensors_state.sniff((n + 3).to_bytes(8, "little") + b" \r\n" + head[8:])
    assert not safetensors_state.sniff((2).to_bytes(8, "little") + b"  {}" + head[8:])
    entries, paths = lstmviz.read_weights(path)
    assert paths is None and [n for n, _ in entries] == ["rnn", "heads_0"]
    assert entries[0][1][0].shape == (3, 16)


@pytest.mark.parametrize("lead, reads", [(b" ", True), (b"\n\r\t  ", True), (b" " * (2 << 20), True),
                                         (b"\x0c", False), (b"\x00", False)])
def test_a_safetensors_header_led_by_json_whitespace_reads_as_the_package_reads_it(tmp_path, lead, reads):
    """The safetensors package parses its header with serde_json, which skips JSON's
    whitespace (space, tab, newline, carriage return) before the "{" (its check of a leading
    "{" is commented out in safetensors/src/tensor.rs): such a file was 'unrecognised binary
    content' here. It reads as the package reads it (2 MB of spaces: beyond the bytes a
    format is told by), and a byte the package refuses before the "{" is still refused."""
    import struct

    from safetensors.numpy import load_file

    src = FIXTURES / "safetensors_lstm" / "model.safetensors"
    data = src.read_bytes()
    n = struct.unpack("<Q", data[:8])[0]
    path = tmp_path / "led.bin"  # (no suffix: the file's first bytes say what it is)
    path.write_bytes(struct.pack("<Q", n + len(lead)) + lead + data[8:])
    try:
        load_file(str(path))
        package_reads = True
    except Exception:
        package_reads = False
    assert package_reads == reads
    if reads:
        xs = np.load(src.parent / "x.npy")
        np.testing.assert_array_equal(lstmviz.load(path).trace(xs).output, lstmviz.load(src).trace(xs).output)
    else:
        with pytest.raises(LstmvizError) as err:
            lstmviz.load(path)
        assert str(err.value).startswith("led.bin: ") and "\n" not in str(err.value)


# ------------------------------------------------------------------ refusals and limits

def _save(tmp_path, nodes, inits=(), inputs=None, outputs=None, name="m.onnx", opset=14):
    inputs = inputs or [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["seq", "batch", 2])]
    outputs = outputs or [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)]
    g = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    path = tmp_path / name
    onnx.save(m, str(path))
    return path


def _one_line(err, fname):
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith(f"{fname}: ") and "supported" in msg, msg
    return msg


def test_refuses_an_unsupported_op_naming_it(tmp_path):
    path = _save(tmp_path, [helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="/conv/ConvTranspose")],
                 [numpy_helper.from_array(np.zeros((1, 1, 1), np.float32), "w")])
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(path)
    msg = _one_line(err, "m.onnx")
    assert "ConvTranspose node ('conv.ConvTranspose')" in msg
    assert "Conv, " in msg and "LayerNormalization" in msg and "ReduceMean" in msg  # what is


_CHW = [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 2, "len"])]


@pytest.mark.parametrize("node, inits, inputs, says", [
    (helper.make_node("Conv", ["x", "w"], ["y"], name="c"), [("w", (3, 2, 2, 2))],
     [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 2, 5, 5])],
     "node 'c': ONNX Conv: runs over 2 spatial axes, where lstmviz computes a Conv over one axis"),
    (helper.make_node("Conv", ["x", "w"], ["y"], name="c", group=2), [("w", (3, 1, 2))], _CHW,
     "ONNX Conv: has 2 input channels, group 2 and a kernel [3, 1, 2], which do not fit"),
    (helper.make_node("MaxPool", ["x"], ["y"], name="p", kernel_shape=[2], auto_pad="SAME"), [], _CHW,
     "ONNX MaxPool: has auto_pad 'SAME', where lstmviz computes NOTSET, VALID, SAME_UPPER and SAME_LOWER"),
    (helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], name="bn", training_mode=1),
     [("s", (2,)), ("b", (2,)), ("m", (2,)), ("v", (2,))], _CHW,
     "ONNX BatchNormalization: normalises by the batch's own statistics (training_mode)"),
    (helper.make_node("LayerNormalization", ["x", "g"], ["y"], name="ln", axis=1), [("g", (3, 4))], _CHW,
     "ONNX LayerNormalization: has a Scale of shape [3, 4] for the normalised axes"),
    # (a negative epsilon made sqrt(variance + epsilon) NaN: read, and traced to NaN)
    (helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], name="bn", epsilon=-0.5),
     [("s", (2,)), ("b", (2,)), ("m", (2,)), ("v", (2,))], _CHW,
     "ONNX BatchNormalization: has epsilon -0.5, where lstmviz computes a finite epsilon of 0 or more"),
    (helper.make_node("LayerNormalization", ["x", "g"], ["y"], name="ln", epsilon=-1e-5), [("g", ())], _CHW,
     "ONNX LayerNormalization: has epsilon -1e-05, where lstmviz computes a finite epsilon of 0 or more"),
    (helper.make_node("LayerNormalization", ["x", "g"], ["y"], name="ln", epsilon=float("inf")), [("g", ())],
     _CHW, "ONNX LayerNormalization: has epsilon inf, where lstmviz"),
    # (a keepdims of 2 kept the axis; onnxruntime's kernels take only 1 as keeping it, ONNX's
    # shape inference any other than 0: no one answer)
    (helper.make_node("ReduceMax", ["x"], ["y"], name="r", axes=[2], keepdims=2), [], _CHW,
     "node 'r': ONNX ReduceMax: has keepdims 2, where ONNX takes 0 or 1"),
    (helper.make_node("ReduceMean", ["x"], ["y"], name="r", axes=[1], keepdims=-1), [], _CHW,
     "node 'r': ONNX ReduceMean: has keepdims -1, where ONNX takes 0 or 1"),
])
def test_a_norm_conv_or_pool_the_graph_sets_beyond_what_is_computed_is_refused_in_one_line(
        tmp_path, node, inits, inputs, says):
    arrays = [numpy_helper.from_array(np.ones(shape, np.float32), n) for n, shape in inits]
    path = _save(tmp_path, [node], arrays, inputs=inputs, opset=17)
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(path)
    assert says in _one_line(err, "m.onnx")


def test_a_norm_and_a_convolution_hold_their_parameters_as_weights():
    model = lstmviz.load(FIXTURES / "onnx_torch_classic_cnn_lstm_max" / "model.onnx")
    by_op = {l.class_name: l for l in model.layers if l.class_name.startswith("onnx.")}
    conv, bn = by_op["onnx.Conv"], by_op["onnx.BatchNormalization"]
    assert [w.shape for w in conv.weights] == [(5, 3, 3), (5,)]
    assert [w.shape for w in bn.weights] == [(5,)] * 4      # scale, B, mean, var: counted
    assert not conv.glue and not bn.glue and not by_op["onnx.MaxPool"].glue   # drawn as layers
    x = np.load(FIXTURES / "onnx_torch_classic_cnn_lstm_max" / "x.npy")
    trace = model.trace(x)
    c = trace[conv.name].output
    # the conv by hand: padding 1, each output step the kernel over three input steps
    xp = np.pad(x.transpose(0, 2, 1), ((0, 0), (0, 0), (1, 1)))
    want = np.stack([np.einsum("nck,mck->nm", xp[:, :, t:t + 3], conv.weights[0]) for t in range(5)], -1)
    np.testing.assert_allclose(c, want + conv.weights[1][None, :, None], atol=1e-5)


def test_batch_normalization_of_a_zero_variance_and_epsilon_gives_onnxruntimes_nan_and_infinities(tmp_path):
    """A channel of variance 0 and epsilon 0 was ``(x - mean) * inf``: infinities where
    onnxruntime gives NaN. Its CPU kernel folds ``s = scale / sqrt(var + epsilon)`` and
    ``B - mean * s`` first, so a mean of 0 makes the whole channel NaN, and an infinite bias
    meets an infinite ``x * s``. ``want`` is onnxruntime 1.32's output for this graph
    (CPU, with graph optimisations on or off, opset 9 and 15 alike); on ordinary numbers
    the folded form also gave its bits exactly, where the unfolded one differed in 43% of
    12,336 values."""
    import warnings

    scale, b = np.float32([1, 1, 1, -1, 0, 2]), np.float32([0, .5, .5, .5, .5, 1])
    mean, var = np.float32([0, 0, 1, 1, 1, -1]), np.zeros(6, np.float32)
    x = np.tile(np.float32([-2, -1, 0, 1, 2]), (1, 6, 1))
    x[0, 2] += 1
    node = helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], name="bn", epsilon=0.0)
    path = _save(tmp_path, [node], [numpy_helper.from_array(a, n) for a, n in
                                    ((scale, "s"), (b, "b"), (mean, "m"), (var, "v"))],
                 inputs=[helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 6, "len"])], opset=15)
    nan, inf = np.nan, np.inf
    want = np.float32([[nan, nan, nan, nan, nan],    # mean 0: B - 0 * inf
                       [nan, nan, nan, nan, nan],
                       [-inf, nan, nan, nan, nan],   # x * inf + (0.5 - inf)
                       [inf, inf, nan, nan, nan],    # scale -1
                       [nan, nan, nan, nan, nan],    # scale 0: inf * 0
                       [nan, nan, nan, inf, inf]])   # mean -1, scale 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (and no NumPy RuntimeWarning on the way)
        got = lstmviz.load(path).trace(x).outputs[0]
    np.testing.assert_array_equal(got[0], want)


def test_a_damaged_file_is_refused_without_the_list_of_ops(tmp_path):
    """Damaged files (found by mutating the fixtures' bytes) gave Python's own errors in the
    refusal, 'cannot read the model (KeyError: 'StatefulPartitionedCall/...')' or
    '(TypeError: a bytes-like object is required, not 'str')', each followed by the forty ops
    lstmviz computes. Now they say what is wrong; only an op lstmviz lacks lists the ops."""
    relu = helper.make_node("Relu", ["x"], ["y"], name="MARKNODE")
    # a name whose bytes are not UTF-8: protobuf gives it back as bytes
    path = _save(tmp_path, [relu], name="bytes.onnx")
    path.write_bytes(path.read_bytes().replace(b"MARKNODE", b"MARK\xffODE"))
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(path)
    msg = _one_line(err, "bytes.onnx")
    assert "not text" in msg and "damaged" in msg and "Gather" not in msg
    # a node reads what nothing gives
    ghost = helper.make_node("Add", ["x", "ghost"], ["y"], name="/add/Add")
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(_save(tmp_path, [ghost], name="ghost.onnx"))
    msg = _one_line(err, "ghost.onnx")
    assert "node 'add.Add' (Add) reads 'ghost', which no input, initializer or node before it gives" in msg
    assert "KeyError" not in msg and "Gather" not in msg
    # the same of a node without a name (a file's nodes may have none): named by its op
    # (the message said "node ''")
    ghost = helper.make_node("Add", ["x", "ghost"], ["y"])
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(_save(tmp_path, [ghost], name="unnamed.onnx"))
    msg = _one_line(err, "unnamed.onnx")
    assert "an unnamed Add node reads 'ghost', which no input" in msg and "''" not in msg
    # an initializer whose values do not fill its shape
    short = helper.make_tensor("w", TensorProto.FLOAT, [3], [1.0, 2.0, 3.0])
    del short.float_data[:]
    add = helper.make_node("Add", ["x", "w"], ["y"])
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(_save(tmp_path, [add], [short], name="short.onnx"))
    msg = _one_line(err, "short.onnx")
    assert "tensor 'w' holds" in msg and "[3]" in msg and "ValueError" not in msg
    # the op lstmviz lacks: the list of those it computes
    conv = helper.make_node("ConvTranspose", ["x", "w"], ["y"])
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(_save(tmp_path, [conv], [numpy_helper.from_array(np.zeros(1, np.float32), "w")],
                           name="conv.onnx"))
    assert "Gather" in _one_line(err, "conv.onnx")


@pytest.mark.parametrize("opset, ir_version, says", [
    (10 ** 6, 8, "the model's ONNX opset is 1,000,000, which lstmviz does not read (it reads opsets 1 to 28"),
    (29, 8, "the model's ONNX opset is 29, which lstmviz does not read"),
    (0, 8, "the model's ONNX opset is 0, which lstmviz does not read"),
    (-5, 8, "the model's ONNX opset is -5, which lstmviz does not read"),
    (2 ** 62, 8, "the model's ONNX opset is 4,611,686,018,427,387,904, which lstmviz does not read"),
    (14, 10 ** 9, "the model's ONNX IR version is 1,000,000,000, which lstmviz does not read (it reads IR "
                  "versions 1 to 14, ONNX 1.23's)"),
    (14, 15, "the model's ONNX IR version is 15, which lstmviz does not read"),
    (14, 0, "the model's ONNX IR version is 0, which lstmviz does not read (it reads IR versions 1 to 14"),
])
def test_an_opset_or_ir_version_past_what_the_reader_knows_is_refused_in_one_line(tmp_path, opset, ir_version,
                                                                                  says):
    """An opset of 10**6 or an IR version of 10**9 was read as if it were the newest lstmviz
    knows (each op computed by its latest version): a later opset may change an op; an IR
    version of 0 (b'\\x08\\x00' first) was sniffed as "a protobuf / SavedModel file". The
    newest of each (ONNX 1.23's, opset 28 and IR 14) are read; a session's kept node of
    another opset is refused as its file is."""
    relu = helper.make_node("Relu", ["x"], ["y"])
    path = _save(tmp_path, [relu], opset=opset)
    m = onnx.load(str(path))
    m.ir_version = ir_version
    onnx.save(m, str(path))
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(path)
    assert says in _one_line(err, "m.onnx")
    if 1 <= ir_version <= 14:  # (the opset's cases: a session's kept node of it, as its file)
        from lstmviz.engine.onnx_layers import check_node_config

        kept = {"op": "Relu", "attrs": {}, "opset": opset, "slots": [["in", 0]]}
        with pytest.raises(LstmvizError, match=r"its opset is .*, not one lstmviz computes \(a whole number "
                                               r"from 1 to 28\)"):
            check_node_config("relu", "Relu", kept, recurrent=False)
        check_node_config("relu", "Relu", dict(kept, opset=28), recurrent=False)
    m.ir_version, m.opset_import[0].version = 14, 28
    onnx.save(m, str(path))
    x = np.array([[[-1.0, 2.0]]], np.float32)
    np.testing.assert_array_equal(lstmviz.load(path).trace(x).outputs[0], [[[0.0, 2.0]]])


def test_refuses_a_custom_domain_op(tmp_path):
    node = helper.make_node("Foo", ["x"], ["y"], domain="com.example")
    path = _save(tmp_path, [node])
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(path)
    assert "com.example.Foo" in _one_line(err, "m.onnx")


def test_refuses_weights_computed_in_the_graph(tmp_path):
    nodes = [helper.make_node("Identity", ["w0"], ["w"]),
             helper.make_node("Identity", ["x"], ["x1"]),
             helper.make_node("Mul", ["x1", "x1"], ["x2"]),
             helper.make_node("Unsqueeze", ["x2", "ax"], ["w_dyn"]),
             helper.make_node("RNN", ["x", "w_dyn", "r"], ["y"], hidden_size=2)]
    inits = [numpy_helper.from_array(np.zeros((1, 2, 2), np.float32), "w0"),
             numpy_helper.from_array(np.zeros((1, 2, 2), np.float32), "r"),
             numpy_helper.from_array(np.array([0], np.int64), "ax")]
    path = _save(tmp_path, nodes, inits)
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(path)
    assert "computes its W in the graph" in _one_line(err, "m.onnx")


def test_weights_in_constant_nodes_load_as_initializers_do(tmp_path, monkeypatch):
    """ONNX may hold a recurrent node's W, R and B in Constant nodes instead of
    initializers: a W of more than 65,536 elements (RNN(300) over 300 features) was refused
    as 'a constant ... feeds a shape op'. It loads, to the numbers of the same weights as
    initializers, and counts against the memory limit as an initializer does."""
    rng = np.random.default_rng(0)
    hidden = features = 300
    w = rng.standard_normal((1, hidden, features)).astype(np.float32) * 0.05
    r = rng.standard_normal((1, hidden, hidden)).astype(np.float32) * 0.05
    b = rng.standard_normal((1, 2 * hidden)).astype(np.float32)
    assert w.size > 65536
    rnn = helper.make_node("RNN", ["x", "w", "r", "b"], ["y"], hidden_size=hidden, name="rnn")
    x_in = [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["seq", "batch", features])]
    consts = [helper.make_node("Constant", [], [n], value=numpy_helper.from_array(a, n + "_value"))
              for n, a in (("w", w), ("r", r), ("b", b))]
    as_constants = _save(tmp_path, consts + [rnn], inputs=x_in, name="constants.onnx")
    as_inits = _save(tmp_path, [rnn], [numpy_helper.from_array(a, n) for n, a in
                                       (("w", w), ("r", r), ("b", b))],
                     inputs=x_in, name="inits.onnx")
    x = rng.standard_normal((4, 2, features)).astype(np.float32)
    got = lstmviz.load(as_constants)
    assert got.count_params() == w.size + r.size + b.size
    np.testing.assert_array_equal(got.trace(x).outputs[0], lstmviz.load(as_inits).trace(x).outputs[0])
    monkeypatch.setenv("LSTMVIZ_MAX_MEMORY", "16M")
    big = rng.standard_normal((1, 1500, 1500)).astype(np.float32)  # 9 MB: over 16M with the rest
    path = _save(tmp_path, [helper.make_node("Constant", [], ["w"], value=numpy_helper.from_array(big, "w_value")),
                            helper.make_node("Constant", [], ["r"], value=numpy_helper.from_array(big, "r_value")),
                            helper.make_node("RNN", ["x", "w", "r"], ["y"], hidden_size=1500)],
                 inputs=[helper.make_tensor_value_info("x", TensorProto.FLOAT, ["seq", "batch", 1500])])
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(path)
    assert "over the memory limit of 16 MiB" in _one_line(err, "m.onnx")


def test_a_name_given_twice_is_refused(tmp_path):
    """Two initializers of one name, or a node writing a name already given: the graph has
    no one value for it (onnxruntime refuses it). The later one replaced the first: an
    LSTM read the second W, of 7 features, and the model opened, then failed on the 3
    its input declares; a Relu writing the input's name changed what the LSTM read."""
    w3, w7 = np.zeros((1, 8, 3), np.float32), np.zeros((1, 8, 7), np.float32)
    r = numpy_helper.from_array(np.zeros((1, 8, 2), np.float32), "r")
    lstm = helper.make_node("LSTM", ["x", "w", "r"], ["y"], hidden_size=2, name="lstm")
    x_in = [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["seq", "batch", 3])]
    ok = _save(tmp_path, [lstm], [numpy_helper.from_array(w3, "w"), r], inputs=x_in, name="ok.onnx")
    assert lstmviz.load(ok).trace(np.ones((4, 1, 3), np.float32)).outputs[0].shape == (4, 1, 1, 2)
    path = _save(tmp_path, [lstm], [numpy_helper.from_array(w3, "w"), r,
                                    numpy_helper.from_array(w7, "w")], inputs=x_in)
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(path)
    assert "the graph has two initializers named 'w': the file is damaged" in _one_line(err, "m.onnx")
    relu = helper.make_node("Relu", ["x"], ["x"], name="relu")
    path = _save(tmp_path, [relu, lstm], [numpy_helper.from_array(w3, "w"), r], inputs=x_in)
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(path)
    assert "node 'relu' (Relu) writes 'x', which an input" in _one_line(err, "m.onnx")
    # IR 3 listed initializers among the inputs too: a name both is still one value
    both = _save(tmp_path, [lstm], [numpy_helper.from_array(w3, "w"), r],
                 inputs=x_in + [helper.make_tensor_value_info("w", TensorProto.FLOAT, [1, 8, 3])],
                 name="both.onnx")
    assert lstmviz.load(both).trace(np.ones((4, 1, 3), np.float32)).outputs[0].shape == (4, 1, 1, 2)
    # a node's attribute given twice (ONNX's checker refuses it): the LSTM's config took the
    # last, direction "reverse", and it opened stepping backwards
    lstm.attribute.extend([helper.make_attribute("direction", "forward"),
                           helper.make_attribute("direction", "reverse")])
    path = _save(tmp_path, [lstm], [numpy_helper.from_array(w3, "w"), r], inputs=x_in)
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(path)
    assert ("node 'lstm' (LSTM) gives its attribute 'direction' twice, so it has no one value "
            "(ONNX's checker refuses such a node): the file is damaged") in _one_line(err, "m.onnx")


@pytest.mark.parametrize("attr, value, words", [
    ("layout", 7, " has layout 7, not 0 (time, batch, features) or 1 (batch, time, features)"),
    ("layout", -1, " has layout -1, not 0"),
    ("clip", -1.0, " has clip -1.0, not a positive finite number (ONNX's clip threshold)"),
    ("clip", 0.0, " has clip 0.0, not a positive finite number"),
    ("clip", float("nan"), " has clip nan, not a positive finite number"),
    ("clip", float("inf"), " has clip inf, not a positive finite number"),
    ("activation_alpha", [float("nan")], ": its activation LeakyRelu's alpha is 'nan', not a finite number"),
    ("activation_alpha", [float("inf")], ": its activation LeakyRelu's alpha is 'inf', not a finite number")])
def test_a_recurrent_node_s_layout_and_clip_are_the_specification_s(tmp_path, attr, value, words):
    """ONNX's layout is 0 or 1 and its clip a positive threshold: a layout of 7 ran as
    layout 1, a clip of -1 clamped every gate to an empty range (each pre-activation -1),
    a NaN clip made every number NaN; each opened without a word. A clip of 2.5 is read.
    An infinite clip was refused by the node's check in other words than the reader's; an
    activation's NaN or infinite alpha made every number NaN, without a word."""
    w = numpy_helper.from_array(np.full((1, 2, 2), 3.0, np.float32), "w")
    r = numpy_helper.from_array(np.zeros((1, 2, 2), np.float32), "r")

    def model(**kw):
        if "activation_alpha" in kw:
            kw["activations"] = ["LeakyRelu"]
        node = helper.make_node("RNN", ["x", "w", "r"], ["y"], hidden_size=2, name="rnn", **kw)
        return _save(tmp_path, [node], [w, r])

    path = model(**{attr: value})
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(path)
    assert f"node 'rnn'{words}" in _one_line(err, "m.onnx")
    y = lstmviz.load(model(clip=2.5)).trace(np.ones((3, 1, 2), np.float32)).outputs[0]
    np.testing.assert_allclose(y, np.tanh(np.full((3, 1, 1, 2), 2.5)), rtol=1e-6)


_A = onnx.AttributeProto


@pytest.mark.parametrize("op, attr, says", [
    ("Concat", helper.make_attribute("axis", 1.5),
     "node 'n' (Concat) gives its attribute 'axis' as a float (1.5), where ONNX's Concat takes an integer"),
    ("ReduceMax", helper.make_attribute("keepdims", 0.5),
     "node 'n' (ReduceMax) gives its attribute 'keepdims' as a float (0.5), where ONNX's ReduceMax takes an"),
    ("Gather", helper.make_attribute("axis", [1, 2]),
     "node 'n' (Gather) gives its attribute 'axis' as a list of integers, where ONNX's Gather takes an integer"),
    ("RNN", helper.make_attribute("layout", 1.5),
     "node 'n' (RNN) gives its attribute 'layout' as a float (1.5), where ONNX's RNN takes an integer"),
    ("RNN", helper.make_attribute("hidden_size", 2.0), "attribute 'hidden_size' as a float (2)"),
    ("RNN", helper.make_attribute("direction", 1),
     "attribute 'direction' as an integer (1), where ONNX's RNN takes a string"),
    ("RNN", helper.make_attribute("clip", 3), "attribute 'clip' as an integer (3), where ONNX's RNN takes a float"),
    ("RNN", _A(name="layout", i=1), "attribute 'layout' as no known kind, where ONNX's RNN takes an integer"),
])
def test_an_attribute_of_another_kind_than_onnx_gives_it_is_refused_in_one_line(tmp_path, op, attr, says):
    """Attributes were read through ``int()`` and ``float()``: a Concat's axis stored as the
    FLOAT 1.5 concatenated along axis 1, an RNN's layout 1.5 ran as layout 1, a direction
    stored as an INT was no direction, where onnxruntime refuses each graph ("Mismatched
    attribute type"). An attribute of no kind (UNDEFINED) is refused as the checker does."""
    w = numpy_helper.from_array(np.full((1, 2, 2), 0.5, np.float32), "w")
    r = numpy_helper.from_array(np.zeros((1, 2, 2), np.float32), "r")
    ins = {"Concat": ["x", "x"], "ReduceMax": ["x"], "Gather": ["x", "i"], "RNN": ["x", "w", "r"]}[op]
    kw = {"hidden_size": 2} if op == "RNN" and attr.name != "hidden_size" else {}
    node = helper.make_node(op, ins, ["y"], name="n", **kw)
    node.attribute.append(attr)
    path = _save(tmp_path, [node], [w, r, numpy_helper.from_array(np.array([0], np.int64), "i")])
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(path)
    assert says in _one_line(err, "m.onnx")
    if op == "RNN":  # (the same node of the right kinds reads)
        del node.attribute[-1]
        lstmviz.load(_save(tmp_path, [node], [w, r], name="ok.onnx"))


def _lstm_reading_x(tmp_path, name: str, dims):
    """A graph of one LSTM (2 units, 3 features; weights drawn from seed 0) whose input x
    declares ``dims`` (None: no shape), saved as ``name``."""
    rng = np.random.default_rng(0)
    inits = [numpy_helper.from_array(rng.standard_normal(s).astype(np.float32), n)
             for n, s in (("w", (1, 8, 3)), ("r", (1, 8, 2)))]
    lstm = helper.make_node("LSTM", ["x", "w", "r"], ["y"], hidden_size=2, name="lstm")
    return _save(tmp_path, [lstm], inits, name=name,
                 inputs=[helper.make_tensor_value_info("x", TensorProto.FLOAT, dims)])


def test_an_input_that_declares_no_shape(tmp_path):
    """ONNX lets a graph input declare no shape (its rank unknown). One that is an LSTM's X
    was read as a scalar ('gets an input of rank 0, not 3'); it is the node's (time, batch,
    features), features from W, and traces as the shaped model does. Another is refused
    saying its shape is missing."""
    rng = np.random.default_rng(0)
    shaped = _lstm_reading_x(tmp_path, "shaped.onnx", ["t", "b", 3])
    bare = _lstm_reading_x(tmp_path, "bare.onnx", None)
    model = lstmviz.load(bare)
    assert model.input_shapes() == [(None, None, 3)]
    x = rng.standard_normal((5, 2, 3)).astype(np.float32)
    np.testing.assert_array_equal(model.trace(x).outputs[0], lstmviz.load(shaped).trace(x).outputs[0])
    relu = _save(tmp_path, [helper.make_node("Relu", ["x"], ["y"])], name="relu.onnx",
                 inputs=[helper.make_tensor_value_info("x", TensorProto.FLOAT, None)])
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(relu)
    assert "input 'x' declares no shape, so its rank is unknown" in _one_line(err, "relu.onnx")


def test_a_negative_input_size_takes_any_size_as_onnxruntime_reads_it_and_says_so(tmp_path):
    """An input declaring -5 steps is malformed, yet ONNX's checker (full_check too) lets it
    pass and onnxruntime clears a size below 0 (graph.cc, RemoveInvalidValues): the axis
    takes any size. lstmviz did the same but said nothing, the shape showing None as if
    the file had named the axis; the notes now say what the file declares and how it is
    read, and the model traces as the one that names the axis."""
    rng = np.random.default_rng(0)
    named = _lstm_reading_x(tmp_path, "named.onnx", ["t", "b", 3])
    negative = _lstm_reading_x(tmp_path, "negative.onnx", [-5, "b", 3])
    model = lstmviz.load(negative, isolate=False)
    assert model.input_shapes() == [(None, None, 3)]
    said = [n for n in model.source["notes"] if "-5" in n]
    assert said == ["Input 'x' declares -5 as its size along axis 0, which is no size: that axis "
                    "takes any size, as onnxruntime reads it."]
    assert not any("no size" in n for n in lstmviz.load(named, isolate=False).source["notes"])
    x = rng.standard_normal((4, 2, 3)).astype(np.float32)
    np.testing.assert_array_equal(model.trace(x).outputs[0], lstmviz.load(named).trace(x).outputs[0])


def _external_model(tmp_path, location, offset="0", length="16"):
    w = numpy_helper.from_array(np.ones((1, 2, 2), np.float32), "w")
    w.data_location = TensorProto.EXTERNAL
    del w.external_data[:]
    for k, v in (("location", location), ("offset", offset), ("length", length)):
        e = w.external_data.add()
        e.key, e.value = k, v
    w.ClearField("raw_data")
    r = numpy_helper.from_array(np.zeros((1, 2, 2), np.float32), "r")
    node = helper.make_node("RNN", ["x", "w", "r"], ["y"], hidden_size=2)
    return _save(tmp_path, [node], [w, r])


@pytest.mark.parametrize("location", ["../secret.bin", "/etc/passwd", "sub/../../secret.bin",
                                      "C:/x.bin"])
def test_external_data_never_outside_the_model_folder(tmp_path, location):
    (tmp_path.parent / "secret.bin").write_bytes(b"\0" * 64)
    model_dir = tmp_path / "m"
    model_dir.mkdir()
    path = _external_model(model_dir, location)
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(path)
    assert "external data" in _one_line(err, "m.onnx")


@pytest.mark.parametrize("offset, length, says", [
    ("-4", "16", "tensor 'w' starts at byte -4 of its external data, before the file's start"),
    ("0", "32", "tensor 'w' takes 32 bytes of external data but its shape needs 16"),
    ("8", "16", "tensor 'w' reaches past the end of 'w.bin'"),
    ("x", "16", "tensor 'w' has a malformed external data offset or length"),
])
def test_external_data_outside_its_file_says_where(tmp_path, offset, length, says):
    """A negative offset was said as a length that contradicts itself ("takes 16 bytes of
    external data but its shape needs 16")."""
    (tmp_path / "w.bin").write_bytes(np.ones(4, np.float32).tobytes())
    assert lstmviz.load(_external_model(tmp_path, "w.bin"))  # its 16 bytes: read
    path = _external_model(tmp_path, "w.bin", offset, length)
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(path)
    assert says in _one_line(err, "m.onnx")


def test_a_constant_node_s_external_data_is_read_from_the_model_folder(tmp_path, monkeypatch):
    """A Constant node's value in external data is read as an initializer's: from beside
    the model (it was looked for in the current directory, and refused as 'more than
    4 GB' when a file of that name was there)."""
    value = numpy_helper.from_array(np.array([1.5, -2.0], np.float32), "c")
    for k, v in (("location", "c.bin"), ("offset", "0"), ("length", "8")):
        e = value.external_data.add()
        e.key, e.value = k, v
    value.data_location = TensorProto.EXTERNAL
    value.ClearField("raw_data")
    nodes = [helper.make_node("Constant", [], ["c"], value=value),
             helper.make_node("Add", ["x", "c"], ["y"])]
    model_dir, cwd = tmp_path / "m", tmp_path / "cwd"
    model_dir.mkdir()
    cwd.mkdir()
    path = _save(model_dir, nodes)
    (cwd / "c.bin").write_bytes(np.array([9, 9], np.float32).tobytes())
    monkeypatch.chdir(cwd)
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(path)
    assert "is not beside the model" in _one_line(err, "m.onnx")
    (model_dir / "c.bin").write_bytes(np.array([1.5, -2.0], np.float32).tobytes())
    y = lstmviz.load(path).trace(np.ones((3, 1, 2), np.float32)).outputs[0]
    np.testing.assert_array_equal(y, np.broadcast_to([[[2.5, -1.0]]], (3, 1, 2)))


def test_external_data_symlink_out_is_refused(tmp_path):
    (tmp_path / "outside.bin").write_bytes(b"\0" * 64)
    model_dir = tmp_path / "m"
    model_dir.mkdir()
    os.symlink(tmp_path / "outside.bin", model_dir / "w.bin")
    path = _external_model(model_dir, "w.bin")
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(path)
    assert "outside the model's folder" in _one_line(err, "m.onnx")


def test_external_data_beside_the_model_is_read_and_checked(tmp_path):
    (tmp_path / "w.bin").write_bytes(np.ones(4, np.float32).tobytes())
    model = lstmviz.load(_external_model(tmp_path, "w.bin"))
    y = model.trace(np.ones((3, 1, 2), np.float32)).outputs[0]
    np.testing.assert_allclose(y[0, 0, 0], np.tanh([2.0, 2.0]), atol=1e-6)
    (tmp_path / "w.bin").write_bytes(b"\0" * 8)  # shorter than the tensor
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(tmp_path / "m.onnx")
    assert "past the end" in _one_line(err, "m.onnx")


def test_a_few_bytes_cannot_ask_for_gigabytes(tmp_path):
    shape = numpy_helper.from_array(np.array([100000, 100000, 100], np.int64), "s")
    nodes = [helper.make_node("ConstantOfShape", ["s"], ["big"]),
             helper.make_node("Add", ["x", "big"], ["y"])]
    path = _save(tmp_path, nodes, [shape])
    assert path.stat().st_size < 1000
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(path)
    assert "more than" in _one_line(err, "m.onnx")


def test_truncated_and_foreign_files(tmp_path):
    src = (FIXTURES / "onnx_torch_classic_lstm" / "model.onnx").read_bytes()
    cut = tmp_path / "cut.onnx"
    cut.write_bytes(src[: len(src) // 2])
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(cut)
    assert "\n" not in str(err.value) and str(err.value).startswith("cut.onnx: ")
    st = tmp_path / "bad.safetensors"
    st.write_bytes((10 ** 6).to_bytes(8, "little") + b"{" + b"\0" * 20)
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(st)
    assert "\n" not in str(err.value) and str(err.value).startswith("bad.safetensors: ")


def test_a_safetensors_files_damaged_header_length_is_said_with_its_numbers(tmp_path):
    """A header length larger than the file, or absurd, was 'unrecognised binary content'
    (or, within 100 MB, 'does not fit the file'): now one line naming safetensors, the
    length and the file's size. A text file whose 9th character opens a JSON object is
    still a text file."""
    import struct

    src = (FIXTURES / "safetensors_lstm" / "model.safetensors").read_bytes()
    size = len(src)
    path = tmp_path / "bad.safetensors"
    for n, said in ((size, f"header length is {size:,} bytes but the file has {size:,}"),
                    (10 ** 12, f"header length is 1,000,000,000,000 bytes but the file has {size:,}"),
                    (2 ** 64 - 1, f"header length is {2 ** 64 - 1:,} bytes but the file has {size:,}"),
                    (1, "header length is 1 byte, too short for its JSON")):
        path.write_bytes(struct.pack("<Q", n) + src[8:])
        with pytest.raises(LstmvizError) as err:
            lstmviz.load(path)
        msg = str(err.value)
        assert msg.startswith(f"bad.safetensors: the safetensors {said}") and "\n" not in msg, msg
        assert "supported: " in msg
    # (the same bytes under another name: its header after 8 bytes of binary says safetensors)
    other = tmp_path / "weights.bin"
    other.write_bytes(struct.pack("<Q", 10 ** 12) + src[8:])
    with pytest.raises(LstmvizError, match="the safetensors header length is 1,000,000,000,000 bytes"):
        lstmviz.load(other)
    text = tmp_path / "config.bin"
    text.write_bytes(b'{"cfg": {"units": 4}}')
    with pytest.raises(LstmvizError, match="this is a JSON/text file"):
        lstmviz.load(text)
    # a UTF-8 byte-order mark before the length, or before the JSON (its length counting
    # it), was 'unrecognised binary content': the safetensors package refuses both ("header
    # too large", "invalid JSON in header: expected value at line 1 column 1"); one line
    # says where the mark is, under any name (a text file that begins with one stays text)
    n = struct.unpack("<Q", src[:8])[0]
    bom = b"\xef\xbb\xbf"
    for name, data, said in (
            ("bom.safetensors", bom + src, "the file begins with a UTF-8 byte-order mark (bytes EF BB BF) "
                                           "before its safetensors header length"),
            ("bom.bin", bom + src, "the file begins with a UTF-8 byte-order mark"),
            ("json_bom.safetensors", struct.pack("<Q", n + 3) + bom + src[8:],
             "the safetensors header's JSON begins with a UTF-8 byte-order mark (bytes EF BB BF)"),
            ("json_bom.bin", struct.pack("<Q", n + 3) + bom + src[8:], "the safetensors header's JSON begins"),
            ("json_bom_long.safetensors", struct.pack("<Q", 10 ** 12) + bom + src[8:],
             "the safetensors header length is 1,000,000,000,000 bytes"),
            # (JSON whitespace before the "{", which the package skips: still its header)
            ("spaced_long.bin", struct.pack("<Q", 10 ** 12) + b" \r\n" + src[8:],
             "the safetensors header length is 1,000,000,000,000 bytes")):
        (tmp_path / name).write_bytes(data)
        with pytest.raises(LstmvizError) as err:
            lstmviz.load(tmp_path / name)
        assert str(err.value).startswith(f"{name}: {said}") and "\n" not in str(err.value), str(err.value)
    (tmp_path / "bom.txt").write_bytes(bom + b'{"cfg": {"units": 4}}')
    with pytest.raises(LstmvizError, match="this is a text file"):
        lstmviz.load(tmp_path / "bom.txt")


# ------------------------------------------------------------------ edge cases of the ops

def test_gather_minus_one_slice_to_int64_max_reshape_zero(tmp_path):
    big = np.iinfo(np.int64).max
    inits = [numpy_helper.from_array(np.array(-1, np.int64), "last"),
             numpy_helper.from_array(np.array([1], np.int64), "s0"),
             numpy_helper.from_array(np.array([big], np.int64), "e0"),
             numpy_helper.from_array(np.array([2], np.int64), "ax"),
             numpy_helper.from_array(np.array([0, -1], np.int64), "shape")]
    nodes = [helper.make_node("Gather", ["x", "last"], ["g"], axis=1),          # (B, F)
             helper.make_node("Slice", ["x", "s0", "e0", "ax"], ["sl"]),       # (B, T, F-1)
             helper.make_node("Reshape", ["sl", "shape"], ["r"]),             # (B, T*(F-1))
             helper.make_node("Concat", ["g", "r"], ["y"], axis=1)]
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "seq", 3])]
    path = _save(tmp_path, nodes, inits, inputs=inputs)
    model = lstmviz.load(path)
    x = np.arange(2 * 4 * 3, dtype=np.float32).reshape(2, 4, 3)
    want = np.concatenate([x[:, -1], x[:, :, 1:].reshape(2, -1)], axis=1)
    np.testing.assert_array_equal(model.trace(x).output, want)
    x5 = np.arange(3 * 5 * 3, dtype=np.float32).reshape(3, 5, 3)  # other symbolic sizes
    want5 = np.concatenate([x5[:, -1], x5[:, :, 1:].reshape(3, -1)], axis=1)
    np.testing.assert_array_equal(model.trace(x5).output, want5)


# ------------------------------------------------------------------ CLI

def _cli(*args):
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-m", "lstmviz", *map(str, args)], capture_output=True,
                          text=True, env=env, timeout=120)


def test_cli_summary_and_trace(tmp_path):
    case = FIXTURES / "onnx_torch_dynamo_gru_bidir"
    res = _cli("summary", case / "model.onnx")
    assert res.returncode == 0, res.stderr
    assert "onnx.GRU" in res.stdout and "Total params: 234" in res.stdout
    out = tmp_path / "t.npz"
    res = _cli("trace", case / "model.onnx", "--input", case / "x.npy", "--out", out)
    assert res.returncode == 0, res.stderr
    with np.load(out) as got:
        np.testing.assert_allclose(got["output"], np.load(case / "expected.npz")["y"], atol=ATOL)
        assert any(k.endswith("/forward/z") for k in got.files)
    st = FIXTURES / "safetensors_lstm" / "model.safetensors"
    assert _cli("summary", st).returncode == 0


def _rows(text):
    """The summary table's layer rows: (name, class, connected to)."""
    rows = []
    for line in text.splitlines():
        m = re.match(r"^(\S+) \(([\w.]+)\)\s.*?\s(\d[\d,]*)(?:  (.*))?$", line)
        if m:
            rows.append((m.group(1), m.group(2), m.group(4) or ""))
    return rows


def test_summary_leaves_out_the_ops_that_only_move_data(capsys):
    """tf2onnx writes a dozen Shape, Cast, Slice ... ops around each Keras layer: the summary
    lists the layers, each connected to the layers those ops lead back to (its data, not the
    shapes computed from it), and says how many ops it left out; --all-ops lists them."""
    from lstmviz import cli

    path = FIXTURES / "onnx_keras_lstm_dense" / "model.onnx"
    model = lstmviz.load(path)
    glue = [l.name for l in model.layers if getattr(l, "glue", False)]
    assert len(glue) > 5
    assert cli.main(["summary", str(path)]) == 0
    out = capsys.readouterr().out
    assert _rows(out) == [("keras_tensor", "InputLayer", ""), ("lstm_1", "onnx.LSTM", "keras_tensor"),
                          ("dense_1", "Dense", "lstm_1")]
    assert f"Not listed: {len(glue)} ONNX ops" in out and "Total params: 434" in out
    assert cli.main(["summary", "--all-ops", str(path)]) == 0
    every = capsys.readouterr().out
    assert [r[0] for r in _rows(every)] == [l.name for l in model.layers] and "Not listed" not in every
    # a Reshape's shape input is not data: the BiasAdd after a Dense on 3-D input comes from it alone
    rows = dict((n, c) for n, _, c in _rows(model.summary_text()))
    bidi = lstmviz.load(FIXTURES / "onnx_keras_bidi_lstm_seq" / "model.onnx").summary_text()
    assert dict((n, c) for n, _, c in _rows(bidi))["dense_2_1.BiasAdd"] == "dense_2_1"
    assert rows["dense_1"] == "lstm_1"
    # zeros made in the shape of the input (torch's initial state) are not its data
    torch2 = lstmviz.load(FIXTURES / "onnx_torch_dynamo_lstm_bidir_2layer" / "model.onnx").summary_text()
    assert dict((n, c) for n, _, c in _rows(torch2))["rnn.lstm_1"] == "rnn.lstm"
    # a Keras model has no glue: its summary is as before
    keras = lstmviz.load(FIXTURES / "k3_lstm_default" / "model.keras").summary_text()
    assert "Not listed" not in keras


def test_cli_refusal_exits_2(tmp_path):
    path = _save(tmp_path, [helper.make_node("ConvTranspose", ["x", "x"], ["y"])])
    res = _cli("summary", path)
    assert res.returncode == 2 and "ConvTranspose" in res.stderr and "Traceback" not in res.stderr


def test_dynamo_model_needs_its_data_file_beside_it(tmp_path):
    case = FIXTURES / "onnx_torch_dynamo_lstm_bidir_2layer"
    shutil.copy(case / "model.onnx", tmp_path / "model.onnx")
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(tmp_path / "model.onnx")
    assert "not beside the model" in _one_line(err, "model.onnx")


@pytest.mark.parametrize("name,layer_kind", [("onnx_torch_classic_lstm", "LSTM"),
                                             ("onnx_hand_rnn_relu_clip", "SimpleRNN")])
def test_cell_equations_of_onnx_bias_halves_add_up(name, layer_kind):
    # An ONNX node keeps the input and the recurrent bias apart: the Cell view's equations
    # say so ((W·x_t + b) + (U·h_{t-1} + b')) and their numbers are the trace's own.
    from lstmviz.app.cell_ref import cell_refs, equations, fmt

    case = FIXTURES / name
    meta = json.loads((case / "meta.json").read_text())
    model = lstmviz.load(case / "model.onnx")
    xs = _inputs(case, meta)
    trace = model.trace(xs if len(xs) > 1 else xs[0])
    refs = [r for n in trace.layers for r in cell_refs(model, trace, n)]
    ref = next(r for r in refs if r.kind == layer_kind)
    s, t, u = 0, ref.T - 1, ref.units - 1
    eqs = equations(ref, s, t, u)
    assert all("b'" in e.symbolic for e in eqs if e.key in ("i", "f", "c_tilde", "o")
               or (layer_kind == "SimpleRNN" and e.key == "h"))
    for e in eqs:
        assert e.numeric.endswith("= " + fmt(ref.rec.steps[e.key][s, t, u])), e.line
    first = eqs[0]
    g = 0
    xp = float(ref.rec.steps["x_proj"][s, t, g * ref.units + u])
    hp = float(ref.rec.steps["h_proj"][s, t, g * ref.units + u])
    pre = float(ref.rec.steps["pre"][s, t, g * ref.units + u])
    assert xp + hp == pytest.approx(pre, abs=1e-5)
    assert f"({fmt(xp)} + " in first.numeric


def test_a_clipped_rnn_says_the_number_its_activation_took():
    # An ONNX RNN with clip: "relu(clip(0.928 + 0.444, ±1)) = relu(1.372) = 1.000" said the
    # activation took the unclipped sum (its LSTM and GRU record the clipped one). At
    # every step the number inside the activation is the one it took, and gives h_t.
    from lstmviz.app.cell_ref import cell_refs, equations, fmt

    case = FIXTURES / "onnx_hand_rnn_relu_clip"
    model = lstmviz.load(case / "model.onnx")
    trace = model.trace(np.load(case / "x.npy"))
    ref = cell_refs(model, trace, "rnn.RNN")[0]
    steps = ref.rec.steps
    clipped = 0
    for s, t, u in np.ndindex(*steps["h"].shape):
        (eq,) = equations(ref, s, t, u)
        took = eq.numeric.split(" = ")[-2]
        assert took.startswith("relu(") and took.endswith(")"), eq.line
        shown = float(took[5:-1].replace("\u2212", "-"))
        assert abs(shown) <= 1.0, eq.line
        assert eq.numeric.endswith("= " + fmt(max(shown, 0.0))), eq.line
        assert took == f"relu({fmt(steps['pre'][s, t, u])})"
        clipped += abs(float(steps["x_proj"][s, t, u] + steps["h_proj"][s, t, u])) > 1.0
    assert clipped  # (the fixture's sums do pass the clip)


_INPUTS_TAIL = "; supported: graph inputs whose declared sizes make at most 4,194,304 numbers (a symbolic"
_SHAPES_TAIL = "; supported: tensors of at most 64 dimensions, each of 0 or more, holding fewer than 2**63"
_RECURRENT_TAIL = ("; supported: LSTM, GRU and RNN nodes of a 3-D input (time, batch, features; layout 1: "
                   "batch first) and W, R, B, P of the shapes ONNX gives for their hidden_size and direction")


@pytest.mark.parametrize("dims, w, r, says", [
    ([100000, 100000, 2], None, None, "more than 4,194,304 elements" + _INPUTS_TAIL),
    # (it was "its graph holds something lstmviz's ONNX reader does not handle")
    ([5, "b", 3] + [1] * 70, None, None,
     "input 'x' declares a shape that has 73 dimensions, a NumPy array at most 64" + _SHAPES_TAIL),
    ([2 ** 40, 2 ** 40, 2], None, None, "(its dimensions multiply to 2**63 or more)" + _SHAPES_TAIL),
    (["s", "b"], (1, 8, 2), (1, 8, 2), "node 'lstm' (LSTM) gets an input of rank 2, not 3" + _RECURRENT_TAIL),
    (["s", "b", 2], (8, 2), (1, 8, 2), "node 'lstm' (LSTM) has no 3-D W and R" + _RECURRENT_TAIL),
    (["s", "b", 2], (1, 8, 2), (1, 8, 3), "R has shape [1, 8, 3], needs [1, 8, 2] (hidden_size 2, direction "
     "forward)" + _RECURRENT_TAIL),
    # (it opened, and no input traced: "needs 5 input features, gets 2", or 5 refused as not 2)
    (["s", "b", 2], (1, 8, 5), (1, 8, 2), "node 'lstm' (LSTM) gets 2 input features, where its W takes 5"
     + _RECURRENT_TAIL),
])
def test_a_declared_input_or_a_recurrent_node_s_shapes_are_refused_saying_what_shapes_work(tmp_path, dims, w, r,
                                                                                           says):
    """Each ended "supported: ONNX models whose recurrent nodes are LSTM, GRU or RNN", as if
    the model's recurrent nodes were what is wrong: each says what shapes are read."""
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, dims)]
    if w is None:
        path = _save(tmp_path, [helper.make_node("Relu", ["x"], ["y"])], inputs=inputs)
    else:
        inits = [numpy_helper.from_array(np.zeros(w, np.float32), "w"),
                 numpy_helper.from_array(np.zeros(r, np.float32), "r")]
        path = _save(tmp_path, [helper.make_node("LSTM", ["x", "w", "r"], ["y"], hidden_size=2, name="lstm")],
                     inits, inputs=inputs)
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(path)
    assert says in _one_line(err, "m.onnx")


@pytest.mark.parametrize("cut", [3, 10, 50, 200, 700, 1500, 3000])
def test_every_truncation_is_one_line(tmp_path, cut):
    src = (FIXTURES / "onnx_hand_lstm_peepholes" / "model.onnx").read_bytes()
    path = tmp_path / "t.onnx"
    path.write_bytes(src[:cut])
    try:
        lstmviz.load(path)
    except LstmvizError as err:
        assert "\n" not in str(err) and str(err).startswith("t.onnx: ")
    # a prefix may parse as a smaller valid protobuf: then it must load or refuse cleanly


def test_sniffers_keep_to_their_formats():
    keras = next(FIXTURES.glob("k3_*/*.keras"), None) or next(FIXTURES.glob("k2_*/*.h5"))
    for path, want in ((keras, (False, False)),
                       (FIXTURES / "onnx_torch_classic_lstm" / "model.onnx", (True, False)),
                       (FIXTURES / "safetensors_lstm" / "model.safetensors", (False, True)),
                       (FIXTURES / "torch_lstm_1layer" / "model.pt", (False, False))):
        head = path.read_bytes()[:64]
        assert (onnx_model.sniff(head), safetensors_state.sniff(head)) == want, path.name


def test_without_the_onnx_package_the_message_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(FIXTURES / "onnx_torch_classic_lstm" / "model.onnx")
    message = str(err.value)
    # the install command is this interpreter's own pip: it works from a clone or a wheel
    assert f"{errors.pip_install('onnx', 'safetensors')} (the extra 'onnx')" in message
    assert "-m pip install onnx safetensors" in message and "\n" not in message


def test_without_the_safetensors_package_the_message_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "safetensors", None)
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(FIXTURES / "safetensors_lstm" / "model.safetensors")
    message = str(err.value)
    assert message.startswith("model.safetensors: reading .safetensors files needs the 'safetensors'")
    assert f"{errors.pip_install('onnx', 'safetensors')} (the extra 'onnx')" in message
    assert "\n" not in message


def test_the_install_command_is_this_pythons_pip(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(sys, "executable", str(tmp_path / ".venvs" / "lv" / "bin" / "python"))
    assert errors.pip_install("onnx") == "~/.venvs/lv/bin/python -m pip install onnx"
    spaced = tmp_path / "my venv" / "bin" / "python"
    monkeypatch.setattr(sys, "executable", str(spaced))
    assert errors.pip_install("a", "b") == f"'{spaced}' -m pip install a b"
    monkeypatch.setattr(sys, "executable", "/usr/bin/python3")
    assert errors.pip_install("onnx") == "/usr/bin/python3 -m pip install onnx"


def _safetensors_refusal(path: Path, tensors: dict, data: int) -> str:
    """The refusal of a .safetensors file at ``path`` holding the header ``tensors`` and
    ``data`` zero bytes."""
    import struct

    header = json.dumps(tensors).encode()
    path.write_bytes(struct.pack("<Q", len(header)) + header + b"\0" * data)
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(path)
    return str(err.value)


def test_a_damaged_bfloat16_safetensors_tensor_is_refused_in_one_line(tmp_path):
    """BF16 is read from its bytes (not by the safetensors package): a byte range that is
    not its shape's is still refused, in one line."""
    msg = _safetensors_refusal(tmp_path / "bf.safetensors", {"rnn.weight_ih_l0": {
        "dtype": "BF16", "shape": [4, 3], "data_offsets": [0, 20]}}, 20)
    assert msg.startswith("bf.safetensors: ") and "\n" not in msg and "truncated or corrupt" in msg, msg
    assert "supported: " in msg and "BF16" in msg, msg


def test_a_damaged_safetensors_file_says_which_check_failed(tmp_path):
    """Overlapping byte ranges were 'truncated or corrupt (SafetensorError)', naming no
    check; the package's own words say which."""
    msg = _safetensors_refusal(tmp_path / "overlap.safetensors", {
        "lstm.weight_ih_l0": {"dtype": "F32", "shape": [16, 2], "data_offsets": [0, 128]},
        "lstm.weight_hh_l0": {"dtype": "F32", "shape": [16, 4], "data_offsets": [0, 256]}}, 256)
    assert "invalid offset for tensor `lstm.weight_hh_l0`" in msg and "\n" not in msg, msg


_GOOD_ENTRY = {"dtype": "F32", "shape": [4, 3], "data_offsets": [0, 48]}


@pytest.mark.parametrize("header, said", [
    ({"rnn.weight_ih_l0": {**_GOOD_ENTRY, "data_offsets": ["0", 48]}},
     "tensor 'rnn.weight_ih_l0' has the data_offsets [\"0\", 48], not two whole numbers"),
    ({"rnn.weight_ih_l0": _GOOD_ENTRY,  # (sorting the tensors by their starts compared "x" with 0)
      "rnn.weight_hh_l0": {**_GOOD_ENTRY, "data_offsets": ["x", 96]}},
     "tensor 'rnn.weight_hh_l0' has the data_offsets [\"x\", 96]"),
    ({"rnn.weight_ih_l0": {**_GOOD_ENTRY, "data_offsets": None}}, "has the data_offsets null"),
    ({"rnn.weight_ih_l0": {**_GOOD_ENTRY, "data_offsets": [True, 48]}}, "has the data_offsets [true, 48]"),
    ({"rnn.weight_ih_l0": {**_GOOD_ENTRY, "data_offsets": [0, 48, 96]}}, "not two whole numbers"),
    ({"rnn.weight_ih_l0": {**_GOOD_ENTRY, "data_offsets": [48, 0]}}, "which end before they start"),
    ({"rnn.weight_ih_l0": {**_GOOD_ENTRY, "data_offsets": [0, 10 ** 30]}},
     "ends at byte 1,000,000,000,000,000,000,000,000,000,000 of the data, but the file holds 48 bytes"),
    ({"rnn.weight_ih_l0": {**_GOOD_ENTRY, "shape": ["4", 3]}},
     "tensor 'rnn.weight_ih_l0' has the shape [\"4\", 3], not a list of whole numbers"),
    ({"rnn.weight_ih_l0": {**_GOOD_ENTRY, "shape": [4.0, 3]}}, "has the shape [4.0, 3]"),
    ({"rnn.weight_ih_l0": {**_GOOD_ENTRY, "shape": "43"}}, "has the shape \"43\""),
    # (NumPy makes no array of either: each was "the file is truncated or corrupt")
    ({"rnn.weight_ih_l0": {**_GOOD_ENTRY, "shape": [4, 3, 0, 2 ** 32, 2 ** 32]}},
     "has the shape [4, 3, 0, 4294967296, 4294967296], which is larger than any array can be"),
    ({"rnn.weight_ih_l0": {**_GOOD_ENTRY, "shape": [4, 3] + [1] * 63}},
     "has the shape [4, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, ..., which has 65 dimensions, a NumPy array at most 64"),
    ({"rnn.weight_ih_l0": {**_GOOD_ENTRY, "dtype": 5}}, "tensor 'rnn.weight_ih_l0' has the dtype 5, not a text"),
    ({"rnn.weight_ih_l0": {**_GOOD_ENTRY, "dtype": None}}, "has the dtype null, not a text"),
    ({"rnn.weight_ih_l0": {"shape": [4, 3], "data_offsets": [0, 48]}}, "tensor 'rnn.weight_ih_l0' has no \"dtype\""),
    ({"rnn.weight_ih_l0": ["F32", [4, 3], [0, 48]]},  # (the package read a list as the entry's fields)
     "tensor 'rnn.weight_ih_l0' is [\"F32\", [4, 3], [0, 48]] in the header, not an object"),
    ({"rnn.weight_ih_l0": "F32"}, "tensor 'rnn.weight_ih_l0' is \"F32\" in the header, not an object"),
    ({"__metadata__": [1, 2], "rnn.weight_ih_l0": _GOOD_ENTRY}, 'its "__metadata__" is [1, 2], not an object of texts'),
    ({"__metadata__": {"format": 5}, "rnn.weight_ih_l0": _GOOD_ENTRY},
     'its "__metadata__" entry \'format\' is 5, not a text'),
])
def test_a_malformed_safetensors_header_entry_is_refused_in_plain_words(tmp_path, header, said):
    """Values of the wrong type in a safetensors header were refused in Python's words or
    the package's parser's: "truncated or corrupt (TypeError: '<' not supported between
    instances of 'str' and 'int')", "(SafetensorError: invalid JSON in header: invalid type:
    string \"0\", expected usize at line 1 column 78)". Now one line names the tensor, what
    is wrong with it and what a safetensors header holds."""
    msg = _safetensors_refusal(tmp_path / "h.safetensors", header, 48)
    assert msg.startswith("h.safetensors: ") and "\n" not in msg, msg
    assert said in msg, msg
    if not any(w in said for w in ("bytes", "before they start", "than any array", "a NumPy array")):
        assert 'a safetensors header holds, for each tensor, an object of its "dtype"' in msg, msg
    for internal in ("Error", "usize", "TensorInfo", "not supported between", "NoneType", "line 1 column"):
        assert internal not in msg, msg


def test_a_safetensors_header_that_is_not_json_says_so_without_pythons_advice(tmp_path):
    """A header with a number of 5,000 digits was refused as "truncated or corrupt
    (ValueError: Exceeds the limit (4300 digits) for integer string conversion ...; use
    sys.set_int_max_str_digits() to increase the limit)": advice for a programmer, nothing
    a user of the file can do. Now as a Keras config that is no JSON is said."""
    import struct

    for body, why in ((b'{"a": {"dtype": "F32", "shape": [1' + b"0" * 5000 + b'], "data_offsets": [0, 4]}}',
                       "a number in it is too long"),
                      (b'{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}' + b"}" * 3,
                       "at line 1, column"),
                      (b'{"a\xff": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}',
                       "it is not UTF-8 text")):  # (it was said "a number in it is too long")
        path = tmp_path / "bad.safetensors"
        path.write_bytes(struct.pack("<Q", len(body)) + body + b"\0" * 4)
        with pytest.raises(LstmvizError) as err:
            lstmviz.load(path)
        msg = str(err.value)
        assert msg.startswith("bad.safetensors: the header is not valid JSON (") and "\n" not in msg, msg
        assert "sys." not in msg and "Error" not in msg  # (no Python class names either)
        assert why in msg, msg


def test_safetensors_tensors_count_against_the_memory_limit(tmp_path, monkeypatch):
    """Every other reader counts what it reads against the memory limit; safetensors read
    whatever the file held (up to 4 GB)."""
    from safetensors.numpy import save_file

    path = tmp_path / "big.safetensors"
    save_file({"rnn.weight_ih_l0": np.zeros((4096, 1280), np.float32),
               "rnn.weight_hh_l0": np.zeros((4096, 1024), np.float32)}, str(path))
    lstmviz.load(path)  # 36 MB: within 2 GB
    monkeypatch.setenv("LSTMVIZ_MAX_MEMORY", "32M")
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(path)
    msg = str(err.value)
    assert msg.startswith("big.safetensors: the tensors in the file would need 36 MiB, over the "
                          "memory limit of 32 MiB") and "--max-memory" in msg and "\n" not in msg, msg


def test_a_safetensors_header_of_more_tensors_than_lstmviz_reads_is_refused_before_it_is_parsed(
        tmp_path, monkeypatch):
    """A .pt file may hold at most ``torch_state.MAX_TENSORS`` tensors; a safetensors header
    had no such cap: 300,000 empty tensors (20 MB) took 21 s and 460 MB to be refused for
    holding no recurrent weights, 1.5 million (89 MB, under the package's 100 MB) 20 s and
    970 MB. Now the header's objects are counted in its bytes, before it is parsed: its
    "{" outside its strings (every "{" was counted, so a few tensors whose names held
    100,000 of them were refused as too many)."""
    from safetensors.numpy import save_file

    from lstmviz.io import safetensors_state, torch_state

    path = tmp_path / "many.safetensors"
    braces = '{\\"{' * 4  # (a name's escapes, a backslash and a quote, as JSON writes them)
    save_file({"rnn.weight_ih_l0": np.zeros((2, 3), np.float32),
               "rnn.weight_hh_l0": np.zeros((2, 2), np.float32),
               f"notes{braces}": np.zeros(1, np.float32)}, str(path),
              metadata={f"note{braces}": f"{{{braces}}}"})
    assert path.read_bytes().count(b"{") == 5 + 25  # its objects, and those in its texts
    monkeypatch.setattr(torch_state, "MAX_TENSORS", 4)
    lstmviz.load(path)  # three tensors (four objects: the metadata's too): read
    assert safetensors_state.json_objects(b'{"a{\\\\": {"b\\"{": {}}, "{": []}') == 3
    monkeypatch.setattr(torch_state, "MAX_TENSORS", 3)

    class Unparsed:
        @staticmethod
        def loads(raw):
            raise AssertionError("the header was parsed")

    monkeypatch.setattr(safetensors_state, "json", Unparsed)
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(path)
    msg = str(err.value)
    assert msg.startswith("many.safetensors: the header holds 4 objects, room for more tensors "
                          "than lstmviz reads (3); supported: .safetensors files") and "\n" not in msg, msg
    # values too: a tensor's entry holds a few (a 92 MB header of one tensor whose shape
    # listed 11 million numbers took 11 s and 1.1 GB to parse): more than 16 a tensor of the
    # cap refused unparsed, the commas in its texts not counted
    import struct

    def header(shape: list[int], name: str) -> bytes:
        entry = {"dtype": "F32", "shape": shape, "data_offsets": [0, 4]}
        return json.dumps({name: entry, "__metadata__": {"n": ",".join("1" * 60)}}).encode()

    raw = header([1] * 60, "rnn.weight_ih_l0")
    (tmp_path / "wide.safetensors").write_bytes(struct.pack("<Q", len(raw)) + raw + bytes(4))
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(tmp_path / "wide.safetensors")
    msg = str(err.value)
    assert msg.startswith("wide.safetensors: the header holds 64 values, more than 3 tensors (the most "
                          "lstmviz reads) would hold (damaged); supported: .safetensors") and "\n" not in msg, msg
    raw = header([1], "x" + "," * 100)
    assert raw.count(b",") > 48 and safetensors_state.json_objects(raw, b",") == 4


def test_onnx_initializers_count_against_the_memory_limit(tmp_path, monkeypatch):
    """An ONNX file's initializers are counted against the memory limit before they are
    read (they were read whatever the limit)."""
    w1 = numpy_helper.from_array(np.zeros((2500, 2000), np.float32), "w1")
    w2 = numpy_helper.from_array(np.zeros((2000, 2500), np.float32), "w2")
    path = _save(tmp_path, [helper.make_node("MatMul", ["x", "w1"], ["h"]),
                            helper.make_node("MatMul", ["h", "w2"], ["y"])], [w1, w2],
                 inputs=[helper.make_tensor_value_info("x", TensorProto.FLOAT, ["seq", "batch", 2500])])
    assert lstmviz.load(path)  # 40 MB: within 2 GB
    monkeypatch.setenv("LSTMVIZ_MAX_MEMORY", "32M")
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(path)
    msg = _one_line(err, "m.onnx")
    assert "the tensors in the file would need 38.1 MiB, over the memory limit of 32 MiB" in msg, msg
    assert "--max-memory" in msg



@pytest.mark.parametrize("dims, says", [
    ([0, 2 ** 62, 2 ** 62], "the shape of tensor 'w' [0, 4611686018427387904, 4611686018427387904] is "
     "larger than any array can be (its dimensions multiply to 2**63 or more) (damaged)"),
    ([1] * 100_000, "the shape of tensor 'w' has 100,000 dimensions, a NumPy array at most 64 (damaged)"),
    ([-3, 2], "tensor 'w' has a negative dimension (damaged)"),
])
def test_an_initializer_of_a_shape_no_array_has_is_refused_saying_so(tmp_path, dims, says):
    """An empty initializer of dims (0, 2**62, 2**62) holds no bytes and passed the size
    checks, then was refused as "tensor 'w' holds values that do not fit its shape" (NumPy
    makes no such array); one of 100,000 dimensions was refused with all of them written
    out, a line of 300 KB. Said as the .npy and safetensors readers say it."""
    w = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=dims, raw_data=b"")
    path = _save(tmp_path, [helper.make_node("Relu", ["x"], ["y"])], [w])
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(path, isolate=False)
    msg = _one_line(err, "m.onnx")
    assert says + _SHAPES_TAIL in msg and len(msg) < 300, msg


# ------------------------------------------------------------------ Keras models through tf2onnx

KERAS_CASES = sorted(p.parent for p in FIXTURES.glob("onnx_keras_*/meta.json"))


def test_keras_tf2onnx_fixtures_present():
    names = {c.name for c in KERAS_CASES}
    assert {"onnx_keras_lstm_dense", "onnx_keras_bidi_lstm_seq", "onnx_keras_lstm_backwards",
            "onnx_keras_embedding_lstm"} <= names, "run scripts/make_keras_onnx_fixtures.py"
    assert (FIXTURES / "refused_onnx_keras_gru" / "model.onnx").is_file()


@pytest.mark.parametrize("case", KERAS_CASES, ids=[c.name for c in KERAS_CASES])
def test_keras_through_tf2onnx_equals_keras_predict(case):
    """What Keras computed, not only onnxruntime: the file tf2onnx made of a Keras model
    (its ReverseSequence, ReduceProd, index checks ...) traces to Keras' numbers."""
    meta = json.loads((case / "meta.json").read_text())
    assert meta["exporter"] == "tf2onnx"
    model = lstmviz.load(case / "model.onnx")
    got = model.trace(np.load(case / "x.npy")).output
    np.testing.assert_allclose(got, np.load(case / "expected.npz")["keras"], atol=ATOL, rtol=0)


def test_keras_through_tf2onnx_layers_carry_keras_names():
    """tf2onnx names nodes by TensorFlow's scopes (``StatefulPartitionedCall/sequential_8_1/
    lstm_5_1/...``, the LSTM node ``LSTM__33``): the layers shown are named after the Keras
    layer; the Embedding's Gather is an Embedding holding the table; the index check
    before it (Less, Not, Mul, Add on ids) is drawn by no view; parameters are the file's."""
    case = FIXTURES / "onnx_keras_embedding_lstm"
    model = lstmviz.load(case / "model.onnx")
    shown = [(layer.name, layer.class_name) for layer in model.layers if not getattr(layer, "glue", False)]
    assert [c for _, c in shown] == ["InputLayer", "Embedding", "onnx.LSTM", "Dense", "onnx.Softmax"]
    names = [n for n, _ in shown[1:]]
    assert names[0].startswith("embedding") and names[1].startswith("lstm")
    assert names[2].startswith("dense") and names[3] == names[2] + ".Softmax"
    proto = onnx.load(str(case / "model.onnx"))
    tables = [numpy_helper.to_array(t) for t in proto.graph.initializer if list(t.dims) == [20, 4]]
    emb = next(layer for layer in model.layers if layer.class_name == "Embedding")
    assert len(tables) == 1 and np.array_equal(emb.weights[0], tables[0])
    index_ops = [layer for layer in model.layers if getattr(layer, "op", None) in ("Add", "Mul", "Less", "Not")]
    assert len(index_ops) >= 4 and all(layer.glue for layer in index_ops)
    assert model.count_params() == json.loads((case / "meta.json").read_text())["file_params"]


def test_a_loop_node_is_refused_in_one_line_that_says_what_to_open():
    """tf2onnx keeps Keras' GRU and SimpleRNN as a Loop over a subgraph; lstmviz runs no
    subgraph and says so, first, whatever comes before the loop in the graph."""
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(FIXTURES / "refused_onnx_keras_gru" / "model.onnx")
    msg = str(err.value)
    assert "\n" not in msg and "Loop node" in msg and "Keras or PyTorch file instead" in msg
    assert "Less node" not in msg


def test_read_only_token_ids_use_the_embedding_vocabulary():
    """A read-only model's generated token ids span its Embedding's vocabulary (they were
    1 and 2 alone), never beyond it."""
    from lstmviz.app.stack import InputSpec
    from lstmviz.app.tracing import inputs_for

    model = lstmviz.load(FIXTURES / "onnx_keras_embedding_lstm" / "model.onnx")
    x = inputs_for(model, InputSpec(batch_size=3, timesteps=40))[0]
    assert x.shape == (3, 40) and x.dtype.kind == "i"
    assert x.min() >= 1 and x.max() <= 19 and len(np.unique(x)) > 5
    model.trace(x)  # every id is one the Embedding takes


# ------------------------------------------------------------------ ops tf2onnx writes

def test_reverse_sequence_as_the_onnx_specification_gives_it():
    from lstmviz.engine import onnx_ops

    x = np.arange(16, dtype=np.float32).reshape(4, 4).T.copy()  # [[0, 4, 8, 12], [1, 5, ...]]
    got = onnx_ops.evaluate("ReverseSequence", {"time_axis": 0, "batch_axis": 1},
                            [x, np.array([4, 3, 2, 1])], 17)[0]
    np.testing.assert_array_equal(got, [[3, 6, 9, 12], [2, 5, 8, 13], [1, 4, 10, 14], [0, 7, 11, 15]])
    x = np.arange(16, dtype=np.float32).reshape(4, 4)
    got = onnx_ops.evaluate("ReverseSequence", {"time_axis": 1, "batch_axis": 0},
                            [x, np.array([1, 2, 3, 4])], 17)[0]
    np.testing.assert_array_equal(got, [[0, 1, 2, 3], [5, 4, 6, 7], [10, 9, 8, 11], [15, 14, 13, 12]])
    full = np.random.default_rng(0).normal(size=(5, 2, 3)).astype(np.float32)
    np.testing.assert_array_equal(onnx_ops.evaluate("ReverseSequence", {}, [full, np.array([5, 5])], 17)[0],
                                  full[::-1])
    with pytest.raises(LstmvizError, match="ReverseSequence"):
        onnx_ops.evaluate("ReverseSequence", {}, [full, np.array([6, 5])], 17)
    with pytest.raises(LstmvizError, match="ReverseSequence"):
        onnx_ops.evaluate("ReverseSequence", {"time_axis": 2, "batch_axis": 0}, [full, np.array([1, 1])], 17)


def test_flatten_takes_the_axes_onnx_allows_and_refuses_the_others():
    """ONNX's Flatten takes an axis from -rank to rank; one past it (axis 10**9 in a file)
    was flattened as the rank itself, a model onnxruntime refuses drawn as (n, 1)."""
    from lstmviz.engine import onnx_ops

    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    for axis, shape in ((0, (1, 24)), (1, (2, 12)), (3, (24, 1)), (-1, (6, 4)), (-3, (1, 24))):
        got = onnx_ops.evaluate("Flatten", {"axis": axis}, [x], 13)[0]
        np.testing.assert_array_equal(got, x.reshape(shape))
    for axis, shape in ((1, (0, 2)), (2, (0, 1)), (0, (1, 0))):  # (NumPy's reshape(0, -1) failed)
        assert onnx_ops.evaluate("Flatten", {"axis": axis}, [np.zeros((0, 2))], 13)[0].shape == shape
    for axis in (4, -4, 10 ** 9, -10 ** 9):
        with pytest.raises(LstmvizError, match=f"Flatten: axis {axis} is outside -3..3"):
            onnx_ops.evaluate("Flatten", {"axis": axis}, [x], 13)


@pytest.mark.parametrize("node, w, says", [
    (helper.make_node("MatMul", ["x", "w"], ["y"], name="mm"), (3, 5),
     ("node 'mm': ONNX MatMul: cannot multiply tensors of shapes [", ", 2] and [3, 5]: they do not fit")),
    (helper.make_node("MatMul", ["x", "w"], ["y"], name="mm"), (),
     ("node 'mm': ONNX MatMul: multiplies tensors of shapes [", ", 2] and [], where a product needs")),
    ([helper.make_node("Flatten", ["x"], ["f"], axis=2), helper.make_node("Gemm", ["f", "w"], ["y"], name="gm")],
     (3, 5), ("node 'gm': ONNX Gemm: cannot multiply tensors of shapes [", ", 2] and [3, 5]: they do not fit")),
    (helper.make_node("Gemm", ["x", "w"], ["y"], name="gm"), (2, 5),  # (2-D only: onnxruntime too)
     ("node 'gm': ONNX Gemm: multiplies tensors of shapes [", ", 2] and [2, 5], where Gemm takes two of rank 2")),
    (helper.make_node("Add", ["x", "w"], ["y"], name="add"), (3,),
     ("node 'add': ONNX Add: cannot broadcast tensors of shapes [", ", 2] and [3] together")),
    (helper.make_node("Where", ["x", "x", "w"], ["y"], name="wh"), (3,),
     ("node 'wh': ONNX Where: cannot broadcast tensors of shapes [", ", 2] and [3] together")),
    (helper.make_node("Pow", ["x", "w"], ["y"], name="pw"), (3,),
     ("node 'pw': ONNX Pow: cannot broadcast tensors of shapes [", ", 2] and [3] together")),
])
def test_shapes_a_node_cannot_combine_are_named_with_the_node(tmp_path, node, w, says):
    """A MatMul or Gemm whose inner dimensions differ, a Gemm of a 3-D input (ONNX's is of
    matrices only; onnxruntime refuses it, lstmviz opened it as a Dense), an Add, Where or Pow of shapes that
    do not broadcast, were refused in NumPy's words, chained under "its graph holds
    something lstmviz's ONNX reader does not handle": nothing said which node or what was
    wrong."""
    nodes = node if isinstance(node, list) else [node]
    path = _save(tmp_path, nodes, [numpy_helper.from_array(np.ones(w, np.float32), "w")])
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(path)
    msg = _one_line(err, "m.onnx")
    assert all(part in msg for part in says) and "gufunc" not in msg, msg


@pytest.mark.parametrize("nodes, inits, says", [
    ([helper.make_node("Pow", ["a", "b"], ["p"], name="pw"), helper.make_node("Cast", ["p"], ["c"], to=1)],
     [np.array([2, 3], np.int64), np.array([-1], np.int64)],
     "node 'pw' (Pow) cannot be computed on its inputs (int64 [2], int64 [1]): the file is damaged"),
    ([helper.make_node("Sigmoid", ["a"], ["p"], name="sg"), helper.make_node("Cast", ["p"], ["c"], to=1)],
     [np.array([True, False])], "node 'sg' (Sigmoid) cannot be computed on its inputs (bool [2])"),
])
def test_a_node_numpy_cannot_compute_is_named_with_its_inputs(tmp_path, nodes, inits, says):
    """What NumPy raised on inputs no check of onnx_ops foresaw ("Integers to negative
    integer powers are not allowed") was said as "its graph holds something lstmviz's ONNX
    reader does not handle": now the node and its inputs are named."""
    inits = [numpy_helper.from_array(v, n) for v, n in zip(inits, "ab")]
    path = _save(tmp_path, [*nodes, helper.make_node("Add", ["x", "c"], ["y"])], inits)
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(path)
    assert says in _one_line(err, "m.onnx")


def test_reduce_prod_axes_as_attribute_and_as_input():
    from lstmviz.engine import onnx_ops

    shape = np.array([2, 3, 4], dtype=np.int64)
    assert onnx_ops.evaluate("ReduceProd", {"keepdims": 0}, [shape], 13)[0].tolist() == 24
    assert onnx_ops.evaluate("ReduceProd", {}, [shape], 13)[0].tolist() == [24]
    x = np.arange(1, 7, dtype=np.int64).reshape(2, 3)
    assert onnx_ops.evaluate("ReduceProd", {"axes": [1], "keepdims": 0}, [x], 13)[0].tolist() == [6, 120]
    assert onnx_ops.evaluate("ReduceProd", {"keepdims": 1}, [x, np.array([0])], 18)[0].tolist() == [[4, 10, 18]]
    assert onnx_ops.evaluate("ReduceProd", {"noop_with_empty_axes": 1}, [x, None], 18)[0] is x
    assert onnx_ops.evaluate("ReduceProd", {"keepdims": 0}, [x, None], 18)[0].tolist() == 720
    for op in ("ReduceProd", "ReduceMean", "ReduceMax"):  # (0 or 1 only: see the file-level refusals)
        for attrs in ({"noop_with_empty_axes": 2}, {"keepdims": -1, "noop_with_empty_axes": 0}):
            said = f"ONNX {op}: has {next(iter(attrs))} -?[12], where ONNX takes 0 or 1"
            with pytest.raises(LstmvizError, match=said):
                onnx_ops.evaluate(op, attrs, [x.astype(np.float32), None], 18)


def test_comparisons_logic_and_where():
    from lstmviz.engine import onnx_ops

    a, b = np.array([-2, 0, 3]), np.array([0, 0, 1])
    ev = onnx_ops.evaluate
    assert ev("Less", {}, [a, b], 17)[0].tolist() == [True, False, False]
    assert ev("GreaterOrEqual", {}, [a, b], 17)[0].tolist() == [False, True, True]
    assert ev("Equal", {}, [a, b], 17)[0].tolist() == [False, True, False]
    t = np.array([True, False, True])
    assert ev("Not", {}, [t], 17)[0].tolist() == [False, True, False]
    assert ev("Xor", {}, [t, np.array(True)], 17)[0].tolist() == [False, True, False]
    w = ev("Where", {}, [t, np.float32([1, 2, 3]), np.float32(0)], 17)[0]
    assert w.dtype == np.float32 and w.tolist() == [1, 0, 3]


def test_a_graphs_own_divisions_by_zero_overflows_and_casts_of_nan_warn_of_nothing(tmp_path):
    """ONNX computes x/0 as infinity, 0/0, inf*0 and a cast of NaN silently (as onnxruntime
    does): neither reading the file (its constants folded, its dry runs on inputs of zeros)
    nor a trace may print NumPy's two-line RuntimeWarnings."""
    import warnings

    rng = np.random.default_rng(0)
    d, u = 3, 4
    inits = [numpy_helper.from_array((rng.normal(size=(1, 4 * u, d)) * .5).astype("f4"), "W"),
             numpy_helper.from_array((rng.normal(size=(1, 4 * u, u)) * .5).astype("f4"), "R"),
             numpy_helper.from_array(np.zeros((1, 8 * u), "f4"), "B"),
             numpy_helper.from_array(np.ones(1, "f4"), "one"),
             numpy_helper.from_array(np.zeros(1, "f4"), "zero"),
             numpy_helper.from_array(np.float32([3e38]), "big")]
    nodes = [helper.make_node("LSTM", ["x", "W", "R", "B"], ["y"], hidden_size=u),
             helper.make_node("Div", ["one", "zero"], ["inf"]),      # folded at load: 1/0
             helper.make_node("Div", ["x", "x"], ["ratio"]),         # dry runs: 0/0
             helper.make_node("Div", ["y", "zero"], ["yz"]),         # a trace: y/0, 0/0
             helper.make_node("Mul", ["yz", "inf"], ["m"]),
             helper.make_node("Add", ["m", "big"], ["a"]),
             helper.make_node("Mul", ["a", "big"], ["over"]),        # 3e38 * 3e38
             helper.make_node("Cast", ["over"], ["ints"], to=TensorProto.INT64),  # NaN, inf
             helper.make_node("Cast", ["ints"], ["out"], to=TensorProto.FLOAT),
             helper.make_node("Add", ["ratio", "ratio"], ["out2"])]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["seq", "batch", d])],
                          [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in ("out", "out2")],
                          initializer=inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 14)])
    m.ir_version = 8
    path = tmp_path / "zero.onnx"
    onnx.save(m, str(path))
    x = rng.normal(size=(5, 2, d)).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any NumPy RuntimeWarning fails the test
        model = lstmviz.load(path)
        trace = model.trace(x)
    assert np.all(trace.outputs[1] == 2)  # x/x + x/x of a trace's input, 0/0 only in the dry runs


def test_folded_constants_are_bounded_together(tmp_path):
    """Eight ConstantOfShape([4M]) folded at load, each under the per-tensor cap: 128 MB
    from a file of a kilobyte (150 of them were 4.7 GB and 10 s)."""
    n = numpy_helper.from_array(np.array([4_000_000], np.int64), "n")
    nodes = [helper.make_node("ConstantOfShape", ["n"], [f"c{k}"],
                              value=numpy_helper.from_array(np.array([k], np.float32)))
             for k in range(8)]
    nodes += [helper.make_node("Add", [f"c{k - 1}" if k == 1 else f"s{k - 1}", f"c{k}"],
                               ["y" if k == 7 else f"s{k}"]) for k in range(1, 8)]
    path = _save(tmp_path, nodes, [n])
    assert path.stat().st_size < 2000
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(path)
    assert "while it is read would need more than 64 MiB" in _one_line(err, "m.onnx")


@pytest.mark.parametrize("held_in", ["initializer", "Constant"])
def test_weights_in_constant_nodes_count_as_the_files_tensors(tmp_path, monkeypatch, held_in):
    """What folding may make is bounded by what the file holds (FOLD_BYTES plus four times
    its tensors); weights held in Constant nodes (as some exporters write them) were left
    out of that count, so folding their Transpose was refused where the same weights as an
    initializer were not. Both read alike now (FOLD_BYTES lowered: real weights of tens of
    MB are the case this stands for)."""
    monkeypatch.setattr(onnx_model, "FOLD_BYTES", 1024)
    w = np.random.default_rng(0).standard_normal((64, 64)).astype(np.float32)
    wt = numpy_helper.from_array(w, "w")
    nodes = [helper.make_node("Transpose", ["w"], ["wt"], perm=[1, 0]),
             helper.make_node("MatMul", ["x", "wt"], ["y"])]
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 64])]
    if held_in == "Constant":
        path = _save(tmp_path, [helper.make_node("Constant", [], ["w"], value=wt), *nodes], inputs=inputs)
    else:
        path = _save(tmp_path, nodes, [wt], inputs=inputs)
    model = lstmviz.load(path)
    x = np.random.default_rng(1).standard_normal((3, 64)).astype(np.float32)
    np.testing.assert_allclose(model.trace(x).output, x @ w.T, rtol=1e-5, atol=1e-5)
    # and still bounded by them: a ConstantOfShape past four times the weights is refused
    big = numpy_helper.from_array(np.array([5 * w.size], np.int64), "n")
    nodes = [helper.make_node("Constant", [], ["w"], value=wt), helper.make_node("Constant", [], ["n"], value=big),
             helper.make_node("ConstantOfShape", ["n"], ["c"]), *nodes]
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(_save(tmp_path, nodes, inputs=inputs, name="big.onnx"))
    assert "while it is read would need more than" in _one_line(err, "big.onnx")


def test_what_the_ops_make_in_a_trace_counts_against_the_memory_limit(tmp_path, monkeypatch):
    """Tensors whose size grows as seq**4 (small in the two dry runs, 2.56M elements at 40
    steps), made eight times: each under the per-tensor cap, together over the limit (a
    1 KB file of seq**6 took 2.7 GB in the window at its default 20 steps)."""
    i0 = numpy_helper.from_array(np.array([0], np.int64), "i0")
    nodes = [helper.make_node("Shape", ["x"], ["sh"]),
             helper.make_node("Gather", ["sh", "i0"], ["t"], axis=0),
             helper.make_node("Mul", ["t", "t"], ["t2"]),
             helper.make_node("Mul", ["t2", "t2"], ["t4"])]
    nodes += [helper.make_node("ConstantOfShape", ["t4"], [f"c{k}"],
                               value=numpy_helper.from_array(np.array([k], np.float32)))
              for k in range(8)]
    nodes += [helper.make_node("Add", [f"c{k - 1}" if k == 1 else f"s{k - 1}", f"c{k}"],
                               ["y" if k == 7 else f"s{k}"]) for k in range(1, 8)]
    model = lstmviz.load(_save(tmp_path, nodes, [i0]))
    model.trace(np.zeros((5, 1, 2), np.float32))  # 625 elements each: fine
    monkeypatch.setenv("LSTMVIZ_MAX_MEMORY", "64M")
    with pytest.raises(LstmvizError) as err:
        model.trace(np.zeros((40, 1, 2), np.float32))
    msg = str(err.value)
    assert "more than the memory limit of 64 MiB" in msg and "\n" not in msg, msg


def test_matrix_products_sized_by_the_input_count_their_work(tmp_path, monkeypatch):
    """A square of (seq**2)**2 elements multiplied by itself: small in the dry runs, 7.3e9
    multiply-adds at 44 steps (753 bytes of graph took 35 s at the window's 20 steps, and
    5 minutes at 25); refused before the product, with how to allow more."""
    i0 = numpy_helper.from_array(np.array([0], np.int64), "i0")
    nodes = [helper.make_node("Shape", ["x"], ["sh"]),
             helper.make_node("Gather", ["sh", "i0"], ["t"], axis=0),
             helper.make_node("Mul", ["t", "t"], ["t2"]),
             helper.make_node("Concat", ["t2", "t2"], ["s2"], axis=0),
             helper.make_node("ConstantOfShape", ["s2"], ["a"],
                              value=numpy_helper.from_array(np.array([0.001], np.float32))),
             helper.make_node("MatMul", ["a", "a"], ["y"])]
    model = lstmviz.load(_save(tmp_path, nodes, [i0]))
    monkeypatch.setenv("LSTMVIZ_MAX_MEMORY", "64M")
    model.trace(np.zeros((5, 1, 2), np.float32))  # 25 x 25: fine
    with pytest.raises(LstmvizError) as err:
        model.trace(np.zeros((44, 1, 2), np.float32))
    msg = str(err.value)
    assert "MatMul: would take 7,256,313,856 multiply-adds" in msg and "--max-memory" in msg, msg


def test_layer_names_of_many_nodes_of_one_op_are_found_in_linear_work():
    """20,000 Relu nodes (a 450 KB file) took 80 s to name: each looked for its name from
    relu_1 up. The names are as before (the first free suffix), each found in a few
    lookups."""
    class Counting(dict):
        probes = 0

        def __contains__(self, key):
            Counting.probes += 1
            return super().__contains__(key)

        def add(self, key):  # (what a set of taken names offered)
            self[key] = 1

    used = Counting()
    names = [onnx_model._unique(b, used) for b in ["relu"] * 3000 + ["relu_1", "x_1", "x", "x"]]
    assert names[:3] == ["relu", "relu_1", "relu_2"] and names[2999] == "relu_2999"
    assert names[3000:] == ["relu_1_1", "x_1", "x", "x_2"]
    assert Counting.probes < 4 * len(names), Counting.probes


# ------------------------------------------------------------------ BFLOAT16 / FLOAT8

NARROW_ONNX = {"bfloat16": TensorProto.BFLOAT16, "float8_e4m3fn": TensorProto.FLOAT8E4M3FN,
               "float8_e5m2": TensorProto.FLOAT8E5M2}


def _narrow_values(bits: np.ndarray, kind: str) -> np.ndarray:
    from lstmviz.io._util import narrow_floats

    return narrow_floats(bits.tobytes(), kind).reshape(bits.shape)


def _narrow_tensor(folder: Path, name: str, code: int, bits: np.ndarray, how: str):
    """A TensorProto of data type ``code`` holding ``bits`` (each element's bits) as raw
    bytes, in int32_data (one element's bits each) or in an external file in ``folder``."""
    t = TensorProto(name=name, data_type=code, dims=list(bits.shape))
    if how == "raw":
        t.raw_data = bits.tobytes()
    elif how == "int32_data":
        t.int32_data.extend(int(v) for v in bits.reshape(-1))
    else:
        (folder / f"{name}.bin").write_bytes(bits.tobytes())
        t.data_location = TensorProto.EXTERNAL
        for k, v in (("location", f"{name}.bin"), ("offset", "0"), ("length", str(bits.nbytes))):
            t.external_data.add(key=k, value=v)
    return t


def _lstm_of(path: Path, inits: list) -> Path:
    """An ONNX graph of one LSTM node (3 inputs, 4 units) with initializers W, R, B."""
    node = helper.make_node("LSTM", ["x", "W", "R", "B"], ["Y", "Y_h"], hidden_size=4)
    g = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["seq", "batch", 3])],
                          [helper.make_tensor_value_info("Y_h", TensorProto.FLOAT, None)], initializer=inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 14)])
    m.ir_version = 8
    path.parent.mkdir(exist_ok=True)
    onnx.save(m, str(path))
    return path


@pytest.mark.parametrize("how", ["raw", "int32_data", "external"])
@pytest.mark.parametrize("kind", list(NARROW_ONNX))
def test_bfloat16_and_float8_onnx_weights_are_read_exactly(tmp_path, kind, how):
    """BFLOAT16, FLOAT8E4M3FN and FLOAT8E5M2 initializers were refused ("a tensor has ONNX
    data type 16, which lstmviz does not read"). Each is read as its exact value, whether
    its bits are raw bytes, int32_data or external: the weights equal, to the bit, those of
    the same graph holding the values as FLOAT, and so do the traces."""
    rng = np.random.default_rng(4)

    def draw(*shape):
        if kind == "bfloat16":
            return (rng.normal(size=shape).astype(np.float32).view(np.uint32) >> 16).astype("<u2")
        bits = rng.integers(0, 256, size=shape).astype(np.uint8)
        v = _narrow_values(bits, kind)
        return np.where(np.isfinite(v) & (np.abs(v) < 4), bits, 0x30).astype(np.uint8)

    codes = {"W": draw(1, 16, 3), "R": draw(1, 16, 4), "B": draw(1, 32)}
    (tmp_path / "n").mkdir()
    got = lstmviz.load(_lstm_of(tmp_path / "n" / "m.onnx", [
        _narrow_tensor(tmp_path / "n", k, NARROW_ONNX[kind], b, how) for k, b in codes.items()]))
    want = lstmviz.load(_lstm_of(tmp_path / "f" / "m.onnx", [
        numpy_helper.from_array(_narrow_values(b, kind), k) for k, b in codes.items()]))
    wg = [w for layer in got.layers for w in layer.weights]
    ww = [w for layer in want.layers for w in layer.weights]
    assert len(wg) == len(ww) >= 3
    for a, b in zip(wg, ww):
        assert a.dtype == np.float32
        np.testing.assert_array_equal(a.view(np.uint32), b.view(np.uint32))
    assert len(np.unique(np.concatenate([w.reshape(-1) for w in wg]))) > 20
    x = rng.normal(size=(6, 2, 3)).astype(np.float32)
    np.testing.assert_array_equal(got.trace(x).outputs[0], want.trace(x).outputs[0])


@pytest.mark.parametrize("how", ["raw", "int32_data"])
@pytest.mark.parametrize("kind", ["float8_e4m3fn", "float8_e5m2"])
def test_every_onnx_float8_code_is_read_as_its_value(tmp_path, kind, how):
    """All 256 codes of a FLOAT8 tensor, each the float32 ml_dtypes (onnx's own
    dependency) makes of it: NaNs where it has NaN, the others to the bit."""
    ml_dtypes = pytest.importorskip("ml_dtypes")
    bits = np.arange(256, dtype=np.uint8).reshape(32, 8)
    t = _narrow_tensor(tmp_path, "codes", NARROW_ONNX[kind], bits, how)
    got = onnx_model._tensor(t, str(tmp_path), [1 << 20])
    want = bits.view(getattr(ml_dtypes, kind)).astype(np.float32)
    assert got.dtype == np.float32 and got.shape == (32, 8)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    keep = ~np.isnan(want)
    np.testing.assert_array_equal(got[keep].view(np.uint32), want[keep].view(np.uint32))


@pytest.mark.parametrize("code,name", [(TensorProto.FLOAT8E4M3FNUZ, "FLOAT8E4M3FNUZ"),
                                       (TensorProto.FLOAT8E5M2FNUZ, "FLOAT8E5M2FNUZ"),
                                       (TensorProto.COMPLEX64, "COMPLEX64")])
def test_an_unread_onnx_data_type_says_which_are_read(tmp_path, code, name):
    """Another data type is refused in one line naming it and the types lstmviz reads."""
    bits = np.zeros((1, 16, 3), np.uint8 if code != TensorProto.COMPLEX64 else np.complex64)
    path = _lstm_of(tmp_path / "m.onnx", [
        _narrow_tensor(tmp_path, "W", code, bits.view(np.uint8) if code != TensorProto.COMPLEX64 else bits, "raw"),
        numpy_helper.from_array(np.zeros((1, 16, 4), np.float32), "R"),
        numpy_helper.from_array(np.zeros((1, 32), np.float32), "B")])
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(path)
    msg = _one_line(err, "m.onnx")
    assert f"ONNX data type {code} ({name}), which lstmviz does not read" in msg, msg
    assert "FLOAT, DOUBLE, FLOAT16, BFLOAT16, FLOAT8E4M3FN, FLOAT8E5M2" in msg, msg


def test_tf2onnx_dense_over_every_step_is_read_as_one_dense_of_the_sequence():
    """tf2onnx writes a Keras Dense over every step as TensorFlow's Tensordot: a Reshape of
    (batch, steps, 8) to (batch x steps, 8), a MatMul, a Reshape back to (batch, steps, 2)
    (sized by Shape, Gather, ReduceProd and Concat ops): one product of every step at once,
    which no window of a long input can cut. It is read as one Dense of the 3-D sequence (one
    product per step), the Reshapes and their sizes' ops gone, the bias Add as the file has
    it; the outputs are onnxruntime's."""
    case = FIXTURES / "onnx_keras_bidi_lstm_seq"
    model = lstmviz.load(case / "model.onnx")
    names = [n.layer.name for n in model.nodes]
    assert not [n for n in names if n.startswith("dense_2_1.") and n != "dense_2_1.BiasAdd"], names
    dense = model.get_layer("dense_2_1")
    node = next(n for n in model.nodes if n.layer.name == "dense_2_1")
    assert dense.class_name == "Dense" and node.inbound[0].layer == "bidirectional_1.concat_1"
    assert len(dense.input_shapes[0]) == 3 and not dense.config["use_bias"]
    for x, want in ((np.load(case / "x.npy"), np.load(case / "expected.npz")),
                    (np.load(case / "x2.npy"), np.load(case / "expected2.npz"))):
        np.testing.assert_allclose(model.trace(x).outputs[0], want[want.files[0]], atol=1e-5)


def _fixed_length_lstm(tmp_path, first, shape, name="m.onnx"):
    """A time-major LSTM (3 features, 4 units) whose Y is reshaped by the constant
    ``shape``, then a MatMul over every step: what torch's dynamo exporter writes for an
    nn.LSTM without batch_first and a Linear over every step, the steps it was traced on
    (5) named in the Reshape's shape. ``first``: the input's time axis, 5 or 'seq'."""
    rng = np.random.default_rng(11)
    inits = [numpy_helper.from_array((rng.normal(size=s) * 0.5).astype(np.float32), n)
             for n, s in (("W", (1, 16, 3)), ("R", (1, 16, 4)), ("L", (4, 2)))]
    inits.append(numpy_helper.from_array(np.array(shape, np.int64), "shape"))
    nodes = [helper.make_node("LSTM", ["x", "W", "R"], ["Y"], hidden_size=4, name="rnn.lstm"),
             helper.make_node("Reshape", ["Y", "shape"], ["Yr"], name="node_view"),
             helper.make_node("MatMul", ["Yr", "L"], ["y"], name="linear")]
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [first, "batch", 3])]
    return _save(tmp_path, nodes, inits, inputs=inputs, name=name)


@pytest.mark.parametrize("first", [5, "seq"])
def test_a_graph_that_fixes_its_sequence_length_says_so_for_another_length(tmp_path, first):
    """torch's dynamo exporter names the steps of a time-major export in a Reshape's
    constant shape ([5, -1, 4]). Where the file's input leaves the length open ('seq') the
    file was refused ("cannot reshape [3, 1, 2, 4] to [5, -1, 4]", the length of lstmviz's
    own dry run); where it says 5, another length was refused as "the input has batch 7 but
    the model is built for batch 5" (the time axis taken for the batch). The file opens and
    runs on its 5 steps, and another length is refused in one line saying what the graph
    fixes, what the input has, and what to do."""
    path = _fixed_length_lstm(tmp_path, first, [5, -1, 4])
    model = lstmviz.load(path, isolate=False)
    x = np.random.default_rng(0).normal(size=(5, 2, 3)).astype(np.float32)
    trace = model.trace(x)
    y = trace[next(n.layer.name for n in model.nodes if n.layer.class_name == "onnx.LSTM")].outputs[0]
    np.testing.assert_allclose(trace.output, y.reshape(5, -1, 4) @ model.get_layer("linear").weights[0],
                               rtol=1e-6, atol=1e-6)
    notes = " ".join(model.source["notes"])
    assert ("fixes its sequence length to 5 steps" in notes) == (first == "seq")
    for steps in (7, 3):
        with pytest.raises(LstmvizError) as err:
            model.trace(np.zeros((steps, 2, 3), np.float32))
        assert str(err.value) == (f"the graph fixes its sequence length to 5 steps and the input has {steps}: "
                                  "give it 5 steps, or export the model with a dynamic sequence axis")


@pytest.mark.parametrize("case, noted", [("onnx_torch_dynamo_permute_lstm", True),
                                         ("onnx_torch_classic_fixed_permute_lstm", False),
                                         ("onnx_torch_dynamo_fixed_permute_lstm_last", False)])
def test_torchs_permute_to_a_time_major_lstm_runs_on_the_length_its_graph_fixes(case, noted):
    """Issue 13: ``x.permute(1, 0, 2)`` -> nn.LSTM (batch_first=False) exported by torch 2.13:
    dynamo names the 40 steps it traced in a Reshape of Y even where dynamic shapes were asked
    (the file's input says 'seq'; onnxruntime fails that Reshape on 7 steps: the note says so),
    and an export without dynamic axes declares them. Each runs on its 40 steps (onnxruntime's
    numbers: ``test_onnx_trace_equals_onnxruntime``), the LSTM node reading the Transpose's
    steps on axis 0, and another length, 5,000 steps as one, is refused in one line naming the
    graph's (a long input's windows of the 40: ``test_engine_windows``)."""
    model = lstmviz.load(FIXTURES / case / "model.onnx")
    assert ("fixes its sequence length to 40 steps" in " ".join(model.source["notes"])) == noted
    lstm = next(n for n in model.nodes if n.layer.class_name == "onnx.LSTM")
    assert model.get_layer(lstm.inbound[0].layer).config["attrs"]["perm"] == [1, 0, 2]
    for steps in (39, 41, 5000):
        with pytest.raises(LstmvizError) as err:
            model.trace(np.zeros((2, steps, 3), np.float32))
        assert str(err.value) == (f"the graph fixes its sequence length to 40 steps and the input has {steps:,}: "
                                  "give it 40 steps, or export the model with a dynamic sequence axis")


@pytest.mark.parametrize("steps", [7, 3])
def test_an_unrolled_time_major_export_is_read_time_major_by_its_named_batch_axis(steps):
    """torch's dynamo exporter unrolled nn.RNN into per-step ops over a time-major input
    fixed at 5 steps, (5, 'batch', 3): no recurrent node says which axis is time, and the
    input was read as batch 5 (the app made 5 samples of 20 steps; another length was
    refused as "the input has batch 7 but the model is built for batch 5"). The axis the
    file names "batch" is the batch: the input is time-major, runs as Keras' reference
    did, and another length is refused as one the graph fixes."""
    case = FIXTURES / "onnx_torch_dynamo_rnn_2layer"
    model = lstmviz.load(case / "model.onnx", isolate=False)
    assert model.get_layer("x").config.get("time_major") is True
    x = np.load(case / "x.npy")
    np.testing.assert_allclose(model.trace(x).output, np.load(case / "expected.npz")["y"], rtol=0, atol=1e-5)
    with pytest.raises(LstmvizError) as err:
        model.trace(np.zeros((steps, 2, 3), np.float32))
    assert str(err.value) == (f"the graph fixes its sequence length to 5 steps and the input has {steps}: "
                              "give it 5 steps, or export the model with a dynamic sequence axis")


def test_a_graph_fixing_its_first_axis_refuses_another_size_naming_the_axis_by_place(tmp_path):
    """A graph whose first axis is fixed and not known as the batch or the steps: another
    size there is refused by place, not as "batch 3 but the model is built for batch 2"."""
    L = numpy_helper.from_array(np.ones((3, 2), np.float32), "L")
    path = _save(tmp_path, [helper.make_node("MatMul", ["x", "L"], ["y"], name="linear")], [L],
                 inputs=[helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, "n", 3])])
    model = lstmviz.load(path, isolate=False)
    assert not model.get_layer("x").config.get("time_major")
    with pytest.raises(LstmvizError) as err:
        model.trace(np.zeros((3, 4, 3), np.float32))
    assert str(err.value) == ("the input has 3 along its first axis but the graph fixes that axis to 2 "
                              "(shape (3, 4, 3) vs (2, None, 3)): give it 2 there, or export the model "
                              "with that axis dynamic")


def test_a_reshape_that_names_no_steps_is_refused_as_it_was(tmp_path):
    """Only a constant shape that holds the steps count is read as a fixed length: a shape
    that cannot fit otherwise is refused as before, naming the Reshape."""
    path = _fixed_length_lstm(tmp_path, "seq", [-1, 5])
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(path, isolate=False)
    msg = _one_line(err, "m.onnx")
    assert "node 'node_view'" in msg and "cannot reshape" in msg and "fixes" not in msg


@pytest.mark.parametrize("reversals", [0, 1, 2])
def test_a_node_reads_its_input_reversed_behind_an_odd_number_of_whole_reversals(tmp_path, reversals):
    """tf2onnx's go_backwards: the input made time-major, turned around by a ReverseSequence
    whose lengths are the whole sequence's (Shape, Gather, Expand), then a forward LSTM node.
    The node reads the input turned around where an odd number of such reversals stands
    before it (the app then puts its step t under input step T-1-t), not where they cancel."""
    from lstmviz.app.cell_ref import cell_ref
    from lstmviz.engine.onnx_time import reads_reversed

    rng = np.random.default_rng(3)
    inits = [numpy_helper.from_array((rng.normal(size=s) * 0.5).astype(np.float32), n)
             for n, s in (("W", (1, 16, 3)), ("R", (1, 16, 4)))]
    inits += [numpy_helper.from_array(np.array([0], np.int64), "i0"),
              numpy_helper.from_array(np.array([1], np.int64), "i1")]
    nodes = [helper.make_node("Transpose", ["x"], ["t0"], perm=[1, 0, 2]),
             helper.make_node("Shape", ["t0"], ["shape"]),
             helper.make_node("Gather", ["shape", "i0"], ["steps"]),
             helper.make_node("Gather", ["shape", "i1"], ["batch"]),
             helper.make_node("Expand", ["steps", "batch"], ["lens"])]
    for k in range(reversals):
        nodes.append(helper.make_node("ReverseSequence", [f"t{k}", "lens"], [f"t{k + 1}"],
                                      batch_axis=1, time_axis=0))
    nodes.append(helper.make_node("LSTM", [f"t{reversals}", "W", "R"], ["y"], hidden_size=4, name="lstm"))
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "seq", 3])]
    model = lstmviz.load(_save(tmp_path, nodes, inits, inputs=inputs), isolate=False)
    node = next(n.layer for n in model.nodes if n.layer.class_name == "onnx.LSTM")
    assert reads_reversed(node) == (reversals % 2 == 1)
    x = rng.normal(size=(2, 6, 3)).astype(np.float32)
    trace = model.trace(x)
    ref = cell_ref(model, trace, node.name)
    kernel = node.weights[0]
    for t in range(6):  # (its step t's input projection is of the input step the app says it reads)
        np.testing.assert_allclose(trace[node.name].steps["x_proj"][:, t], x[:, ref.input_step(t)] @ kernel,
                                   rtol=1e-5, atol=1e-6)


def test_an_onnx_file_cut_short_is_refused_in_plain_words(tmp_path):
    """A file cut short was "cannot parse the ONNX protobuf (DecodeError); the file is
    truncated or not an ONNX model": protobuf's class says nothing more."""
    from lstmviz.io.onnx_model import SUPPORTED

    src = (FIXTURES / "onnx_torch_classic_lstm" / "model.onnx").read_bytes()
    cut = tmp_path / "cut.onnx"
    cut.write_bytes(src[: len(src) // 2])
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(cut)
    assert str(err.value) == ("cut.onnx: cannot parse the ONNX protobuf; the file is truncated or "
                              f"not an ONNX model; {SUPPORTED}")


@pytest.mark.parametrize("reader, inner, fixture, raised, says", [
    ("onnx_model", "_build", "onnx_torch_classic_lstm/model.onnx", MemoryError(),
     "the file asks for more memory than lstmviz gives it"),
    ("onnx_model", "_build", "onnx_torch_classic_lstm/model.onnx", RecursionError("maximum recursion depth exceeded"),
     "the file is nested too deeply"),
    ("onnx_model", "_build", "onnx_torch_classic_lstm/model.onnx", KeyError("StatefulPartitionedCall/x"),
     "cannot read the model: its graph holds something lstmviz's ONNX reader does not handle"),
    ("safetensors_state", "_state_dict", "safetensors_lstm/model.safetensors",
     ValueError("buffer size must be a multiple of element size"), "the file is truncated or corrupt"),
    ("safetensors_state", "_state_dict", "safetensors_lstm/model.safetensors", KeyError("rnn.weight_ih_l0"),
     "the file is truncated or corrupt"),
])
def test_a_readers_last_line_of_defence_names_no_class(monkeypatch, reader, inner, fixture, raised, says):
    """What no check of the ONNX reader foresaw was "the file asks for more memory or nesting
    than lstmviz gives it (RecursionError)" or "cannot read the model (KeyError:
    'StatefulPartitionedCall/...')": Python's class and words; an error of the safetensors
    reader that is not the package's own, "the file is truncated or corrupt (ValueError:
    buffer size must be ...)". Each is said in words (no file is known to reach them: those
    found got their own refusals; the safetensors package's own words, which name the check
    that failed, stay: test_a_damaged_safetensors_file_says_which_check_failed); the
    exception stays chained, for a traceback."""
    import importlib

    module = importlib.import_module(f"lstmviz.io.{reader}")

    def fail(path):
        raise raised

    monkeypatch.setattr(module, inner, fail)
    path = FIXTURES / fixture
    with pytest.raises(LstmvizError) as err:
        module.read_model(path)
    assert str(err.value) == f"{path.name}: {says}; {module.SUPPORTED}"
    assert err.value.__cause__ is raised


def test_what_the_safetensors_reader_says_of_a_value_that_is_not_text_is_in_words():
    """Its helpers said a dtype that is not text, and a value JSON cannot write, by Python's
    type name ("int", "set"); a header's dtype that is not text is refused before them
    ("has the dtype 5, not a text"), so these are their own words, checked here."""
    from lstmviz.io import safetensors_state

    assert safetensors_state._brief(5) == "a whole number"
    assert safetensors_state._brief(None) == "empty (null)"
    assert safetensors_state._brief("F32") == "F32"
    assert safetensors_state._shown({1, 2}) == "a value of another kind"
    assert safetensors_state._shown([1, "x"]) == '[1, "x"]'


def test_an_unsupported_ops_type_is_shown_cleaned_with_its_article(tmp_path):
    """The op type of a node lstmviz does not compute is a file's text: it was written as it
    was (markup, a right-to-left override) in the refusal, and "a If node", "a Einsum node"."""
    node = helper.make_node("If", ["x"], ["y"], name="branch")
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(_save(tmp_path, [node], name="if.onnx"))
    assert "the graph has an If node ('branch')" in _one_line(err, "if.onnx")
    odd = helper.make_node("<b>Bold\u202eop", ["x"], ["y"], domain="ex<i>")
    with pytest.raises(LstmvizError) as err:
        lstmviz.load(_save(tmp_path, [odd], name="odd.onnx"))
    msg = _one_line(err, "odd.onnx")
    assert "<" not in msg and "\u202e" not in msg and "has an ex_i_._b_Bold_op node" in msg
