#!/usr/bin/env python
"""Generate the ONNX and safetensors fixtures in ``tests/fixtures/onnx_<case>/`` with REAL
torch, onnx and onnxruntime (run with the fixture venv, never from the test suite)::

    $FIXENV/bin/python scripts/make_onnx_fixtures.py [--only 'onnx_lstm_*']

Each case directory holds ``model.onnx`` (and ``model.onnx.data`` for the dynamo exporter's
external weights), ``x.npy`` (and any other graph inputs as ``<name>.npy``),
``expected.npz`` (onnxruntime's outputs by graph output name) and ``meta.json``.

- ``torch_*``: small seeded modules exported by ``torch.onnx.export`` with both exporters
  (classic ``dynamo=False`` with dynamic batch and sequence axes, and dynamo);
- ``hand_*``: single nodes built with ``onnx.helper`` for the attributes exporters never
  write (peepholes, clip, activations with alpha/beta, input_forget, linear_before_reset
  0/1, sequence_lens, initial states, reverse). ``layout=1`` cases are run by onnxruntime
  through their layout-0 twin (onnxruntime cannot run layout=1) and the outputs transposed.

``safetensors_*``: torch state_dicts saved with ``safetensors.torch.save_file``, with
torch's output of the forward lstmviz assumes (recurrent stack -> last step -> Linear).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import shutil
import sys
import warnings
import zlib
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn

warnings.filterwarnings("ignore")
ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
RNN = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}
CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


def run_ort(model_path: Path, feeds: dict) -> dict:
    sess = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(names, feeds)))


def write(name: str, feeds: dict, expected: dict, meta: dict) -> None:
    out = FIXTURES / name
    out.mkdir(parents=True, exist_ok=True)
    for k, v in feeds.items():
        np.save(out / ("x.npy" if k == meta["inputs"][0] else f"{k}.npy"), v)
    np.savez(out / "expected.npz", **expected)
    meta = dict(meta, case=name, framework="onnx" if name.startswith("onnx_") else "pytorch",
                torch_version=torch.__version__, onnx_version=onnx.__version__,
                onnxruntime_version=ort.__version__)
    (out / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")
    print("wrote", out.relative_to(ROOT), {k: v.shape for k, v in expected.items()})


# ------------------------------------------------------------------ torch exports

class Net(nn.Module):
    def __init__(self, kind, d=3, units=4, layers=1, bidirectional=False, batch_first=True,
                 heads=(2,), relu=False, last=True):
        super().__init__()
        self.rnn = RNN[kind](d, units, num_layers=layers, bidirectional=bidirectional,
                             batch_first=batch_first)
        self.batch_first, self.relu, self.last = batch_first, relu, last
        width = units * (2 if bidirectional else 1)
        self.heads = nn.ModuleList()
        for out in heads:
            self.heads.append(nn.Linear(width, out))
            width = out

    def forward(self, x):
        out, _ = self.rnn(x)
        y = (out[:, -1] if self.batch_first else out[-1]) if self.last else out
        for k, head in enumerate(self.heads):
            y = head(y)
            if self.relu and k < len(self.heads) - 1:
                y = torch.relu(y)
        return y


def export(name, net, x, dynamo, description, opset=None, fixed=False):
    """``net`` exported with its batch and sequence axes dynamic; ``fixed``: without
    (``dynamic_axes`` / ``dynamic_shapes`` not given: the file's input of ``x``'s shape)."""
    torch.manual_seed(0)
    out = FIXTURES / name
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    path = out / "model.onnx"
    net.eval()
    if dynamo:
        bf = net.batch_first
        dims = {0: torch.export.Dim("batch", min=1, max=64), 1: torch.export.Dim("seq", min=2, max=64)} if bf \
            else {1: torch.export.Dim("batch", min=1, max=64), 0: torch.export.Dim("seq", min=2, max=64)}
        prog = torch.onnx.export(net, (torch.from_numpy(x),), dynamo=True, input_names=["x"],
                                 output_names=["y"], verbose=False, **({} if fixed else {"dynamic_shapes": (dims,)}))
        prog.save(str(path), external_data=True)  # tensors under a size threshold stay inline
        data = out / "model.onnx.data"
        if data.exists() and data.stat().st_size == 0:
            data.unlink()
        # keep the module scopes (lstmviz names layers by them), drop stack traces (size,
        # and this machine's paths)
        proto = onnx.load(str(path), load_external_data=False)
        for node in proto.graph.node:
            keep = [(p.key, p.value) for p in node.metadata_props
                    if p.key in ("namespace", "pkg.torch.onnx.name_scopes")]
            del node.metadata_props[:]
            for k, v in keep:
                node.metadata_props.add(key=k, value=v)
        onnx.save(proto, str(path))
    else:
        axes = {0: "batch", 1: "seq"} if net.batch_first else {0: "seq", 1: "batch"}
        torch.onnx.export(net, (torch.from_numpy(x),), str(path), dynamo=False,
                          input_names=["x"], output_names=["y"], **({} if fixed else {"dynamic_axes": {"x": axes}}),
                          **({"opset_version": opset} if opset else {}))
    with torch.no_grad():
        ref = net(torch.from_numpy(x)).numpy()
    got = run_ort(path, {"x": x})
    assert np.allclose(got["y"], ref, atol=1e-5), f"{name}: onnxruntime differs from torch"
    # a second input with other batch and sequence sizes (symbolic axes)
    x2 = np.random.default_rng(1).standard_normal(
        (3, 7, x.shape[2]) if net.batch_first else (7, 3, x.shape[2])).astype(np.float32)
    try:
        got2 = run_ort(path, {"x": x2})
    except Exception as exc:  # the exporter fixed a size (dynamo specialises some)
        print(f"{name}: no second input ({str(exc).splitlines()[0][:100]})")
    else:
        np.save(out / "x2.npy", x2)
        np.savez(out / "expected2.npz", **got2)
    files = sorted(p.name for p in out.iterdir())
    params = sum(p.numel() for p in net.parameters())
    write(name, {"x": x}, got, {"inputs": ["x"], "outputs": ["y"], "exporter":
                                "dynamo" if dynamo else "classic", "description": description,
                                "torch_params": int(params), "files": files})


def torch_case(name, kind, dynamo, description, bf=True, **kw):
    def make():
        torch.manual_seed(len(name))
        net = Net(kind, batch_first=bf, **kw)
        shape = (2, 5, kw.get("d", 3)) if bf else (5, 2, kw.get("d", 3))
        x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
        export(name, net, x, dynamo, description)
    make.__name__ = name
    CASES[name] = make


for exp, dyn in (("classic", False), ("dynamo", True)):
    torch_case(f"onnx_torch_{exp}_lstm", "lstm", dyn, "nn.LSTM(3, 4, batch_first) -> last -> Linear(4, 2)")
    torch_case(f"onnx_torch_{exp}_gru_bidir", "gru", dyn,
               "nn.GRU(3, 4, bidirectional, batch_first) -> last -> Linear(8, 2)", bidirectional=True)
    torch_case(f"onnx_torch_{exp}_rnn_2layer", "rnn", dyn,
               "nn.RNN(3, 4, num_layers=2) time-major -> last -> Linear(4, 3) -> ReLU -> Linear(3, 2)",
               bf=False, layers=2, heads=(3, 2), relu=True)
    torch_case(f"onnx_torch_{exp}_lstm_bidir_2layer", "lstm", dyn,
               "nn.LSTM(3, 4, num_layers=2, bidirectional, batch_first) -> every step -> Linear(8, 2)",
               layers=2, bidirectional=True, last=False)
    if not dyn:  # (dynamo fixes these ones' sequence length in a Reshape of Y: [5, -1, 8])
        torch_case(f"onnx_torch_{exp}_lstm_timemajor_seq", "lstm", dyn,
                   "nn.LSTM(3, 4) time-major -> every step -> Linear(4, 2)", bf=False, last=False)
        torch_case(f"onnx_torch_{exp}_gru_bidir_timemajor_seq", "gru", dyn,
                   "nn.GRU(3, 4, bidirectional) time-major -> every step -> Linear(8, 3) -> ReLU -> Linear(3, 2)",
                   bf=False, last=False, bidirectional=True, heads=(3, 2), relu=True)


class PermuteNet(nn.Module):
    """Issue 13: a batch-first input made time-major by the model itself, ``x.permute(1, 0,
    2)`` -> nn.LSTM(3, 4) (batch_first=False) -> ``out.permute(1, 0, 2)`` -> Linear(4, 2) over
    every step (or ``out[-1]``, the last step): a Transpose before the LSTM node puts the
    steps on axis 0."""

    batch_first = True

    def __init__(self, last=False):
        super().__init__()
        self.rnn, self.fc, self.last = nn.LSTM(3, 4), nn.Linear(4, 2), last

    def forward(self, x):
        out, _ = self.rnn(x.permute(1, 0, 2))
        return self.fc(out[-1] if self.last else out.permute(1, 0, 2))


def permute_case(name, dynamo, fixed, description, last=False, steps=40):
    def make():
        torch.manual_seed(len(name))
        net = PermuteNet(last)
        x = np.random.default_rng(0).standard_normal((2, steps, 3)).astype(np.float32)
        export(name, net, x, dynamo, description, fixed=fixed)
    make.__name__ = name
    CASES[name] = make


# (issue 13: a long input of the length a graph fixes, traced by windows; 40 steps, more
# than a window's keyframes every 16)
permute_case("onnx_torch_dynamo_permute_lstm", True, False,
             "x.permute(1, 0, 2) -> nn.LSTM(3, 4) -> out.permute(1, 0, 2) -> Linear(4, 2), dynamo, dynamic "
             "axes asked: the exporter names the 40 steps it was traced on in a Reshape of Y ([40, -1, 4])")
permute_case("onnx_torch_classic_fixed_permute_lstm", False, True,
             "x.permute(1, 0, 2) -> nn.LSTM(3, 4) -> out.permute(1, 0, 2) -> Linear(4, 2), classic, no "
             "dynamic_axes: the input fixed to (2, 40, 3), the initial states Expanded from its Shape")
permute_case("onnx_torch_dynamo_fixed_permute_lstm_last", True, True,
             "x.permute(1, 0, 2) -> nn.LSTM(3, 4) -> out[-1] -> Linear(4, 2), dynamo, no dynamic shapes: "
             "the input fixed to (2, 40, 3), Y reshaped to [40, 2, 4]", last=True)


class PositionNet(nn.Module):
    """Issue 13: positional terms of a longest length sliced to the input's steps,
    ``cat([x * scale[:, :T] + pe[:, :T], pe2[:, :T].expand(B, -1, -1)], -1)`` (``scale`` learned,
    ``pe`` and ``pe2`` sinusoidal buffers) -> nn.LSTM(5, 4, batch_first) -> Linear(4, 2) over every
    step: exported without dynamic axes, each slice is folded into a constant of the T steps
    traced on, multiplied, added and joined (along the features) to the sequence step by step."""

    batch_first = True

    def __init__(self):
        super().__init__()
        pos = torch.arange(64, dtype=torch.float32)[:, None]
        self.register_buffer("pe", torch.sin(pos / 10.0 ** torch.arange(3.0))[None])
        self.register_buffer("pe2", torch.cos(pos / 10.0 ** torch.arange(2.0))[None])
        self.scale = nn.Parameter(1 + 0.3 * torch.randn(1, 64, 3))
        self.rnn, self.fc = nn.LSTM(5, 4, batch_first=True), nn.Linear(4, 2)

    def forward(self, x):
        T = x.shape[1]
        h = torch.cat([x * self.scale[:, :T] + self.pe[:, :T], self.pe2[:, :T].expand(x.shape[0], -1, -1)], -1)
        return self.fc(self.rnn(h)[0])


def position_case(name, dynamo):
    def make():
        torch.manual_seed(len(name))
        x = np.random.default_rng(0).standard_normal((2, 40, 3)).astype(np.float32)
        net = PositionNet()
        export(name, net, x, dynamo, "x * scale[:, :T] + pe[:, :T] joined with pe2[:, :T] -> "
               "nn.LSTM(5, 4) -> Linear(4, 2), no dynamic axes: the slices folded into constants of the "
               f"40 steps, {'dynamo' if dynamo else 'classic'}", fixed=True)
        meta_path = FIXTURES / name / "meta.json"
        meta = json.loads(meta_path.read_text())  # scale's 40 steps of its 64 and pe's, multiplied and
        # added (weights); pe2's, joined by the Concat, a constant as a shape's are
        meta["file_params"] = int(sum(p.numel() for p in net.parameters()) - 64 * 3 + 40 * 3 + 40 * 3)
        meta_path.write_text(json.dumps(meta, indent=1) + "\n")
    make.__name__ = name
    CASES[name] = make


position_case("onnx_torch_classic_fixed_position_lstm", False)
position_case("onnx_torch_dynamo_fixed_position_lstm", True)


class AroundNet(nn.Module):
    """The layers practitioners put around an LSTM: ``norm_mean``: LSTM(3, 4) -> LayerNorm(4)
    -> out.mean(dim=1) -> Linear(4, 2); ``cnn_max``: Conv1d(3, 5, 3, padding=1) -> ReLU ->
    BatchNorm1d(5) -> MaxPool1d(2) -> LSTM(5, 4) -> out.max(dim=1) -> Linear(4, 2);
    ``cnn_avg``: Conv1d(3, 4, 2, padding=1, dilation=2) -> AvgPool1d(3, stride=2, padding=1,
    ceil_mode=True) -> LSTM(4, 3) -> last step -> Linear(3, 2)."""

    batch_first = True

    def __init__(self, kind):
        super().__init__()
        self.kind = kind
        if kind == "norm_mean":
            self.rnn, self.norm, self.fc = nn.LSTM(3, 4, batch_first=True), nn.LayerNorm(4), nn.Linear(4, 2)
        elif kind == "cnn_max":
            self.conv, self.bn = nn.Conv1d(3, 5, 3, padding=1), nn.BatchNorm1d(5)
            self.pool, self.rnn, self.fc = nn.MaxPool1d(2), nn.LSTM(5, 4, batch_first=True), nn.Linear(4, 2)
        else:
            self.conv = nn.Conv1d(3, 4, 2, padding=1, dilation=2)
            self.pool = nn.AvgPool1d(3, stride=2, padding=1, ceil_mode=True)
            self.rnn, self.fc = nn.LSTM(4, 3, batch_first=True), nn.Linear(3, 2)
        g = torch.Generator().manual_seed(3)
        with torch.no_grad():  # statistics and scales no default holds
            for name, t in list(self.named_parameters()) + list(self.named_buffers()):
                if name.startswith(("norm.", "bn.")) and t.is_floating_point():
                    t.copy_((0.5 + torch.rand(t.shape, generator=g)) if name.endswith("var")
                            else 0.3 * torch.randn(t.shape, generator=g) + (name.endswith("weight")))

    def forward(self, x):
        if self.kind == "norm_mean":
            out, _ = self.rnn(x)
            return self.fc(self.norm(out).mean(dim=1))
        h = self.conv(x.transpose(1, 2))
        if self.kind == "cnn_max":
            h = self.bn(torch.relu(h))
        out, _ = self.rnn(self.pool(h).transpose(1, 2))
        return self.fc(out.max(dim=1).values if self.kind == "cnn_max" else out[:, -1])


def around_case(name, kind, dynamo, description, opset=None):
    def make():
        torch.manual_seed(len(name))
        net = AroundNet(kind)
        x = np.random.default_rng(0).standard_normal((2, 5, 3)).astype(np.float32)
        export(name, net, x, dynamo, description, opset)
        meta_path = FIXTURES / name / "meta.json"
        meta = json.loads(meta_path.read_text())  # the file holds BatchNorm1d's statistics too
        meta["file_params"] = int(sum(p.numel() for p in net.parameters()) + sum(
            b.numel() for n, b in net.named_buffers() if n.endswith(("running_mean", "running_var"))))
        meta_path.write_text(json.dumps(meta, indent=1) + "\n")
    make.__name__ = name
    CASES[name] = make


for exp, dyn in (("classic", False), ("dynamo", True)):
    around_case(f"onnx_torch_{exp}_lstm_layernorm_mean", "norm_mean", dyn,
                "nn.LSTM(3, 4) -> nn.LayerNorm(4) -> out.mean(dim=1) -> Linear(4, 2)")
    around_case(f"onnx_torch_{exp}_cnn_lstm_max", "cnn_max", dyn,
                "Conv1d(3, 5, 3, padding=1) -> ReLU -> BatchNorm1d(5) -> MaxPool1d(2) -> "
                "LSTM(5, 4) -> out.max(dim=1) -> Linear(4, 2)")
    around_case(f"onnx_torch_{exp}_cnn_avgpool_lstm", "cnn_avg", dyn,
                "Conv1d(3, 4, 2, padding=1, dilation=2) -> AvgPool1d(3, stride=2, padding=1, "
                "ceil_mode=True) -> LSTM(4, 3) -> last -> Linear(3, 2)")
around_case("onnx_torch_classic_opset16_layernorm_mean", "norm_mean", False,
            "nn.LSTM(3, 4) -> nn.LayerNorm(4) -> out.mean(dim=1) -> Linear(4, 2), opset 16: "
            "LayerNorm written out as ReduceMean, Sub, Pow, Sqrt, Div, Mul, Add", opset=16)


# ------------------------------------------------------------------ hand-built nodes

def _lstm_like(op, H, d, dirs, rng, peep=False, bias=True):
    G = {"LSTM": 4, "GRU": 3, "RNN": 1}[op]
    inits = [numpy_helper.from_array((rng.standard_normal((dirs, G * H, d)) * 0.5).astype(np.float32), "W"),
             numpy_helper.from_array((rng.standard_normal((dirs, G * H, H)) * 0.5).astype(np.float32), "R")]
    if bias:
        inits.append(numpy_helper.from_array((rng.standard_normal((dirs, 2 * G * H)) * 0.5).astype(np.float32), "B"))
    if peep:
        inits.append(numpy_helper.from_array((rng.standard_normal((dirs, 3 * H)) * 0.5).astype(np.float32), "P"))
    return inits


def hand(name, op, description, H=3, d=2, T=5, B=2, direction="forward", layout=0, attrs=None,
         peep=False, seq_lens=None, init_h=False, init_c=False, bias=True, scale=1.0):
    def make():
        rng = np.random.default_rng(zlib.crc32(name.encode()))
        dirs = 2 if direction == "bidirectional" else 1
        inits = _lstm_like(op, H, d, dirs, rng, peep, bias)
        x = (rng.standard_normal((T, B, d) if layout == 0 else (B, T, d)) * scale).astype(np.float32)
        feeds = {"x": x}
        graph_inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                      ["seq", "batch", d] if layout == 0 else ["batch", "seq", d])]
        ins = ["x", "W", "R", "B" if bias else "", "", "", "", ""]
        if seq_lens is not None:
            feeds["seq_lens"] = np.asarray(seq_lens, np.int32)
            graph_inputs.append(helper.make_tensor_value_info("seq_lens", TensorProto.INT32, ["batch"]))
            ins[4] = "seq_lens"
        for flag, key, slot in ((init_h, "h0", 5), (init_c, "c0", 6)):
            if flag:
                shape = (dirs, B, H) if layout == 0 else (B, dirs, H)
                feeds[key] = (rng.standard_normal(shape) * 0.5).astype(np.float32)
                graph_inputs.append(helper.make_tensor_value_info(
                    key, TensorProto.FLOAT, [dirs, "batch", H] if layout == 0 else ["batch", dirs, H]))
                ins[slot] = key
        if peep:
            ins[7] = "P"
        ins = ins[:8 if op == "LSTM" else 6]
        while ins and ins[-1] == "":
            ins.pop()
        outs = ["Y", "Y_h"] + (["Y_c"] if op == "LSTM" else [])
        node_attrs = dict(hidden_size=H, direction=direction, **(attrs or {}))
        out_shapes = {"Y": ["seq", dirs, "batch", H], "Y_h": [dirs, "batch", H], "Y_c": [dirs, "batch", H]}

        def build(lay):
            a = dict(node_attrs)
            if lay:
                a["layout"] = 1
            node = helper.make_node(op, ins, outs, name=f"/{op.lower()}/{op}", **a)
            gi = [helper.make_tensor_value_info(
                v.name, v.type.tensor_type.elem_type,
                [(d.dim_param or d.dim_value) for d in v.type.tensor_type.shape.dim][::-1][::-1]
                if (bool(lay) == (layout == 1) or v.name == "seq_lens") else
                [[(d.dim_param or d.dim_value) for d in v.type.tensor_type.shape.dim][i] for i in (1, 0, 2)])
                for v in graph_inputs]
            shapes = out_shapes
            if lay:
                shapes = {"Y": ["batch", "seq", dirs, H], "Y_h": ["batch", dirs, H], "Y_c": ["batch", dirs, H]}
            g = helper.make_graph([node], name, gi,
                                  [helper.make_tensor_value_info(o, TensorProto.FLOAT, shapes[o]) for o in outs],
                                  initializer=inits)
            m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 14)], producer_name="make_onnx_fixtures")
            m.ir_version = 8
            onnx.checker.check_model(m)
            return m

        out = FIXTURES / name
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        model = build(layout == 1)
        onnx.save(model, out / "model.onnx")
        if layout == 1:  # onnxruntime runs the layout-0 twin on transposed inputs
            twin = build(False)
            tpath = out / "_twin.onnx"
            onnx.save(twin, tpath)
            tfeeds = {k: (np.ascontiguousarray(v.transpose(1, 0, 2)) if k in ("x", "h0", "c0") else v)
                      for k, v in feeds.items()}
            got = run_ort(tpath, tfeeds)
            tpath.unlink()
            got = {"Y": np.ascontiguousarray(got["Y"].transpose(2, 0, 1, 3)),
                   **{k: np.ascontiguousarray(v.transpose(1, 0, 2)) for k, v in got.items() if k != "Y"}}
        else:
            got = run_ort(out / "model.onnx", feeds)
        write(name, feeds, got, {"inputs": list(feeds), "outputs": outs, "description": description,
                                 "files": ["model.onnx"], "file_params": int(sum(np.prod(t.dims) for t in inits))})
    make.__name__ = name
    CASES[name] = make


hand("onnx_hand_lstm_peepholes", "LSTM", "LSTM with peepholes P", peep=True)
hand("onnx_hand_lstm_clip", "LSTM", "LSTM with clip 0.5 (inputs scaled up so it bites)",
     attrs={"clip": 0.5}, scale=3.0)
hand("onnx_hand_lstm_input_forget", "LSTM", "LSTM with input_forget=1 and peepholes",
     attrs={"input_forget": 1}, peep=True)
hand("onnx_hand_lstm_activations", "LSTM", "LSTM, activations HardSigmoid(0.3, 0.4), "
     "LeakyRelu(0.2), ScaledTanh(1.5, 0.7)",
     attrs={"activations": ["HardSigmoid", "LeakyRelu", "ScaledTanh"],
            "activation_alpha": [0.3, 0.2, 1.5], "activation_beta": [0.4, 0.7]})
hand("onnx_hand_lstm_bidir_acts", "LSTM", "bidirectional LSTM, each direction its own activations "
     "(Affine, Elu, Softsign / Sigmoid, Tanh, ThresholdedRelu)",
     direction="bidirectional",
     attrs={"activations": ["Sigmoid", "Affine", "Elu", "Sigmoid", "Tanh", "ThresholdedRelu"],
            "activation_alpha": [0.8, 0.9, 0.1], "activation_beta": [0.05]})
hand("onnx_hand_lstm_seqlens_init", "LSTM", "bidirectional LSTM with sequence_lens [5, 3] and initial_h, initial_c",
     direction="bidirectional", seq_lens=[5, 3], init_h=True, init_c=True)
hand("onnx_hand_lstm_reverse", "LSTM", "reverse LSTM with sequence_lens [2, 5] and initial states",
     direction="reverse", seq_lens=[2, 5], init_h=True, init_c=True)
hand("onnx_hand_lstm_layout1", "LSTM", "LSTM layout=1 (batch-major) with peepholes and initial states",
     layout=1, peep=True, init_h=True, init_c=True)
hand("onnx_hand_lstm_layout1_bidir_seqlens", "LSTM", "bidirectional LSTM layout=1 with sequence_lens",
     layout=1, direction="bidirectional", seq_lens=[4, 5])
hand("onnx_hand_gru_lbr0", "GRU", "GRU linear_before_reset=0 (Rb_h added after the product)",
     attrs={"linear_before_reset": 0})
hand("onnx_hand_gru_lbr1", "GRU", "GRU linear_before_reset=1", attrs={"linear_before_reset": 1})
hand("onnx_hand_gru_clip_bidir", "GRU", "bidirectional GRU with clip 0.4, linear_before_reset=1, initial_h",
     direction="bidirectional", attrs={"clip": 0.4, "linear_before_reset": 1}, init_h=True, scale=3.0)
hand("onnx_hand_gru_seqlens_reverse", "GRU", "reverse GRU with sequence_lens [3, 1], activations HardSigmoid, Softsign",
     direction="reverse", seq_lens=[3, 1], attrs={"activations": ["HardSigmoid", "Softsign"]})
hand("onnx_hand_gru_layout1", "GRU", "GRU layout=1, linear_before_reset=0, initial_h",
     layout=1, init_h=True)
hand("onnx_hand_rnn_relu_clip", "RNN", "RNN with Relu and clip 1.0", attrs={"activations": ["Relu"], "clip": 1.0},
     scale=2.0)
hand("onnx_hand_rnn_bidir_nobias", "RNN", "bidirectional RNN without B, LeakyRelu(0.3) / Tanh",
     direction="bidirectional", bias=False, attrs={"activations": ["LeakyRelu", "Tanh"], "activation_alpha": [0.3]})
hand("onnx_hand_rnn_layout1_seqlens", "RNN", "RNN layout=1 with sequence_lens and initial_h",
     layout=1, seq_lens=[5, 2], init_h=True)


def hand_graph(name, description, nodes, inits, x_shape, outputs, opset=19, fixed_length=False):
    """A graph of the nodes around recurrent ones with attributes exporters rarely write
    (group, auto_pad, ceil_mode, count_include_pad, dilations, a LayerNormalization over
    two axes naming its Mean and InvStdDev), onnxruntime's outputs beside."""
    def make():
        rng = np.random.default_rng(zlib.crc32(name.encode()))
        tensors = [numpy_helper.from_array((rng.standard_normal(shape) * scale + shift).astype(np.float32), n)
                   for n, shape, scale, shift in inits]
        x = rng.standard_normal(x_shape).astype(np.float32)
        g = helper.make_graph(
            nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", x_shape[1],
                                                                              x_shape[2] if fixed_length else "len"])],
            [helper.make_tensor_value_info(o, TensorProto.FLOAT, [f"{o}_{k}" for k in range(rank)])
             for o, rank in outputs.items()], initializer=tensors)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="make_onnx_fixtures")
        m.ir_version = 9
        onnx.checker.check_model(m)
        out = FIXTURES / name
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        onnx.save(m, out / "model.onnx")
        got = run_ort(out / "model.onnx", {"x": x})
        params = sum(int(np.prod(shape)) for _, shape, _, _ in inits)
        write(name, {"x": x}, got, {"inputs": ["x"], "outputs": list(outputs), "description": description,
                                    "file_params": params, "files": ["model.onnx"]})
    make.__name__ = name
    CASES[name] = make


