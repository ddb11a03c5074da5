"""PyTorch state_dicts with nn.LayerNorm, nn.BatchNorm1d and nn.Conv1d around the recurrent
stack (io/torch_around.py): equal to torch where the file places them, each one left out
named with why in one line where it does not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lstmviz.engine.model import Model
from lstmviz.io.safetensors_state import read_model as read_safetensors
from lstmviz.io.torch_state import load_torch_object, read_torch_state_dict
from tests.test_io_torch import _tensor_pickle, _zip

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CASES = ("torch_lstm_layernorm", "torch_lstm_batchnorm", "torch_conv_lstm")


def _run(spec, case):
    x = np.load(FIXTURES / case / "x.npy")
    return Model.from_spec(spec).trace(x).output, np.load(FIXTURES / case / "expected.npz")["output"]


@pytest.mark.parametrize("case", CASES)
def test_norms_and_convs_are_computed_as_torch_computes_them(case):
    spec = read_torch_state_dict(FIXTURES / case / "model.pt")
    got, want = _run(spec, case)
    np.testing.assert_allclose(got, want, atol=1e-5)
    # nothing of the file left out any more (it used to say the norm was "not used")
    assert not any("not used" in w or "Not applied" in w for w in spec.source["warnings"])
    assert any(n.startswith("Around the recurrent stack:") for n in spec.source["notes"])


def test_eps_is_torchs_and_the_layers_say_where_their_weights_come_from():
    spec = read_torch_state_dict(FIXTURES / "torch_lstm_layernorm" / "model.pt")
    ln1, ln2 = (next(l for l in spec.layers if l.name == n) for n in ("ln1", "ln2"))
    assert ln1.config["epsilon"] == ln2.config["epsilon"] == 1e-5
    assert (ln1.config["center"], ln2.config["center"]) == (True, False)  # ln2: bias=False
    assert "no beta (bias=False)" in spec.source["layer_notes"]["ln2"]
    # Keras' own default, 1e-3, would give other numbers: the 1e-5 is what makes them torch's
    for layer in (ln1, ln2):
        layer.config["epsilon"] = 1e-3
    got, want = _run(spec, "torch_lstm_layernorm")
    assert np.abs(got - want).max() > 1e-4


def test_a_conv1d_takes_torchs_defaults_and_says_so():
    spec = read_torch_state_dict(FIXTURES / "torch_conv_lstm" / "model_legacy.pt")
    assert [l.class_name for l in spec.layers][:4] == ["InputLayer", "Conv1D", "BatchNormalization", "LSTM"]
    assert spec.layers[0].config["batch_shape"] == [None, None, 3]   # the conv's in-channels
    (warning,) = spec.source["warnings"]
    assert "stride 1, padding 0, dilation 1, groups 1 assumed" in warning and "\n" not in warning
    sd = load_torch_object(FIXTURES / "torch_conv_lstm" / "model.pt")[0]
    np.testing.assert_array_equal(spec.layers[1].weights[0], sd["conv.weight"].transpose(2, 1, 0))


def _safetensors(tmp_path, case):
    st = pytest.importorskip("safetensors.numpy")
    sd = load_torch_object(FIXTURES / case / "model.pt")[0]
    path = tmp_path / f"{case}.safetensors"
    st.save_file({k: np.ascontiguousarray(v) for k, v in sd.items()}, str(path))
    return read_safetensors(path)


def test_a_safetensors_file_places_a_module_where_its_width_is_found_once(tmp_path):
    spec = _safetensors(tmp_path, "torch_conv_lstm")   # conv 3 -> 5, bn(5), lstm 5 -> 4, fc
    got, want = _run(spec, "torch_conv_lstm")
    np.testing.assert_allclose(got, want, atol=1e-5)


@pytest.mark.parametrize("case, says", [
    ("torch_lstm_layernorm", "ln1 (LayerNorm(4)) fits 2 places of width 4 (after lstm1, after lstm2), "
                             "and a .safetensors file keeps no order of modules to choose"),
    ("torch_lstm_batchnorm", "bn2 (BatchNorm1d(3, affine=False)) fits 2 places of width 3 "
                             "(before the recurrent stack, after fc1)"),
])
def test_a_safetensors_file_leaves_out_a_norm_of_several_places_saying_so(tmp_path, case, says):
    spec = _safetensors(tmp_path, case)
    said = [w for w in spec.source["warnings"] if w.startswith("Not applied: ")]
    assert len(said) == 1 and "\n" not in said[0] and says in said[0], spec.source["warnings"]
    names = [l.name for l in spec.layers]
    assert says.split()[0] not in names
    if case == "torch_lstm_batchnorm":   # bn (4 wide) is after lstm alone: placed
        assert "bn" in names


def _pt(tmp_path, tensors: dict[str, np.ndarray]) -> Path:
    """A torch.save zip of ``tensors`` in their order (each in a storage of its own)."""
    entries, storages = [], {}
    for i, (name, a) in enumerate(tensors.items()):
        a = np.ascontiguousarray(a, dtype=np.float32)
        stride = tuple(int(np.prod(a.shape[k + 1:])) for k in range(a.ndim))
        entries.append((name, str(i), a.size, 0, a.shape, stride))
        storages[str(i)] = a.ravel()
    path = tmp_path / "hand.pt"
    path.write_bytes(_zip(_tensor_pickle(entries), storages))
    return path


def _lstm(u=2, d=3):
    r = np.random.default_rng(0)
    return {"lstm.weight_ih_l0": r.standard_normal((4 * u, d)), "lstm.weight_hh_l0": r.standard_normal((4 * u, u)),
            "lstm.bias_ih_l0": r.standard_normal(4 * u), "lstm.bias_hh_l0": r.standard_normal(4 * u)}


@pytest.mark.parametrize("extra, says", [
    # BatchNorm1d(5) over the LSTM's batch_first (batch, time, 2) output normalises axis 1, the
    # steps: only a model of 5 steps could have run it, not a stack of any length
    ({"bn.running_mean": np.zeros(5), "bn.running_var": np.ones(5)},
     "bn (BatchNorm1d(5, affine=False)) is registered after lstm, where the features are 2 wide"),
    ({"scale.weight": np.ones(2)},
     "scale (a 1-D weight of 2 alone) may be an nn.LayerNorm(bias=False), an nn.RMSNorm or an nn.PReLU"),
    ({"rms_norm.weight": np.ones(2)}, "rms_norm (a 1-D weight of 2) is named as no nn.LayerNorm is"),
    ({"conv.weight": np.ones((2, 3, 3))},
     "conv (Conv1d(3, 2, kernel_size=3, bias=False)) is registered after a recurrent module"),
])
def test_a_module_the_file_does_not_place_is_left_out_in_one_line(tmp_path, extra, says):
    tensors = dict(_lstm(), **extra, **{"fc.weight": np.ones((2, 2)), "fc.bias": np.zeros(2)})
    spec = read_torch_state_dict(_pt(tmp_path, tensors))
    assert [l.class_name for l in spec.layers] == ["InputLayer", "LSTM", "Dense"]
    (said,) = [w for w in spec.source["warnings"] if w.startswith("Not applied: ")]
    assert says in said and "\n" not in said, said


def test_a_layernorm_registered_before_the_stack_normalises_its_input(tmp_path):
    g, b = np.array([1.5, 0.5, 2.0]), np.array([0.1, -0.2, 0.3])
    tensors = {"norm.weight": g, "norm.bias": b, **_lstm()}
    spec = read_torch_state_dict(_pt(tmp_path, tensors))
    assert [l.class_name for l in spec.layers] == ["InputLayer", "LayerNormalization", "LSTM"]
    x = np.random.default_rng(1).standard_normal((2, 4, 3)).astype(np.float32)
    trace = Model.from_spec(spec).trace(x)
    mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    np.testing.assert_allclose(trace["norm"].output, (x - mean) / np.sqrt(var + 1e-5) * g + b, atol=1e-5)
