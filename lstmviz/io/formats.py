"""The one registry of the file formats lstmviz opens.

Each ``Format`` says how to recognise its bytes (the container's magic, then the names a
zip holds, or what the root of an HDF5 file carries), the suffixes its files usually
have, a name for people, the reader that makes a ``ModelSpec`` of it, the reader of its
weights, and whether it is read in the isolated child process (``lstmviz.io.isolated``:
everything libhdf5 parses). ``lstmviz.load``/``read_weights``, the CLI, the window's Open
dialog, drag and drop and recent files all go through ``sniff``/``read_model``/
``read_weights``; help texts and the dialog's filter come from ``FORMATS``.

Formats are recognised from the bytes, never the name: the suffix only decides between
formats whose bytes cannot be told apart without parsing (the HDF5 ones, in the parent
process), and picks whose reader explains a damaged file. Readers are named as
``"module:function"`` of ``lstmviz.io`` and imported when a file of that format is read,
so ``import lstmviz`` and the reading child stay light. A session holds application state,
so its entry here describes it but its reader is ``lstmviz.app.session``'s, which puts it
in with ``register_reader`` when imported (io names no module above it; ``lstmviz.load``
imports the app's session module before reading one).

Adding a format: one ``Format(...)`` entry below and one reader module (see
ARCHITECTURE.md, "How to add a file format").
"""

from __future__ import annotations

import importlib
import os
import zipfile
from dataclasses import dataclass
from typing import Any, Callable

from ..errors import LstmvizError
from . import _fail

__all__ = ["Format", "FORMATS", "sniff", "by_name", "is_openable_name", "opened_path", "read_model",
           "read_weights", "hdf5_format", "sniff_contents", "supported", "help_text", "dialog_filter", "suffixes",
           "container_of"]

HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
ZIP_MAGIC = b"PK\x03\x04"
HEAD_BYTES = 1024
MAX_ZIP_NAMES = 10000


def _is_hdf5(head: bytes) -> bool:
    return head.startswith(HDF5_MAGIC)


def _is_zip(head: bytes) -> bool:
    return head.startswith(ZIP_MAGIC)


def _is_pickle(head: bytes) -> bool:
    return head[:1] == b"\x80" and len(head) > 1 and head[1:2] in b"\x02\x03\x04\x05"


def _is_safetensors(head: bytes) -> bool:
    from .safetensors_state import sniff

    return sniff(head)


def _is_onnx(head: bytes) -> bool:
    from .onnx_model import sniff

    return sniff(head)


#: container name -> test on the first bytes (in this order: an ONNX protobuf's test is
#: the loosest, so it comes last)
CONTAINERS: dict[str, Callable[[bytes], bool]] = {
    "hdf5": _is_hdf5, "zip": _is_zip, "pickle": _is_pickle, "safetensors": _is_safetensors,
    "onnx": _is_onnx}


@dataclass(frozen=True)
class Format:
    """One file format: how to recognise it and how to read it.

    - ``key``: what ``spec.source["format"]`` says for a file of this format;
    - ``name``: for people, in help texts and the Open dialog;
    - ``suffixes``: the usual file name endings, lower case (the dialog's filter, drops);
    - ``container``: ``"hdf5"``, ``"zip"``, ``"pickle"``, ``"safetensors"`` or ``"onnx"``
      (the first bytes, see ``CONTAINERS``), or ``"folder"``: a folder of a Keras model
      saved unzipped (``_util.keras_folder_of``), or the ``config.json`` in it;
    - ``members``: for a zip, a test on the set of names it holds;
    - ``h5``: for an HDF5 file, a test on its open root (run where the file is parsed);
    - ``model``: ``"module:function"`` (in ``lstmviz.io``), ``path -> ModelSpec``; or None
      for a reader a higher layer registers (``register_reader``: the session's);
    - ``weights``: ``"module:function"``, ``path -> (entries, keras3 vars or None)``, or
      None: the weights of the model the file holds (``read_weights`` derives them);
    - ``isolated``: read in the child process with a time and memory limit;
    - ``weights_only``: the file holds weights and no architecture;
    - ``kind``: ``"model"`` or ``"session"`` (the window restores a session whole).
    """

    key: str
    name: str
    suffixes: tuple[str, ...]
    container: str
    model: str | None
    weights: str | None = None
    members: Callable[[frozenset[str]], bool] | None = None
    h5: Callable[[Any], bool] | None = None
    isolated: bool = False
    weights_only: bool = False
    kind: str = "model"


