"""Opening files and live objects as lstmviz ``Model``s: what ``lstmviz.load``,
``read_weights``, ``load_weights``, ``from_keras`` and ``from_torch`` are (the package
re-exports them). The app and the window use this module, not the package, so that no
module below the package imports it back (``lstmviz.show`` reaches the window).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from lstmviz.errors import LstmvizError

if TYPE_CHECKING:
    from lstmviz.engine import Model


#: What a weights-only file whose layers make no runnable model leaves a user to do: the
#: last words of ``load``'s refusal of it, so of the window's, ``--screenshot``'s and
#: ``lstmviz summary``'s (which lists the layers above it)
WEIGHTS_ONLY_HINT = "Open the full model file, or load these weights onto a matching stack in the app"
#: The same where the file's layers read several inputs (two Embeddings or more: a
#: seq2seq's encoder and decoder), which no stack built in the app holds (one input)
SEVERAL_INPUTS_HINT = ("Open the full model file (.keras/.h5), which records how its inputs are wired "
                       "(a stack built in the app takes one input)")


#: What a setting no weights file records is, where the advice names it
UNRECORDED_MEANS = {"n": "how many steps it repeats"}


def unrecorded(spec) -> list[tuple[str, str, tuple[str, ...]]]:
    """The layers of ``spec`` (a weights-only file's, inferred) whose settings a weights
    file does not record and no weight shape tells (a RepeatVector's ``n``, a Reshape's
    ``target_shape``): (name, class, the keys missing), in the file's order."""
    from lstmviz.engine.layers import LAYER_CLASSES

    out = []
    for layer in spec.layers:
        cls = LAYER_CLASSES.get(layer.class_name)
        missing = tuple(k for k in getattr(cls, "required", ()) if (layer.config or {}).get(k) is None)
        if missing:
            out.append((layer.name, layer.class_name, missing))
    return out


def weights_only_hint(spec) -> str:
    """What a user can do with a weights-only file whose layers make no runnable model
    (``spec``: the layers lstmviz inferred from it): ``SEVERAL_INPUTS_HINT`` where they
    read several inputs; where a layer lacks a setting no weights file records, what to
    set on the matching stack ("... and set the n of its RepeatVector 'repeat_vector' (how
    many steps it repeats) yourself": soorya_gru.weights.h5), or the full model file alone
    where the app cannot add that layer (a Reshape); else ``WEIGHTS_ONLY_HINT``."""
    from lstmviz.app.options import ADDABLE

    embeddings = sum(1 for layer in spec.layers if layer.class_name == "Embedding")
    if embeddings > 1:
        return SEVERAL_INPUTS_HINT
    missing = unrecorded(spec)
    if not missing:
        return WEIGHTS_ONLY_HINT
    addable = {cls for cls, _ in ADDABLE.values()}
    said = " and ".join(
        f"the {' and '.join(keys)} of {'its ' if i == 0 else ''}{cls} '{name}'"
        + "".join(f" ({UNRECORDED_MEANS[k]})" for k in keys if k in UNRECORDED_MEANS)
        for i, (name, cls, keys) in enumerate(missing))
    apart = sorted({cls for _, cls, _ in missing} - addable)
    if apart:
        return (f"Open the full model file (.keras/.h5), which records {said} "
                f"(a stack built in the app has no {' or '.join(apart)})")
    return f"{WEIGHTS_ONLY_HINT} and set {said} yourself"

#: The most ``load`` copies from an open file or ``bytes`` (the file readers' own limit).
MAX_LOAD_BYTES = 4 * 1024 ** 3 + 64 * 1024 ** 2


def _spill(src, limit: int = MAX_LOAD_BYTES) -> tuple[str, str]:
    """``bytes`` or a binary file object written to a private temporary file (the readers
    work on paths, some in a child process): (its path, a name for messages)."""
    import tempfile

    name = _spill_name(src)
    suffix = "".join(os.path.splitext(name)[1:]) if "." in name else ""
    if name.endswith(".weights.h5"):
        suffix = ".weights.h5"
    folder = tempfile.mkdtemp(prefix="lstmviz-load-")
    # a name no message has otherwise ("model" was: every "model" of a refusal became the name)
    path = os.path.join(folder, "lstmviz-spilled" + suffix)
    try:
        with open(path, "wb") as out:
            if isinstance(src, (bytes, bytearray, memoryview)):
                if len(src) > limit:
                    raise LstmvizError(f"{name}: {len(src):,} bytes, more than lstmviz reads "
                                       f"({limit:,})")
                out.write(src)
            else:
                total = 0
                if getattr(src, "closed", False):  # (read() was "ValueError: read of closed file")
                    raise LstmvizError(f"{name}: the file object is closed; open it again ('rb'), or give its path")
                while True:
                    chunk = src.read(1 << 20)
                    if not chunk:
                        break
                    if not isinstance(chunk, (bytes, bytearray)):
                        raise LstmvizError(f"{name}: a text file object; open the file in binary "
                                           "mode ('rb')")
                    total += len(chunk)
                    if total > limit:
                        raise LstmvizError(f"{name}: more than {limit:,} bytes, more than lstmviz reads")
                    out.write(chunk)
    except BaseException:
        _unspill(path)
        raise
    return path, name


def _unspill(path: str) -> None:
    import shutil

    shutil.rmtree(os.path.dirname(path), ignore_errors=True)


def _spilled(what: str, src, read):
    """``read(path)`` of an open binary file or ``bytes`` (``lstmviz.load``, ``read_weights``,
    ``load_weights``): spilled to a private temporary file, removed afterwards; a refusal
    names the source, not the temporary file."""
    if not isinstance(src, (bytes, bytearray, memoryview)) and not callable(getattr(src, "read", None)):
        raise LstmvizError(f"{what} takes a file path, an open binary file or bytes, "
                           f"not a {type(src).__name__} (for a live Keras model or torch "
                           f"module: lstmviz.from_keras / lstmviz.from_torch)")
    tmp, name = _spill(src)
    try:
        return read(tmp)
    except LstmvizError as err:
        raise LstmvizError(str(err).replace(tmp, name).replace(os.path.basename(tmp), name)) from None
    finally:
        _unspill(tmp)


def _spill_name(src) -> str:
    """The name ``_spill`` gives a source in messages."""
    return os.path.basename(str(getattr(src, "name", "") or "")) or (
        "bytes" if isinstance(src, (bytes, bytearray, memoryview)) else "file object")


def load(path, seed: int = 0, isolate: bool = True) -> Model:
    """Open a model file of any format ``lstmviz.io.formats`` registers: a saved Keras
    model, a weights-only file (its layers inferred), a PyTorch nn.LSTM/GRU/RNN state_dict
    (read without torch, running no pickled code; also as .safetensors), an ONNX model
    (LSTM/GRU/RNN nodes and the ops around them), or the model of an lstmviz session.

    ``path``: a file path, an open binary file (``open(p, "rb")``, ``io.BytesIO``, an
    upload widget's buffer) or ``bytes``; file objects and bytes are copied to a private
    temporary file first (at most ``MAX_LOAD_BYTES``), which is removed afterwards.

    With ``isolate`` (the default) HDF5 and ``.keras`` files are parsed in a child process
    with a time and memory limit, so a damaged file that hangs or crashes libhdf5 gives a
    LstmvizError instead (see ``lstmviz.io.isolated``).
    """
    if not isinstance(path, (str, os.PathLike)):
        model = _spilled("lstmviz.load", path, lambda tmp: load(tmp, seed=seed, isolate=isolate))
        model.source["path"] = None
        model.source["name"] = _spill_name(path)
        return model
    from lstmviz.engine import Model
    from lstmviz.io.formats import read_model, sniff

    if sniff(path).kind == "session":  # only then: the app's module registers its reader
        import lstmviz.app.session  # noqa: F401

    spec = read_model(path, isolate=isolate)
    try:
        return Model.from_spec(spec, seed=seed)
    except LstmvizError as err:  # a config value the engine refuses: say which file
        name = os.path.basename(str(path))
        # weights whose layers chain in no order: the engine's complaint would be about the
        # file's order (an LSTM fed "(None, None, 357, 64, 64)"), a stack nobody made
        msg = spec.source.get("unchained") or str(err)
        msg = msg if msg.startswith(name + ":") else f"{name}: {msg}"
        hint = weights_only_hint(spec) if spec.source.get("weights_only") else None
        if hint:
            msg = f"{msg}. {hint}"
        refusal = LstmvizError(msg)
        refusal.hint = hint  # (the window puts what the current stack says before it)
        refusal.spec = spec  # what was read (the CLI lists a weights-only file's layers)
        raise refusal from None


def from_keras(model, seed: int = 0) -> Model:
    """The lstmviz ``Model`` of a live Keras model (Keras 3, or tf.keras / tf_keras 2.x;
    Sequential or functional): its ``get_config()`` parsed as a saved file's config, each
    layer's ``get_weights()``. Keras is not imported; a subclassed model is refused, and so
    is a file's path or bytes (``load`` reads them)."""
    from lstmviz.engine import Model
    from lstmviz.io.live import spec_from_keras

    _not_a_file("from_keras", "a live Keras model (Sequential or functional)", model)
    return Model.from_spec(spec_from_keras(model), seed=seed)


def from_torch(module, seed: int = 0) -> Model:
    """The lstmviz ``Model`` of a live torch module holding ``nn.LSTM`` / ``nn.GRU`` /
    ``nn.RNN`` (stacked, bidirectional) and ``nn.Linear`` heads, or of a state_dict, mapped as
    a saved state_dict is (the assumptions about ``forward()`` are in ``model.summary()``).
    torch is not imported: tensors are read with ``.detach().cpu().numpy()``."""
    from lstmviz.engine import Model
    from lstmviz.io.live import spec_from_torch

    _not_a_file("from_torch", "a live torch module or a state_dict", module)
    return Model.from_spec(spec_from_torch(module), seed=seed)


def _not_a_file(name: str, takes: str, obj) -> None:
    """A file's path (or its bytes) given to a live object's reader, refused in one line
    saying so and that ``lstmviz.load`` reads it (it said "a subclassed model (str)")."""
    from lstmviz.text import safe_text

    if isinstance(obj, (str, os.PathLike)):
        path = safe_text(repr(os.fspath(obj)), 80)
        raise LstmvizError(f"lstmviz.{name} takes {takes}; {path} is a path: read the file with "
                           f"lstmviz.load({path})")
    if isinstance(obj, (bytes, bytearray, memoryview)):
        raise LstmvizError(f"lstmviz.{name} takes {takes}, not {type(obj).__name__}: read a file's "
                           "bytes with lstmviz.load(data)")


def read_weights(path, isolate: bool = True):
    """The arrays of a weights file (or of any model file), read but not yet matched to a
    model (for ``load_weights(..., read=...)``: reading can run on another thread,
    matching and setting then happen where the model lives). ``path`` as for ``load``: a
    file path, an open binary file or ``bytes``."""
    from lstmviz.io.formats import read_weights as read

    if not isinstance(path, (str, os.PathLike)):
        return _spilled("lstmviz.read_weights", path, lambda tmp: read(tmp, isolate=isolate))
    return read(path, isolate=isolate)


def load_weights(model: Model, path, isolate: bool = True, read=None) -> None:
    """Put the weights of a weights-only file onto ``model``, whose layers must match
    (Keras 3 ``.weights.h5`` by Keras 3's class-based paths, other files by layer name or
    order: see ``lstmviz.io.match``). The first mismatch of class, count or shape raises
    LstmvizError naming both sides; then no layer has changed.

    ``isolate`` reads HDF5 files in a child process (see ``lstmviz.io.isolated``);
    ``read`` is what ``read_weights(path)`` returned, if it was already read. ``path`` as
    for ``load``: a file path, an open binary file or ``bytes``.
    """
    from lstmviz.engine.model import Model
    from lstmviz.io.match import load_weights as load

    if not isinstance(model, Model):  # (None: an AttributeError from inside the matching)
        raise LstmvizError(f"lstmviz.load_weights(model, path) puts weights onto an lstmviz Model, not a "
                           f"{type(model).__name__} (lstmviz.load or Model.sequential make one)")
    if read is None and not isinstance(path, (str, os.PathLike)):
        _spilled("lstmviz.load_weights", path, lambda tmp: load(model, tmp, isolate=isolate))
        return
    load(model, path, isolate=isolate, read=read)
