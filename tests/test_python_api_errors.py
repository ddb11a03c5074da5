"""A student's mistakes with the Python API (``Model.sequential``, ``LayerSpec``, a trace's
layers) are refused in one line saying what is wrong and what to write, not by a
TypeError from deep inside the engine."""

from __future__ import annotations

import numpy as np
import pytest

import lstmviz
from lstmviz import LayerSpec, Model


def refusal(make) -> str:
    with pytest.raises(lstmviz.LstmvizError) as err:
        make()
    text = str(err.value)
    assert "\n" not in text
    return text


def test_layer_spec_arguments_in_the_wrong_order_are_named():
    # LayerSpec("LSTM", "mylstm", {...}): "TypeError: unhashable type: 'dict'" from model.py
    text = refusal(lambda: Model.sequential((None, 12, 2), [LayerSpec("LSTM", "mylstm", {"units": 4})]))
    assert "layers[0]" in text and "config" in text and "str" in text
    assert 'LayerSpec("LSTM", {"units": 4}, name=' in text


def test_a_stack_that_is_not_a_list_of_layer_specs_is_refused():
    # one LayerSpec without the list: "'LayerSpec' object is not iterable"
    text = refusal(lambda: Model.sequential((None, 12, 2), LayerSpec("LSTM", {"units": 4})))
    assert "a list of LayerSpec" in text
    # a Keras config's dicts: "'dict' object has no attribute 'inbound'"
    text = refusal(lambda: Model.sequential((None, 12, 2), [{"class_name": "LSTM", "config": {"units": 4}}]))
    assert "layers[0] is a dict" in text and "LayerSpec(" in text
    text = refusal(lambda: Model.sequential((None, 12, 2), [LayerSpec("LSTM", {"units": 4}, name=3)]))
    assert "layers[0]" in text and "name" in text


@pytest.mark.parametrize("seed", ["a", 1.5, [1.5]])
def test_a_seed_that_is_not_a_whole_number_is_refused(seed):
    # numpy's "SeedSequence expects int or sequence of ints for entropy not a"
    text = refusal(lambda: Model.sequential((None, 12, 2), [LayerSpec("LSTM", {"units": 4})], seed=seed))
    assert f"seed={seed!r}" in text and "whole number" in text
    assert Model.sequential((None, 12, 2), [LayerSpec("LSTM", {"units": 4})], seed=np.int64(3))


def test_a_trace_asked_for_a_layer_it_has_not_names_its_layers():
    model = Model.sequential((None, 12, 2), [LayerSpec("LSTM", {"units": 4}, name="enc")], seed=0)
    trace = model.trace(np.zeros((1, 12, 2)))
    with pytest.raises(KeyError) as err:  # (still a KeyError: a mapping's `in` and except hold)
        trace["LSTM"]
    assert "'enc'" in str(err.value) and "'LSTM'" in str(err.value)
    with pytest.raises(KeyError) as err:
        trace["enc"].steps["forget"]
    assert "'f'" in str(err.value) and "'forget'" in str(err.value)
    assert trace["enc"].steps["f"].shape == (1, 12, 4)


def test_a_trace_of_a_files_path_says_to_read_it_first(tmp_path):
    # model.trace("x.npy") (lstmviz.picture takes a path) said "the input is not numeric
    # (dtype <U5)": neither that it was read as a string nor what to give
    model = Model.sequential((None, 12, 2), [LayerSpec("LSTM", {"units": 4})], seed=0)
    text = refusal(lambda: model.trace("x.npy"))
    assert "'x.npy'" in text and "np.load" in text
    text = refusal(lambda: model.trace(np.array([["a", "b"]])))
    assert "not numeric" in text and "numbers" in text


