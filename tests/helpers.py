"""Shared test helpers: where the fixtures and the real-world corpus are, and how to read a case."""

from __future__ import annotations

import glob
import json
import os
from contextlib import contextmanager
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
#: the published models' corpus (never committed): ../shared/realworld beside the checkout,
#: or where LSTMVIZ_REALWORLD points (a worktree elsewhere); tests skip where it is absent
REALWORLD = Path(os.environ.get("LSTMVIZ_REALWORLD") or ROOT.parent / "shared" / "realworld")
FULL_MODEL_FILES = ("model.keras", "model.h5")
WEIGHTS_FILES = ("model.weights.h5", "weights.h5")


def fixture_cases() -> list[Path]:
    return sorted(p.parent for p in FIXTURES.glob("*/meta.json"))


def read_meta(case: Path) -> dict:
    return json.loads((case / "meta.json").read_text())


def read_inputs(case: Path, prefix: str = "x"):
    """The case's input: ``x.npy``, or the list ``x0.npy, x1.npy, ...`` in numeric order."""
    single = case / f"{prefix}.npy"
    if single.exists():
        return np.load(single)
    paths = glob.glob(os.fspath(case / f"{prefix}[0-9]*.npy"))
    paths.sort(key=lambda p: int(Path(p).stem[len(prefix):]))
    return [np.load(p) for p in paths]


def expected_outputs(npz, prefix: str = "") -> list[np.ndarray]:
    """``output`` or ``output0, output1, ...`` (numeric order) from an expected.npz."""
    if f"{prefix}output" in npz.files:
        return [npz[f"{prefix}output"]]
    n = sum(1 for k in npz.files if k.startswith(f"{prefix}output"))
    return [npz[f"{prefix}output{i}"] for i in range(n)]


def mutate_bytes(data, blob: bytearray, max_flips: int = 16, keep: int = 0) -> bytearray:
    """A hypothesis-drawn damage to a file's bytes: flip up to ``max_flips`` bytes, truncate,
    or splice in up to 64 random bytes; truncation and splicing leave the first ``keep``
    bytes (e.g. the HDF5 signature) in place."""
    from hypothesis import strategies as st

    op = data.draw(st.sampled_from(["flip", "truncate", "splice"]))
    if op == "flip":
        for _ in range(data.draw(st.integers(1, max_flips))):
            i = data.draw(st.integers(0, len(blob) - 1))
            blob[i] = data.draw(st.integers(0, 255))
    elif op == "truncate":
        blob = blob[: data.draw(st.integers(keep, len(blob)))]
    else:
        i = data.draw(st.integers(keep, len(blob)))
        blob[i:i] = data.draw(st.binary(max_size=64))
    return blob


def axis_specs(axis, make):
    """``make(axis, painter)`` (an axis's ``generateDrawSpecs``) with a picture's painter in
    the axis's tick font, as its paint calls it."""
    from PySide6 import QtGui

    picture = QtGui.QPicture()
    painter = QtGui.QPainter(picture)
    if axis.style["tickFont"] is not None:
        painter.setFont(axis.style["tickFont"])
    try:
        return make(axis, painter)
    finally:
        painter.end()


def plain_specs(spec):
    """An axis's specs as comparable values: pens, points as (x, y), rects, flags, texts."""
    (pen, a, b), ticks, text = spec

    def pt(q):
        return (q.x(), q.y())
    return ((pen, pt(a), pt(b)), [(pen, pt(p1), pt(p2)) for pen, p1, p2 in ticks],
            [(r, int(f), t) for r, f, t in text])



def tip_text(tip: str) -> str:
    """What a tooltip shows: its text as Qt renders it (rich text read as a document)."""
    from PySide6 import QtGui

    doc = QtGui.QTextDocument()
    doc.setHtml(tip)
    return doc.toPlainText()


