#!/usr/bin/env python
"""Generate the PyTorch fixtures in ``tests/fixtures/torch_<case>/`` with REAL torch.

Each case is a small seeded module (``nn.LSTM`` / ``nn.GRU`` / ``nn.RNN``, one or two
layers, bidirectional or not, with or without biases, + ``nn.Linear`` head(s)); its
state_dict is saved in both of torch's formats:

- ``model.pt``: the zip format (torch >= 1.6, the default);
- ``model_legacy.pt``: the legacy pickle format (``_use_new_zipfile_serialization=False``);

with ``x.npy`` (batch 2, 5 steps, batch_first), ``expected.npz`` (``output`` = torch's
result of the forward lstmviz assumes: recurrent stack -> last timestep -> Linear layers
in order; for a bidirectional stack the final hidden state of each direction,
``cat(h_n[-2], h_n[-1])``) and ``meta.json``.

``refused_torch_*``: state_dicts lstmviz refuses in one line (an ``nn.LSTMCell`` stepped by
forward()'s loop), torch's output beside.

``--corpus`` instead writes ``tests/fixtures/torch_corpus_expected/<name>.npz`` for the
PyTorch files of ``../shared/realworld/models`` (a random ``x`` and torch's output, the
modules rebuilt from the keys and loaded with ``torch.load(..., weights_only=True)``).

The test suite never needs torch: it reads the committed fixtures. Run from the root::

    .venv/bin/python scripts/make_torch_fixtures.py            # all cases
    .venv/bin/python scripts/make_torch_fixtures.py --only torch_gru_*
    .venv/bin/python scripts/make_torch_fixtures.py --corpus
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
CORPUS = ROOT.parent / "shared" / "realworld" / "models"
CORPUS_FILES = ("rlindland_lstm.pt", "rlindland_gru.pt", "chrisprasanna_gas_lstm.pt")
RNN = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}
KERAS = {"lstm": "LSTM", "gru": "GRU", "rnn": "SimpleRNN"}
GATES = {"lstm": 4, "gru": 3, "rnn": 1}


class Net(nn.Module):
    """``<rnn_name>`` recurrent module, then Linear layers named in ``heads``."""

    def __init__(self, kind, d, units, layers=1, bidirectional=False, bias=True,
                 heads=(("fc", 2, True),), rnn_name="rnn", nested=False, weight_norm=()):
        super().__init__()
        rnn = RNN[kind](d, units, num_layers=layers, bidirectional=bidirectional, bias=bias,
                        batch_first=True)
        self.rnn_name = rnn_name
        self.nested = nested
        if nested:  # keys like body.0.weight_ih_l0
            self.body = nn.Sequential(rnn)
        else:
            setattr(self, rnn_name, rnn)
        self.head_names = []
        width = units * (2 if bidirectional else 1)
        for name, out, hb in heads:
            setattr(self, name, nn.Linear(width, out, bias=hb))
            self.head_names.append(name)
            width = out
        # (module, weight, "parametrization" or the old "hook" weight_norm, dim)
        for module, weight, style, dim in weight_norm:
            mod = self.core if module == "rnn" else getattr(self, module)
            if style == "hook":
                torch.nn.utils.weight_norm(mod, weight, dim=dim)
            else:
                torch.nn.utils.parametrizations.weight_norm(mod, weight, dim=dim)

    @property
    def core(self):
        return self.body[0] if self.nested else getattr(self, self.rnn_name)

    def forward(self, x):
        out, hn = self.core(x)
        if isinstance(hn, tuple):  # LSTM: (h_n, c_n)
            hn = hn[0]
        y = torch.cat([hn[-2], hn[-1]], dim=1) if self.core.bidirectional else out[:, -1]
        for name in self.head_names:
            y = getattr(self, name)(y)
        return y


# name: (kind, kwargs, description)
CASES = {
    "torch_lstm_1layer": ("lstm", dict(d=3, units=4, rnn_name="lstm"),
                          "nn.LSTM(3, 4) -> last step -> nn.Linear(4, 2)"),
    "torch_lstm_2layer": ("lstm", dict(d=3, units=4, layers=2, rnn_name="lstm"),
                          "nn.LSTM(3, 4, num_layers=2) -> last step -> nn.Linear(4, 2)"),
    "torch_lstm_bidir_2layer": ("lstm", dict(d=3, units=3, layers=2, bidirectional=True,
                                             heads=(("fc", 2, True),)),
                                "nn.LSTM(3, 3, num_layers=2, bidirectional=True) -> "
                                "cat(h_n[-2], h_n[-1]) -> nn.Linear(6, 2)"),
    "torch_lstm_nobias": ("lstm", dict(d=3, units=4, bias=False, heads=(("out", 2, False),)),
                          "nn.LSTM(3, 4, bias=False) -> last step -> nn.Linear(4, 2, bias=False)"),
    "torch_gru_1layer": ("gru", dict(d=3, units=4, rnn_name="gru"),
                         "nn.GRU(3, 4) -> last step -> nn.Linear(4, 2)"),
    "torch_gru_2layer_bidir": ("gru", dict(d=3, units=4, layers=2, bidirectional=True,
                                           heads=(("fc", 3, True),), nested=True),
                               "nn.Sequential(nn.GRU(3, 4, num_layers=2, bidirectional=True)) "
                               "-> cat(h_n[-2], h_n[-1]) -> nn.Linear(8, 3)"),
    "torch_gru_nobias_2heads": ("gru", dict(d=2, units=5, bias=False,
                                            heads=(("fc1", 3, True), ("fc2", 2, True))),
                                "nn.GRU(2, 5, bias=False) -> last step -> nn.Linear(5, 3) -> "
                                "nn.Linear(3, 2)"),
    "torch_rnn_1layer": ("rnn", dict(d=3, units=4),
                         "nn.RNN(3, 4) (tanh) -> last step -> nn.Linear(4, 2)"),
    "torch_rnn_2layer_bidir": ("rnn", dict(d=3, units=3, layers=2, bidirectional=True),
                               "nn.RNN(3, 3, num_layers=2, bidirectional=True) -> "
                               "cat(h_n[-2], h_n[-1]) -> nn.Linear(6, 2)"),
    "torch_rnn_nobias_double": ("rnn", dict(d=3, units=4, bias=False),
                                "nn.RNN(3, 4, bias=False) in float64 (.double()) -> last "
                                "step -> nn.Linear(4, 2)"),
    "torch_lstm_checkpoint": ("lstm", dict(d=3, units=4, layers=2, rnn_name="lstm"),
                              "checkpoint dict {'epoch', 'model_state_dict' (keep_vars=True: "
                              "nn.Parameter objects), 'loss' (a NumPy float64), 'view' (a "
                              "strided view with a storage offset)} of nn.LSTM(3, 4, "
                              "num_layers=2) -> last step -> nn.Linear(4, 2)"),
    "torch_lstm_linebreak_name": ("lstm", dict(d=3, units=4, rnn_name="enc\nlstm"),
                                  "nn.LSTM(3, 4) registered as 'enc\\nlstm' (a module name may "
                                  "hold a line break: setattr / add_module refuse only '.') -> "
                                  "last step -> nn.Linear(4, 2)"),
    "torch_lstm_two_models": ("lstm", dict(d=3, units=4, rnn_name="lstm"),
                              "checkpoint dict {'encoder': nn.LSTM(3, 4) -> last step -> "
                              "nn.Linear(4, 2), 'decoder': nn.GRU(2, 3) -> nn.Linear(3, 2), "
                              "'epoch'} (a seq2seq's two state_dicts); output: the encoder's"),
    "torch_gru_weight_norm": ("gru", dict(d=3, units=4, weight_norm=(
                                  ("rnn", "weight_hh_l0", "parametrization", 0),
                                  ("fc", "weight", "parametrization", 1))),
                              "nn.GRU(3, 4) -> last step -> nn.Linear(4, 2), weight_hh_l0 "
                              "(dim=0) and fc.weight (dim=1) under "
                              "torch.nn.utils.parametrizations.weight_norm (original0 = g, "
                              "original1 = v)"),
    "torch_lstm_weight_norm_hook": ("lstm", dict(d=3, units=4, layers=2, weight_norm=(
                                        ("rnn", "weight_ih_l0", "hook", None),
                                        ("rnn", "weight_hh_l1", "hook", 0))),
                                    "nn.LSTM(3, 4, num_layers=2) -> last step -> nn.Linear(4, 2), "
                                    "the old torch.nn.utils.weight_norm on weight_ih_l0 "
                                    "(dim=None: g a scalar) and weight_hh_l1 (dim=0): "
                                    "<name>_g, <name>_v"),
}


def keras_layers(kind, kw, rnn_prefix):
    """The layers lstmviz builds (names, classes, Keras parameter counts) for meta.json."""
    d, u = kw["d"], kw["units"]
    layers, bidir = kw.get("layers", 1), kw.get("bidirectional", False)
    bias = kw.get("bias", True)
    g = GATES[kind]
    rows = [{"name": "input", "class": "InputLayer", "params": 0}]
    base = re.sub(r"[^A-Za-z0-9_]", "_", rnn_prefix)
    width = d
    for k in range(layers):
        n = g * u * (width + u) + (g * u * (2 if kind == "gru" else 1) if bias else 0)
        n *= 2 if bidir else 1
        rows.append({"name": base if layers == 1 else f"{base}_l{k}",
                     "class": "Bidirectional" if bidir else KERAS[kind], "params": n})
        width = u * (2 if bidir else 1)
    for name, out, hb in kw.get("heads", (("fc", 2, True),)):
        rows.append({"name": name, "class": "Dense", "params": width * out + (out if hb else 0)})
        width = out
    return rows


def make_case(name, kind, kw, description, seed):
    torch.manual_seed(seed)
    net = Net(kind, **kw).eval()
    double = name.endswith("_double")
    if double:
        net = net.double()
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 5, kw["d"])).astype(np.float32)
    with torch.no_grad():
        xt = torch.from_numpy(x.astype(np.float64) if double else x)
        y = net(xt).numpy().astype(np.float32)
    out = FIXTURES / name
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    if name.endswith("_checkpoint"):
        base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
        view = base[1:, ::2].t()  # storage offset 6, strides (2, 6)
        obj = {"epoch": 3, "model_state_dict": net.state_dict(keep_vars=True),
               "loss": np.float64(0.125), "view": view, "note": "hello"}
        extra = {"view": view.numpy().copy()}
    elif name.endswith("_two_models"):
        decoder = Net("gru", d=2, units=3, rnn_name="gru").eval()
        obj = {"encoder": net.state_dict(), "decoder": decoder.state_dict(), "epoch": 2}
        extra = {}
    else:
        obj, extra = net.state_dict(), {}
    files = ["model.pt", "model_legacy.pt"]
    torch.save(obj, out / files[0])
    torch.save(obj, out / files[1], _use_new_zipfile_serialization=False)
    np.save(out / "x.npy", x)
    np.savez(out / "expected.npz", output=y, **extra)
    prefix = "body.0" if kw.get("nested") else kw.get("rnn_name", "rnn")
    rows = keras_layers(kind, kw, prefix)
    meta = {"case": name, "framework": "pytorch", "torch_version": torch.__version__,
            "files": files, "inputs": 1, "outputs": 1, "batch": 2, "stateful": False,
            "total_params": sum(r["params"] for r in rows), "layers": rows,
            "torch_params": sum(p.numel() for p in net.parameters()),
            "description": description}
    (out / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")
    # reload check: torch's own safe loader reads both files back identically
    for f in files:
        # (our own file; the checkpoint's NumPy scalar is outside torch's weights_only list)
        back = torch.load(out / f, weights_only=not extra)
        key = "encoder" if name.endswith("_two_models") else "model_state_dict"
        sd = back[key] if isinstance(back, dict) and "epoch" in back else back
        for k, v in net.state_dict().items():
            assert torch.equal(sd[k], v), (name, f, k)
    print(f"{name}: {description}")


# ------------------------------------------------------------------ norms and convolutions

def _randomise(module, seed):
    """Weights and running statistics no default holds, so a test of them can fail."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, t in list(module.named_parameters()) + list(module.named_buffers()):
            if name.endswith("running_var"):
                t.copy_(0.5 + 1.5 * torch.rand(t.shape, generator=g))
            elif t.is_floating_point() and (name.endswith("running_mean") or "norm" in name
                                            or name.startswith(("ln", "bn"))):
                t.copy_(0.3 * torch.randn(t.shape, generator=g) + (1.0 if name.endswith("weight") else 0.0))


class LayerNormNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm1 = nn.LSTM(3, 4, batch_first=True)
        self.ln1 = nn.LayerNorm(4)                      # over each step of the sequence
        self.lstm2 = nn.LSTM(4, 4, batch_first=True)
        self.ln2 = nn.LayerNorm(4, bias=False)          # on the last step
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        o, _ = self.lstm1(x)
        o, _ = self.lstm2(self.ln1(o))
        return self.fc(self.ln2(o[:, -1]))


class BatchNormNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 4, batch_first=True)
        self.bn = nn.BatchNorm1d(4)
        self.fc1 = nn.Linear(4, 3)
        self.bn2 = nn.BatchNorm1d(3, affine=False)
        self.fc2 = nn.Linear(3, 2)

    def forward(self, x):
        o, _ = self.lstm(x)
        return self.fc2(self.bn2(self.fc1(self.bn(o[:, -1]))))


class ConvLstmNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(3, 5, kernel_size=3)
        self.bn = nn.BatchNorm1d(5)                     # the conv's channels
        self.lstm = nn.LSTM(5, 4, batch_first=True)
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        h = self.bn(self.conv(x.transpose(1, 2))).transpose(1, 2)
        o, _ = self.lstm(h)
        return self.fc(o[:, -1])


def _lstm_params(d, u):
    return 4 * u * (d + u) + 4 * u


