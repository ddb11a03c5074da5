"""``lstmviz.from_keras`` / ``from_torch`` / ``show`` on live objects, without Keras or torch.

The stand-ins are built from the committed fixtures, with what real Keras and torch wrote:
a Keras model's ``get_config()`` is the config the file holds, each layer's
``get_weights()`` the arrays Keras saved for that layer in a legacy ``model.h5`` (in
Keras' own ``layer.weights`` order); a torch module's ``state_dict()`` holds the tensors
of the saved state_dict. Outputs must equal what Keras / torch computed (expected.npz).
``scripts/check_live_objects.py`` checks the same against real Keras and torch objects.
"""

from __future__ import annotations

import io
import json
import sys
import types
from collections import OrderedDict

import h5py
import numpy as np
import pytest

import lstmviz
from helpers import FIXTURES, ROOT, expected_outputs, read_inputs
from lstmviz.errors import LstmvizError
from lstmviz.io.torch_state import load_torch_object

# -- stand-ins ---------------------------------------------------------------------------------


class FakeVariable:
    def __init__(self, array):
        self._a = array

    def numpy(self):
        return self._a


class FakeLayer:
    def __init__(self, name, arrays, layers=()):
        self.name = name
        self._arrays = arrays
        self.layers = list(layers)

    def get_weights(self):
        return [np.array(a) for a in self._arrays]

    @property
    def weights(self):
        return [FakeVariable(a) for a in self._arrays]


def _text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def fake_keras_model(case, module="keras.src.models.sequential", version=None):
    """A stand-in for the Keras model of ``case``: its class, config and per-layer weights."""
    with h5py.File(FIXTURES / case / "model.h5", "r") as f:
        cfg = json.loads(_text(f.attrs["model_config"]))
        file_version = _text(f.attrs["keras_version"])
        mw = f["model_weights"]
        layers = []
        for lname in (_text(n) for n in mw.attrs["layer_names"]):
            g = mw[lname]
            arrays = [np.array(g[_text(w)]) for w in g.attrs.get("weight_names", [])]
            layers.append(FakeLayer(lname, arrays))
    root = module.split(".")[0]
    cls = type(cfg["class_name"], (), {
        "__module__": module,
        "get_config": lambda self: cfg["config"],
        "get_weights": lambda self: [w for l in layers for w in l.get_weights()],
        "layers": property(lambda self: layers),
        "name": property(lambda self: cfg["config"].get("name", "model")
                         if isinstance(cfg["config"], dict) else "sequential"),
    })
    fake_module = types.ModuleType(root)
    fake_module.__version__ = version or file_version
    return cls(), fake_module


KERAS_CASES = sorted(p.parent.name for p in FIXTURES.glob("k[23]_*/model.h5"))


@pytest.mark.parametrize("case", KERAS_CASES)
def test_from_keras_equals_keras(case, monkeypatch):
    module = "keras.src.models.model" if case.startswith("k3") else "tf_keras.src.engine.training"
    obj, mod = fake_keras_model(case, module)
    monkeypatch.setitem(sys.modules, module.split(".")[0], mod)
    model = lstmviz.from_keras(obj)
    assert model.keras_version == mod.__version__
    x = read_inputs(FIXTURES / case)
    if model.stateful:
        model.reset_states()
    trace = model.trace(x)
    want = expected_outputs(np.load(FIXTURES / case / "expected.npz"))
    got = trace.outputs
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, atol=1e-5)
    # the same model as the file gives
    assert model.count_params() == lstmviz.load(FIXTURES / case / "model.h5").count_params()


def test_keras_version_decides_semantics(monkeypatch):
    """hard_sigmoid differs between Keras 2 and 3: the object's own Keras decides."""
    obj, mod = fake_keras_model("k2_hard_sigmoid", "tf_keras.src.engine.sequential")
    monkeypatch.setitem(sys.modules, "tf_keras", mod)
    assert lstmviz.from_keras(obj).keras_major == 2
    mod.__version__ = "3.15.1"
    assert lstmviz.from_keras(obj).keras_major == 3


def test_a_subclassed_keras_model_is_refused_in_one_line():
    cls = type("MyModel", (), {"get_config": lambda self: {}, "get_weights": lambda self: [],
                               "layers": [], "name": "my_model"})
    with pytest.raises(LstmvizError, match=r"^Keras model 'my_model': a subclassed model \(MyModel\)"):
        lstmviz.from_keras(cls())


