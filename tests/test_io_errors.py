"""Loader failures: every one is a one-line LstmvizError; and small synthetic layouts."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest

from helpers import ROOT
from helpers import write_legacy_h5 as _write_legacy
from lstmviz.errors import LstmvizError
from lstmviz.io import read_model_file, read_weights_file


def _check_err(path, match=None):
    with pytest.raises(LstmvizError) as ei:
        read_model_file(path)
    msg = str(ei.value)
    assert "\n" not in msg
    assert msg.startswith(Path(path).name + ": ")
    assert "; " in msg
    if match:
        assert match in msg, msg
    return msg


def _seq_config(layers):
    return {"class_name": "Sequential", "config": {"name": "s", "layers": layers}}


def _lstm_cfg(name, units, **kw):
    c = {"name": name, "units": units, "activation": "tanh", "recurrent_activation": "sigmoid",
         "return_sequences": False, "use_bias": True}
    c.update(kw)
    return {"class_name": "LSTM", "config": c}


def _lstm_weights(prefix, d, u, rng):
    return [(f"{prefix}/kernel:0", rng.standard_normal((d, 4 * u)).astype("f4")),
            (f"{prefix}/recurrent_kernel:0", rng.standard_normal((u, 4 * u)).astype("f4")),
            (f"{prefix}/bias:0", rng.standard_normal(4 * u).astype("f4"))]


# ------------------------------------------------------------------ failures

def test_missing(tmp_path):
    _check_err(tmp_path / "nope.h5", "no such file")


def test_directory(tmp_path):
    _check_err(tmp_path, "directory")


def test_empty(tmp_path):
    p = tmp_path / "empty.keras"
    p.write_bytes(b"")
    _check_err(p, "empty")


def test_png(tmp_path):
    p = tmp_path / "model.h5"
    p.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    _check_err(p, "PNG")


def test_text(tmp_path):
    p = tmp_path / "model.keras"
    p.write_text("hello, this is not a model\n")
    _check_err(p, "text file")


def test_zero_bytes_and_binary_with_nul_bytes_are_not_called_text(tmp_path):
    """UTF-8 decodes NUL bytes, so a file of zeros (a download that never finished) and a
    binary file that is valid UTF-8 but for its NULs (an executable's header) were "a text
    file"."""
    p = tmp_path / "model.h5"
    p.write_bytes(b"\0" * 3000)
    _check_err(p, "nothing but zero bytes")
    p.write_bytes(b"MZ" + b"\0" * 60 + b"This program cannot be run in DOS mode")
    assert "text file" not in _check_err(p, "unrecognised binary content")


def test_pickle_refused(tmp_path):
    # a pickle goes to the PyTorch reader, which refuses what it would have to run
    p = tmp_path / "m.pt"
    p.write_bytes(b"\x80\x02cfoo\nbar\n.")
    _check_err(p, "asks to run foo.bar, which lstmviz never does")


def test_zip_without_config(tmp_path):
    p = tmp_path / "m.keras"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("hello.txt", "hi")
    _check_err(p, "config.json")


def test_zip_bad_json(tmp_path):
    p = tmp_path / "m.keras"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("config.json", "{not json")
        z.writestr("model.weights.h5", b"\x89HDF\r\n\x1a\n")
    _check_err(p, "JSON")


def test_truncated_hdf5(tmp_path):
    rng = np.random.default_rng(0)
    full = _write_legacy(tmp_path / "full.h5", _seq_config([_lstm_cfg("lstm", 3)]),
                         [("lstm", _lstm_weights("lstm", 2, 3, rng))])
    data = full.read_bytes()
    for cut in (8, 100, len(data) // 2, len(data) - 10):
        p = tmp_path / f"cut{cut}.h5"
        p.write_bytes(data[:cut])
        _check_err(p)


def test_truncated_zip(tmp_path):
    p = tmp_path / "m.keras"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("config.json", json.dumps(_seq_config([])))
    data = p.read_bytes()
    q = tmp_path / "cut.keras"
    q.write_bytes(data[: len(data) // 2])
    _check_err(q)


def test_hdf5_without_keras_content(tmp_path):
    p = tmp_path / "plain.h5"
    with h5py.File(p, "w") as f:
        f.create_dataset("x", data=np.arange(3))
    _check_err(p, "no Keras")


def test_lambda_refused(tmp_path):
    cfg = _seq_config([_lstm_cfg("lstm", 3, batch_input_shape=[None, 4, 2]),
                       {"class_name": "Lambda", "config": {
                           "name": "evil", "function": ["4wEAAAAAAAAA", None, None],
                           "function_type": "lambda"}}])
    rng = np.random.default_rng(0)
    p = _write_legacy(tmp_path / "lam.h5", cfg, [("lstm", _lstm_weights("lstm", 2, 3, rng)),
                                                 ("evil", [])])
    msg = _check_err(p, "'evil'")
    assert "never runs code" in msg


def test_keras3_lambda_refused(tmp_path):
    cfg = {"module": "keras", "class_name": "Sequential", "config": {"name": "s", "layers": [
        {"module": "keras.layers", "class_name": "Lambda", "config": {
            "name": "lam", "function": {"class_name": "__lambda__", "config": {"code": "AAAA"}}},
         "registered_name": None}]}}
    p = tmp_path / "m.keras"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("config.json", json.dumps(cfg))
        z.writestr("model.weights.h5", b"")
    _check_err(p, "never runs code")


def test_weight_shape_disagrees_with_config(tmp_path):
    rng = np.random.default_rng(0)
    p = _write_legacy(tmp_path / "bad.h5", _seq_config([_lstm_cfg("lstm", 5)]),
                      [("lstm", _lstm_weights("lstm", 2, 3, rng))])
    _check_err(p, "disagree")


def test_weight_count_disagrees(tmp_path):
    rng = np.random.default_rng(0)
    w = _lstm_weights("lstm", 2, 3, rng)[:2]
    p = _write_legacy(tmp_path / "bad.h5", _seq_config([_lstm_cfg("lstm", 3)]), [("lstm", w)])
    _check_err(p, "needs 3")


def test_layer_count_disagrees(tmp_path):
    rng = np.random.default_rng(0)
    p = _write_legacy(tmp_path / "bad.h5",
                      _seq_config([_lstm_cfg("lstm", 3), _lstm_cfg("lstm_1", 3)]),
                      [("lstm", _lstm_weights("lstm", 2, 3, rng))])
    _check_err(p, "weights for 1 layer but")


def test_bad_model_config_json(tmp_path):
    p = tmp_path / "bad.h5"
    with h5py.File(p, "w") as f:
        f.attrs["model_config"] = b"{oops"
        f.create_group("model_weights")
    msg = _check_err(p, "not valid JSON (expecting property name enclosed in double quotes at line 1, column 2)")
    assert "Error" not in msg  # (Python's class names said nothing to a user)


def test_a_damaged_hdf5_file_is_said_in_plain_words(tmp_path):
    p = tmp_path / "cut.h5"
    with h5py.File(p, "w") as f:
        f.create_dataset("x", data=np.zeros(1000))
    p.write_bytes(p.read_bytes()[:3000])  # (a download cut short)
    msg = _check_err(p, "cannot open as HDF5: the file is truncated or corrupt")
    assert "Error" not in msg


def test_weights_file_bad_group(tmp_path):
    p = tmp_path / "w.h5"
    with h5py.File(p, "w") as f:
        f.attrs["layer_names"] = np.array([b"mystery"])
        g = f.create_group("mystery")
        g.attrs["weight_names"] = np.array([b"a:0", b"b:0", b"c:0"])
        for n in ("a:0", "b:0", "c:0"):
            g.create_dataset(n, data=np.zeros((2, 3, 4)))
    _check_err(p, "cannot tell")
    # read_weights_file still hands back the raw arrays
    assert read_weights_file(p)[0][0] == "mystery"


# ------------------------------------------------------------------ synthetic layouts

def test_keras1_bare_list_sequential_gru_and_dense(tmp_path):
    rng = np.random.default_rng(1)
    d, u = 3, 2
    cfg = {"class_name": "Sequential", "config": [
        {"class_name": "GRU", "config": {"name": "gru_1", "output_dim": u, "input_dim": d,
                                         "input_length": 7, "inner_activation": "hard_sigmoid",
                                         "activation": "tanh", "init": "glorot_uniform",
                                         "inner_init": "orthogonal", "consume_less": "gpu",
                                         "return_sequences": False}},
        {"class_name": "Dense", "config": {"name": "dense_1", "output_dim": 1, "bias": True,
                                           "activation": "linear", "init": "glorot_uniform"}}]}
    gates = {}
    ws = []
    for g in "zrh":  # file order deliberately scrambled below
        gates[g] = (rng.standard_normal((d, u)), rng.standard_normal((u, u)), rng.standard_normal(u))
    for g in "hzr":
        W, U, b = gates[g]
        ws += [(f"gru_1_W_{g}", W), (f"gru_1_U_{g}", U), (f"gru_1_b_{g}", b)]
    dw = [("dense_1_W", rng.standard_normal((u, 1))), ("dense_1_b", rng.standard_normal(1))]
    p = _write_legacy(tmp_path / "k1.h5", cfg, [("gru_1", ws), ("dense_1", dw)], version="1.2.2")
    spec = read_model_file(p)
    assert spec.keras_version == "1.2.2"
    assert [l.class_name for l in spec.layers] == ["InputLayer", "GRU", "Dense"]
    assert spec.layers[0].config["batch_shape"] == [None, 7, 3]
    gru = spec.layers[1]
    assert gru.config["units"] == 2 and gru.config["reset_after"] is False
    assert gru.config["recurrent_activation"] == "hard_sigmoid"
    assert "output_dim" not in gru.config and "inner_init" not in gru.config
    np.testing.assert_array_equal(gru.weights[0], np.concatenate([gates[g][0] for g in "zrh"], 1))
    np.testing.assert_array_equal(gru.weights[2], np.concatenate([gates[g][2] for g in "zrh"]))
    assert spec.layers[2].config["units"] == 1


def test_cudnn_lstm_and_gru_converted(tmp_path):
    rng = np.random.default_rng(2)
    d, u = 3, 2
    cfg = _seq_config([
        {"class_name": "CuDNNLSTM", "config": {"name": "c1", "units": u, "return_sequences": True,
                                               "batch_input_shape": [None, 5, d]}},
        {"class_name": "CuDNNGRU", "config": {"name": "c2", "units": u}}])
    lw = [("c1/kernel:0", rng.standard_normal((d, 4 * u))),
          ("c1/recurrent_kernel:0", rng.standard_normal((u, 4 * u))),
          ("c1/bias:0", rng.standard_normal(8 * u))]
    gw = [("c2/kernel:0", rng.standard_normal((u, 3 * u))),
          ("c2/recurrent_kernel:0", rng.standard_normal((u, 3 * u))),
          ("c2/bias:0", rng.standard_normal(6 * u))]
    p = _write_legacy(tmp_path / "cudnn.h5", cfg, [("c1", lw), ("c2", gw)])
    spec = read_model_file(p)
    lstm, gru = spec.layers[1], spec.layers[2]
    assert (lstm.class_name, gru.class_name) == ("LSTM", "GRU")
    assert gru.config["reset_after"] is True
    np.testing.assert_allclose(lstm.weights[2], lw[2][1][:4 * u] + lw[2][1][4 * u:])
    assert gru.weights[2].shape == (2, 3 * u)
    # recurrent kernels are transposed per gate, as Keras converts them
    np.testing.assert_allclose(lstm.weights[1][:, :u], lw[1][1][:, :u].T)


def test_nested_sequential_in_functional_keras3_style(tmp_path):
    """A Keras 3 .keras zip with a nested Sequential and initial_state kwargs."""
    def kt(name, idx=0):
        return {"class_name": "__keras_tensor__", "config": {"keras_history": [name, 0, idx]}}
    layers = [
        {"class_name": "InputLayer", "name": "x", "config": {"name": "x", "batch_shape": [None, None, 2]},
         "inbound_nodes": []},
        {"class_name": "InputLayer", "name": "h", "config": {"name": "h", "batch_shape": [None, 3]},
         "inbound_nodes": []},
        {"class_name": "InputLayer", "name": "c", "config": {"name": "c", "batch_shape": [None, 3]},
         "inbound_nodes": []},
        {"class_name": "LSTM", "name": "enc", "config": _lstm_cfg("enc", 3, return_sequences=True)["config"],
         "inbound_nodes": [{"args": [kt("x")], "kwargs": {"initial_state": [kt("h"), kt("c")]}}]},
        {"class_name": "Sequential", "name": "sub", "config": {"name": "sub", "layers": [
            {"class_name": "InputLayer", "config": {"name": "sub_in", "batch_shape": [None, None, 3]}},
            {"class_name": "SimpleRNN", "config": {"name": "inner", "units": 4}}]},
         "inbound_nodes": [{"args": [kt("enc")], "kwargs": {}}]},
        {"class_name": "Dense", "name": "out", "config": {"name": "out", "units": 1},
         "inbound_nodes": [{"args": [kt("sub")], "kwargs": {}}]},
    ]
    cfg = {"module": "keras.src.models.functional", "class_name": "Functional",
           "config": {"name": "f", "layers": layers,
                      "input_layers": [["x", 0, 0], ["h", 0, 0], ["c", 0, 0]],
                      "output_layers": ["out", 0, 0]}}
    rng = np.random.default_rng(3)
    wpath = tmp_path / "w.h5"
    with h5py.File(wpath, "w") as f:
        for path, shape in [("layers/lstm/cell/vars/0", (2, 12)), ("layers/lstm/cell/vars/1", (3, 12)),
                            ("layers/lstm/cell/vars/2", (12,)),
                            ("layers/sequential/layers/simple_rnn/cell/vars/0", (3, 4)),
                            ("layers/sequential/layers/simple_rnn/cell/vars/1", (4, 4)),
                            ("layers/sequential/layers/simple_rnn/cell/vars/2", (4,)),
                            ("layers/dense/vars/0", (4, 1)), ("layers/dense/vars/1", (1,))]:
            f.create_dataset(path, data=rng.standard_normal(shape))
    p = tmp_path / "nested.keras"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("config.json", json.dumps(cfg))
        z.writestr("metadata.json", json.dumps({"keras_version": "3.5.0"}))
        z.write(wpath, "model.weights.h5")
    spec = read_model_file(p)
    assert spec.source["format"] == "keras3-zip" and spec.keras_version == "3.5.0"
    names = [l.name for l in spec.layers]
    assert names == ["x", "h", "c", "enc", "inner", "out"]
    enc = spec.layers[3]
    assert [t.layer for t in enc.initial_state] == ["h", "c"]
    assert [t.layer for t in spec.layers[4].inbound] == ["enc"]
    assert [t.layer for t in spec.layers[5].inbound] == ["inner"]
    assert [t.layer for t in spec.outputs] == ["out"]
    assert [w.shape for w in spec.layers[4].weights] == [(3, 4), (4, 4), (4,)]


def test_a_keras_zip_s_metadata_that_is_no_json_is_left_out_however_it_fails(tmp_path):
    """metadata.json only says the Keras version: one that is not JSON is left out and the
    model opens. One nested past Python's parser raised RecursionError, not ValueError,
    and the whole .keras was refused ('the file is nested too deeply')."""
    src = Path(__file__).resolve().parent / "fixtures" / "k3_lstm_default" / "model.keras"
    with zipfile.ZipFile(src) as z:
        members = {n: z.read(n) for n in z.namelist()}
    for bad in (b"{not json", b"[" * 100_000 + b"]" * 100_000):
        p = tmp_path / "m.keras"
        with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
            for n, data in members.items():
                z.writestr(n, bad if n == "metadata.json" else data)
        spec = read_model_file(p)
        assert [l.class_name for l in spec.layers] == ["InputLayer", "LSTM", "Dense"]
        assert spec.keras_version == "3"


def test_legacy_attributes_as_str_and_chunked(tmp_path):
    """layer_names stored as str arrays / chunked attributes still read."""
    rng = np.random.default_rng(4)
    p = tmp_path / "w.h5"
    with h5py.File(p, "w") as f:
        f.attrs["layer_names0"] = np.array(["lstm_1"], dtype=h5py.string_dtype())
        f.attrs["layer_names1"] = np.array(["dense_1"], dtype=h5py.string_dtype())
        for lname, ws in [("lstm_1", _lstm_weights("lstm_1", 2, 3, rng)),
                          ("dense_1", [("dense_1/kernel:0", rng.standard_normal((3, 1))),
                                       ("dense_1/bias:0", rng.standard_normal(1))])]:
            g = f.create_group(lname)
            g.attrs["weight_names"] = [n for n, _ in ws]
            for n, a in ws:
                g.create_dataset(n, data=a)
    spec = read_model_file(p)
    assert spec.source["format"] == "legacy-h5-weights"
    assert [l.class_name for l in spec.layers] == ["InputLayer", "LSTM", "Dense"]
    assert spec.layers[0].config["batch_shape"] == [None, None, 2]


def test_weights_only_advice_names_the_settings_no_weights_file_records():
    """soorya_gru.weights.h5's refusal ended "load these weights onto a matching stack in the
    app": a stack the app can build (it has RepeatVector), but only once the user sets its
    n, which the weights do not hold, and the advice did not say so. It names that setting;
    where the app cannot add the layer (a Reshape) it advises the full model file alone."""
    from lstmviz.engine import LayerSpec
    from lstmviz.engine.spec import ModelSpec
    from lstmviz.loading import WEIGHTS_ONLY_HINT, weights_only_hint

    gru = LayerSpec("GRU", {"units": 4}, name="gru")
    repeat = LayerSpec("RepeatVector", {}, name="repeat_vector")
    assert weights_only_hint(ModelSpec([gru, repeat, LayerSpec("GRU", {"units": 4}, name="gru_1")])) == (
        "Open the full model file, or load these weights onto a matching stack in the app and set the n "
        "of its RepeatVector 'repeat_vector' (how many steps it repeats) yourself")
    assert weights_only_hint(ModelSpec([gru, LayerSpec("RepeatVector", {"n": 3}, name="r")])) == WEIGHTS_ONLY_HINT
    reshape = LayerSpec("Reshape", {}, name="reshape")
    assert weights_only_hint(ModelSpec([gru, repeat, reshape])) == (
        "Open the full model file (.keras/.h5), which records the n of its RepeatVector 'repeat_vector' "
        "(how many steps it repeats) and the target_shape of Reshape 'reshape' (a stack built in the app "
        "has no Reshape)")


def test_weights_of_an_encoder_and_a_decoder_say_why_they_make_no_stack(tmp_path):
    """A translation model's Keras 3 weights (two Embeddings, two LSTMs, a Dense) chain in
    no order; the refusal was the engine's complaint about the file's order ("layer 'lstm'
    (LSTM) expects 3-D input ... but gets (None, None, 357, 64, 64)"). Now it names every
    layer's widths and the two inputs the Embeddings mean, and advises what can be done:
    "load these weights onto a matching stack in the app" could not be, a stack built in the
    app takes one input."""
    import lstmviz

    rng = np.random.default_rng(0)
    p = tmp_path / "translation.weights.h5"
    with h5py.File(p, "w") as f:
        for path, shape in [("layers/dense/vars/0", (8, 30)), ("layers/dense/vars/1", (30,)),
                            ("layers/embedding/vars/0", (20, 6)), ("layers/embedding_1/vars/0", (30, 6)),
                            ("layers/lstm/cell/vars/0", (6, 32)), ("layers/lstm/cell/vars/1", (8, 32)),
                            ("layers/lstm/cell/vars/2", (32,)), ("layers/lstm_1/cell/vars/0", (6, 32)),
                            ("layers/lstm_1/cell/vars/1", (8, 32)), ("layers/lstm_1/cell/vars/2", (32,))]:
            f.create_dataset(path, data=rng.standard_normal(shape).astype("f4"))
        f.create_group("vars")
    with pytest.raises(LstmvizError) as info:
        lstmviz.load(p, isolate=False)
    msg = str(info.value)
    assert msg == ("translation.weights.h5: its layers make no single stack: in no order does each take "
                   "the previous one's output width (dense 8\u219230, embedding 20 ids\u21926, embedding_1 "
                   "30 ids\u21926, lstm 6\u21928, lstm_1 6\u21928); 2 Embeddings read 2 inputs (an encoder and "
                   "a decoder?), a wiring that a weights file does not record. Open the full model file "
                   "(.keras/.h5), which records how its inputs are wired (a stack built in the app takes "
                   "one input)")
    with pytest.raises(LstmvizError, match="in no order"):  # through the reading child process too
        lstmviz.load(p)


def test_an_error_no_reader_foresaw_says_the_file_may_be_damaged(tmp_path):
    """The readers' last line of defence (a damaged HDF5 file's libhdf5 error, found by
    mutating files) said 'cannot read the file (RuntimeError: Can't synchronously ...)',
    which does not say whose fault it is; then 'cannot read the file, which may be
    truncated or damaged (RuntimeError: Can't synchronously ...)', still Python's class and
    libhdf5's words. It says the file may be truncated or damaged, and what is read; the
    exception stays chained, for a traceback. (No file is known to reach it: each one found
    got its own words.)"""
    from lstmviz.io import formats

    def read():
        raise RuntimeError("Can't synchronously determine if attribute exists by name "
                           "(integer offset+precision out of bounds)")

    with pytest.raises(LstmvizError) as err:
        formats._guarded(tmp_path / "m.h5", read)
    assert str(err.value) == ("m.h5: cannot read the file, which may be truncated or damaged; "
                              f"{formats.supported()}")
    assert isinstance(err.value.__cause__, RuntimeError)


@pytest.mark.parametrize("raised", [SystemExit(3), KeyboardInterrupt(), GeneratorExit()])
def test_the_reading_childs_last_guard_says_the_file_may_be_damaged(tmp_path, monkeypatch, raised):
    """The reading child's last guard (what escapes every reader: no Exception does) said
    'm.h5: cannot read the file (SystemExit)'. It says what the readers' last line of
    defence says."""
    from lstmviz.io import _child, formats

    def read_model(path, isolate=True):
        raise raised

    monkeypatch.setattr(formats, "read_model", read_model)
    status, said = _child._read("model", str(tmp_path / "m.h5"))
    assert (status, said) == ("error", "m.h5: cannot read the file, which may be truncated or "
                                       f"damaged; {formats.supported()}")


def _edited_keras(tmp_path, case: str, edit, name="e.keras"):
    """A fixture's .keras file with its config.json changed by ``edit(cfg)``."""
    src = zipfile.ZipFile(Path(__file__).parent / "fixtures" / case / "model.keras")
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as z:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "config.json":
                cfg = json.loads(data)
                edit(cfg)
                data = json.dumps(cfg).encode()
            z.writestr(item.filename, data)
    return path


def _refusal(path) -> str:
    import lstmviz

    with pytest.raises(LstmvizError) as err:
        lstmviz.load(path, isolate=False)  # read, then built as a model
    msg = str(err.value)
    assert "\n" not in msg and "which may be truncated or damaged" not in msg, msg  # not the last resort
    return msg


def test_config_values_of_the_wrong_type_are_named(tmp_path):
    """Found by replacing config.json values of the fixtures at random: a class name that
    is a list or an object ('TypeError: unhashable type'), a functional model's config
    that is a list, a Keras tensor's config that is text ('AttributeError: ... has no
    attribute 'get''), each reached the readers' last line of defence; a model output
    naming a state its layer no longer returns (return_state off) failed at trace time
    ('IndexError: list index out of range'). Each is now a sentence saying what is wrong."""
    def layer_class(cfg):
        cfg["config"]["layers"][1]["class_name"] = ["LSTM"]
    assert "has a class_name that is not text" in _refusal(_edited_keras(tmp_path, "k3_lstm_default", layer_class))

    def model_class(cfg):
        cfg["class_name"] = {"class_name": "Functional"}
    assert "model class is an object, not a Keras Sequential or functional model" in _refusal(
        _edited_keras(tmp_path, "k3_two_outputs", model_class))  # (was "'a dict'": Python's word)

    def functional_list(cfg):
        cfg["config"] = cfg["config"]["layers"]
    assert "config is not an object" in _refusal(_edited_keras(tmp_path, "k3_two_outputs", functional_list))

    def tensor_config(cfg):
        for layer in cfg["config"]["layers"]:
            for node in layer.get("inbound_nodes", []):
                for arg in node.get("args", []):
                    if isinstance(arg, dict) and arg.get("class_name") == "__keras_tensor__":
                        arg["config"] = "x"
    assert "keras_history" in _refusal(_edited_keras(tmp_path, "k3_two_outputs", tensor_config))

    def no_state(cfg):
        rnn = next(l for l in cfg["config"]["layers"] if l["class_name"] == "SimpleRNN")
        rnn["config"]["return_state"] = False
    msg = _refusal(_edited_keras(tmp_path, "k3_gru_simplernn_return_state", no_state))
    assert "the model's output is output 1 of" in msg and "return_state is off" in msg


def _dense_k3(cfg):
    return next(l for l in cfg["config"]["layers"] if l["class_name"] == "Dense")


def _dense_args(n):
    def edit(cfg):
        args = _dense_k3(cfg)["inbound_nodes"][0]["args"]
        args.extend([args[0]] * n)
    return edit


def _history(at, value):
    def edit(cfg):
        _dense_k3(cfg)["inbound_nodes"][0]["args"][0]["config"]["keras_history"][at] = value
    return edit


def _output_ref(at, value):
    def edit(cfg):
        cfg["config"]["output_layers"][1][at] = value
    return edit


@pytest.mark.parametrize("edit, said", [
    # a Dense given 20,000 more positional tensors opened and used the first (Keras refuses it)
    (_dense_args(20000), "layer 'dense_last' (Dense) is called with 20,001 inputs, and Keras' Dense takes one; "
                         "supported: one input for each layer"),
    (_dense_args(1), "layer 'dense_last' (Dense) is called with 2 inputs, and Keras' Dense takes one"),
    # (a recurrent layer's tensors after its input are its initial states: three for an LSTM
    # opened, and its first trace said so)
    (lambda cfg: [l for l in cfg["config"]["layers"] if l["class_name"] == "LSTM"][1]["inbound_nodes"][0][
        "args"].extend([{"class_name": "__keras_tensor__", "config": {"keras_history": ["lstm_1", 0, 0]}}] * 3),
     "layer 'lstm_2' (LSTM) takes 2 initial state(s) (h, c), got 3"),
    # a node index past the named layer's one call was not read: the model opened
    (_history(1, 5), "the config takes a tensor from node 5 of layer 'lstm_2', which has only node 0 "
                     "(a layer is called once); supported: models where each layer is called once"),
    (_history(1, "0"), "the config refers to node '0' of layer 'lstm_2'; a node index is a whole number"),
    (_output_ref(1, 3), "the config takes a tensor from node 3 of layer 'dense_last', which has only node 0"),
    # (an output index past what the layer has was refused already, by the engine)
    (_history(2, 5), "layer 'dense_last' takes output 5 of 'lstm_2', which has 1"),
    (_output_ref(2, 3), "the model's output is output 3 of 'dense_last', which has 1"),
    # (it was "the model's input 'input' is not an input layer of the model": it is one)
    (lambda cfg: cfg["config"]["input_layers"].__setitem__(2, 2),
     "the model's input is output 2 of input layer 'input', which has 1"),
])
def test_a_layer_call_past_what_the_layer_takes_or_has_is_refused(tmp_path, edit, said):
    """A Keras 3 config whose layer call gives more inputs than the layer takes, or takes a
    tensor from a node or an output its layer does not have: one line saying so."""
    msg = _refusal(_edited_keras(tmp_path, "k3_two_outputs", edit))
    assert said in msg and msg.startswith("e.keras: "), msg


def test_a_keras2_layer_call_past_what_the_layer_takes_or_has_is_refused(tmp_path):
    """The same of a Keras 2 HDF5 model's inbound_nodes: [[layer, node, index, kwargs], ...]."""
    import shutil

    def refused(edit, case="k2_two_outputs", cls="Dense"):
        path = tmp_path / "e.h5"
        shutil.copy(Path(__file__).parent / "fixtures" / case / "model.h5", path)
        with h5py.File(path, "r+") as f:
            cfg = json.loads(f.attrs["model_config"])
            edit(next(l for l in cfg["config"]["layers"] if l["class_name"] == cls)["inbound_nodes"][0])
            f.attrs["model_config"] = json.dumps(cfg)
        return _refusal(path)

    assert "layer 'dense_last' (Dense) is called with 3 inputs, and Keras' Dense takes one" in refused(
        lambda node: node.extend([node[0], node[0]]))
    assert "the config takes a tensor from node 2 of layer 'lstm_2', which has only node 0" in refused(
        lambda node: node[0].__setitem__(1, 2))
    # (a merge of 20,000 inputs, 300 KB of config, was read as one of its first 5,000)
    assert "layer 'concat' (Concatenate) is called with 20,000 inputs, more than lstmviz reads (5,000" in refused(
        lambda node: node.extend([node[0]] * (20000 - len(node))), "k2_merge_branches", "Concatenate")


def test_config_values_replaced_at_random_are_refused_by_a_check(tmp_path):
    """300 fixture configs with values replaced at random (seeded): each is read or refused
    by a check that names what is wrong, never the readers' last line of defence."""
    import random

    rng = random.Random(0)
    cases = sorted(p.parent.name for p in (Path(__file__).parent / "fixtures").glob("k3_*/model.keras"))
    odd = [None, -1, 0, 10 ** 9, "x", [], {}, 1e308, True, "\u202e", [None], {"class_name": "LSTM"},
           "float16", [1, 2, 3]]

    def scramble(cfg):
        stack = [cfg]
        while stack:
            o = stack.pop()
            for k in (list(o) if isinstance(o, dict) else range(len(o)) if isinstance(o, list) else []):
                if rng.random() < 0.04:
                    o[k] = rng.choice(odd)
                else:
                    stack.append(o[k])

    import lstmviz

    for k in range(300):
        path = _edited_keras(tmp_path, rng.choice(cases), scramble, f"{k}.keras")
        try:
            model = lstmviz.load(path, isolate=False)
            xs = [np.zeros([1 if d is None else min(int(d), 20) for d in s], np.float32)
                  for s in model.input_shapes()]
            model.trace(xs if len(xs) > 1 else xs[0])
        except LstmvizError as err:
            assert "\n" not in str(err) and "which may be truncated or damaged" not in str(err), str(err)


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_or_a_device_is_refused_before_it_is_opened(tmp_path):
    """A model 'file' that is a named pipe made lstmviz wait for ever for a writer (open()
    blocks), and /dev/urandom or /dev/null were 'the file is empty'. Every reader of a model
    or an input file now says what it is, in one line, without opening it (files.not_regular)."""
    import os
    import threading

    import lstmviz
    from lstmviz import cli_inputs
    from lstmviz.app import inputs as gen
    from lstmviz.app.long_data import load_long_input, read_vocabulary

    fifo = tmp_path / "model.keras"
    os.mkfifo(fifo)
    # (a writer that ends at once: the code before this check read an empty file, not a hang)
    writer = threading.Thread(target=lambda: open(fifo, "wb").close(), daemon=True)
    writer.start()
    try:
        with pytest.raises(LstmvizError) as err:
            lstmviz.load(fifo)
        assert str(err.value).startswith("model.keras: this is a named pipe (FIFO), not a file; ")
    finally:
        os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))  # (lets the writer's open end)
        writer.join(5)
    model = lstmviz.load(Path(__file__).parent / "fixtures" / "k3_lstm_default" / "model.keras")
    device = Path("/dev/null")
    for read in (lstmviz.load, gen.load_array, cli_inputs.read_input, lambda p: load_long_input(p, model),
                 read_vocabulary):
        with pytest.raises(LstmvizError) as err:
            read(device)
        assert "null: this is a device, not a file; save the data to a file" in str(err.value), read


def test_demos_whose_index_or_files_are_links_to_a_device_are_skipped_at_once(tmp_path):
    """The demos' folder (``app.demos.load_demos``, read at every start and every File > Open
    by ``demo_of``) with its demos.json replaced by a link to /dev/zero was read without end:
    19 s and 2.8 GB before a 3 GiB address-space limit stopped it ('out of memory'), without
    one the machine's memory. The index is now read only where it is a regular file of at most
    ``INDEX_BYTES``, and a demo whose model is no regular file (a link to a device) is not
    listed (nor one of a loop of links, or a number for its path), its input left out where it
    is none."""
    import subprocess
    import sys
    import textwrap

    from lstmviz.app import demos

    folder = tmp_path / "demos"
    folder.mkdir()
    index = folder / "demos.json"
    index.symlink_to("/dev/zero")
    code = textwrap.dedent(f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
        sys.path.insert(0, {str(ROOT)!r})
        from pathlib import Path
        from lstmviz.app.demos import load_demos
        print(load_demos(Path({str(index)!r})))
    """)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and run.stdout.strip() == "[]", run.stderr[-2000:]

    index.unlink()
    index.write_text(" " * demos.INDEX_BYTES + "[]")  # (past the cap: not read)
    assert demos.load_demos(index) == []
    shutil.copy(ROOT / "lstmviz" / "resources" / "demos" / "sine_predictor.keras", folder / "ok.keras")
    (folder / "zero.keras").symlink_to("/dev/zero")
    (folder / "zero.npy").symlink_to("/dev/zero")
    (folder / "loop.keras").symlink_to(folder / "loop.keras")
    index.write_text(json.dumps([{"file": "zero.keras", "title": "Z"}, {"file": "loop.keras"}, {"file": 5},
                                 {"file": "ok.keras", "title": "Ok", "input": "zero.npy"}]))
    got = demos.load_demos(index)
    assert [(d["title"], d["input"]) for d in got] == [("Ok", None)]
    # (nothing outside the demos' folder: a path up out of it, or a link out of it)
    np.save(tmp_path / "outside.npy", np.zeros((1, 3, 1), np.float32))
    shutil.copy(folder / "ok.keras", tmp_path / "outside.keras")
    (folder / "out.keras").symlink_to(tmp_path / "outside.keras")
    index.write_text(json.dumps([{"file": "../outside.keras", "title": "Up"}, {"file": "out.keras", "title": "Link"},
                                 {"file": str(tmp_path / "outside.keras"), "title": "Absolute"},
                                 {"file": "ok.keras", "title": "Ok", "input": "../outside.npy"}]))
    assert [(d["title"], d["input"]) for d in demos.load_demos(index)] == [("Ok", None)]
    assert [d["model"].name for d in demos.load_demos()] == [  # (the bundled ones: all listed)
        "sine_predictor.keras", "remember_first.keras", "char_model.keras"]


def _with_junk(path: Path, junk: int) -> Path:
    """A copy of the k3_lstm_default fixture's .keras at ``path`` with ``junk`` empty members more."""
    import zipfile

    src = Path(__file__).parent / "fixtures" / "k3_lstm_default" / "model.keras"
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(path, "w") as out:
        for name in z.namelist():
            out.writestr(name, z.read(name))
        for i in range(junk):
            out.writestr(f"junk/{i}", b"")
    return path


def _refused_unread(path: Path, monkeypatch) -> list[str]:
    """What lstmviz.load (and read_session, for a .lstmviz) say of ``path``, each one line,
    zipfile's reader of the directory never called."""
    import zipfile

    import lstmviz
    from lstmviz.app.session import read_session

    opened: list = []
    monkeypatch.setattr(zipfile.ZipFile, "_RealGetContents", lambda self: opened.append(self))
    said = []
    for read in [lstmviz.load] + ([read_session] if path.suffix == ".lstmviz" else []):
        with pytest.raises(LstmvizError) as err:
            read(path)
        assert "\n" not in str(err.value)
        said.append(str(err.value))
    assert opened == []
    return said


@pytest.mark.parametrize("suffix", [".keras", ".pt", ".lstmviz"])
def test_a_zip_declaring_too_many_members_is_refused_before_its_directory_is_read(tmp_path, monkeypatch, suffix):
    """A .keras of 60,000 empty members (6 MB) took 135 MB of zipfile's directory, and 6 s,
    in the window's process before any member was read (a 100 MB one: ~2 GB). The end
    record's count is read first: more than limits.MAX_ZIP_MEMBERS is one line."""

    from lstmviz import limits

    monkeypatch.setattr(limits, "MAX_ZIP_MEMBERS", 40)
    path = _with_junk(tmp_path / f"many{suffix}", 50)
    for said in _refused_unread(path, monkeypatch):
        assert "the zip archive declares 53 members, more than the 40 lstmviz opens" in said


@pytest.mark.parametrize("zip64", [False, True], ids=["zip", "zip64"])
@pytest.mark.parametrize("suffix", [".keras", ".pt", ".lstmviz"])
def test_a_zip_whose_end_record_understates_its_members_is_refused_too(tmp_path, monkeypatch, suffix, zip64):
    """zipfile reads the directory's headers until their sizes add up to the directory's,
    whatever count the end record declares: a 6 MB file declaring 3 members and listing
    60,000 passed the count's check and took zipfile 135 MB. The headers are counted (up
    to one more than limits.MAX_ZIP_MEMBERS) before zipfile reads them."""
    import zipfile

    from lstmviz import limits

    if zip64:  # (zipfile writes zip64's end record beyond ZIP_FILECOUNT_LIMIT members)
        monkeypatch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 10)
    path = _with_junk(tmp_path / f"many{suffix}", 50)
    monkeypatch.undo()
    data = bytearray(path.read_bytes())
    for sig, at in ((b"PK\x05\x06", 8), (b"PK\x06\x06", 24)):  # (the counts: this disk's, all)
        end = data.rfind(sig)
        if end >= 0:
            size = 2 if at == 8 else 8
            data[end + at:end + at + 2 * size] = (3).to_bytes(size, "little") * 2
    path.write_bytes(bytes(data))
    assert (b"PK\x06\x06" in data) == zip64
    monkeypatch.setattr(limits, "MAX_ZIP_MEMBERS", 53)
    assert len(zipfile.ZipFile(path).infolist()) == 53
    monkeypatch.setattr(limits, "MAX_ZIP_MEMBERS", 40)
    for said in _refused_unread(path, monkeypatch):
        assert ("the zip archive's directory lists more than 40 members (its end record declares 3), "
                "more than lstmviz opens") in said

def _long_local_name(data: bytes, member: bytes, length: int = 900) -> bytes:
    """``data`` (a zip) with ``member``'s local header declaring a name of ``length`` bytes:
    zipfile reads that many bytes after it and quotes them all, raw, in its message (a
    fuzzed session's refusal was 1,021 characters)."""
    at = data.index(b"PK\x03\x04")
    while data[at + 30:at + 30 + len(member)] != member:
        at = data.index(b"PK\x03\x04", at + 4)
    return data[:at + 26] + length.to_bytes(2, "little") + data[at + 28:]


def test_a_damaged_member_header_is_one_short_line(tmp_path):
    keras = sorted(Path(__file__).resolve().parent.glob("fixtures/*/model.keras"))[0].read_bytes()
    p = tmp_path / "m.keras"
    p.write_bytes(_long_local_name(keras, b"config.json"))
    msg = _check_err(p, "name in the archive's directory and in its own header differ")
    assert len(msg.split("; supported:")[0]) < 200 and "\\x" not in msg, msg


@pytest.mark.parametrize("dtype", ["int8", "int32", "uint8", "int64", "bool"])
def test_integer_and_bool_keras_weights_are_read_as_keras_loads_them(tmp_path, dtype):
    """README: a Keras file's integer or boolean weight array is read as its values in
    float32 (true 1, false 0), as Keras assigns it to its float32 variable; a quantized
    Keras 3 layer (an integer kernel and its scale: an array more than its config takes)
    is refused. (A state_dict's integer tensor is refused: test_io_torch.)"""
    import io as _io

    import lstmviz
    from lstmviz.engine import LayerSpec, Model
    from lstmviz.io.keras_writer import save_keras

    rng = np.random.default_rng(3)
    kernel = (rng.integers(0, 2, (2, 12)) if dtype == "bool" else rng.integers(-5, 6, (2, 12))).astype(dtype)
    weights = [("lstm/kernel:0", kernel), ("lstm/recurrent_kernel:0", rng.standard_normal((3, 12)).astype("f4")),
               ("lstm/bias:0", np.zeros(12, "f4"))]
    h5 = _write_legacy(tmp_path / "ints.h5", _seq_config([_lstm_cfg("lstm", 3, batch_input_shape=[None, 4, 2])]),
                       [("lstm", weights)])
    got = read_model_file(h5).layers[-1].weights[0]
    np.testing.assert_array_equal(np.asarray(got, np.float32), kernel.astype(np.float32))
    built = lstmviz.load(h5).layers[-1].weights[0]
    assert built.dtype == np.float32 and np.array_equal(built, kernel.astype(np.float32))

    # Keras 3: the same in a .keras; a Dense quantized as Keras 3 writes one is refused
    model = Model.sequential((None, 4, 2), [LayerSpec("LSTM", {"units": 3}), LayerSpec("Dense", {"units": 1})], seed=0)
    save_keras(model, tmp_path / "base.keras")
    with zipfile.ZipFile(tmp_path / "base.keras") as z:
        members = {n: z.read(n) for n in z.namelist()}
    for name, scale in (("ints.keras", False), ("quantized.keras", True)):
        buf = _io.BytesIO(members["model.weights.h5"])
        with h5py.File(buf, "r+") as f:
            del f["layers/lstm/cell/vars/0"]
            f["layers/lstm/cell/vars/0"] = kernel
            if scale:
                f["layers/dense/vars/0"][...] = 0  # (kept float: the count alone refuses it)
                f["layers/dense/vars/2"] = np.ones(1, "f4")  # kernel_scale
        with zipfile.ZipFile(tmp_path / name, "w") as z:
            for n, data in members.items():
                z.writestr(n, buf.getvalue() if n == "model.weights.h5" else data)
    lstm = next(l for l in read_model_file(tmp_path / "ints.keras").layers if l.class_name == "LSTM")
    np.testing.assert_array_equal(np.asarray(lstm.weights[0], np.float32), kernel.astype(np.float32))
    msg = _check_err(tmp_path / "quantized.keras", "layer 'dense' (Dense) has 3 weight arrays in the file; "
                     "its config needs 2")
    assert "Error" not in msg


def test_a_file_that_cannot_be_opened_says_why_in_plain_words(tmp_path, monkeypatch):
    """A file the system would not open was refused as "cannot open the file
    (PermissionError: [Errno 13] Permission denied: '/home/.../m.h5')", a name with a NUL
    as "(ValueError: embedded null byte)": Python's class, the errno and the whole path
    again. The system's own words stay ("Permission denied"); a NUL is said as what it is."""
    import os

    from lstmviz.io import _util
    from lstmviz.io.formats import supported

    with pytest.raises(LstmvizError) as err:
        read_model_file(str(tmp_path / "m\0.h5"))
    assert str(err.value) == ("m\\x00.h5: cannot open the file: its name holds a NUL character, "
                              f"which no file name can; {supported()}")
    p = tmp_path / "m.h5"
    p.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(100))

    def refused(path):  # (the tests run as root, whom chmod does not stop)
        raise PermissionError(13, os.strerror(13), os.fspath(path))

    monkeypatch.setattr(_util.os.path, "getsize", refused)
    with pytest.raises(LstmvizError) as err:
        read_model_file(p)
    assert str(err.value) == f"m.h5: cannot open the file (Permission denied); {supported()}"


def test_a_keras_archive_member_that_runs_into_the_files_end_is_said_in_words(tmp_path):
    """A member whose size in the archive's directory runs past the file's end made zipfile
    raise a bare EOFError, said as "cannot read 'config.json' from the archive (EOFError)":
    ``text.archive_error`` fell back on the class of an error without words."""
    import io
    import struct

    from lstmviz.io.formats import supported
    from lstmviz.text import archive_error

    src = zipfile.ZipFile(Path(__file__).parent / "fixtures" / "k3_tiny_stacked" / "model.keras")
    buf = io.BytesIO()
    with src, zipfile.ZipFile(buf, "w") as out:  # (config.json last: its data just before the directory)
        for name in ("metadata.json", "model.weights.h5", "config.json"):
            out.writestr(name, src.read(name))
    data = bytearray(buf.getvalue())
    at = data.find(b"PK\x01\x02")
    while data[at + 46:at + 57] != b"config.json":
        at = data.find(b"PK\x01\x02", at + 4)
    data[at + 20:at + 28] = struct.pack("<II", 60_000, 60_000)  # (its directory's sizes)
    p = tmp_path / "e.keras"
    p.write_bytes(bytes(data))
    with pytest.raises(LstmvizError) as err:
        read_model_file(p)
    assert str(err.value) == ("e.keras: cannot read 'config.json' from the archive (its data ends "
                              f"early); {supported()}")
    assert archive_error(zipfile.BadZipFile()) == "no reason given"


def test_a_keras_archive_that_cannot_be_read_says_the_systems_words_only(tmp_path, monkeypatch):
    """A .keras file the system would not read (gone or replaced between the look at its
    first bytes and the read, a failing disk) was "cannot read the file ([Errno 5]
    Input/output error: '/whole/path/m.keras')": the errno and the whole path again. It
    keeps the system's words."""
    import errno
    import os

    from lstmviz.io import keras
    from lstmviz.io._fail import Fail

    p = tmp_path / "m.keras"
    p.write_bytes((Path(__file__).parent / "fixtures" / "k3_tiny_stacked" / "model.keras").read_bytes())

    def failing(path, *a, **k):
        raise OSError(errno.EIO, os.strerror(errno.EIO), os.fspath(path))

    monkeypatch.setattr(keras, "open", failing, raising=False)  # (the module's open: its read)
    with pytest.raises(Fail) as err:
        keras.read_keras3_zip(p)
    assert err.value.what == "cannot read the file (Input/output error)"
    monkeypatch.setattr(keras.os.path, "getsize", failing)  # (its size, looked at first)
    with pytest.raises(Fail) as err:
        keras.read_keras3_zip(p)
    assert err.value.what == "cannot read the file (Input/output error)"
    assert isinstance(err.value.__cause__, OSError)


def test_what_a_value_from_a_file_is_is_said_in_words_not_pythons_type_names():
    """Refusals said what a value from a file was by Python's (or NumPy's) type name: "an
    attribute holds int64", "a tensor's size is str", "the file's model class is 'a
    dict'". ``text.kind_of`` says it in words."""
    import numpy as np

    from lstmviz.text import kind_of

    said = [(None, "empty (null)"), (True, "true or false"), (3, "a whole number"), (10 ** 40, "a whole number"),
            (2.5, "a decimal number"), (1j, "a complex number"), ("x", "text"), (b"x", "bytes"),
            ((1, 2), "a list"), (np.int64(3), "a whole number"), (np.uint8(3), "a whole number"),
            (np.float32(1), "a decimal number"), (np.bool_(False), "true or false"), (np.str_("x"), "text"),
            (np.bytes_(b"x"), "bytes"), (object(), "a value of another kind")]
    for value, words in said:
        assert kind_of(value) == words, value
    assert kind_of([1, "a"]) == "a list"
    assert kind_of({"a": 1}) == "an object" and kind_of({}, mapping="a dictionary") == "a dictionary"
    assert kind_of(np.zeros(3)) == "an array" and kind_of(np.array("x")) == "text"
    assert kind_of(np.array([None], dtype=object)) == "an array"
    assert kind_of(np.array(None, dtype=object)) == "a value of another kind"


@pytest.mark.parametrize("value, shown", [([1, 2], "a list"), (7, "a whole number"), (None, "empty (null)"),
                                          ("Graph", "'Graph'")])
def test_a_model_class_that_is_not_text_is_said_in_words(tmp_path, value, shown):
    """A model's class_name that is not text was "the file's model class is 'a list'"
    ('a NoneType' for null, 'a int' for 7): Python's type name, quoted as if it were the
    class. What it is is said in words, unquoted; a class name stays quoted."""
    from lstmviz.io.formats import supported

    def model_class(cfg):
        cfg["class_name"] = value

    msg = _refusal(_edited_keras(tmp_path, "k3_two_outputs", model_class))
    assert msg == (f"e.keras: the file's model class is {shown}, not a Keras Sequential or "
                   f"functional model; {supported()}"), msg



@pytest.mark.parametrize("config, kind", [([1, 2], "a list"), ("units=4", "text"), (4, "a whole number")])
def test_a_layer_config_that_is_not_an_object_is_said_in_words(config, kind):
    """``check_config`` said of a layer config that is not an object of settings "its
    config is list" ('str', 'int'): Python's type name. (The readers refuse such a config
    first, "has a config that is not a JSON object"; the engine's check is the one behind
    them.) It says what the config is in words."""
    from lstmviz.engine.config_check import check_config

    with pytest.raises(LstmvizError) as err:
        check_config("LSTM", config, "rnn")
    assert str(err.value) == f"layer 'rnn' (LSTM): its config is {kind}, not an object of settings"


def _any_axis(value):
    def edit(cfg):
        next(l for l in cfg["config"]["layers"] if l["class_name"] == "Any")["config"]["axis"] = value
    return edit


def _concat_axis(value):
    def edit(cfg):
        next(l for l in cfg["config"]["layers"] if l["class_name"] == "Concatenate")["config"]["axis"] = value
    return edit


@pytest.mark.parametrize("case, edit, said", [
    # a Keras 3 Masking of each feature's row (after a Permute((2, 1))) saves its mask as
    # NotEqual and Any(axis=-1): an axis of "x", null or a list was Python's ValueError or
    # TypeError at load, one past the rank NumPy's AxisError at the first trace
    *[("k3_featurewise_masked_rnn", _any_axis(v), f"layer 'any' (Any): axis is {shown}; accepted: an axis "
       "of its input's 3, a whole number from -3 to 2") for v, shown in
      (("x", "'x'"), (None, "None"), ([1, 2], "[1, 2]"), (5, "5"), (-7, "-7"), (1e308, "1e+308"), (True, "True"))],
    # (a Concatenate's axis past the rank joined along it modulo the rank)
    ("k3_merge_branches", _concat_axis(7), "layer 'concat' (Concatenate): axis is 7; accepted: an axis of its "
                                           "input's 2, a whole number from -2 to 1"),
    ("k3_merge_branches", _concat_axis("-1"), "(Concatenate): axis is '-1'; accepted"),
])
def test_an_ops_axis_outside_its_tensor_is_refused_in_one_line(tmp_path, case, edit, said):
    msg = _refusal(_edited_keras(tmp_path, case, edit))
    assert said in msg and msg.startswith("e.keras: "), msg
