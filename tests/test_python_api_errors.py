"""A student's mistakes with the Python API (``Model.sequential``, ``LayerSpec``, a trace's
layers) are refused in one line saying what is wrong and what to write, not by a
TypeError from deep inside the engine."""

from __future__ import annotations

import numpy as np
import pytest

import lstmviz
from lstmviz import LayerSpec, Model
from lstmviz.engine.losses import target_refusal


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
    # the keys every layer takes said apart, not missing from the list (name, dtype, trainable)
    assert text.endswith("; and, as every layer: name, trainable, dtype"), text
    assert ", name," not in text.partition("takes: ")[2].partition(";")[0]
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


@pytest.mark.parametrize("cls, key", [("Dropout", "rate"), ("SpatialDropout1D", "rate"), ("GaussianDropout", "rate"),
                                      ("AlphaDropout", "rate"), ("GaussianNoise", "stddev")])
def test_a_rate_keras_3_refuses_is_refused_and_a_files_keras_2_value_is_kept(cls, key):
    """Dropout(rate=2) built (the identity here, so nothing showed it); Keras 3 refuses a
    rate (GaussianNoise: a stddev) outside 0..1 ("Invalid value received for argument
    `rate`. Expected a float value between 0 and 1"), and one it lacks. Keras 2 took any
    GaussianDropout/AlphaDropout rate and GaussianNoise stddev: a file's config, or a Keras 2
    stack, keeps what it holds."""
    def stack(value, **kw):
        cfg = {} if value is None else {key: value}
        return Model.sequential((None, 6, 2), [LayerSpec(cls, cfg, name="drop"), LayerSpec("Dense", {"units": 1})],
                                **kw)

    for bad in (2, 1.0001, -0.1, float("nan"), "0.5", True):
        assert refusal(lambda v=bad: stack(v)) == (f"layers[0] 'drop' ({cls}): {key} is {bad!r}; accepted: "
                                                   f"a number from 0 to 1, as Keras 3's {cls} takes it")
    assert refusal(lambda: stack(None)) == (f"layers[0] 'drop' ({cls}): {key} is missing; Keras 3's {cls} "
                                            "needs it: a number from 0 to 1")
    for good in (0, 0.0, 0.5, 1, np.float32(0.25)):
        assert stack(good).count_params() == 3
    x = np.ones((1, 6, 2), np.float32)
    kept = stack(2.0, check_keys=False)  # (a file's config: the app's stack)
    np.testing.assert_array_equal(kept.trace(x).output, stack(0.5).trace(x).output)  # (the identity here)
    stack(2.0, keras_version="2.15.0")  # (Keras 2's keys and values are not Keras 3's to check)
    text = refusal(lambda: Model.sequential((None, 6, 2), [
        LayerSpec("TimeDistributed", {"layer": {"class_name": cls, "config": {key: 3}}})]))
    assert text == (f"layers[0] (TimeDistributed): its layer ({cls}): {key} is 3; accepted: a number from 0 to 1, "
                    f"as Keras 3's {cls} takes it")


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


def _stack():
    return Model.sequential((None, 6, 2), [LayerSpec("LSTM", {"units": 3}), LayerSpec("Dense", {"units": 1})], seed=0)


def _xy():
    x = np.random.default_rng(1).normal(size=(10, 6, 2)).astype(np.float32)
    return x, x[:, 0, :1]