def test_a_files_path_given_to_a_live_objects_reader_says_to_load_it(tmp_path):
    """lstmviz.from_keras("m.keras") said "a subclassed model (str)"; from_torch("m.pt")
    "str: not a torch module or a state_dict". A path (or a file's bytes) is said to be one,
    with the call that reads it, which then does."""
    from pathlib import Path

    for reader, what in ((lstmviz.from_keras, "a live Keras model (Sequential or functional)"),
                         (lstmviz.from_torch, "a live torch module or a state_dict")):
        for path in ("m.keras", Path("models") / "m.h5"):
            with pytest.raises(LstmvizError) as err:
                reader(path)
            said = repr(str(path))
            assert str(err.value) == (f"lstmviz.{reader.__name__} takes {what}; {said} is a path: read the "
                                      f"file with lstmviz.load({said})")
        with pytest.raises(LstmvizError) as err:
            reader(b"PK\x03\x04")
        assert str(err.value) == (f"lstmviz.{reader.__name__} takes {what}, not bytes: read a file's bytes "
                                  "with lstmviz.load(data)")
    assert callable(lstmviz.load) and "load" in lstmviz.__all__  # (the name the refusal gives)
    demo = next((ROOT / "lstmviz" / "resources" / "demos").glob("*.keras"))
    with pytest.raises(LstmvizError, match=r"is a path: read the file with lstmviz.load\("):
        lstmviz.from_keras(str(demo))
    assert lstmviz.load(str(demo)).count_params() > 0


def test_a_config_layer_missing_from_the_object_is_named(monkeypatch):
    obj, mod = fake_keras_model("k3_lstm_default")
    obj.layers.clear()
    with pytest.raises(LstmvizError, match="layer 'lstm' of the config is not among the model's layers"):
        lstmviz.from_keras(obj)


# -- torch ---------------------------------------------------------------------------------------
class FakeTensor:
    """What lstmviz may touch of a torch tensor: detach().cpu().numpy()."""

    def __init__(self, array):
        self._a = array
        self.touched = []

    def detach(self):
        self.touched.append("detach")
        return self

    def cpu(self):
        self.touched.append("cpu")
        return self

    def numpy(self):
        return self._a.copy()


class FakeModule:
    def __init__(self, kind, params=None, children=None, **attrs):
        self._kind = kind
        self._parameters = OrderedDict((k, FakeTensor(v)) for k, v in (params or {}).items())
        self._buffers = OrderedDict()
        self._modules = OrderedDict(children or {})
        self.__dict__.update(attrs)

    def named_modules(self, prefix=""):
        yield prefix, self
        for name, sub in self._modules.items():
            yield from sub.named_modules(f"{prefix}.{name}" if prefix else name)

    def state_dict(self):
        out = OrderedDict()
        for name, mod in self.named_modules():
            for k, t in mod._parameters.items():
                out[f"{name}.{k}" if name else k] = t
        return out


def fake_torch_module(case, extra=None, **rnn_attrs):
    sd, _ = load_torch_object(FIXTURES / case / "model.pt")
    groups: dict[str, dict] = OrderedDict()
    for key, arr in sd.items():
        prefix, _, leaf = key.rpartition(".")
        groups.setdefault(prefix, {})[leaf] = arr
    children = OrderedDict()
    for prefix, params in groups.items():
        # (weight_norm's parts stand for a weight: the old hook's <name>_v, the
        # parametrization's <module>.parametrizations.<name>.original1)
        ih = params.get("weight_ih_l0", params.get("weight_ih_l0_v"))
        hh = params.get("weight_hh_l0", params.get("weight_hh_l0_v",
                                                    sd.get(f"{prefix}.parametrizations.weight_hh_l0.original1")))
        if ih is not None:
            ratio = ih.shape[0] // hh.shape[1]
            kind = {4: "LSTM", 3: "GRU", 1: "RNN"}[ratio]
            mod = type(kind, (FakeModule,), {})(kind, params, nonlinearity="tanh", batch_first=True)
            mod.__dict__.update(rnn_attrs)
        else:
            mod = type("Linear", (FakeModule,), {})("Linear", params)
        parts = prefix.split(".")
        where = children
        for p in parts[:-1]:  # nn.Sequential containers on the way
            where = where.setdefault(p, type("Sequential", (FakeModule,), {})("Sequential"))._modules
        where[parts[-1]] = mod
    for name, sub in (extra or {}).items():
        children[name] = sub
    return type("Net", (FakeModule,), {})("Net", children=children)


