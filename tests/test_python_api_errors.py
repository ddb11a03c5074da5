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
