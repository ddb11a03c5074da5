"""lstmviz: see the unrolled computation of recurrent layers, exactly as Keras computes it.

    >>> import lstmviz
    >>> model = lstmviz.load("model.keras")      # .keras, .h5, .weights.h5, .pt, .lstmviz
    >>> print(model.summary())
    >>> trace = model.trace(x)                   # trace.output == keras model.predict(x)
    >>> trace["lstm"].steps["f"]                 # forget gate, (batch, timesteps, units)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lstmviz.errors import LstmvizError

if TYPE_CHECKING:
    from lstmviz.engine import Model

__all__ = ["load", "load_weights", "read_weights", "Model", "LayerSpec", "ModelSpec", "Trace", "LstmvizError"]
__version__ = "0.1.0"


def __getattr__(name):
    # the engine is imported on first use: the file-reading child process needs none of it
    if name in ("Model", "LayerSpec", "ModelSpec", "Trace"):
        import lstmviz.engine as engine
        value = getattr(engine, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'lstmviz' has no attribute {name!r}")


def load(path, seed: int = 0, isolate: bool = True) -> Model:
    """Open a model file of any format ``lstmviz.io.formats`` registers: a saved Keras
    model, a weights-only file (its layers inferred), a PyTorch nn.LSTM/GRU/RNN state_dict
    (read without torch, running no pickled code), or the model of an lstmviz session.

    With ``isolate`` (the default) HDF5 and ``.keras`` files are parsed in a child process
    with a time and memory limit, so a damaged file that hangs or crashes libhdf5 gives a
    LstmvizError instead (see ``lstmviz.io.isolated``).
    """
    from lstmviz.engine import Model
    from lstmviz.io.formats import read_model

    return Model.from_spec(read_model(path, isolate=isolate), seed=seed)


def read_weights(path, isolate: bool = True):
    """The arrays of a weights file (or of any model file), read but not yet matched to a
    model (for ``load_weights(..., read=...)``: reading can run on another thread,
    matching and setting then happen where the model lives)."""
    from lstmviz.io.formats import read_weights as read

    return read(path, isolate=isolate)


def load_weights(model: Model, path, isolate: bool = True, read=None) -> None:
    """Put the weights of a weights-only file onto ``model``, whose layers must match
    (Keras 3 ``.weights.h5`` by Keras 3's class-based paths, other files by layer name or
    order: see ``lstmviz.io.match``). The first mismatch of class, count or shape raises
    LstmvizError naming both sides; then no layer has changed.

    ``isolate`` reads HDF5 files in a child process (see ``lstmviz.io.isolated``);
    ``read`` is what ``read_weights(path)`` returned, if it was already read.
    """
    from lstmviz.io.match import stage_weights

    entries, k3vars = read if read is not None else read_weights(path, isolate)
    for layer, arrays in stage_weights(model, path, entries, k3vars):
        layer.set_weights(arrays)