def legacy_lstm_file(path, names, units: int = 2, steps: int = 4, dense: str = "dense",
                     model_name: str = "s"):
    """A Keras 2 ``model.save`` file: LSTM layers named ``names`` (each but the last
    returning sequences), then a Dense named ``dense``; names are written as they are
    (the hostile-name tests give escape sequences, markup, a megabyte)."""
    rng = np.random.default_rng(0)
    layers, groups, d = [], [], 3
    for i, n in enumerate(names):
        cfg = {"name": n, "units": units, "activation": "tanh", "recurrent_activation": "sigmoid",
               "return_sequences": i < len(names) - 1, "use_bias": True}
        if i == 0:
            cfg["batch_input_shape"] = [None, steps, d]
        layers.append({"class_name": "LSTM", "config": cfg})
        groups.append((n, [("kernel:0", rng.standard_normal((d, 4 * units)).astype("f4")),
                           ("recurrent_kernel:0", rng.standard_normal((units, 4 * units)).astype("f4")),
                           ("bias:0", np.zeros(4 * units, "f4"))]))
        d = units
    layers.append({"class_name": "Dense", "config": {"name": dense, "units": 1}})
    groups.append((dense, [("kernel:0", np.ones((units, 1), "f4")), ("bias:0", np.zeros(1, "f4"))]))
    config = {"class_name": "Sequential", "config": {"name": model_name, "layers": layers}}
    return write_legacy_h5(path, config, groups)


def write_legacy_h5(path, config, groups, version="2.2.4", root_attrs=None):
    """A Keras 1/2 HDF5 file: ``config`` (a model's, or None: weights only) and ``groups``,
    a list of (layer_name, [(weight_name, array), ...])."""
    import h5py

    with h5py.File(path, "w") as f:
        if config is not None:
            f.attrs["model_config"] = json.dumps(config).encode()
            mw = f.create_group("model_weights")
        else:
            mw = f
        f.attrs["keras_version"] = version.encode()
        f.attrs["backend"] = b"tensorflow"
        for k, v in (root_attrs or {}).items():
            f.attrs[k] = v
        names = [g[0].encode() for g in groups]
        # (fixed-length as Keras writes them; variable-length past the 64 KiB an HDF5
        # attribute's header holds: a megabyte-long name)
        mw.attrs["layer_names"] = np.array(names, dtype=object if sum(map(len, names)) > 60_000 else None)
        for lname, ws in groups:
            g = mw.create_group(lname)
            g.attrs["weight_names"] = np.array([n.encode() for n, _ in ws])
            for n, a in ws:
                g.create_dataset(n, data=a)
    return path


def present_on(window, width: int, height: int):
    """Presentation mode as on a ``width`` x ``height`` projector (windowed, the screen's
    height told): the window's presenter, entered."""
    p = window.presenter
    p.fullscreen = False
    p.screen_height = height
    window.resize(width, height)
    p.enter()
    window.resize(width, height)
    return p


def present_on_720_lines(window):
    """Presentation mode as on a 1280 x 720 projector: the window's presenter, entered."""
    return present_on(window, 1280, 720)


DEMO = Path(__file__).resolve().parents[1] / "lstmviz" / "resources" / "demos" / "sine_predictor.keras"


def settle(times: int = 4) -> None:
    """The event loop run a few times: layouts done, the window painted."""
    from PySide6 import QtWidgets

    for _ in range(times):
        QtWidgets.QApplication.processEvents()


@contextmanager
def demo_at_least_size(tab: str, theme: str = "dark"):
    """The bundled sine demo opened as ``lstmviz`` opens it (``theme``), on the tab titled
    ``tab``, shown and then resized to the window's least size; gives (window, that tab's
    view); the window disposed of after."""
    from lstmviz.ui.app import dispose, make_window

    w = make_window(str(DEMO), theme, quiet=True)
    try:
        k = next(i for i, v in enumerate(w.views) if v.title == tab)
        w.tabs.setCurrentIndex(k)
        w.show()
        settle()
        # (again while the least size still falls: the views' least sizes follow their room a
        # few turns of the event loop after a resize, the window's after them)
        for _ in range(4):
            w.resize(w.minimumSizeHint())
            settle()
            if w.size() == w.minimumSizeHint():
                break
        yield w, w.views[k]
    finally:
        dispose(w)