def test_inputs_and_targets_as_keras_fit_takes_them():
    """Nested lists (x.tolist(), y.tolist()) and (n,) targets for an output of one unit, as
    Keras' fit and predict take them: lstmviz.gradients refused (n,) ("the target has shape
    (10,) but the model's output is (10, 1)", which the README says is taken) and fit said
    "6 input samples but 10 targets" of x.tolist() (it counted the first sample's steps)."""
    x, y = _xy()
    want = lstmviz.gradients(_stack(), x, y, "mse").loss
    assert lstmviz.gradients(_stack(), x.tolist(), y[:, 0].tolist(), "mse").loss == want
    assert lstmviz.gradients(_stack(), x, y[:, 0], "mse").loss == want
    assert lstmviz.fit(_stack(), x.tolist(), y[:, 0], "mse", shuffle=False) == lstmviz.fit(
        _stack(), x, y, "mse", shuffle=False)
    np.testing.assert_array_equal(_stack().trace(x.tolist()).output, _stack().trace(x).output)
    assert lstmviz.fit(_stack(), x, y, "mse", batch_size=None, shuffle=False) == lstmviz.fit(
        _stack(), x, y, "mse", batch_size=32, shuffle=False)  # (Keras: None is 32)


@pytest.mark.parametrize("call", ["gradients", "fit", "fit split", "fit validation_data"])
def test_targets_of_another_shape_are_refused_in_lstmvizs_one_wording(call):
    """Targets of 7 values for an output of 1: lstmviz.gradients and fit said "the target has
    shape (10, 7) but the model's output is (10, 1)", not what to give; now the words of
    lstmviz grad, train and the Train tab (losses.target_refusal), after the argument's name."""
    x, y = _xy()
    bad = np.zeros((10, 7), np.float32)
    said = {"gradients": lambda: lstmviz.gradients(_stack(), x, bad, "mse"),
            "fit": lambda: lstmviz.fit(_stack(), x, bad, "mse"),
            "fit split": lambda: lstmviz.fit(_stack(), x, bad, "mse", validation_split=0.5),
            "fit validation_data": lambda: lstmviz.fit(_stack(), x, y, "mse", validation_data=(x[:4], bad[:4]))}
    want = {"fit validation_data": "validation_data: " + target_refusal((4, 7), (4, 1), "mse")}.get(
        call, "y: " + target_refusal((10, 7), (10, 1), "mse"))
    assert refusal(said[call]) == want
    assert want.endswith("targets of shape (%d, 7), but the model outputs (None, 1); mse expects shape (%d, 1)"
                         % ((4, 4) if call == "fit validation_data" else (10, 10)))


@pytest.mark.parametrize("y, words", [
    (None, "y is None: give the targets, one per sample of x"),
    ("y.npy", "y is the path 'y.npy', not an array: read the file first (np.load for .npy)"),
    (np.full((10, 1), np.nan), "y: the target holds NaN or infinity (first at index (0, 0)); replace it with numbers"),
    (np.zeros((4, 1)), "y: 4 targets, but x has 10 samples; give one target per sample"),
    (np.zeros((10, 1), complex), "y: holds complex numbers, not real numbers; give numbers"),
])
def test_targets_that_are_not_one_number_per_sample_are_refused_in_one_line(y, words):
    """y=None and a path were an IndexError or ValueError from inside; NaN targets gave a NaN
    loss without a word (x's NaN is refused), fit trained on them to NaN weights."""
    x, _ = _xy()
    assert refusal(lambda: lstmviz.gradients(_stack(), x, y, "mse")).startswith(words)
    assert refusal(lambda: lstmviz.fit(_stack(), x, y, "mse")).startswith(words)


def test_inputs_keras_does_not_take_are_refused_in_one_line():
    x, y = _xy()
    assert refusal(lambda: _stack().trace(x.astype(np.complex64))).startswith("the input holds complex numbers")
    assert refusal(lambda: _stack().trace({"input": x})).startswith("x is a dict; give an array")
    assert refusal(lambda: _stack().trace([x[0].tolist(), x[1, :3].tolist()])).startswith(
        "x is a list of samples of different shapes")
    assert refusal(lambda: _stack().trace(np.bytes_(b"x.npy"))).startswith("the input is the string 'x.npy'")
    for model in (None, "model.keras"):
        assert refusal(lambda m=model: lstmviz.gradients(m, x, y, "mse")).startswith("gradients takes an lstmviz Model")
        assert refusal(lambda m=model: lstmviz.fit(m, x, y, "mse")).startswith("fit takes an lstmviz Model")