def _h5_attr(name: str) -> Callable[[Any], bool]:
    return lambda h5: name in h5.attrs


def _h5_legacy_weights(h5: Any) -> bool:
    return "layer_names" in h5.attrs or "layer_names0" in h5.attrs


def _h5_keras3_weights(h5: Any) -> bool:
    import h5py

    return "layers" in h5 and isinstance(h5.get("layers", getclass=False), h5py.Group)


def _torch_members(names: frozenset[str]) -> bool:
    return any(n == "data.pkl" or n.endswith("/data.pkl") for n in names)


#: Every format lstmviz opens, in the order they are tried (and listed in help texts).
FORMATS: tuple[Format, ...] = (
    Format("keras3-zip", "Keras 3 model", (".keras",), "zip",
           model="lstmviz.io.keras:read_keras3_zip", members=lambda names: "config.json" in names,
           isolated=True),  # the archive holds an HDF5 file
    Format("keras3-folder", "Keras 3 model", (), "folder",
           model="lstmviz.io.keras:read_keras3_folder", isolated=True),  # the same, unzipped
    Format("legacy-h5-model", "Keras 1/2/3 or tf.keras HDF5 model", (".h5", ".hdf5"), "hdf5",
           model="lstmviz.io.keras:read_hdf5_model", weights="lstmviz.io.keras:read_hdf5_weights",
           h5=_h5_attr("model_config"), isolated=True),
    Format("legacy-h5-weights", "Keras 1/2 weights (save_weights)", (".h5", ".hdf5"), "hdf5",
           model="lstmviz.io.keras:read_hdf5_model", weights="lstmviz.io.keras:read_hdf5_weights",
           h5=_h5_legacy_weights, isolated=True, weights_only=True),
    Format("keras3-weights-h5", "Keras 3 weights", (".weights.h5",), "hdf5",
           model="lstmviz.io.keras:read_hdf5_model", weights="lstmviz.io.keras:read_hdf5_weights",
           h5=_h5_keras3_weights, isolated=True, weights_only=True),
    Format("torch-zip", "PyTorch state_dict", (".pt", ".pth", ".bin"), "zip",
           model="lstmviz.io.torch_state:read_torch_state_dict", members=_torch_members),
    Format("torch-pickle", "PyTorch state_dict (legacy pickle)", (".pt", ".pth", ".bin"),
           "pickle", model="lstmviz.io.torch_state:read_torch_state_dict"),
    Format("safetensors", "PyTorch state_dict (safetensors)", (".safetensors",), "safetensors",
           model="lstmviz.io.safetensors_state:read_model"),
    Format("onnx", "ONNX model", (".onnx",), "onnx", model="lstmviz.io.onnx_model:read_model"),
    Format("lstmviz-session", "lstmviz session", (".lstmviz",), "zip",
           model=None,  # lstmviz.app.session registers it (register_reader)
           members=lambda names: "manifest.json" in names, kind="session"),
)


# -- what the formats say about themselves ------------------------------------------------
def suffixes(kind: str | None = None) -> tuple[str, ...]:
    """Every suffix of the registered formats (of ``kind``, if given), longest first."""
    out = {s for f in FORMATS if kind is None or f.kind == kind for s in f.suffixes}
    return tuple(sorted(out, key=lambda s: (-len(s), s)))


#: what stands for a folder format among suffixes: in help texts, and as the Open dialog's
#: pattern (a folder saved unzipped is opened by the config.json in it)
FOLDER_WORDS = "or its folder saved unzipped"
FOLDER_PATTERN = "config.json"


def _grouped(dialog: bool = False) -> list[tuple[str, list[str]]]:
    """(name, suffixes) per format name, merging the containers of one format (a folder
    format's words, or its pattern for the dialog, after them)."""
    out: dict[str, list[str]] = {}
    for f in FORMATS:
        name = f.name.split(" (")[0]
        folder = ((FOLDER_PATTERN if dialog else FOLDER_WORDS),) if f.container == "folder" else ()
        for s in f.suffixes + folder:
            if s not in out.setdefault(name, []):
                out[name].append(s)
    return list(out.items())