def encoder_decoder(dec_steps: int):
    """A seq2seq of 5 encoder steps whose decoder runs ``dec_steps`` (its own input's)."""
    from lstmviz.engine import LayerSpec, Model, ModelSpec, TensorRef

    layers = [LayerSpec("InputLayer", {"batch_shape": [None, 5, 2]}, "enc_in"),
              LayerSpec("InputLayer", {"batch_shape": [None, dec_steps, 2]}, "dec_in"),
              LayerSpec("LSTM", {"units": 3, "return_state": True}, "encoder", inbound=[TensorRef("enc_in")]),
              LayerSpec("LSTM", {"units": 3, "return_sequences": True}, "decoder", inbound=[TensorRef("dec_in")],
                        initial_state=[TensorRef("encoder", 1), TensorRef("encoder", 2)]),
              LayerSpec("Dense", {"units": 2}, "out", inbound=[TensorRef("decoder")])]
    return Model.from_spec(ModelSpec(layers, [TensorRef("enc_in"), TensorRef("dec_in")], [TensorRef("out")],
                                     keras_version="3"))


def permuted_channels_first(n: int, batch: int = 1, between=()):
    """Keras' channels_first CNN before an LSTM, Permute((2, 1)) -> Conv1D(channels_first,
    causal) (-> the layers ``between``) -> MaxPooling1D(2, channels_first) -> Permute((2, 1))
    -> LSTM, and ``n`` steps of three features (a sine, a slow cosine, a square wave): a long
    input's case whose steps stand on axis 2 between the Permutes."""
    from lstmviz.engine import LayerSpec, Model

    model = Model.sequential((None, None, 3), [
        LayerSpec("Permute", {"dims": [2, 1]}, name="p1"),
        LayerSpec("Conv1D", {"filters": 6, "kernel_size": 5, "padding": "causal", "activation": "relu",
                             "data_format": "channels_first"}, name="conv"), *between,
        LayerSpec("MaxPooling1D", {"pool_size": 2, "data_format": "channels_first"}, name="pool"),
        LayerSpec("Permute", {"dims": [2, 1]}, name="p2"),
        LayerSpec("LSTM", {"units": 4, "return_sequences": True}, name="lstm")], seed=3)
    t = np.arange(n)
    x = np.stack([np.sin(t / 40.0), np.cos(t / 333.0), np.sign(np.sin(t / 97.0))], -1)[None].repeat(batch, 0)
    return model, x


def long_window(make_window, monkeypatch, model, n: int = 3000):
    """``model`` in a 1400 x 900 window on a long input of ``n`` random steps of three
    features (the windowed route forced: ``TRACE_SHARE`` tiny), its keyframe pass run:
    (window, state, x, the whole sequence's trace)."""
    from lstmviz import limits
    from lstmviz.app.state import AppState

    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-5)
    state = AppState()
    state.set_model(model)
    w = make_window((1400, 900), state)
    x = np.random.default_rng(1).normal(size=(1, n, 3)).astype(np.float32)
    state.set_input_data(x)
    assert state.long is not None and w.long_runner.wait(120)
    return w, state, x, model.trace(x)


