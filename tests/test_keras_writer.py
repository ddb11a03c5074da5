"""Saving a Model as a Keras 3 .keras file: the zip's layout is Keras 3's (the groups its
saving walk names; checked once against Keras 3.15's load_model, see the commit), and
lstmviz's own reader gives back every layer and weight bit for bit."""

from __future__ import annotations

import json
import zipfile

import h5py
import numpy as np
import pytest

import lstmviz
from helpers import FIXTURES
from lstmviz.engine import LayerSpec, Model
from lstmviz.errors import LstmvizError
from lstmviz.io.keras_writer import save_keras
from lstmviz.text import snake_case

CASES = ["k3_masking_bidi_lstm_seq", "k3_emb_mask_lstm", "k3_rnn_cells", "k3_gru_reset_before",
         "k3_lstm_stacked_td", "k3_repeat_vector"]


@pytest.mark.parametrize("case", CASES)
def test_round_trip_bit_for_bit(case, tmp_path):
    model = lstmviz.load(FIXTURES / case / "model.keras")
    out = save_keras(model, tmp_path / "out.keras")
    back = lstmviz.load(out)
    assert [l.class_name for l in back.layers] == [l.class_name for l in model.layers]
    for a, b in zip(model.layers, back.layers):
        assert a.config.get("units") == b.config.get("units")
        assert len(a.weights) == len(b.weights)
        for x, y in zip(a.weights, b.weights):
            assert x.dtype == y.dtype == np.float32 and np.array_equal(x, y)
    x = np.load(FIXTURES / case / "x.npy")
    np.testing.assert_array_equal(back.trace(x).outputs[0], model.trace(x).outputs[0])


def test_layout_is_keras3s(tmp_path):
    model = Model.sequential((None, 5, 2), [
        LayerSpec("Masking", {}), LayerSpec("LSTM", {"units": 3, "return_sequences": True}),
        LayerSpec("Bidirectional", {"layer": {"class_name": "GRU", "config": {"units": 2, "return_sequences": True}}}),
        LayerSpec("LSTM", {"units": 2, "return_sequences": True}),
        LayerSpec("TimeDistributed", {"layer": {"class_name": "Dense", "config": {"units": 1}}})])
    out = save_keras(model, tmp_path / "m.keras")
    with zipfile.ZipFile(out) as z:
        assert sorted(z.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
        cfg = json.loads(z.read("config.json"))
        assert json.loads(z.read("metadata.json"))["keras_version"].startswith("3.")
        (tmp_path / "w.h5").write_bytes(z.read("model.weights.h5"))
    assert cfg["class_name"] == "Sequential"
    layers = cfg["config"]["layers"]
    assert layers[0]["class_name"] == "InputLayer" and layers[0]["config"]["batch_shape"] == [None, 5, 2]
    assert [l["class_name"] for l in layers[1:]] == ["Masking", "LSTM", "Bidirectional", "LSTM", "TimeDistributed"]
    # a GRU inside a Bidirectional keeps GRU's keys only (Keras' constructor refuses others)
    assert "unit_forget_bias" not in layers[3]["config"]["layer"]["config"]
    with h5py.File(tmp_path / "w.h5") as f:
        names = []
        f.visit(names.append)
        lstm0 = model.layers[1].weights
        assert np.array_equal(f["layers/lstm/cell/vars/0"][()], lstm0[0])
        assert np.array_equal(f["layers/lstm_1/cell/vars/2"][()], model.layers[3].weights[2])
        assert f["layers/bidirectional/forward_layer/cell/vars/1"].shape == (2, 6)
        assert f["layers/bidirectional/backward_layer/cell/vars"].attrs["name"] == "gru_cell"
        assert f["layers/time_distributed/layer/vars/0"].shape == (2, 1)
        assert "layers/masking/vars" in names


def test_snake_case_like_keras():
    assert [snake_case(c) for c in ("SimpleRNN", "LSTM", "TimeDistributed", "GRUCell", "RNN")] == [
        "simple_rnn", "lstm", "time_distributed", "gru_cell", "rnn"]


def test_a_stacks_default_names_are_keras_own():
    """A layer given no name is named as Keras names it (``to_snake_case`` of its class,
    then ``_1``, ``_2``): the engine had a rule of its own, which named an RNN ``r_n_n``
    and a SpatialDropout1D ``spatial_dropout1_d``."""
    cell = {"class_name": "LSTMCell", "config": {"units": 2}}
    specs = [LayerSpec("SimpleRNN", {"units": 3, "return_sequences": True}),
             LayerSpec("RNN", {"cell": cell, "return_sequences": True}),
             LayerSpec("RNN", {"cell": cell, "return_sequences": True}),
             LayerSpec("SpatialDropout1D", {"rate": 0.1}),
             LayerSpec("GaussianNoise", {"stddev": 0.1}),
             LayerSpec("TimeDistributed", {"layer": {"class_name": "Dense", "config": {"units": 2}}}),
             LayerSpec("LSTM", {"units": 2})]
    model = Model.sequential((None, 5, 2), specs, seed=0)
    assert [layer.name for layer in model.layers if layer.class_name != "InputLayer"] == [
        "simple_rnn", "rnn", "rnn_1", "spatial_dropout1d", "gaussian_noise", "time_distributed", "lstm"]


def test_refusals(tmp_path):
    model = Model.sequential((None, 3, 2), [LayerSpec("LSTM", {"units": 2})])
    with pytest.raises(LstmvizError, match="must end in .keras"):
        save_keras(model, tmp_path / "m.h5")
    with pytest.raises(LstmvizError, match="directory"):
        save_keras(model, tmp_path)


def test_a_saved_model_gets_the_users_permissions(tmp_path):
    # written through lstmviz.files.write_atomic, as every other file lstmviz writes: not
    # mkstemp's private 0600
    import os

    model = Model.sequential((None, 3, 2), [LayerSpec("LSTM", {"units": 2})], seed=0)
    old = os.umask(0o022)
    try:
        out = save_keras(model, tmp_path / "m.keras")
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o644
    assert lstmviz.load(out, isolate=False).count_params() == model.count_params()