#: name: (module, the layers lstmviz builds (name, Keras class, Keras parameter count), description)
AROUND = {
    "torch_lstm_layernorm": (LayerNormNet, [
        ("input", "InputLayer", 0), ("lstm1", "LSTM", _lstm_params(3, 4)),
        ("ln1", "LayerNormalization", 8), ("lstm2", "LSTM", _lstm_params(4, 4)),
        ("ln2", "LayerNormalization", 4), ("fc", "Dense", 10)],
        "nn.LSTM(3, 4) -> nn.LayerNorm(4) over each step -> nn.LSTM(4, 4) -> last step -> "
        "nn.LayerNorm(4, bias=False) -> nn.Linear(4, 2)"),
    "torch_lstm_batchnorm": (BatchNormNet, [
        ("input", "InputLayer", 0), ("lstm", "LSTM", _lstm_params(3, 4)),
        ("bn", "BatchNormalization", 16), ("fc1", "Dense", 15),
        ("bn2", "BatchNormalization", 6), ("fc2", "Dense", 8)],
        "nn.LSTM(3, 4) -> last step -> nn.BatchNorm1d(4) -> nn.Linear(4, 3) -> "
        "nn.BatchNorm1d(3, affine=False) -> nn.Linear(3, 2), eval()"),
    "torch_conv_lstm": (ConvLstmNet, [
        ("input", "InputLayer", 0), ("conv", "Conv1D", 3 * 3 * 5 + 5),
        ("bn", "BatchNormalization", 20), ("lstm", "LSTM", _lstm_params(5, 4)),
        ("fc", "Dense", 10)],
        "x.transpose(1, 2) -> nn.Conv1d(3, 5, kernel_size=3) -> nn.BatchNorm1d(5) -> "
        "transpose back -> nn.LSTM(5, 4) -> last step -> nn.Linear(4, 2), eval()"),
}