def steps_moved(dense: bool = False, backwards: str | None = None):
    """tests/fixtures/k3_steps_moved_lstm's real Keras 3 model: Cropping1D((3, 2)) -> LSTM(4)
    -> ZeroPadding1D((2, 1)) -> UpSampling1D(2) -> GRU(3), its steps moved three ways (its
    LSTM's step t reads input step t+3, its GRU's step t the pad's step t//2, the pad's first
    two and last its padding); with a Dense(2) on the GRU's steps where ``dense``; with an
    LSTM(3, go_backwards=True, return_sequences=True) "back" on the steps of layer
    ``backwards`` (the crop's: its processing step t reads the crop's step N-1-t, input step
    N+2-t; the up's: padding or input step (N-1-t)//2 + 1), a second output."""
    import lstmviz
    from lstmviz.engine import LayerSpec, Model, TensorRef

    model = lstmviz.load(FIXTURES / "k3_steps_moved_lstm" / "model.keras")
    if not dense and not backwards:
        return model
    spec = model.to_spec()
    if dense:
        spec.layers.append(LayerSpec("Dense", {"units": 2}, name="d", inbound=[TensorRef("gru")]))
        spec.outputs = [TensorRef("d")]
    if backwards:
        spec.layers.append(LayerSpec("LSTM", {"units": 3, "go_backwards": True, "return_sequences": True},
                                     name="back", inbound=[TensorRef(backwards)]))
        spec.outputs = spec.outputs + [TensorRef("back")]
    return Model.from_spec(spec)


def onnx_recurrent_model(tmp_path, op, layout, direction, extras, steps=150, d=5, u=6, batch=3):
    """An ONNX graph of one recurrent node fed by the graph's input (and, as ``extras``
    say, its sequence_lens and initial states, its clip, peepholes, GRU's
    linear_before_reset), read by lstmviz; with its inputs (``batch`` samples of ``steps``
    steps, in the node's ``layout``)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    import lstmviz

    rng = np.random.default_rng(len(op) + 3 * layout + len(direction) + len(extras))
    k = {"LSTM": 4, "GRU": 3, "RNN": 1}[op]
    dirs = 2 if direction == "bidirectional" else 1
    B = batch

    def arr(*shape, scale=0.5):
        return (rng.normal(size=shape) * scale).astype(np.float32)

    inits = [numpy_helper.from_array(arr(dirs, k * u, d), "W"),
             numpy_helper.from_array(arr(dirs, k * u, u), "R"),
             numpy_helper.from_array(arr(dirs, 2 * k * u, scale=0.2), "B")]
    names = ["x", "W", "R", "B"]
    seq_dims = ["seq", "batch", d] if layout == 0 else ["batch", "seq", d]
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, seq_dims)]
    x = arr(B, steps, d, scale=1.5)
    feeds = [x.transpose(1, 0, 2).copy() if layout == 0 else x]
    if extras.get("seq_lens"):
        names.append("lens")
        inputs.append(helper.make_tensor_value_info("lens", TensorProto.INT32, ["batch"]))
        feeds.append(np.resize(np.array([steps, steps * 2 // 3, steps // 4], np.int32), B))
    else:
        names.append("")
    if extras.get("initial"):
        names += ["h0", "c0"][:2 if op == "LSTM" else 1]
        state = [dirs, "batch", u] if layout == 0 else ["batch", dirs, u]
        for n in names[-(2 if op == "LSTM" else 1):]:
            inputs.append(helper.make_tensor_value_info(n, TensorProto.FLOAT, state))
            s = arr(dirs, B, u)
            feeds.append(s if layout == 0 else s.transpose(1, 0, 2).copy())
    if extras.get("peepholes"):
        names += [""] * (7 - len(names))
        names.append("P")
        inits.append(numpy_helper.from_array(arr(dirs, 3 * u), "P"))
    while names and names[-1] == "":
        names.pop()
    attrs = {"hidden_size": u, "direction": direction, "layout": layout}
    if "clip" in extras:
        attrs["clip"] = extras["clip"]
    if op == "GRU":
        attrs["linear_before_reset"] = extras.get("linear_before_reset", 1)
    outs = ["Y", "Y_h", "Y_c"][:3 if op == "LSTM" else 2]
    node = helper.make_node(op, names, outs, **attrs)
    g = helper.make_graph([node], "g", inputs, [helper.make_tensor_value_info(o, TensorProto.FLOAT, None)
                                                for o in outs], initializer=inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 14)])
    m.ir_version = 8
    path = tmp_path / "m.onnx"
    onnx.save(m, str(path))
    return lstmviz.load(path), (feeds if len(feeds) > 1 else feeds[0])


def onnx_unwindowed_model(tmp_path, steps=40, batch=1, d=3, u=4):
    """An ONNX graph windows cannot follow: its input (batch, steps, d) made time-major by a
    Transpose, an LSTM node, then a Concat of its Y with itself along the steps (the whole
    sequence's steps, then again: a window of input steps is no window of them); read by
    lstmviz, with an input. Saved as ``tmp_path / "softmax.onnx"`` (a Softmax over the steps
    was the example until windows held it whole)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    import lstmviz

    rng = np.random.default_rng(11)
    inits = [numpy_helper.from_array((rng.normal(size=s) * 0.5).astype(np.float32), n)
             for n, s in (("W", (1, 4 * u, d)), ("R", (1, 4 * u, u)))]
    nodes = [helper.make_node("Transpose", ["x"], ["xt"], perm=[1, 0, 2]),
             helper.make_node("LSTM", ["xt", "W", "R"], ["Y"], hidden_size=u),
             helper.make_node("Concat", ["Y", "Y"], ["y"], axis=0)]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "seq", d])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], initializer=inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 14)])
    m.ir_version = 8
    path = tmp_path / "softmax.onnx"
    onnx.save(m, str(path))
    return lstmviz.load(path), rng.normal(size=(batch, steps, d)).astype(np.float32)


