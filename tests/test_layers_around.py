"""The layers around recurrent ones (engine/layers_more.py) beyond the Keras fixtures
(k*_around_rnn, k*_masked_pooling): older Keras spellings, and one-line refusals of what
is not computed."""

from __future__ import annotations

import numpy as np
import pytest

from lstmviz.engine import LayerSpec, Model
from lstmviz.errors import LstmvizError
from lstmviz.io._layers import expected_count, normalize_layer


def seq(shape, *layers, keras_version="3"):
    return Model.sequential(shape, [LayerSpec(c, cfg, name=f"l{k}") for k, (c, cfg) in enumerate(layers)],
                            keras_version=keras_version)


def test_keras1_and_2_spellings_compute_as_keras_3s():
    cls, cfg = normalize_layer("UpSampling1D", {"length": 3}, "up")  # Keras 1's name of size
    assert (cls, cfg["size"]) == ("UpSampling1D", 3)
    x = np.arange(12, dtype=np.float32).reshape(1, 4, 3) - 5
    old = seq((None, 4, 3), (cls, cfg), ("LeakyReLU", {"alpha": 0.1}), keras_version="2")
    new = seq((None, 4, 3), ("UpSampling1D", {"size": 3}), ("LeakyReLU", {"negative_slope": 0.1}))
    want = np.repeat(x, 3, axis=1)
    want = np.where(want > 0, want, np.float32(0.1) * want)
    assert np.array_equal(old.predict(x), want) and np.array_equal(new.predict(x), want)
    # Keras 2's alpha is kept as Keras 3's negative_slope (what a .keras file of it writes)
    assert old.layers[1].config["negative_slope"] == 0.1 and "alpha" not in old.layers[1].config


def test_weight_counts_follow_center_scale_and_rms_scaling():
    assert expected_count("LayerNormalization", {"rms_scaling": True}) == 1  # gamma only
    assert expected_count("LayerNormalization", {"rms_scaling": True, "scale": False}) == 1
    assert expected_count("LayerNormalization", {"center": False}) == 1
    assert expected_count("BatchNormalization", {"center": False, "scale": False}) == 2
    model = seq((None, 5, 3), ("LayerNormalization", {"rms_scaling": True}),
                ("BatchNormalization", {"scale": False}))
    assert [w.shape for w in model.layers[0].weights] == [(3,)]
    assert model.layers[1].weight_names == ["beta", "moving_mean", "moving_variance"]
    assert model.count_params() == 3 + 9


def test_every_weightless_engine_layer_is_weightless_to_the_readers():
    """io kept its own list of weightless classes beside the engine's (``holds_weights``): it
    lacked Keras 3's mask ops (NotEqual, Any, ...), whose weight count was unknown. The
    engine's are now the readers' (``_layers.WEIGHTLESS``); only the Keras classes the engine
    does not compute are kept by hand."""
    from lstmviz.engine.layers import LAYER_CLASSES, holds_weights
    from lstmviz.io._layers import KERAS_WEIGHTLESS, WEIGHTLESS

    weightless = [c for c in LAYER_CLASSES if not holds_weights(c)]
    assert {"NotEqual", "Dropout", "MaxPooling1D", "InputLayer"} <= set(weightless)
    for cls in weightless:
        assert cls in WEIGHTLESS and expected_count(cls, {}) == 0, cls
    assert not KERAS_WEIGHTLESS & set(LAYER_CLASSES)  # (the engine's said once, by the engine)
    assert all(expected_count(c, {}) != 0 for c in LAYER_CLASSES if holds_weights(c) and c != "RNN")


def test_batch_normalization_at_inference_uses_its_moving_statistics():
    model = seq((None, 2, 2), ("BatchNormalization", {"epsilon": 0.5}))
    gamma, beta, mean, var = (np.array(v, np.float32) for v in ([2, 1], [0, 1], [1, -1], [1.5, 3.5]))
    model.layers[0].set_weights([gamma, beta, mean, var])
    x = np.array([[[3, 1], [1, -1]]], np.float32)
    want = (x - mean) / np.sqrt(var + np.float32(0.5)) * gamma + beta
    np.testing.assert_allclose(model.predict(x), want, rtol=1e-6)


@pytest.mark.parametrize("layers,said", [
    ([("BatchNormalization", {"renorm": True})], "renorm"),
    ([("BatchNormalization", {"mode": 2})], "mode"),
    ([("ReLU", {"max_value": -1})], "max_value is -1; accepted: a finite number of at least 0"),
    ([("LeakyReLU", {"negative_slope": float("nan")})], "negative_slope is nan"),
    ([("Permute", {"dims": [1, 1]})], "a permutation of 1, 2"),
    ([("Cropping1D", {"cropping": [3, 2]})], "leaves no step of the input's 5"),
    ([("LayerNormalization", {"axis": 0})], "axes after the batch's"),
    ([("GlobalAveragePooling1D", {"data_format": "channels_middle"})], "channels_last or channels_first"),
    ([("UpSampling1D", {"size": 0})], "a whole number of at least 1"),
])
def test_what_is_not_computed_is_refused_in_one_line(layers, said):
    with pytest.raises(LstmvizError) as err:
        seq((None, 5, 3), *layers)
    text = str(err.value)
    assert said in text and "\n" not in text and "'l0'" in text


def test_a_masked_softmax_is_refused_in_one_line():
    model = seq((None, 4, 3), ("Masking", {}), ("LSTM", {"units": 3, "return_sequences": True}),
                ("Softmax", {}))
    x = np.ones((1, 4, 3), np.float32)
    x[0, 0] = 0
    with pytest.raises(LstmvizError) as err:
        model.predict(x)
    assert "Softmax" in str(err.value) and "mask" in str(err.value) and "\n" not in str(err.value)