def make_around(name, cls, rows, description, seed):
    torch.manual_seed(seed)
    net = cls()
    _randomise(net, seed)
    net.eval()
    x = np.random.default_rng(seed).standard_normal((2, 5, 3)).astype(np.float32)
    with torch.no_grad():
        y = net(torch.from_numpy(x)).numpy()
    out = FIXTURES / name
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    files = ["model.pt", "model_legacy.pt"]
    torch.save(net.state_dict(), out / files[0])
    torch.save(net.state_dict(), out / files[1], _use_new_zipfile_serialization=False)
    np.save(out / "x.npy", x)
    np.savez(out / "expected.npz", output=y)
    layers = [{"name": n, "class": c, "params": k} for n, c, k in rows]
    meta = {"case": name, "framework": "pytorch", "torch_version": torch.__version__,
            "files": files, "inputs": 1, "outputs": 1, "batch": 2, "stateful": False,
            "total_params": sum(r["params"] for r in layers), "layers": layers,
            "torch_params": sum(p.numel() for p in net.parameters()),
            "description": description}
    (out / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")
    for f in files:
        back = torch.load(out / f, weights_only=True)
        for k, v in net.state_dict().items():
            assert torch.equal(back[k], v), (name, f, k)
    print(f"{name}: {description}")


# ------------------------------------------------------------------ refused

class CellLoop(nn.Module):
    """nn.LSTMCell / nn.GRUCell stepped by a loop in forward() from zero states, the last
    h -> nn.Linear: its state_dict (cell.weight_ih, no layer number) is refused, naming
    the cell (the loop is code, not in the file)."""

    def __init__(self, kind, d, units):
        super().__init__()
        self.kind = kind
        self.cell = {"lstm": nn.LSTMCell, "gru": nn.GRUCell}[kind](d, units)
        self.fc = nn.Linear(units, 2)

    def forward(self, x):
        h = torch.zeros(x.shape[0], self.cell.hidden_size)
        c = torch.zeros_like(h)
        for t in range(x.shape[1]):
            if self.kind == "lstm":
                h, c = self.cell(x[:, t], (h, c))
            else:
                h = self.cell(x[:, t], h)
        return self.fc(h)


REFUSED = {"refused_torch_lstmcell": ("lstm", "nn.LSTMCell(3, 4) looped in forward() -> "
                                      "nn.Linear(4, 2): refused, the loop is not in the file"),
           "refused_torch_quantized": ("quantized", "nn.LSTM(3, 4) -> nn.Linear(4, 2) through "
                                       "torch.ao.quantization.quantize_dynamic (qint8): refused, "
                                       "packed quantized weights")}


class LstmHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(3, 4, batch_first=True)
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.fc(out[:, -1])


def make_refused(name, kind, description, seed):
    torch.manual_seed(seed)
    if kind == "quantized":  # (the state_dict people save after quantize_dynamic)
        net = torch.ao.quantization.quantize_dynamic(LstmHead().eval(), {nn.LSTM, nn.Linear}, dtype=torch.qint8)
    else:
        net = CellLoop(kind, 3, 4).eval()
    x = np.random.default_rng(seed).standard_normal((2, 5, 3)).astype(np.float32)
    with torch.no_grad():
        y = net(torch.from_numpy(x)).numpy()
    out = FIXTURES / name
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    torch.save(net.state_dict(), out / "model.pt")
    np.save(out / "x.npy", x)
    np.savez(out / "expected.npz", output=y)  # torch's, should lstmviz ever read a cell loop
    meta = {"case": name, "framework": "pytorch", "torch_version": torch.__version__,
            "files": ["model.pt"], "refused": True, "description": description}
    (out / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")
    print(f"{name}: {description}")


# ------------------------------------------------------------------ corpus

def corpus_module(sd):
    """Rebuild nn.LSTM/GRU/RNN + Linear heads from a state_dict's keys (as lstmviz reads)."""
    keys = [k for k in sd if re.search(r"weight_ih_l\d+(_reverse)?$", k)]
    prefix = keys[0].rsplit(".", 1)[0] if "." in keys[0] else ""
    pre = prefix + "." if prefix else ""
    hh = sd[pre + "weight_hh_l0"]
    ih = sd[pre + "weight_ih_l0"]
    hidden = hh.shape[1]
    kind = {4: "lstm", 3: "gru", 1: "rnn"}[hh.shape[0] // hidden]
    layers = 1 + max(int(re.search(r"_l(\d+)", k).group(1)) for k in keys)
    bidir = any(k.endswith("_reverse") for k in keys)
    bias = (pre + "bias_ih_l0") in sd
    rnn = RNN[kind](ih.shape[1], hidden, num_layers=layers, bidirectional=bidir, bias=bias,
                    batch_first=True)
    rnn.load_state_dict({k[len(pre):]: v for k, v in sd.items() if k.startswith(pre)
                         and re.search(r"_l\d+(_reverse)?$", k)})
    heads = []
    width = hidden * (2 if bidir else 1)
    seen = []
    for k in sd:
        p = k.rsplit(".", 1)[0]
        if p != prefix and p not in seen:
            seen.append(p)
    for p in seen:
        w = sd.get(p + ".weight")
        if w is not None and w.ndim == 2 and w.shape[1] == width:
            lin = nn.Linear(w.shape[1], w.shape[0], bias=(p + ".bias") in sd)
            lin.load_state_dict({k[len(p) + 1:]: v for k, v in sd.items() if k.startswith(p + ".")})
            heads.append(lin)
            width = w.shape[0]
    return rnn.eval(), heads, ih.shape[1]


def make_corpus():
    if not CORPUS.is_dir():
        sys.exit(f"{CORPUS} is absent")
    out = FIXTURES / "torch_corpus_expected"
    out.mkdir(parents=True, exist_ok=True)
    for i, name in enumerate(CORPUS_FILES):
        sd = torch.load(CORPUS / name, weights_only=True, map_location="cpu")
        rnn, heads, d = corpus_module(sd)
        x = np.random.default_rng(100 + i).standard_normal((2, 5, d)).astype(np.float32)
        with torch.no_grad():
            o, hn = rnn(torch.from_numpy(x))
            hn = hn[0] if isinstance(hn, tuple) else hn
            y = torch.cat([hn[-2], hn[-1]], 1) if rnn.bidirectional else o[:, -1]
            for lin in heads:
                y = lin(y)
        np.savez(out / (Path(name).stem + ".npz"), x=x, output=y.numpy())
        print(f"{name}: {rnn} + {len(heads)} Linear -> output {tuple(y.shape)}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", action="append", help="case name or glob (repeatable)")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--corpus", action="store_true",
                    help="write torch_corpus_expected/*.npz for the realworld .pt files")
    args = ap.parse_args(argv)
    if args.list:
        for name, (_, _, desc) in CASES.items() | AROUND.items():
            print(f"{name}: {desc}")
        return
    if args.corpus:
        make_corpus()
        return
    for seed, (name, (kind, kw, desc)) in enumerate(CASES.items()):
        if args.only and not any(fnmatch.fnmatch(name, p) for p in args.only):
            continue
        make_case(name, kind, kw, desc, seed)
    for seed, (name, (cls, rows, desc)) in enumerate(AROUND.items(), start=100):
        if args.only and not any(fnmatch.fnmatch(name, p) for p in args.only):
            continue
        make_around(name, cls, rows, desc, seed)
    for seed, (name, (kind, desc)) in enumerate(REFUSED.items()):
        if args.only and not any(fnmatch.fnmatch(name, p) for p in args.only):
            continue
        make_refused(name, kind, desc, seed)


if __name__ == "__main__":
    main()