def axis_labels(axis) -> list:
    """(rectangle in ``axis``' coordinates, text) of each value label a pyqtgraph axis draws."""
    specs = axis_specs(axis, lambda a, painter: a.generateDrawSpecs(painter))
    return [(rect, text) for rect, _, text in specs[2]] if specs else []


def over_time_legible(view, image_least: float) -> None:
    """Over time's page as laid out: each shown heatmap's image at least ``image_least``
    px high, every colour bar's value labels and the heatmaps' unit labels inside their
    widget, and the header showing its short form whole (cut to "…" nowhere)."""
    from PySide6 import QtGui

    for slot in [s for s in view.slots if s.key is not None and s.widget.isVisible()]:
        image = slot.plot.vb.sceneBoundingRect()
        assert image.height() >= image_least, (slot.key, image)
        area = slot.widget.sceneRect()
        for axis in (slot.colorbar.axis, slot.plot.getAxis("left")):
            for rect, text in axis_labels(axis):
                r = axis.mapRectToScene(rect)
                assert area.contains(r), (slot.key, text, r, area)
    header = view.header
    shown = QtGui.QTextDocumentFragment.fromHtml(header.label.text()).toPlainText()
    short = QtGui.QTextDocumentFragment.fromHtml(header._short_shown).toPlainText()
    assert "\u2026" not in shown and shown in (short, QtGui.QTextDocumentFragment.fromHtml(
        header._shown).toPlainText()), (shown, short)


def three_updates(window):
    """``window``'s Train tab after three updates (One update x 3) of a small delay task:
    its panel, the snapshots' slider at 3."""
    panel = window.train_panel
    panel.apply_settings(panel.session.settings.__class__(task="delay", units=3, steps=6, epochs=2))
    for _ in range(3):
        panel.step_button.click()
        panel.wait()
    panel.refresh(force=True)
    return panel


def paint_anew(view, slots) -> None:
    """The Over time ``view``'s heatmaps, curves and step axes of ``slots`` to be painted
    anew at the next paint, nothing copied (what was painted ahead, the axes' shared
    pixmaps and the items' caches dropped): the reference a copy must equal."""
    from lstmviz.ui.views._common import SteadyAxis

    SteadyAxis._drawn.clear()
    for item in [s.image for s in slots] + [view.curves[s.key].curve for s in slots] + [
            p.getAxis("bottom") for p in [s.plot for s in slots] + [view.curve_plot]]:
        item.setCacheMode(item.CacheMode.NoCache)
        item.setCacheMode(item.CacheMode.DeviceCoordinateCache)
        if hasattr(item, "picture"):
            item.picture = None
        item.update()