hand_graph("onnx_hand_conv_pool_attrs",
           "Conv(group 2, stride 2, SAME_LOWER) -> MaxPool(3, stride 2, pads 1, ceil_mode) -> "
           "AveragePool(2, pads [1, 0], count_include_pad 0, ceil_mode); Conv(dilation 2, pads [2, 1], "
           "no bias) -> AveragePool(3, stride 2, pads 1, count_include_pad 1, ceil_mode) -> "
           "MaxPool(2, stride 2, SAME_UPPER)",
           [helper.make_node("Conv", ["x", "W", "B"], ["c"], name="conv_a", group=2, strides=[2],
                             kernel_shape=[3], auto_pad="SAME_LOWER"),
            helper.make_node("MaxPool", ["c"], ["m"], name="max_a", kernel_shape=[3], strides=[2],
                             pads=[1, 1], ceil_mode=1),
            helper.make_node("AveragePool", ["m"], ["y"], name="avg_a", kernel_shape=[2], pads=[1, 0],
                             count_include_pad=0, ceil_mode=1),
            helper.make_node("Conv", ["x", "W2"], ["c2"], name="conv_b", dilations=[2], pads=[2, 1]),
            helper.make_node("AveragePool", ["c2"], ["a2"], name="avg_b", kernel_shape=[3], strides=[2],
                             pads=[1, 1], count_include_pad=1, ceil_mode=1),
            helper.make_node("MaxPool", ["a2"], ["y2"], name="max_b", kernel_shape=[2], strides=[2],
                             auto_pad="SAME_UPPER")],
           [("W", (6, 2, 3), 0.5, 0.0), ("B", (6,), 0.3, 0.0), ("W2", (3, 4, 2), 0.5, 0.0)],
           (2, 4, 10), {"y": 3, "y2": 3})