# (torch_lstm_checkpoint holds a training checkpoint dict, not a module's state_dict)
TORCH_CASES = sorted(p.parent.name for p in FIXTURES.glob("torch_*/model.pt")
                     if all(isinstance(v, np.ndarray) for v in load_torch_object(p)[0].values()))


@pytest.mark.parametrize("case", TORCH_CASES)
def test_from_torch_equals_torch(case):
    module = fake_torch_module(case)
    model = lstmviz.from_torch(module)
    x = read_inputs(FIXTURES / case)
    want = expected_outputs(np.load(FIXTURES / case / "expected.npz"))
    np.testing.assert_allclose(model.trace(x).output, want[0], atol=1e-5)
    tensors = list(module.state_dict().values())
    assert all(t.touched[:2] == ["detach", "cpu"] for t in tensors)
    assert model.count_params() == lstmviz.load(FIXTURES / case / "model.pt").count_params()


def test_torch_state_dict_mapping_and_weightless_modules():
    drop = type("Dropout", (FakeModule,), {})("Dropout")
    module = fake_torch_module("torch_lstm_1layer", extra={"drop": drop})
    model = lstmviz.from_torch(module)
    assert "drop (Dropout)" in model.summary_text()
    sd = module.state_dict()
    again = lstmviz.from_torch(sd)  # a bare state_dict works too
    x = read_inputs(FIXTURES / "torch_lstm_1layer")
    np.testing.assert_array_equal(again.trace(x).output, model.trace(x).output)


def test_rnn_relu_nonlinearity_is_read_from_the_module():
    module = fake_torch_module("torch_rnn_1layer", nonlinearity="relu")
    model = lstmviz.from_torch(module)
    rnn = next(l for l in model.layers if l.class_name == "SimpleRNN")
    assert rnn.config["activation"] == "relu"
    assert "nonlinearity read from the module: relu" in model.summary_text()
    sd, _ = load_torch_object(FIXTURES / "torch_rnn_1layer" / "model.pt")
    prefix = next(k for k in sd if k.endswith("weight_ih_l0"))[:-len("weight_ih_l0")]
    w_ih, w_hh = sd[prefix + "weight_ih_l0"], sd[prefix + "weight_hh_l0"]
    b = sd[prefix + "bias_ih_l0"] + sd[prefix + "bias_hh_l0"]
    x = read_inputs(FIXTURES / "torch_rnn_1layer").astype(np.float64)
    h = np.zeros((x.shape[0], w_hh.shape[0]))
    for t in range(x.shape[1]):  # torch's relu RNN, by hand
        h = np.maximum(0, x[:, t] @ w_ih.T + h @ w_hh.T + b)
    np.testing.assert_allclose(model.trace(x.astype(np.float32))[rnn.name].output, h, atol=1e-5)


def test_an_unknown_object_is_refused_in_one_line():
    with pytest.raises(LstmvizError, match="lstmviz cannot read a list: give a file path"):
        lstmviz.show([1, 2, 3])
    with pytest.raises(LstmvizError, match="lstmviz.load takes a file path, an open binary file or bytes"):
        lstmviz.load(42)


# -- load from bytes and file objects -------------------------------------------------------------
def test_load_takes_bytes_and_file_objects(tmp_path):
    path = FIXTURES / "k3_lstm_default" / "model.keras"
    x = np.load(FIXTURES / "k3_lstm_default" / "x.npy")
    want = lstmviz.load(path).trace(x).output
    data = path.read_bytes()
    for src in (data, bytearray(data), io.BytesIO(data), open(path, "rb")):
        model = lstmviz.load(src)
        np.testing.assert_array_equal(model.trace(x).output, want)
        if hasattr(src, "close"):
            src.close()
    torch_model = lstmviz.load(io.BytesIO((FIXTURES / "torch_lstm_1layer" / "model.pt").read_bytes()))
    assert torch_model.source["framework"] == "pytorch"