def held_pass(monkeypatch, seconds: float = 60):
    """The main window's keyframe pass held until the event returned is set (what the
    window does while it runs)."""
    import threading

    from lstmviz.ui.long_runner import LongRunner

    go = threading.Event()
    work = LongRunner._work
    monkeypatch.setattr(LongRunner, "_work", staticmethod(lambda seq: go.wait(seconds) and work(seq)))
    return go


def lesson_step(window, title: str, step: int, size: tuple[int, int]) -> None:
    """Start the lesson whose title starts with ``title`` in ``window``, go to its ``step``,
    then lay the window out at ``size`` (twice, as a resize settles)."""
    from PySide6 import QtWidgets

    from lstmviz.app import tours

    tour = window.presenter.tour
    tour.start(next(i for i, les in enumerate(tours.ALL_LESSONS) if les.title.startswith(title)))
    tour.go(step)
    for _ in range(2):
        window.resize(*size)
        for _ in range(4):
            QtWidgets.QApplication.processEvents()


def exploding_stack(gain: float):
    """(model, trace, x): a Bidirectional LSTM (tanh: values within 1) under an LSTM whose
    activation is linear and whose kernels are ``gain`` times their initial ones (a
    published ReLU LSTM, pawra_lstm_model.h5, reached +-1e11 on its default input), a
    Dense head on top."""
    from lstmviz.engine import LayerSpec, Model

    model = Model.sequential((None, 8, 3), [
        LayerSpec("Bidirectional", {"layer": {"class_name": "LSTM", "config": {
            "units": 4, "return_sequences": True}}}, name="bi"),
        LayerSpec("LSTM", {"units": 5, "return_sequences": True, "activation": "linear"}, name="big"),
        LayerSpec("Dense", {"units": 2}, name="head")], seed=1)
    kernel, recurrent, bias = model.get_layer("big").weights
    kernel *= gain
    recurrent *= gain
    bias[:] = 0.0
    bias[5:10] = 50.0  # (the forget gate held open: c grows step after step)
    x = np.random.default_rng(0).normal(size=(2, 8, 3)).astype(np.float32)
    trace = model.trace(x)
    return model, trace, x


def labels_cut(axis) -> list:
    """The value labels of a pyqtgraph axis drawn past its bounds, where pyqtgraph clips its
    drawing (``AxisItem.drawPicture``): a label is laid out 0.8 of its height tall and drawn
    from its top (``generateDrawSpecs``), so a comma's tail under a bottom axis with no
    title below its ticks was cut off and "1,000" read as "1.000". Labels that reach below
    their digits' baseline only (a comma, a descending letter)."""
    import re

    bounds = axis.boundingRect()
    return [text for rect, text in axis_labels(axis)
            if re.search(r"[,;gjpqy()]", text) and rect.top() + rect.height() / 0.8 > bounds.bottom() + 0.5]


def build_grad_case(name: str, npz, major: str = "3"):
    """The model of ``tests/grad_cases.py``'s case ``name`` (Keras ``major``'s semantics) with
    the weights its fixture ``npz`` holds (``w0``, ``w1``, ...: every array training changes,
    ``model_arrays``' order, the moving statistics too); a case's ``graph`` as a functional model."""
    from grad_cases import CASES

    from lstmviz.engine import LayerSpec, Model, ModelSpec, TensorRef
    from lstmviz.engine.layers import model_arrays

    case = CASES[name]
    if "graph" in case:
        specs = [LayerSpec(c, {"batch_shape": list(case["shape"])} if c == "InputLayer" else dict(cfg), n,
                           inbound=[TensorRef(i) for i in inbound]) for n, c, cfg, inbound in case["graph"]]
        model = Model.from_spec(ModelSpec(specs, [TensorRef(s.name) for s in specs if s.class_name == "InputLayer"],
                                          [TensorRef(specs[-1].name)], keras_version=major))
    else:
        model = Model.sequential(case["shape"], [LayerSpec(c, dict(cfg)) for c, cfg in case["layers"]],
                                 keras_version=major)
    arrays = model_arrays(model)
    assert len(arrays) == len([k for k in npz.files if k[:1] == "w" and k[1:].isdigit()])
    for k, a in enumerate(arrays):
        a[...] = npz[f"w{k}"]
    return model


