"""A loss named as Keras 3's ``keras.losses.get`` names it (``ALL_OBJECTS_DICT``: the class,
the function, ``mse``/``MSE``/``mae``/``MAE``/``bce``/``BCE``; case counts), a serialised one
as a ``.keras`` file's ``compile_config`` holds it, or a live Keras loss, computes the same
loss; anything else is refused in one line listing the supported losses."""

from __future__ import annotations

import numpy as np
import pytest

import lstmviz
from lstmviz import LayerSpec, Model
from lstmviz.engine.losses import NAMES, canonical
from lstmviz.errors import LstmvizError

#: what keras.losses.get accepts for each loss here (Keras 3's losses/__init__.py)
KERAS_ACCEPTS = {
    "mse": ["mse", "MSE", "mean_squared_error", "MeanSquaredError"],
    "mae": ["mae", "MAE", "mean_absolute_error", "MeanAbsoluteError"],
    "binary_crossentropy": ["binary_crossentropy", "bce", "BCE", "BinaryCrossentropy"],
    "categorical_crossentropy": ["categorical_crossentropy", "CategoricalCrossentropy"],
    "sparse_categorical_crossentropy": ["sparse_categorical_crossentropy", "SparseCategoricalCrossentropy"],
}
SUPPORTED = ", ".join(NAMES)


def _refusal(loss) -> str:
    with pytest.raises(LstmvizError) as err:
        canonical(loss)
    text = str(err.value)
    assert "\n" not in text
    return text


@pytest.mark.parametrize("loss", list(KERAS_ACCEPTS))
def test_every_keras_name_gives_the_same_gradients(loss):
    model = Model.sequential((None, 4, 2), [LayerSpec("LSTM", {"units": 3}),
                                            LayerSpec("Dense", {"units": 3, "activation": "softmax"})], seed=1)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 4, 2)).astype(np.float32)
    y = rng.integers(0, 3, 5) if loss == "sparse_categorical_crossentropy" else np.eye(3, dtype=np.float32)[
        rng.integers(0, 3, 5)]
    want = lstmviz.gradients(model, x, y, loss)
    for name in KERAS_ACCEPTS[loss]:
        assert canonical(name) == loss
        got = lstmviz.gradients(model, x, y, name)
        assert got.loss == want.loss, name
        np.testing.assert_array_equal(got.layers["lstm"].weights[0], want.layers["lstm"].weights[0])


def test_names_keras_does_not_take_are_refused():
    assert _refusal("hinge") == f"unknown loss 'hinge'; supported: {SUPPORTED}"
    assert _refusal("Mse") == (f"unknown loss 'Mse' (Keras' names are case-sensitive: 'mse', 'MSE'); "
                               f"supported: {SUPPORTED}")
    assert _refusal("Mean_Squared_Error").startswith(
        "unknown loss 'Mean_Squared_Error' (Keras' names are case-sensitive: 'mean_squared_error');")
    assert _refusal("meansquarederror").startswith("unknown loss 'meansquarederror' (Keras' names are "
                                                   "case-sensitive: 'MeanSquaredError');")
    for other in ("Huber", "crossentropy", "kld", "cce", "scce", ""):  # (Keras' others, or none of its names)
        assert _refusal(other).startswith(f"unknown loss {other!r}"), other
    assert _refusal(None).startswith("unknown loss None; supported: mse, ")
    assert _refusal(3).startswith("unknown loss 3; supported")
    assert _refusal(np.zeros(3)).startswith("unknown loss (a numpy.ndarray); supported")


def test_a_serialised_loss_as_a_keras_file_keeps_it():
    # Keras 3 serialises compile(loss=keras.losses.MeanSquaredError()) so, and a function by its name
    saved = {"module": "keras.losses", "class_name": "MeanSquaredError",
             "config": {"name": "mean_squared_error", "reduction": "sum_over_batch_size"}, "registered_name": None}
    assert canonical(saved) == "mse"
    assert canonical({"class_name": "BinaryCrossentropy", "config": {
        "name": "binary_crossentropy", "reduction": "sum_over_batch_size", "from_logits": False,
        "label_smoothing": 0.0, "axis": -1}}) == "binary_crossentropy"
    assert canonical({"class_name": "SparseCategoricalCrossentropy", "config": {
        "from_logits": False, "ignore_class": None, "reduction": "auto"}}) == "sparse_categorical_crossentropy"
    assert canonical({"module": "keras.losses", "class_name": "function", "config": "mean_absolute_error",
                      "registered_name": "mean_absolute_error"}) == "mae"
    assert canonical({"class_name": "CategoricalCrossentropy"}) == "categorical_crossentropy"
    assert _refusal({"class_name": "BinaryCrossentropy", "config": {"from_logits": True}}) == (
        "loss BinaryCrossentropy(from_logits=True): not supported; supported: BinaryCrossentropy with Keras' "
        "default from_logits=False")
    assert _refusal({"class_name": "CategoricalCrossentropy", "config": {"label_smoothing": 0.1}}).startswith(
        "loss CategoricalCrossentropy(label_smoothing=0.1): not supported")
    assert _refusal({"class_name": "MeanSquaredError", "config": {"reduction": "sum"}}).startswith(
        "loss MeanSquaredError(reduction='sum'): not supported; supported: MeanSquaredError with Keras' "
        "default reduction='sum_over_batch_size'")
    assert _refusal({"class_name": "SparseCategoricalCrossentropy", "config": {"ignore_class": 0}}).startswith(
        "loss SparseCategoricalCrossentropy(ignore_class=0)")
    assert _refusal({"class_name": "Huber", "config": {}}).startswith("unknown loss {'class_name': 'Huber', ...}; "
                                                                       f"supported: {SUPPORTED} (or Keras'")
    assert _refusal({"class_name": "function", "config": "MeanSquaredError"}).startswith("unknown loss {'class_")


def _keras_like(name, module="keras.src.losses.losses", config=None):
    """A class as Keras 3 defines it (no Keras here: its name and module are what count)."""
    def get_config(self):
        return dict(config or {"name": "x", "reduction": "sum_over_batch_size"})

    return type(name, (), {"__module__": module, "get_config": get_config, "__call__": lambda self, a, b: 0})


def test_live_keras_losses_as_keras_get_takes_them():
    mse = _keras_like("MeanSquaredError")
    assert canonical(mse) == canonical(mse()) == "mse"  # (the class, as keras.losses.get instantiates it)
    bce = _keras_like("BinaryCrossentropy", config={"from_logits": True, "reduction": "sum_over_batch_size"})
    assert _refusal(bce()).startswith("loss BinaryCrossentropy(from_logits=True): not supported")

    def mean_absolute_error(y_true, y_pred):
        return 0

    mean_absolute_error.__module__ = "keras.src.losses.losses"
    assert canonical(mean_absolute_error) == "mae"
    # a class of another library's named as Keras' is not Keras'
    assert _refusal(_keras_like("MeanSquaredError", module="torch.nn")()).startswith(
        "unknown loss (a torch.nn.MeanSquaredError)")