hand_graph("onnx_hand_norms_reduce",
           "BatchNormalization(epsilon 1e-3) -> LayerNormalization(axis 1, epsilon 1e-2, Y, Mean, "
           "InvStdDev) -> ReduceMax(axes [2], keepdims 0); ReduceMean over every axis",
           [helper.make_node("BatchNormalization", ["x", "s", "b", "mu", "var"], ["bn"], name="bn",
                             epsilon=1e-3),
            helper.make_node("LayerNormalization", ["bn", "g", "beta"], ["ln", "mean", "inv"], name="ln",
                             axis=1, epsilon=1e-2),
            helper.make_node("Constant", [], ["ax"], value=numpy_helper.from_array(np.array([2], np.int64))),
            helper.make_node("ReduceMax", ["ln", "ax"], ["y"], name="rmax", keepdims=0),
            helper.make_node("ReduceMean", ["ln"], ["y3"], name="rmean")],
           [("s", (5,), 0.3, 1.0), ("b", (5,), 0.3, 0.0), ("mu", (5,), 0.3, 0.0), ("var", (5,), 0.2, 1.0),
            ("g", (5, 4), 0.3, 1.0), ("beta", (5, 4), 0.3, 0.0)],
           (2, 5, 4), {"y": 2, "mean": 3, "inv": 3, "y3": 3}, fixed_length=True)