def test_a_config_key_keras_does_not_take_is_refused_naming_the_layer_and_the_key():
    """LayerSpec("LSTM", {"units": 4, "retrun_sequences": True}) built an LSTM that returns
    its last step only, without a word (Keras: "Unrecognized keyword arguments passed to
    LSTM"). Refused in one line naming the layer and the key, the key it was likely meant
    to be and the keys Keras 3's layer takes; inside a wrapper and a cell too."""
    text = refusal(lambda: Model.sequential((None, 12, 2), [
        LayerSpec("LSTM", {"units": 4, "retrun_sequences": True}, name="enc"), LayerSpec("Dense", {"units": 1})]))
    assert text.startswith("layers[0] 'enc' (LSTM): unknown config key 'retrun_sequences' (did you mean "
                           "'return_sequences'?); Keras 3's LSTM takes: activation, "), text
    assert "units" in text and "use_cudnn" in text
    text = refusal(lambda: Model.sequential((None, 12, 2), [LayerSpec("Dense", {"unitz": 1})]))
    assert text.startswith("layers[0] (Dense): unknown config key 'unitz' (did you mean 'units'?)")
    text = refusal(lambda: Model.sequential((None, 12, 2), [
        LayerSpec("Bidirectional", {"layer": {"class_name": "GRU", "config": {"units": 2, "time_major": False}}})]))
    assert text.startswith("layers[0] (Bidirectional): its layer (GRU): unknown config key 'time_major'; "
                           "Keras 3's GRU takes: ")
    cells = [{"class_name": "LSTMCell", "config": {"units": 2}},
             {"class_name": "GRUCell", "config": {"units": 2, "reset_afterr": False}}]
    text = refusal(lambda: Model.sequential((None, 12, 2), [LayerSpec("RNN", {"cell": cells})]))
    assert "(RNN): its cell (GRUCell): unknown config key 'reset_afterr' (did you mean 'reset_after'?)" in text


def test_a_configs_name_names_the_layer_as_keras_names_it():
    """LayerSpec("LSTM", {"units": 4, "name": "enc"}) was taken (the README: a config takes
    Keras' constructor arguments, such as name) and then built a layer named 'lstm', its
    config still saying 'enc': the trace's keys, the summary and model.trace()["enc"] did
    not know the name given. The config's name names the layer, as LSTM(4, name="enc")
    does in Keras (LayerSpec's name= first), and two layers so named alike are refused."""
    m = Model.sequential((None, 12, 2), [LayerSpec("LSTM", {"units": 4, "name": "enc", "return_sequences": True}),
                                         LayerSpec("LSTM", {"units": 3}), LayerSpec("Dense", {"units": 1})])
    assert [ly.name for ly in m.layers] == ["enc", "lstm", "dense"]
    x = np.zeros((1, 12, 2), np.float32)
    assert m.trace(x)["enc"].steps["f"].shape == (1, 12, 4)
    again = Model.sequential((None, 12, 2), [LayerSpec("LSTM", {"units": 4, "name": "a"}, name="b")])
    assert [ly.name for ly in again.layers] == ["b"]
    # (and its config says so: it said 'a', which to_spec() and the exports handed on)
    assert again.layers[0].config["name"] == "b" and again.to_spec().layers[1].config["name"] == "b"
    text = refusal(lambda: Model.sequential((None, 12, 2), [
        LayerSpec("LSTM", {"units": 4, "name": "enc", "return_sequences": True}),
        LayerSpec("LSTM", {"units": 3, "name": "enc"})]))
    assert text == "two layers are named 'enc'; layer names must be unique"


def test_every_key_keras_takes_and_every_key_a_models_spec_holds_still_builds():
    """What Keras' constructors take besides get_config()'s keys (name, dtype, use_cudnn,
    implementation, input_shape) builds; so does a model's own to_spec() (lstmviz writes
    keys of its own in a SimpleRNN's config), and a Keras 2 stack's keys with its version."""
    Model.sequential((None, 12, 2), [
        LayerSpec("LSTM", {"units": 4, "use_cudnn": "auto", "implementation": 2, "name": "a", "trainable": True,
                           "dtype": "float32", "input_shape": (12, 2), "return_sequences": True}),
        LayerSpec("SimpleRNN", {"units": 3, "seed": 1}), LayerSpec("Dense", {"units": 1, "lora_rank": None})])
    for layer in (LayerSpec("SimpleRNN", {"units": 3}),
                  LayerSpec("RNN", {"cell": [{"class_name": "SimpleRNNCell", "config": {"units": 2}},
                                             {"class_name": "GRUCell", "config": {"units": 2}}]}),
                  LayerSpec("Bidirectional", {"layer": {"class_name": "SimpleRNN", "config": {"units": 2}}})):
        spec = Model.sequential((None, 12, 2), [layer]).to_spec()
        assert Model.sequential((None, 12, 2), spec.layers[1:]).count_params() > 0
    Model.sequential((None, 12, 2), [LayerSpec("LSTM", {"units": 4, "time_major": False})], keras_version="2")
