"""lstmviz: see the unrolled computation of recurrent layers, exactly as Keras computes it.

    >>> import lstmviz
    >>> model = lstmviz.load("model.keras")      # .keras, legacy .h5, .weights.h5
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
    """Open a saved Keras model (or a weights-only file, with its layers inferred), a
    PyTorch nn.LSTM/GRU/RNN state_dict (read without torch, running no pickled code; also
    as .safetensors), or an ONNX model (LSTM/GRU/RNN nodes and the ops around them).

    With ``isolate`` (the default) HDF5 and ``.keras`` files are parsed in a child process
    with a time and memory limit, so a damaged file that hangs or crashes libhdf5 gives a
    LstmvizError instead (see ``lstmviz.io.isolated``).
    """
    from lstmviz.engine import Model
    from lstmviz.io import read_model_file
    from lstmviz.io.torch_state import looks_like_torch_file, read_torch_state_dict

    other = _other_format(path)
    if other is not None:
        return Model.from_spec(other.read_model(path), seed=seed)
    if looks_like_torch_file(path):
        spec = read_torch_state_dict(path)
    elif isolate:
        from lstmviz.io.isolated import read_model_file_isolated
        spec = read_model_file_isolated(path)
    else:
        spec = read_model_file(path)
    try:
        return Model.from_spec(spec, seed=seed)
    except LstmvizError as err:  # a config value the engine refuses: say which file
        import os

        name = os.path.basename(str(path))
        msg = str(err)
        refusal = LstmvizError(msg if msg.startswith(name + ":") else f"{name}: {msg}")
        refusal.spec = spec  # what was read (the CLI lists a weights-only file's layers)
        raise refusal from None


def _other_format(path):
    """The reader module (ONNX, safetensors) whose ``sniff`` knows the file's first bytes,
    or None (Keras and torch files). Each module has ``sniff``, ``read_model`` and
    ``read_weights``: one registry entry each."""
    from lstmviz.io import onnx_model, safetensors_state

    try:
        with open(path, "rb") as fh:
            head = fh.read(64)
    except (OSError, TypeError):
        return None
    for module in (onnx_model, safetensors_state):
        if module.sniff(head):
            return module
    return None


def read_weights(path, isolate: bool = True):
    """The arrays of a weights-only file, read but not yet matched to a model (for
    ``load_weights(..., read=...)``: reading can run on another thread, matching and
    setting then happen where the model lives)."""
    other = _other_format(path)
    if other is not None:
        return other.read_weights(path), None
    if isolate:
        from lstmviz.io.isolated import read_weights_file_isolated as read_weights_file
    else:
        from lstmviz.io import read_weights_file
    return read_weights_file(path, paths=True)


def load_weights(model: Model, path, isolate: bool = True, read=None) -> None:
    """Put the weights of a weights-only file onto ``model``, whose layers must match.

    A Keras 3 ``.weights.h5`` names its groups by layer class and order, not by layer
    name; layers are matched the way Keras 3 does it: model layer number k of class C
    reads ``layers/<snake_case(C)>[_n]`` (n counted per class, InputLayers included in a
    functional model), its cells, halves and inner layer below that. Other files match by
    name when every name in the file is a layer of the model, else in order among the
    layers that hold weights. The first mismatch of class, count or shape raises
    LstmvizError naming both sides; then no layer has changed.

    ``isolate`` reads HDF5 files in a child process (see ``lstmviz.io.isolated``);
    ``read`` is what ``read_weights(path)`` returned, if it was already read.
    """
    entries, k3vars = read if read is not None else read_weights(path, isolate)
    staged = _match_keras3(model, path, k3vars) if k3vars else None
    if staged is None:
        staged = _match_by_name_or_order(model, path, entries)
    for layer, arrays in staged:
        layer.set_weights(arrays)


def _keras3_var_paths(layer, path: str) -> list[str]:
    """Where Keras 3's saving_lib puts the variables of ``layer`` saved under ``path``."""
    from lstmviz.engine.layers import Bidirectional, Recurrent, StackedRNN, TimeDistributed
    from lstmviz.io import class_names

    if isinstance(layer, StackedRNN):
        names = class_names([f"{c.kind}Cell" for c in layer.cells])
        return [f"{path}/cell/cells/{n}" for n in names]
    if isinstance(layer, Recurrent):
        return [f"{path}/cell"]
    if isinstance(layer, Bidirectional):
        return (_keras3_var_paths(layer.forward_layer, f"{path}/forward_layer")
                + _keras3_var_paths(layer.backward_layer, f"{path}/backward_layer"))
    if isinstance(layer, TimeDistributed):
        return _keras3_var_paths(layer.inner, f"{path}/layer")
    return [path]


def _match_keras3(model: Model, path, k3vars: dict):
    """[(layer, arrays)] by Keras 3 class-based paths; None when the file's layout is not
    this model's (e.g. it holds nested models), so the caller falls back to names/order."""
    from lstmviz.io import class_names

    layers = list(model.layers)
    groups = class_names([layer.class_name for layer in layers])
    staged, used = [], set()
    for layer, group in zip(layers, groups):
        if not layer.weights:
            continue
        want = [tuple(w.shape) for w in layer.weights]
        var_paths = _keras3_var_paths(layer, f"layers/{group}")
        if not all(p in k3vars for p in var_paths):
            missing = next(p for p in var_paths if p not in k3vars)
            if any(k.startswith(f"layers/{group}/") or k == f"layers/{group}" for k in k3vars):
                raise LstmvizError(
                    f"{path}: layer '{layer.name}' ({layer.class_name}) reads its weights "
                    f"from '{missing}', which is not in the file (it holds "
                    f"{', '.join(k for k in k3vars if k.startswith(f'layers/{group}'))})"
                )
            return None
        arrays = [a for p in var_paths for a in k3vars[p]]
        got = [tuple(a.shape) for a in arrays]
        if got != want:
            raise LstmvizError(
                f"{path}: weights '{group}' have shapes {got} but layer '{layer.name}' "
                f"({layer.class_name}) needs {want}"
            )
        used.update(var_paths)
        staged.append((layer, arrays))
    # a whole layer group nobody reads means the file is another model's (RNG state of
    # dropout, ``seed_generator/vars``, is saved too but is not a weight)
    tops = {"/".join(p.split("/")[:2]) for p in used}
    extra = [k for k in k3vars if "/".join(k.split("/")[:2]) not in tops
             and "seed_generator" not in k.split("/")]
    if extra:
        raise LstmvizError(
            f"{path}: the file holds weights at {', '.join(extra[:5])} that no layer of the "
            f"model reads (the model's layers with weights: "
            f"{', '.join(l.name for l, _ in staged) or 'none'})"
        )
    return staged


def _match_by_name_or_order(model: Model, path, entries):
    targets = [layer for layer in model.layers if layer.weights]
    by_name = {layer.name: layer for layer in targets}
    if len(entries) == len(targets) and all(name in by_name for name, _ in entries):
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
    return staged