# ------------------------------------------------------------------ safetensors

def st_case(name, kind, description, **kw):
    def make():
        from safetensors.torch import save_file

        torch.manual_seed(len(name) + 7)
        net = Net(kind, **kw)
        net.eval()
        x = np.random.default_rng(0).standard_normal((2, 5, kw.get("d", 3))).astype(np.float32)
        with torch.no_grad():
            out, hn = net.rnn(torch.from_numpy(x))
            if isinstance(hn, tuple):
                hn = hn[0]
            y = torch.cat([hn[-2], hn[-1]], 1) if net.rnn.bidirectional else out[:, -1]
            for head in net.heads:
                y = head(y)
        outdir = FIXTURES / name
        if outdir.exists():
            shutil.rmtree(outdir)
        outdir.mkdir(parents=True)
        sd = {k: v.contiguous() for k, v in net.state_dict().items()}
        save_file(sd, str(outdir / "model.safetensors"))
        write(name, {"x": x}, {"output": y.numpy()},
              {"inputs": ["x"], "outputs": ["output"], "description": description,
               "files": ["model.safetensors"], "torch_params": int(sum(p.numel() for p in net.parameters()))})
    make.__name__ = name
    CASES[name] = make


st_case("safetensors_lstm", "lstm", "nn.LSTM(3, 4) -> last -> Linear(4, 2), safetensors")
st_case("safetensors_gru_bidir_2layer", "gru", "nn.GRU(3, 4, num_layers=2, bidirectional) -> Linear(8, 2)",
        layers=2, bidirectional=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="*")
    args = ap.parse_args()
    for name, fn in CASES.items():
        if fnmatch.fnmatch(name, args.only):
            fn()
    return 0


if __name__ == "__main__":
    sys.exit(main())
