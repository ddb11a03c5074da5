"""lstmviz: see the unrolled computation of recurrent layers, exactly as Keras computes it.

    >>> import lstmviz
    >>> model = lstmviz.load("model.keras")      # .keras, legacy .h5, .weights.h5
    >>> print(model.summary())
    >>> trace = model.trace(x)                   # trace.output == keras model.predict(x)
    >>> trace["lstm"].steps["f"]                 # forget gate, (batch, timesteps, units)
"""

from lstmviz.engine import LayerSpec, Model, ModelSpec, Trace
from lstmviz.errors import LstmvizError

__all__ = ["load", "load_weights", "Model", "LayerSpec", "ModelSpec", "Trace", "LstmvizError"]
__version__ = "0.1.0"


def load(path, seed: int = 0) -> Model:
    """Open a saved Keras model (or a weights-only file, with its layers inferred), or a
    PyTorch nn.LSTM/GRU/RNN state_dict (read without torch, running no pickled code)."""
    from lstmviz.io import read_model_file
    from lstmviz.io.torch_state import looks_like_torch_file, read_torch_state_dict

    if looks_like_torch_file(path):
        return Model.from_spec(read_torch_state_dict(path), seed=seed)
    return Model.from_spec(read_model_file(path), seed=seed)


def load_weights(model: Model, path) -> None:
    """Put the weights of a weights-only file onto ``model``, whose layers must match.

    Layers are matched by name when every name in the file is a layer of the model,
    else in order among those that hold weights; the first mismatch of
    class, count or shape raises LstmvizError naming both sides.
    """
    from lstmviz.io import read_weights_file

    entries = read_weights_file(path)
    targets = [layer for layer in model.layers if layer.weights]
    by_name = {layer.name: layer for layer in targets}
    if len(entries) == len(targets) and all(name in by_name for name, _ in entries):
        # Keras 3 files list groups alphabetically: match by name where names agree.
        targets = [by_name[name] for name, _ in entries]
    if len(entries) != len(targets):
        raise LstmvizError(
            f"{path}: the file holds weights for {len(entries)} layer(s) "
            f"({', '.join(n for n, _ in entries) or 'none'}) but the model has "
            f"{len(targets)} layer(s) with weights ({', '.join(l.name for l in targets) or 'none'})"
        )
    staged = []
    for (fname, arrays), layer in zip(entries, targets):
        want = [w.shape for w in layer.weights]
        got = [tuple(a.shape) for a in arrays]
        if want != got:
            raise LstmvizError(
                f"{path}: weights '{fname}' have shapes {got} but layer '{layer.name}' "
                f"({layer.class_name}) needs {want}"
            )
        staged.append((layer, arrays))
    for layer, arrays in staged:
        layer.set_weights(arrays)