def supported() -> str:
    """The "supported: ..." tail of every refusal of a file."""
    return "supported: " + "; ".join(f"{n} ({', '.join(s)})" for n, s in _grouped())


def help_text() -> str:
    """The formats, for ``--help`` and the MODEL argument's help."""
    return ", ".join(f"{n} ({'/'.join(s) if FOLDER_WORDS not in s else '/'.join(s[:-1]) + ' ' + s[-1]})"
                     for n, s in _grouped())


def dialog_filter() -> str:
    """The Open dialog's filter: everything lstmviz opens, then each format, then all files."""
    def pattern(s: str) -> str:
        return f"*{s}" if s.startswith(".") else s

    grouped = _grouped(dialog=True)
    ordered = list(dict.fromkeys(s for _, sfx in grouped for s in sfx))
    # *.h5 already matches x.weights.h5
    every = " ".join(pattern(s) for s in ordered
                     if not any(s != o and s.endswith(o) for o in ordered))
    parts = [f"Models and sessions ({every})"]
    parts += [f"{n} ({' '.join(pattern(s) for s in sfx)})" for n, sfx in grouped]
    return ";;".join(parts + ["All files (*)"])


def by_name(path: Any) -> Format | None:
    """The first format (in ``FORMATS`` order) whose suffix ends the name, longest suffix
    first (``x.weights.h5`` is Keras 3 weights, not a legacy ``.h5``); None if none does."""
    name = os.path.basename(str(path)).lower()
    for sfx in suffixes():
        if name.endswith(sfx):
            return next(f for f in FORMATS if sfx in f.suffixes)
    return None


def format_of(key: Any) -> Format | None:
    """The format ``spec.source["format"]`` says (None: not a file's)."""
    return next((f for f in FORMATS if f.key == key), None)


def opened_path(path: Any) -> str:
    """What a model opened from ``path`` is known by (the window's title, recent files):
    a Keras model saved unzipped is its folder, also where its ``config.json`` was picked."""
    from ._util import keras_folder_of

    return keras_folder_of(path) or str(path)


def is_openable_name(path: Any) -> bool:
    """Whether the name ends like a file of a registered format (drops, recent files)."""
    return by_name(path) is not None


# -- recognising a file -----------------------------------------------------------------------
def container_of(head: bytes) -> str | None:
    return next((c for c, test in CONTAINERS.items() if test(head)), None)


def _zip_names(path: Any) -> frozenset[str] | None:
    """The names a zip archive holds (its central directory only), or None if unreadable."""
    try:
        with zipfile.ZipFile(path) as zf:
            return frozenset(i.filename for i in zf.infolist()[:MAX_ZIP_NAMES])
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError):
        return None


def sniff(path: Any) -> Format:
    """The format of the file at ``path``, from its bytes.

    HDF5 formats differ only inside the file, which is parsed in the reading child: here
    they are told apart by the name (``.weights.h5``), and ``hdf5_format`` decides where
    the file is read. A zip no format claims (or that cannot be listed) goes to the format
    its suffix names, else to the first zip format, whose reader then says what is wrong.
    Raises LstmvizError (one line) for a file that is none of them."""
    from ._util import Fail, keras_folder_of, read_head

    if keras_folder_of(path) is not None:
        return next(f for f in FORMATS if f.container == "folder")
    try:
        head, size = read_head(path, HEAD_BYTES)
    except Fail as f:
        raise LstmvizError(f"{os.path.basename(str(path))}: {f.what}; {f.supported}") from None
    container = container_of(head)
    if container is None:
        name = os.path.basename(str(path))
        raise LstmvizError(f"{name}: {foreign(head, size, name)}; {supported()}")
    if container == "zip":
        from lstmviz.limits import zip_member_excess

        with open(path, "rb") as fh:
            many = zip_member_excess(fh)
        if many:
            raise LstmvizError(f"{os.path.basename(str(path))}: {many}; {supported()}")
    candidates = [f for f in FORMATS if f.container == container]
    named = by_name(path)
    if container == "zip":
        names = _zip_names(path)
        if names is not None:
            claimed = [f for f in candidates if f.members is not None and f.members(names)]
            if claimed:
                return named if named in claimed else claimed[0]
            if names and named is None and all(n.endswith(".npy") for n in names):
                # (a trace or arrays saved by np.savez: it was 'no config.json, so not .keras')
                raise LstmvizError(f"{os.path.basename(str(path))}: this is a NumPy .npz archive "
                                   f"of arrays, not a model file; {supported()}")
    return named if named in candidates else candidates[0]


