"""lstmviz: see the unrolled computation of recurrent layers, exactly as Keras computes it.

    >>> import lstmviz
    >>> model = lstmviz.load("model.keras")      # .keras .h5 .weights.h5 .pt .safetensors .onnx .lstmviz
    >>> model.summary()                          # prints the table, as Keras does
    >>> model.predict(x)                         # what keras model.predict(x) returns
    >>> trace = model.trace(x)                   # every intermediate; trace.output == model.predict(x)
    >>> trace["lstm"].steps["f"]                 # forget gate, (batch, timesteps, units)
    >>> lstmviz.show(model, x)                   # the window, on this model and input
    >>> g = lstmviz.gradients(model, x, y, "mse")  # g.layers["lstm"].steps["dh"]: dL/dh_t
    >>> lstmviz.fit(model, x, y, "mse", lstmviz.optimizers.Adam(0.01), epochs=10)

Public API (``__all__``):

- ``load(path_or_file, seed=0)``: a ``Model`` from a file path, an open binary file or
  ``bytes`` (Keras 1/2/3 ``.keras`` / ``.h5`` / ``.weights.h5``, PyTorch state_dicts in
  ``.pt`` or ``.safetensors``, ONNX models, ``.lstmviz`` sessions);
- ``from_keras(model)``: a ``Model`` from a live Keras Sequential/functional model (read
  through ``get_config()`` and the layers' ``get_weights()``, and what it was compiled with,
  ``get_compile_config()`` and its optimizer's variables, for ``fit``; Keras is not imported);
- ``from_torch(module)``: a ``Model`` from a live torch module holding ``nn.LSTM`` /
  ``nn.GRU`` / ``nn.RNN`` (+ ``nn.Linear``), through its ``state_dict()``;
- ``show(obj, x=None)``: open the app's window on a path, a ``Model``, a ``Trace``, a Keras
  model or a torch module; in IPython/Jupyter the kernel stays free (Qt's event loop
  integration, ``%gui qt``);
- ``picture(obj, x=None, view="cell", step=...)``: one view drawn as a PNG, without a
  window or a display (a notebook on a server shows it inline); ``view="dh"`` (with
  ``y=`` and ``loss=``, by default the compiled one), ``"connectivity"`` or ``"gates"``: where the gradient goes, the
  Train tab's gradient pages on your model and data at its weights;
- ``read_weights(path)`` / ``load_weights(model, path)``: a weights-only file onto a model;
- ``gradients(model, x, y, loss=None)``: Keras' loss of ``model`` on ``(x, y)`` and its exact
  gradients (backpropagation through time, float32): ``g.loss``, every weight's
  (``g.layers[name].weights``), per recurrent layer and step ``dL/dh_t``
  (``g.layers[name].steps["dh"]``, ``"dc"`` for an LSTM, ``"dpre"``) and the inputs'
  (``g.inputs``); ``loss`` as ``keras.losses.get`` takes it (``"mse"``, ``"MSE"``,
  ``"MeanSquaredError"``, ``"binary_crossentropy"``, ...; None: the one the model was
  compiled with, as ``fit`` takes it); ``training=True`` (the default) as ``fit``'s update
  takes them, Keras' ``GradientTape`` over ``model(x, training=True)`` (a BatchNormalization by
  the batch's mean and variance, ``g.moments``), ``training=False`` over ``model(x,
  training=False)`` (by its moving statistics, as ``predict`` and the trace); ``g.training``
  says which;
- ``fit(model, x, y, loss=None, optimizer=None, batch_size=32, epochs=1, shuffle=True, ...,
  validation_split=0.0, validation_data=None, verbose=0)``: trains ``model`` in place as
  Keras' ``model.fit`` does, an update per batch; returns each epoch's loss, a list that is
  also Keras' ``History`` (``.history["loss"]``, ``["val_loss"]``, ``.epoch``); ``loss`` /
  ``optimizer`` None: what a ``.keras`` file's model was compiled with (else ``"adam"``);
- ``optimizers``: Keras 3's ``SGD``, ``Adam``, ``RMSprop``, ``Adagrad`` by Keras' names, for
  ``fit`` (``lstmviz.optimizers.Adam(learning_rate=0.005)``, as ``keras.optimizers.Adam``);
- ``Model`` (``summary()`` prints the table as Keras does, ``summary_text()`` returns it,
  ``trace(x)``, ``layers``, ``to_spec()``, ``Model.sequential``, ``Model.from_spec``),
  ``Trace`` (``output``, ``trace[name].steps``, ``flat()``), ``LayerSpec`` / ``ModelSpec``
  (a model described in Keras' vocabulary), ``LstmvizError`` (every refusal: one line
  saying what is wrong and what is supported).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lstmviz.errors import LstmvizError
from lstmviz.loading import MAX_LOAD_BYTES, from_keras, from_torch, load, load_weights, read_weights  # noqa: F401
from lstmviz.version import __version__  # noqa: F401  (lstmviz.__version__)

if TYPE_CHECKING:
    from lstmviz import optimizers
    from lstmviz.engine import LayerSpec, Model, ModelSpec, Trace
    from lstmviz.engine.gradients import gradients
    from lstmviz.engine.train import fit

__all__ = ["load", "from_keras", "from_torch", "show", "picture", "load_weights", "read_weights",
           "gradients", "fit", "optimizers", "Model", "LayerSpec", "ModelSpec", "Trace", "LstmvizError"]

#: names of the engine's, imported on first use: (module, name in it)
_LAZY = {"Model": ("lstmviz.engine", "Model"), "LayerSpec": ("lstmviz.engine", "LayerSpec"),
         "ModelSpec": ("lstmviz.engine", "ModelSpec"), "Trace": ("lstmviz.engine", "Trace"),
         "gradients": ("lstmviz.engine.gradients", "gradients"), "fit": ("lstmviz.engine.train", "fit")}


def __getattr__(name):
    # the engine is imported on first use: the file-reading child process needs none of it
    from importlib import import_module

    if name in _LAZY:
        module, attr = _LAZY[name]
        value = getattr(import_module(module), attr)
        globals()[name] = value
        return value
    if name == "optimizers":  # (a module, as keras.optimizers: lstmviz.optimizers.Adam)
        return import_module("lstmviz.optimizers")
    if name == "io":  # (lstmviz.io.keras_writer.save_keras after a plain ``import lstmviz``)
        return import_module("lstmviz.io")
    raise AttributeError(f"module 'lstmviz' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))


def show(obj=None, x=None, *, theme: str | None = None, size=None, block: bool | None = None):
    """Open the lstmviz window on ``obj`` and return it.

    ``obj``: a file path (model, weights or ``.lstmviz`` session), an lstmviz ``Model`` or
    ``Trace`` (its model, on the inputs it was traced on), a Keras model, a torch module
    or state_dict; None opens the demo. ``x``: the input to trace (``(batch, timesteps,
    features)``, or token ids for an Embedding; or a ``.npy``/``.csv`` file's path, read as
    ``lstmviz MODEL --input X`` reads it), else the app's generated input fitting the model;
    for a model of several inputs, the first input's (the window makes the others) or a
    list of an array (or a file's path) per input. ``size``: the window's (width, height)
    in pixels or ``"WxH"``, each side 16 to 8192 (as ``picture`` and ``--size``).

    In IPython / Jupyter the window runs on the kernel's Qt event loop (``%gui qt`` is
    switched on for you), so the call returns at once and the notebook stays usable; call
    ``show`` again after closing the window. Elsewhere (a script) it blocks until the
    window is closed, unless ``block=False``.
    """
    # The window lives in lstmviz.ui and needs Qt: imported here, on the call, so that
    # "import lstmviz" itself never loads Qt (tests/test_architecture.py checks both).
    from lstmviz.ui.notebook import show as show_window

    return show_window(obj, x, theme=theme, size=size, block=block)


def picture(obj=None, x=None, *, view: str = "cell", step: int | None = None, layer: str | None = None,
            unit: int | None = None, sample: int | None = None, theme: str | None = "light",
            size=(1200, 750), scale: float = 1.0, y=None, loss: str | None = None):
    """One view of ``obj`` on ``x`` drawn as a PNG, without a window: returns a ``Picture``
    that Jupyter shows inline (``_repr_png_``), with ``.data`` (the PNG's bytes) and
    ``.save(path)``. It needs no display (a notebook on a server, a script over ssh).

    ``obj`` and ``x`` as for ``show``. ``view``: ``"unrolled"``, ``"cell"``, ``"over_time"``,
    ``"weights"`` or ``"window"`` (all of it); ``step``, ``layer`` (a name), ``unit`` and
    ``sample`` set the cursor as the window's controls do; ``theme``: ``"light"``,
    ``"dark"`` or ``"projector"``; ``size``: the picture's (width, height) in pixels (or
    ``"WxH"``; None: 1200 x 750), times ``scale``. The same pixels as ``lstmviz MODEL
    --export-png OUT --view VIEW``.

    Where the gradient goes, at the model's weights, as the Train tab's gradient pages draw
    it (no training: ``fit`` trains): ``view="dh"``, dL/dh_t of a recurrent layer for one
    sample's own loss (needs ``y``, the targets, one per sample of ``x``, and ``loss``, a
    Keras loss's name; None: the one the model was compiled with, as ``fit`` takes it);
    ``"connectivity"``, ||dy_T/dx_t|| per input step for one sample; ``"gates"``, each
    gate's mean and saturation per unit over the samples (``unit`` rings one). ``layer``:
    the recurrent layer's name (``"bi / backward"``: a Bidirectional's half), ``sample``:
    the sample of ``x``."""
    from lstmviz.ui.notebook import picture as draw

    return draw(obj, x, view=view, step=step, layer=layer, unit=unit, sample=sample, theme=theme,
                size=size, scale=scale, y=y, loss=loss)