def test_load_from_bytes_errors_name_the_source_and_leave_no_temporary(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(LstmvizError, match=r"^bytes: this is a PNG image"):
        lstmviz.load(b"\x89PNG\r\n\x1a\n" + bytes(100))
    with pytest.raises(LstmvizError) as err:  # the message's own words stay (not "a bytes file")
        lstmviz.load(b"garbage bytes")
    assert str(err.value).startswith("bytes: this is a text file, not a model file; supported: Keras 3 model")
    assert "ONNX model (.onnx)" in str(err.value) and "lstmviz-spilled" not in str(err.value)
    buf = io.BytesIO(b"not a model at all")
    buf.name = "upload.keras"
    with pytest.raises(LstmvizError, match=r"^upload.keras: "):
        lstmviz.load(buf)
    with pytest.raises(LstmvizError, match="binary mode"):
        lstmviz.load(io.StringIO("text"))
    with pytest.raises(LstmvizError, match="more than lstmviz reads"):
        lstmviz.loading._spill(io.BytesIO(bytes(2048)), limit=1024)
    assert list(tmp_path.iterdir()) == []


def test_weights_from_bytes_and_file_objects_as_load_takes_them(tmp_path, monkeypatch):
    """A notebook holding a model and its weights as uploads: ``load_weights`` and
    ``read_weights`` take what ``load`` takes (they took the bytes for a file name, and the
    refusal printed the file's bytes)."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    case = FIXTURES / "k3_lstm_default"
    x = np.load(case / "x.npy")
    data = (case / "model.weights.h5").read_bytes()
    want = expected_outputs(np.load(case / "expected.npz"))[0]
    for src in (data, io.BytesIO(data), open(case / "model.weights.h5", "rb")):
        model = lstmviz.load(case / "model.keras")
        for layer in model.layers:  # other weights first: the file's must replace them
            for w in layer.weights:
                w[...] = 0
        lstmviz.load_weights(model, src)
        np.testing.assert_allclose(model.trace(x).output, want, atol=1e-5)
        if hasattr(src, "close"):
            src.close()
    entries, _ = lstmviz.read_weights(io.BytesIO(data), isolate=False)
    assert [name for name, _ in entries] == [name for name, _ in lstmviz.read_weights(case / "model.weights.h5")[0]]
    torch_bytes = (FIXTURES / "torch_lstm_1layer" / "model.pt").read_bytes()
    entries, _ = lstmviz.read_weights(torch_bytes, isolate=False)  # arrays outlive the temporary file
    assert all(np.all(np.isfinite(a)) for _, arrays in entries for a in arrays)
    buf = io.BytesIO(b"\x89PNG\r\n\x1a\n" + bytes(100))
    buf.name = "upload.weights.h5"
    with pytest.raises(LstmvizError, match=r"^upload.weights.h5: this is a PNG image") as err:
        lstmviz.load_weights(lstmviz.load(case / "model.keras"), buf)
    assert "lstmviz-spilled" not in str(err.value)
    with pytest.raises(LstmvizError, match="lstmviz.read_weights takes a file path, an open binary file or bytes"):
        lstmviz.read_weights(42)
    assert list(tmp_path.iterdir()) == []


# -- notebook niceties ---------------------------------------------------------------------------
def test_summary_prints_like_keras_and_the_string_is_summary_text(capsys):
    model = lstmviz.load(FIXTURES / "k3_lstm_default" / "model.keras")
    text = model.summary_text()
    assert isinstance(text, str) and text.startswith('Model: "') and "Total params:" in text
    assert model.summary() is None  # printed where it is called, as Keras' (mid-cell too)
    assert capsys.readouterr().out == text + "\n"
    lines: list[str] = []
    assert model.summary(print_fn=lines.append) is None and lines == [text]
    assert capsys.readouterr().out == ""


def _fake_ipython(monkeypatch, kernel: bool) -> list:
    """IPython loaded in this process, a terminal shell or a Jupyter kernel's (IPython itself
    is not a dependency: the shell and IPython.display are stand-ins with its interface)."""
    shown: list = []
    shell = types.SimpleNamespace(kernel=object() if kernel else None)
    display_mod = types.SimpleNamespace(display=lambda obj, raw=False: shown.append((obj, raw)))
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: shell))
    monkeypatch.setitem(sys.modules, "IPython.display", display_mod)
    return shown


def test_summary_in_a_jupyter_kernel_is_an_html_output_where_it_is_called(monkeypatch, capsys):
    """As Keras 3 (through rich): in a kernel the table is an output of its own, HTML in a
    monospaced <pre> beside the plain text; names from the file are HTML-escaped."""
    spec = [lstmviz.LayerSpec("LSTM", {"units": 2}, name="<b>gate&</b>")]
    model = lstmviz.Model.sequential((None, 3, 1), spec, name="m<i>")
    shown = _fake_ipython(monkeypatch, kernel=True)
    assert model.summary() is None
    assert capsys.readouterr().out == ""
    [(bundle, raw)] = shown
    assert raw is True and bundle["text/plain"] == model.summary_text()
    page = bundle["text/html"]
    assert page.startswith('<pre style="white-space:pre;') and page.endswith("</pre>")
    assert "&lt;b&gt;gate&amp;&lt;/b&gt; (LSTM)" in page and "<b>" not in page
    assert '<span style="font-weight: bold">Model: &quot;m&lt;i&gt;&quot;</span>' in page
    lines: list[str] = []
    model.summary(print_fn=lines.append)  # print_fn wins, in a kernel too
    assert lines == [model.summary_text()] and len(shown) == 1


def test_summary_in_terminal_ipython_prints(monkeypatch, capsys):
    model = lstmviz.load(FIXTURES / "k3_lstm_default" / "model.keras")
    shown = _fake_ipython(monkeypatch, kernel=False)
    model.summary()
    assert shown == [] and capsys.readouterr().out == model.summary_text() + "\n"


def test_short_reprs():
    model = lstmviz.load(FIXTURES / "k3_bidi_lstm_merge_modes" / "model.keras")
    x = read_inputs(FIXTURES / "k3_bidi_lstm_merge_modes")
    trace = model.trace(x)
    assert repr(model) == ("<lstmviz.Model 'model': functional, 6 layers, 840 params, "
                           "(None, 5, 3) -> 6 outputs>")
    assert repr(trace) == "<lstmviz.Trace: 5 layers, input (2, 5, 3), 5 steps, output 6 arrays>"
    assert repr(trace["bidi_sum"]) == ("<lstmviz.LayerTrace 'bidi_sum' (Bidirectional): output "
                                       "(2, 5, 3), halves: forward, backward>")
    assert all(len(repr(o)) < 200 for o in (model, trace, *trace.layers.values()))
    assert trace.model is model


def test_help_lists_the_public_api():
    import pydoc

    text = pydoc.render_doc(lstmviz, renderer=pydoc.plaintext)
    for name in lstmviz.__all__:
        assert hasattr(lstmviz, name), name
        assert name in lstmviz.__doc__ or name in ("LayerSpec", "ModelSpec"), name
    for name in ("load", "from_keras", "from_torch", "show"):
        assert name in text
    # (Python 3.13's pydoc writes a long signature one parameter a line)
    assert "show(obj=None,x=None," in "".join(text.split())


def test_py_typed_marker_is_package_data():
    from pathlib import Path

    assert (Path(lstmviz.__file__).parent / "py.typed").is_file()
    import tomllib

    conf = tomllib.loads((Path(lstmviz.__file__).parents[1] / "pyproject.toml").read_text())
    assert "py.typed" in conf["tool"]["setuptools"]["package-data"]["lstmviz"]


def test_a_live_modules_names_are_escaped_as_a_files_are():
    """A torch module whose submodules are named with a bidi override and terminal escapes
    (setattr(net, name, ...) takes any string): show()/picture()/from_torch put the raw
    names in the layers, the notes and the summary, where a file's are escaped
    (text.clean_spec_names). Now a live object's spec passes the same cleaning."""
    from lstmviz.io.live import spec_from_object
    from lstmviz.text import safe_name

    bad, drop = "enc\u202eredoc\x1b[2J", "drop\u2066\x07"
    sd, _ = load_torch_object(FIXTURES / "torch_lstm_1layer" / "model.pt")
    params = {k.rpartition(".")[2]: v for k, v in sd.items() if "_l0" in k}
    lstm = type("LSTM", (FakeModule,), {})("LSTM", params, batch_first=False)
    dropout = type("Dropout", (FakeModule,), {})("Dropout")
    net = type("Net\u202e", (FakeModule,), {})("Net", children={bad: lstm, drop: dropout})
    for spec in (spec_from_object(net), spec_from_object(net.state_dict())):
        names = " ".join(l.name or "" for l in spec.layers)
        text = names + " ".join(spec.source.get("notes", [])) + " ".join(spec.source.get("layer_notes", {}))
        assert "\u202e" not in text and "\x1b" not in text and "\u2066" not in text, text
        assert "\u202e" not in (spec.name or "")
    model = lstmviz.from_torch(net)
    summary = model.summary_text()
    assert safe_name(bad) in summary and safe_name(drop) in summary and "batch_first=False" in summary
    assert not any(c in summary for c in "\u202e\u2066\x1b\x07"), summary