def sniff_contents(path: Any, isolate: bool = True) -> Format:
    """The format of the file at ``path`` from its bytes, an HDF5 file's too: ``sniff``,
    then, for HDF5, what its root carries (a ``model_config`` attribute: a full model,
    whatever its name says; ``layer_names`` or a ``layers`` group: weights only), read in
    the child process unless ``isolate`` is False. An HDF5 root no format claims keeps
    the format its name gives, whose reader says what is wrong."""
    fmt = sniff(path)
    if fmt.container != "hdf5":
        return fmt
    if isolate:
        from .isolated import run_isolated

        key = run_isolated("format", path)
    else:
        key = _guarded(path, lambda: _hdf5_key(path))
    return next((f for f in FORMATS if f.key == key), fmt)


def _hdf5_key(path: Any) -> str | None:
    from ._h5safe import open_h5

    h5 = open_h5(path)
    try:
        fmt = hdf5_format(h5)
        return fmt.key if fmt is not None else None
    finally:
        h5.close()


def hdf5_format(h5: Any) -> Format | None:
    """Which HDF5 format an open HDF5 root is (None: no Keras model or weights in it)."""
    return next((f for f in FORMATS if f.h5 is not None and f.h5(h5)), None)


#: how a Git LFS pointer (a clone without ``git lfs pull``) begins
LFS_POINTER = b"version https://git-lfs.github.com/spec/"