def keras3_masked_concatenate(steps: int | None):
    """A Concatenate of two masked sequences (Masking -> LSTM(3), Masking -> GRU(3)) -> LSTM(2)
    -> Dense(2) as Keras 3 saves it: the Concatenate's mask as ops (NotEqual, Any, ExpandDims,
    ZerosLike, LogicalOr, concatenate, Any: ``layers.MaskOp``) given to the LSTM as mask=."""
    from lstmviz.engine import LayerSpec, Model, ModelSpec, TensorRef

    layers = [LayerSpec("InputLayer", {"batch_shape": [None, steps, 2]}, f"{n}_in") for n in "ab"]
    for n, kind in (("a", "LSTM"), ("b", "GRU")):
        layers += [
            LayerSpec("Masking", {}, f"{n}_mask", inbound=[TensorRef(f"{n}_in")]),
            LayerSpec(kind, {"units": 3, "return_sequences": True}, n, inbound=[TensorRef(f"{n}_mask")]),
            LayerSpec("NotEqual", {"value": 0.0}, f"{n}_ne", inbound=[TensorRef(f"{n}_in")]),
            LayerSpec("Any", {"axis": -1}, f"{n}_any", inbound=[TensorRef(f"{n}_ne")]),
            LayerSpec("ExpandDims", {"axis": -1}, f"{n}_expand", inbound=[TensorRef(f"{n}_any")]),
            LayerSpec("ZerosLike", {"dtype": "bool"}, f"{n}_zeros", inbound=[TensorRef(n)]),
            LayerSpec("LogicalOr", {}, f"{n}_or", inbound=[TensorRef(f"{n}_expand"), TensorRef(f"{n}_zeros")]),
        ]
    layers += [
        LayerSpec("Concatenate", {"axis": -1}, "masks", inbound=[TensorRef("a_or"), TensorRef("b_or")]),
        LayerSpec("Any", {"axis": -1}, "mask", inbound=[TensorRef("masks")]),
        LayerSpec("Concatenate", {"axis": -1}, "merged", inbound=[TensorRef("a"), TensorRef("b")]),
        LayerSpec("LSTM", {"units": 2}, "after", inbound=[TensorRef("merged")], mask=TensorRef("mask")),
        LayerSpec("Dense", {"units": 2}, "y", inbound=[TensorRef("after")]),
    ]
    return Model.from_spec(ModelSpec(layers, [TensorRef("a_in"), TensorRef("b_in")], [TensorRef("y")],
                                     keras_version="3"))


def onnx_lstm_then(tmp_path, op: str, direction: str = "forward", d: int = 3, u: int = 4, **attrs):
    """An ONNX graph x (batch, steps, d) -> Transpose -> LSTM node -> ``op`` over its Y (time,
    directions, batch, hidden), read by lstmviz."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    import lstmviz

    dirs = 2 if direction == "bidirectional" else 1
    rng = np.random.default_rng(3)
    inits = [numpy_helper.from_array((rng.normal(size=s) * 0.5).astype(np.float32), n)
             for n, s in (("W", (dirs, 4 * u, d)), ("R", (dirs, 4 * u, u)))]
    nodes = [helper.make_node("Transpose", ["x"], ["xt"], perm=[1, 0, 2], name="t"),
             helper.make_node("LSTM", ["xt", "W", "R"], ["Y"], hidden_size=u, direction=direction, name="lstm"),
             helper.make_node(op, ["Y"], ["y"], name="op", **attrs)]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "seq", d])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], initializer=inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 14)])
    m.ir_version = 8
    onnx.save(m, str(tmp_path / "m.onnx"))
    return lstmviz.load(tmp_path / "m.onnx")
