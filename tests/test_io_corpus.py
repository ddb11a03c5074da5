"""Loaders over the real-world corpus (../shared/realworld) and the Keras fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lstmviz.io import read_model_file, read_weights_file
from tests.helpers import REALWORLD

ROOT = Path(__file__).resolve().parents[1]
CORPUS = REALWORLD
FIXTURES = ROOT / "tests" / "fixtures"

needs_corpus = pytest.mark.skipif(not (CORPUS / "models").is_dir(),
                                  reason=f"real-world corpus not found at {CORPUS}")


def _corpus_models():
    if not (CORPUS / "models").is_dir():
        return []
    return sorted(p for p in (CORPUS / "models").iterdir() if p.suffix != ".pt")


def _n(layer) -> int:
    return int(sum(np.asarray(w).size for w in (layer.weights or [])))


@needs_corpus
@pytest.mark.parametrize("path", _corpus_models(), ids=lambda p: p.name)
def test_corpus_file_reads(path):
    spec = read_model_file(path)
    assert spec.layers
    assert spec.source["path"] == str(path)
    assert spec.source["format"] in {"keras3-zip", "keras3-weights-h5", "legacy-h5-model",
                                     "legacy-h5-weights"}
    assert spec.keras_version
    if spec.is_sequential:
        assert spec.layers[0].class_name == "InputLayer"
        assert "batch_shape" in spec.layers[0].config
    for l in spec.layers:
        assert l.class_name != "Lambda"
        for w in l.weights or []:
            assert isinstance(w, np.ndarray)


def _cases():
    if not (CORPUS / "cases").is_dir():
        return []
    out = []
    for d in sorted((CORPUS / "cases").iterdir()):
        meta = json.loads((d / "meta.json").read_text())
        if "error" not in meta:
            out.append(meta)
    return out


@needs_corpus
@pytest.mark.parametrize("meta", _cases(), ids=lambda m: m["file"])
def test_corpus_param_counts_match_keras(meta):
    spec = read_model_file(CORPUS / "models" / meta["file"])
    by_name = {l.name: _n(l) for l in spec.layers}
    for l in meta["layers"]:
        assert by_name.get(l["name"], 0) == l["params"], l["name"]
    assert sum(by_name.values()) == meta["total_params"]
    # functional models keep Keras' inputs/outputs
    if not spec.is_sequential:
        assert len(spec.inputs) == meta["inputs"]


@needs_corpus
@pytest.mark.parametrize("name", ["medaka_test_model.hdf5", "dl4j_k1_simple_lstm_theano_model.h5",
                                  "dl4j_k1_bidirectional_lstm_tf.h5", "ril_bilstm_64.h5",
                                  "ril_bilstm_128.h5"])
def test_corpus_files_keras_cannot_load(name):
    spec = read_model_file(CORPUS / "models" / name)
    assert sum(_n(l) for l in spec.layers) > 0
    for l in spec.layers:
        assert "time_major" not in l.config


@needs_corpus
def test_keras1_lstm_fused_gate_order():
    import h5py
    path = CORPUS / "models" / "dl4j_k1_simple_lstm_theano_model.h5"
    spec = read_model_file(path)
    lstm = next(l for l in spec.layers if l.class_name == "LSTM")
    assert lstm.config["units"] == 50
    assert lstm.config["recurrent_activation"] == "hard_sigmoid"
    with h5py.File(path, "r") as f:
        g = f["model_weights"]["lstm_1"]
        w = {k: g[k][...] for k in g}
    kernel = np.concatenate([w["lstm_1_W_i"], w["lstm_1_W_f"], w["lstm_1_W_c"], w["lstm_1_W_o"]], 1)
    np.testing.assert_array_equal(lstm.weights[0], kernel)
    rec = np.concatenate([w["lstm_1_U_i"], w["lstm_1_U_f"], w["lstm_1_U_c"], w["lstm_1_U_o"]], 1)
    np.testing.assert_array_equal(lstm.weights[1], rec)


@needs_corpus
def test_gru_without_reset_after_decided_by_bias():
    spec = read_model_file(CORPUS / "models" / "medaka_test_model.hdf5")
    bi = spec.layers[1]
    assert bi.class_name == "Bidirectional"
    assert bi.config["layer"]["config"]["reset_after"] is False


@needs_corpus
def test_initial_state_from_legacy_inbound_nodes():
    spec = read_model_file(CORPUS / "models" / "fdeep_lstm_stateful.h5")
    l = next(l for l in spec.layers if l.name == "initial_state_not_stateful")
    assert [t.layer for t in l.inbound] == ["input_3"]
    assert [t.layer for t in l.initial_state] == ["input_4", "input_5"]
    assert len(spec.outputs) == 16
    assert spec.outputs[2].layer == "lstm_state_return_0_st-True"
    assert spec.outputs[3].tensor_index == 2


WEIGHTS_ONLY = {
    "aaron_name_model.h5": [("LSTM", 128), ("LSTM", 128), ("LSTM", 32), ("Dense", 5)],
    "theophylline_textgen_weights.h5": [("LSTM", 256), ("Dropout", None), ("LSTM", 256),
                                        ("Dropout", None), ("TimeDistributed", 112)],
    "iwang_stock_lstm.weights.h5": [("LSTM", 4), ("Dense", 1)],
    "soorya_gru.weights.h5": [("GRU", 70)] * 5 + [("RepeatVector", None),
                                                   ("TimeDistributed", 1)],
}


@needs_corpus
@pytest.mark.parametrize("name", sorted(WEIGHTS_ONLY))
def test_weights_only_inference(name):
    spec = read_model_file(CORPUS / "models" / name)
    assert spec.source["weights_only"] is True
    assert spec.layers[0].class_name == "InputLayer"
    got = []
    for l in spec.layers[1:]:
        units = l.config.get("units")
        if l.class_name == "TimeDistributed":
            units = l.config["layer"]["config"]["units"]
        got.append((l.class_name, units))
    assert got == WEIGHTS_ONLY[name]
    first = spec.layers[1].weights[0]
    assert spec.layers[0].config["batch_shape"] == [None, None, first.shape[0]]


@needs_corpus
def test_weights_only_gru_reset_after_and_return_sequences():
    spec = read_model_file(CORPUS / "models" / "soorya_gru.weights.h5")
    grus = [l for l in spec.layers if l.class_name == "GRU"]
    assert all(g.config["reset_after"] is True for g in grus)
    assert [g.config["return_sequences"] for g in grus] == [True] * 4 + [False]
    assert spec.keras_version == "3"


@needs_corpus
def test_weights_only_seq2seq_embeddings():
    spec = read_model_file(CORPUS / "models" / "sh_translation.weights.h5")
    classes = sorted(l.class_name for l in spec.layers[1:])
    assert classes == ["Dense", "Embedding", "Embedding", "LSTM", "LSTM"]
    emb = {l.name: l.config for l in spec.layers if l.class_name == "Embedding"}
    assert emb["embedding"]["input_dim"] == 228 and emb["embedding"]["output_dim"] == 64


@needs_corpus
def test_read_weights_file_legacy_and_keras3():
    got = read_weights_file(CORPUS / "models" / "theophylline_textgen_weights.h5")
    assert [n for n, _ in got] == ["lstm_1", "lstm_2", "time_distributed_1"]
    assert [a.shape for a in got[0][1]] == [(112, 1024), (256, 1024), (1024,)]
    got = read_weights_file(CORPUS / "models" / "partha_nifty_bilstm.keras")
    assert [n for n, _ in got] == ["bidirectional", "bidirectional_1", "dense", "dense_1"]
    assert len(got[0][1]) == 6


@needs_corpus
@pytest.mark.parametrize("name,fmt", [("rlindland_lstm.pt", "torch-pickle"),
                                      ("chrisprasanna_gas_lstm.pt", "torch-zip")])
def test_pytorch_files_go_to_the_torch_reader(name, fmt):
    """The registry sends a torch.save file to the torch reader, whichever entry point
    reads it (it used to say "not supported yet")."""
    from lstmviz.io.torch_state import read_torch_state_dict

    spec = read_model_file(CORPUS / "models" / name)
    assert spec.source["format"] == fmt
    direct = read_torch_state_dict(CORPUS / "models" / name)
    assert [l.class_name for l in spec.layers] == [l.class_name for l in direct.layers]


# ------------------------------------------------------------------ fixtures

def _fixture_files():
    if not FIXTURES.is_dir():
        return []
    out = []
    for d in sorted(FIXTURES.iterdir()):
        if not (d / "meta.json").is_file():
            continue
        for f in sorted(d.iterdir()):
            if f.suffix in (".h5", ".keras", ".hdf5"):
                out.append(f)
    return out


needs_fixtures = pytest.mark.skipif(not _fixture_files(),
                                    reason="tests/fixtures not generated yet")


@needs_fixtures
@pytest.mark.parametrize("path", _fixture_files(),
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture_reads_and_counts_match(path):
    meta = json.loads((path.parent / "meta.json").read_text())
    spec = read_model_file(path)
    total = sum(_n(l) for l in spec.layers)
    if "total_params" in meta:
        assert total == meta["total_params"]
    if spec.source["weights_only"]:
        return
    by_name = {l.name: _n(l) for l in spec.layers}
    for l in meta.get("layers", []):
        if l["name"] in by_name:
            assert by_name[l["name"]] == l["params"], l["name"]