# -- a compiled model ------------------------------------------------------------------------


class FakeOptimizer:
    """A Keras 3 optimizer's ``variables`` (iterations, learning rate, slots) as a trained
    model's optimizer holds them: those ``model.save`` wrote to ``optimizer/vars``."""

    def __init__(self, arrays):
        self.variables = [FakeVariable(a) for a in arrays]


def fake_compiled_keras_model(path):
    """A stand-in for the live Keras 3 model a compiled (and trained) ``.keras`` file was
    saved from: its config, its layers' weights, ``get_compile_config()`` (the file's
    ``compile_config``, as Keras 3 gives it) and its optimizer's variables."""
    import zipfile

    with zipfile.ZipFile(path) as z:
        cfg = json.loads(z.read("config.json"))
        h5 = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")
    with h5:
        found = h5["optimizer/vars"]
        opt_vars = [np.array(found[str(k)]) for k in range(len(found))]
    saved = lstmviz.load(path)
    layers = [FakeLayer(layer.name, [np.array(w) for w in layer.weights]) for layer in saved.layers]
    cls = type(cfg["class_name"], (), {
        "__module__": "keras.src.models.sequential",
        "get_config": lambda self: cfg["config"],
        "get_weights": lambda self: [w for l in layers for w in l.get_weights()],
        "get_compile_config": lambda self: cfg["compile_config"],
        "layers": property(lambda self: layers),
        "name": property(lambda self: cfg["config"]["name"]),
        "optimizer": FakeOptimizer(opt_vars),
    })
    fake_module = types.ModuleType("keras")
    fake_module.__version__ = "3.15.1"
    return cls(), fake_module