@pytest.mark.parametrize("kw, words", [
    ({"batch_size": 2.5}, "batch_size=2.5: give a whole number of at least 1"),  # (trained at 2)
    ({"batch_size": "4"}, "batch_size='4': give a whole number of at least 1"),
    ({"batch_size": float("nan")}, "batch_size=nan: give a whole number"),  # (ValueError)
    ({"epochs": 1.5}, "epochs=1.5: give a whole number of at least 1"),  # (trained 1)
    ({"epochs": None}, "epochs=None: give a whole number"),  # (TypeError)
    ({"epochs": float("inf")}, "epochs=inf: give a whole number"),  # (OverflowError)
    ({"shuffle": "False"}, "shuffle='False': give True or False"),  # (shuffled)
    ({"shuffle": "batch"}, "shuffle='batch': give True or False (Keras' 'batch'"),
    ({"seed": -1}, "seed=-1: give a whole number of at least 0"),  # (numpy's ValueError)
    ({"seed": "a"}, "seed='a': give a whole number"),
    ({"callback": 3}, "callback=3 is not a function"),  # (TypeError after the first update)
    ({"optimizer": lstmviz.optimizers.Adam}, "optimizer is the class Adam; give an instance"),
    ({"optimizer": 3}, "optimizer=3: give a name (sgd, adam, rmsprop, adagrad) or an instance"),  # (None: the default)
    ({"optimizer": "sgd", "learning_rate": "0.1"}, "SGD learning_rate='0.1': give a positive number"),
    ({"optimizer": lstmviz.optimizers.SGD(0.1), "learning_rate": 0.5},
     "learning_rate=0.5 goes with an optimizer's name ('adam'); this SGD has its own"),  # (ignored)
])
def test_fit_refuses_its_arguments_in_one_line(kw, words):
    x, y = _xy()
    assert refusal(lambda: lstmviz.fit(_stack(), x, y, "mse", **kw)).startswith(words)


@pytest.mark.parametrize("make, words", [
    (lambda O: O.Adam(0), "Adam learning_rate=0: give a positive number"),
    (lambda O: O.Adam(-0.01), "Adam learning_rate=-0.01: give a positive number"),
    (lambda O: O.RMSprop(float("nan")), "RMSprop learning_rate=nan: give a positive number"),
    (lambda O: O.Adam("fast"), "Adam learning_rate='fast': give a positive number"),
    (lambda O: O.Adam(0.01, beta_1=2), "Adam beta_1=2: give a number from 0 to 1"),
    (lambda O: O.SGD(0.01, momentum="a"), "SGD momentum='a': give a number from 0 to 1"),
    (lambda O: O.Adam(0.01, clipnorm=-1), "Adam clipnorm=-1: give a positive number"),  # (flipped the gradient)
    (lambda O: O.Adam(0.01, weight_decay=0.1), "Adam: weight_decay=0.1 is a Keras 3 argument lstmviz does not "
                                               "compute; Adam takes learning_rate, beta_1, beta_2, epsilon, clipnorm"),
    (lambda O: O.Adam(lr=0.1), "Adam: lr=0.1 is Keras 2's name for learning_rate"),
])
def test_an_optimizers_settings_are_refused_in_one_line(make, words):
    """lstmviz.optimizers.Adam(0) or Adam(-1) was taken (only fit's names were checked): the
    run stood still or climbed the loss; Adam("fast"), SGD(momentum="a") were Python's
    errors, Adam(weight_decay=...) a TypeError naming Optimizer.__init__."""
    assert refusal(lambda: make(lstmviz.optimizers)).startswith(words)