def foreign(head: bytes, size: int, name: str = "") -> str:
    """What a file that no format claims is, for the one-line refusal (``name``: its file
    name, which tells an ONNX model's external weights)."""
    if size == 0:
        return "the file is empty"
    if head.startswith(LFS_POINTER):
        real = next((line.split()[1] for line in head.decode("ascii", "replace").splitlines()
                     if line.startswith("size ") and len(line.split()) == 2
                     and line.split()[1].isdigit()), None)
        held = f" of {int(real):,} bytes" if real is not None else ""
        return (f"this is a Git LFS pointer, not the file{held} it stands for: fetch it with "
                "'git lfs pull' in its repository (or download the file itself)")
    lowered = name.lower()
    if ".onnx" in lowered and not lowered.endswith(".onnx"):
        return ("this looks like an ONNX model's external weights, which are read with the "
                "model: open the .onnx file beside it")
    from .safetensors_state import damaged

    fault = damaged(head, size, name)
    if fault:
        return fault
    kinds = [(b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
             (b"%PDF", "a PDF document"), (b"\x1f\x8b", "a gzip archive"),
             (b"PK\x05\x06", "an empty zip archive"), (b"\x93NUMPY", "a NumPy .npy array"),
             (b"\x08", "a protobuf / SavedModel file")]
    for magic, what in kinds:
        if head.startswith(magic):
            return f"this is {what}, not a model file"
    if head.lstrip().startswith((b"{", b"[")):
        return "this is a JSON/text file, not a model file (a bare config has no weights)"
    if head.startswith(HDF5_MAGIC[:4]) or head.startswith(ZIP_MAGIC[:2]):
        return "the file is truncated or corrupt"
    if len(head) > 262 and head[257:262] == b"ustar":
        return ("this is a tar archive (torch < 0.4's format or another archive), which "
                "lstmviz does not read")
    if not head.strip(b"\x00"):  # (UTF-8 decodes NUL bytes: it was "a text file")
        return ("the file begins with nothing but zero bytes, not a model file (a download or copy "
                "that did not finish, or a damaged disk)")
    binary = "unrecognised binary content, not a file of any format lstmviz reads"
    if b"\x00" in head:  # (no text file holds NUL bytes, which UTF-8 decodes)
        return binary
    try:
        head.decode("utf-8")
        return "this is a text file, not a model file"
    except UnicodeDecodeError:
        return binary


# -- reading --------------------------------------------------------------------------------------
#: readers registered by a higher layer, by format key (``register_reader``)
_REGISTERED: dict[str, Callable[[Any], Any]] = {}


def register_reader(key: str, model: Callable[[Any], Any]) -> None:
    """Make ``model`` (``path -> ModelSpec``) the reader of format ``key``, an entry of
    ``FORMATS`` whose ``model`` is None (the app registers the session's)."""
    fmt = next((f for f in FORMATS if f.key == key), None)
    if fmt is None or fmt.model is not None:
        raise ValueError(f"no format {key!r} waits for a registered reader")
    _REGISTERED[key] = model


def _reader(ref: str) -> Callable[..., Any]:
    module, _, func = ref.partition(":")
    return getattr(importlib.import_module(module), func)


def _model_reader(fmt: Format) -> Callable[..., Any]:
    if fmt.model is not None:
        return _reader(fmt.model)
    if fmt.key not in _REGISTERED:
        raise LstmvizError(f"{fmt.name} files are read by lstmviz's app (import lstmviz.app.session "
                           "first, or use lstmviz.load)")
    return _REGISTERED[fmt.key]


def _guarded(path: Any, call: Callable[[], Any]) -> Any:
    """``call()``, with every failure turned into one LstmvizError line about ``path``."""
    from ._util import Fail

    name = os.path.basename(str(path))
    try:
        return call()
    except LstmvizError:
        raise
    except Fail as f:
        tail = f"; {f.supported}" if f.supported else ""  # "" when `what` says it already
        raise LstmvizError(f"{name}: {f.what}{tail}") from None
    except RecursionError:
        raise LstmvizError(f"{name}: the file is nested too deeply; {supported()}") from None
    except MemoryError:
        raise LstmvizError(f"{name}: the file needs more memory than is available") from None
    except Exception as exc:  # last line of defence: nothing else escapes (its class and
        # libhdf5's words, "Can't synchronously determine if attribute exists by name",
        # tell a user nothing: they stay chained, for a traceback)
        raise LstmvizError(f"{name}: cannot read the file, which may be truncated or damaged; "
                           f"{supported()}") from exc


def read_model(path: Any, isolate: bool = True, timeout: float | None = None) -> Any:
    """The ``ModelSpec`` of the file at ``path``, read by its format's reader (in the
    child process for an isolated format, unless ``isolate`` is False; ``timeout``: see
    ``lstmviz.io.isolated.run_isolated``)."""
    fmt = sniff(path)
    if isolate and fmt.isolated:
        from .isolated import run_isolated

        spec = run_isolated("model", path, timeout)
    else:
        spec = _guarded(path, lambda: _model_reader(fmt)(path))
    if spec.keras_version is None:
        spec.keras_version = spec.source.get("keras_version")
    spec.source.setdefault("format", fmt.key)
    spec.source["path"] = str(path)
    return spec


def read_weights(path: Any, isolate: bool = True,
                 timeout: float | None = None) -> tuple[list, dict | None]:
    """``(entries, keras3 vars)`` of the file at ``path``: ``entries`` is (layer name,
    arrays in Keras ``get_weights()`` order) for every layer with weights, in file order;
    ``keras3 vars`` maps the path of every object holding variables in a Keras 3
    ``.weights.h5`` to its arrays (None for other files). A format without a weights
    reader gives the weights of the model it holds."""
    fmt = sniff(path)
    if isolate and fmt.isolated:
        from .isolated import run_isolated

        return run_isolated("weights", path, timeout)
    if fmt.weights is not None:
        reader = _reader(fmt.weights)
        return _guarded(path, lambda: reader(path))
    spec = read_model(path, isolate=False)
    return [(ls.name or "", list(ls.weights)) for ls in spec.layers if ls.weights], None


def read_model_file_isolated(path: Any, timeout: float | None = None) -> Any:
    """``read_model`` with the isolated formats read in the child (the default)."""
    return read_model(path, isolate=True, timeout=timeout)


def read_weights_file_isolated(path: Any, timeout: float | None = None, paths: bool = False) -> Any:
    """``read_weights`` in the child for the isolated formats: ``entries``, or with
    ``paths`` ``(entries, keras3 vars)``."""
    entries, k3vars = read_weights(path, isolate=True, timeout=timeout)
    return (entries, k3vars) if paths else entries


_fail.set_supported(supported)  # every reader's refusal lists every format
