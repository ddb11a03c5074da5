"""Learning from ``import lstmviz`` alone: ``lstmviz.gradients``, ``lstmviz.fit`` and
``lstmviz.optimizers`` are the engine's own (the same objects, so the same numbers), named
as Keras names them, and importing lstmviz still loads neither them nor Qt."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np

import lstmviz
from helpers import ROOT
from lstmviz import LayerSpec, Model


def _model(seed=0):
    return Model.sequential((None, 6, 2), [LayerSpec("LSTM", {"units": 3}), LayerSpec("Dense", {"units": 1})],
                            seed=seed)


def _data():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(10, 6, 2)).astype(np.float32)
    return x, x[:, 0, :1] - x[:, -1, 1:]


def test_the_public_names_are_the_engines_own():
    from lstmviz.engine import gradients as engine_gradients
    from lstmviz.engine import optimizers, train

    assert lstmviz.gradients is engine_gradients.gradients
    assert lstmviz.fit is train.fit
    for name in ("SGD", "Adam", "RMSprop", "Adagrad", "Optimizer"):
        assert getattr(lstmviz.optimizers, name) is getattr(optimizers, name), name
    from lstmviz.optimizers import Adam  # (as "from keras.optimizers import Adam")

    assert Adam is optimizers.Adam
    for name in ("gradients", "fit", "optimizers"):
        assert name in lstmviz.__all__ and name in dir(lstmviz)
        assert f"``{name}" in lstmviz.__doc__, name


def test_public_gradients_give_the_engines_numbers():
    from lstmviz.engine.gradients import gradients

    x, y = _data()
    mine, theirs = lstmviz.gradients(_model(), x, y, "mse"), gradients(_model(), x, y, "mse")
    assert mine.loss == theirs.loss > 0
    for a, b in zip(mine.layers["lstm"].weights, theirs.layers["lstm"].weights):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(mine.layers["lstm"].steps["dh"], theirs.layers["lstm"].steps["dh"])
    assert mine.layers["lstm"].steps["dh"].shape == (10, 6, 3)


def test_public_fit_with_a_keras_named_optimizer_trains_as_the_engines_trainer():
    from lstmviz.engine.optimizers import make
    from lstmviz.engine.train import Trainer, trainable_arrays

    x, y = _data()
    a, b = _model(), _model()
    history = lstmviz.fit(a, x, y, "mse", lstmviz.optimizers.Adam(learning_rate=0.01), batch_size=4,
                          epochs=3, shuffle=False)
    trainer = Trainer(b, x, y, "mse", make("adam", 0.01), batch_size=4, epochs=3, shuffle=False)
    while not trainer.done:
        trainer.step()
    assert history == trainer.history and len(history) == 3 and history[-1] < history[0]
    for wa, wb in zip(trainable_arrays(a), trainable_arrays(b)):
        np.testing.assert_array_equal(wa, wb)
    assert not np.array_equal(trainable_arrays(a)[0], trainable_arrays(_model())[0])  # (it moved)


def test_fit_whose_numbers_overflow_goes_on_as_keras_without_numpys_warnings():
    """Targets of 1e30 (finite float32; their squares are not): fit printed NumPy's
    "overflow encountered in square" from Adam's moments, while Keras' fit goes on quietly,
    its History's loss inf and then NaN. Now the same, as `lstmviz train` and the Train tab
    already stepped; the weights are NaN afterwards, as Keras' are."""
    import warnings

    x, y = _data()
    model = _model()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (a NumPy warning would be an exception here)
        history = lstmviz.fit(model, x, np.full_like(y, 1e30), "mse", "adam", batch_size=4, epochs=2,
                              shuffle=False)
    assert len(history) == 2 and not np.isfinite(history).any()
    assert not np.isfinite(model.get_layer("lstm").weights[0]).all()


def test_importing_lstmviz_loads_neither_the_learning_engine_nor_qt():
    code = ("import sys, lstmviz\n"
            "assert 'gradients' in lstmviz.__all__\n"
            "bad = sorted(m for m in sys.modules if m.startswith(('lstmviz.engine', 'lstmviz.optimizers', "
            "'PySide6', 'pyqtgraph')))\n"
            "assert not bad, bad\n"
            "lstmviz.optimizers.Adam\n"
            "assert 'lstmviz.engine.optimizers' in sys.modules and 'lstmviz.engine.gradients' not in sys.modules\n"
            "lstmviz.gradients\n"
            "assert 'lstmviz.engine.gradients' in sys.modules\n"
            "assert not [m for m in sys.modules if m.startswith('PySide6')]\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_save_keras_as_the_readme_spells_it_after_a_plain_import(tmp_path):
    """README's ``lstmviz.io.keras_writer.save_keras(model, "trained.keras")`` after ``import
    lstmviz`` alone raised AttributeError (neither ``lstmviz.io`` nor its ``keras_writer`` was
    imported): both are now imported when asked for, and the file written opens again."""
    out = tmp_path / "trained.keras"
    code = ("import sys, numpy as np, lstmviz\n"
            "from lstmviz import LayerSpec, Model\n"
            "m = Model.sequential((None, 4, 2), [LayerSpec('LSTM', {'units': 3}),\n"
            "                                    LayerSpec('Dense', {'units': 1})], seed=0)\n"
            "x = np.ones((6, 4, 2), np.float32)\n"
            "lstmviz.fit(m, x, x[:, 0, :1], 'mse', 'adam', epochs=1)\n"
            f"lstmviz.io.keras_writer.save_keras(m, {str(out)!r})\n"
            f"again = lstmviz.load({str(out)!r})\n"
            "assert np.array_equal(again.predict(x), m.predict(x))\n"
            "try:\n"
            "    lstmviz.io.no_such_module\n"
            "except AttributeError as e:\n"
            "    assert 'no_such_module' in str(e)\n"
            "else:\n"
            "    raise SystemExit('no AttributeError')\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert "Compiled with: loss mse, optimizer Adam" in lstmviz.load(out).summary_text()