def test_an_optimizer_that_trained_one_model_refuses_another():
    """One Adam passed to fit for two models: another architecture was a ValueError
    ("operands could not be broadcast"), the same architecture trained on with the first
    model's moments, without a word; Keras' optimizer refuses variables it was not built
    with. The same model again continues the run, as a second Keras fit does."""
    x, y = _xy()
    opt = lstmviz.optimizers.Adam(0.01)
    first = _stack()
    lstmviz.fit(first, x, y, "mse", opt, epochs=1)
    lstmviz.fit(first, x, y, "mse", opt, epochs=1)
    assert opt.iterations == 2
    assert refusal(lambda: lstmviz.fit(_stack(), x, y, "mse", opt)).startswith(
        "this Adam has trained another model (2 updates): its state is that model's")
    other = Model.sequential((None, 6, 2), [LayerSpec("GRU", {"units": 5}), LayerSpec("Dense", {"units": 1})])
    assert refusal(lambda: lstmviz.fit(other, x, y, "mse", opt)).startswith("this Adam has trained another model")
    import pickle

    assert pickle.loads(pickle.dumps(opt)).iterations == 2  # (a run handed to a training process)


def test_numpy_numbers_in_a_config_are_taken_as_keras_takes_them():
    """LayerSpec("LSTM", {"units": np.int64(4)}) (a size computed with NumPy) was refused:
    "units is np.int64(4); accepted: a whole number"; Keras takes it. The config holds
    Python's numbers after (as a file's), so to_spec() and the writers see JSON's."""
    m = Model.sequential((None, np.int64(6), 2), [
        LayerSpec("LSTM", {"units": np.int64(4), "return_sequences": np.bool_(True)}),
        LayerSpec("Dense", {"units": np.int32(1)})])
    same = Model.sequential((None, 6, 2), [LayerSpec("LSTM", {"units": 4, "return_sequences": True}),
                                           LayerSpec("Dense", {"units": 1})])
    assert m.count_params() == same.count_params()
    assert type(m.layers[0].config["units"]) is int and m.input_shapes()[0] == (None, 6, 2)
    assert refusal(lambda: Model.sequential(3, [LayerSpec("LSTM", {"units": 4})])).startswith("input_shape=3: give")


def test_a_closed_file_no_model_and_no_spec_are_refused_in_one_line(tmp_path):
    from lstmviz.io.keras_writer import save_keras

    save_keras(_stack(), tmp_path / "m.keras")
    fh = open(tmp_path / "m.keras", "rb")
    fh.close()
    assert refusal(lambda: lstmviz.load(fh)) == ("m.keras: the file object is closed; open it again ('rb'), "
                                                 "or give its path")
    assert refusal(lambda: lstmviz.load_weights(None, tmp_path / "m.keras")).startswith(
        "lstmviz.load_weights(model, path) puts weights onto an lstmviz Model, not a NoneType")
    assert refusal(lambda: Model.from_spec(None)).startswith("Model.from_spec takes a ModelSpec")


def test_one_array_for_a_model_of_two_inputs_names_them():
    """The README: ``model.trace`` of a seq2seq needs every input. Given the encoder's alone
    it said "the model takes 2 input(s), got 1", naming neither; now it says what to give,
    as ``lstmviz trace`` names its --input files. What it names is the model's own."""
    from pathlib import Path

    case = Path(__file__).resolve().parent / "fixtures" / "k3_seq2seq_lstm"
    if not (case / "model.keras").is_file():
        pytest.skip("fixture k3_seq2seq_lstm is absent (scripts/make_fixtures.py)")
    model = lstmviz.load(case / "model.keras")
    x0, x1 = np.load(case / "x0.npy"), np.load(case / "x1.npy")
    shapes = [tuple(s) for s in model.input_shapes()]
    assert shapes == [(None, *x0.shape[1:]), (None, *x1.shape[1:])]
    for given in (x0, [x0]):
        assert refusal(lambda given=given: model.trace(given)) == (
            "the model takes 2 input(s), got 1; give a list of one array per input, in order: "
            f"'encoder_input' {shapes[0]}, 'decoder_input' {shapes[1]}")
    assert model.trace([x0, x1]).output.shape[0] == len(x0)