def test_from_keras_takes_what_a_live_model_was_compiled_with_and_its_optimizers_state(monkeypatch):
    """A live compiled model's loss and optimizer (``get_compile_config()``, read as a file's
    compile_config) and its optimizer's state: ``lstmviz.fit`` of ``from_keras(model)`` with
    neither given goes on as Keras' next fit does (Keras 3.15's numbers; real Keras 3 and
    tf.keras: ``scripts/check_live_objects.py``); without the state (a model compiled, not
    trained) the optimizer starts afresh; an uncompiled model has none."""
    from lstmviz.engine.compiled import describe, of
    from lstmviz.engine.train import trainable_arrays

    here = FIXTURES / "compiled"
    obj, mod = fake_compiled_keras_model(here / "trained_adam.keras")
    monkeypatch.setitem(sys.modules, "keras", mod)
    model = lstmviz.from_keras(obj)
    from_file = of(lstmviz.load(here / "trained_adam.keras"))
    assert describe(of(model)) == describe(from_file)
    assert describe(of(model), short=True) == "loss mse, optimizer Adam(learning_rate=0.01)"
    assert of(model)["state"] == from_file["state"] and of(model)["state"].iterations == 2
    npz = np.load(here / "fit.npz")
    lstmviz.fit(model, npz["x"], npz["y"], batch_size=4, shuffle=False)
    for k, a in enumerate(trainable_arrays(model)):
        np.testing.assert_allclose(a, npz[f"resumed_adam_w{k}"], atol=2e-6)
    type(obj).optimizer = FakeOptimizer([np.int64(0), np.float32(0.01)])  # (compiled, no update yet)
    assert "state" not in of(lstmviz.from_keras(obj)) and of(lstmviz.from_keras(obj))["loss"] == "mse"
    type(obj).get_compile_config = lambda self: {}  # (Keras 3's answer for a model not compiled)
    assert of(lstmviz.from_keras(obj)) is None
    type(obj).get_compile_config = lambda self: (_ for _ in ()).throw(NotImplementedError())
    assert of(lstmviz.from_keras(obj))["notes"] == [
        "compile_config: the live model's compile settings cannot be read (NotImplementedError)"]
