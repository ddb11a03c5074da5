"""Reading the command line's inputs (``.npy``, ``.csv``) and writing its ``.npz`` outputs:
shared by ``cli.py`` (summary, trace, the app) and ``cli_learn.py`` (grad, train)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from lstmviz.errors import LstmvizError
from lstmviz.files import check_regular
from lstmviz.io.csv_numbers import check_text, csv_numbers, empty, ids_layout, samples_steps
from lstmviz.text import plural, whole_number

if TYPE_CHECKING:  # NumPy is imported where an input is read: the command line is parsed
    import numpy as np  # without it, and the app sets its BLAS threads before it starts

CSV_HELP = """\
input files:
  .npy   any array NumPy saved, used as is (for example (batch, timesteps, features)
         float32, or (batch, timesteps) integer token ids for a model starting with an
         Embedding), or reshaped by --shape. The file is read without unpickling.
  .csv   plain numbers separated by commas (also .txt/.tsv: commas, tabs, semicolons or
         spaces; a number in double quotes, "1.5", is read as the number). Blank lines
         and lines starting with '#' are skipped, and so is a first row of column names.
         Without --shape:
           - a model taking (batch, timesteps, features): the file is ONE sample, each
             row one timestep, each column one feature -> shape (1, rows, columns);
           - a model taking (batch, timesteps) (an Embedding first): each row is one
             sample, each column one timestep -> shape (rows, columns); a single
             column (one id a line) is ONE sample, a row per step -> shape (1, rows),
             unless the model takes 1 timestep.
         With --shape B,T,F (one dimension may be -1) the numbers, read row by row, are
         reshaped to that shape. When the input feeds an Embedding the numbers must be
         whole and become integer token ids; otherwise they become float32.
  Several --input options feed a model with several inputs, in the model's input
  order; give --shape once (for every .csv input) or once per --input.
"""


# -- argument parsing --------------------------------------------------------------------
def whole_arg(least: int):
    """The argparse type of an integer option of at least ``least`` (``--step``,
    ``--seed``, ``--batch-size``, ``--epochs``): plain decimal digits (``text.
    whole_number``), anything else ('+1', '1_0', '1.5') refused in one line."""

    def whole(text: str) -> int:
        n = whole_number(text, negative=True)
        if n is None:
            raise argparse.ArgumentTypeError(f"must be a whole number in decimal digits, not {text!r}")
        if n < least:
            raise argparse.ArgumentTypeError(f"must be at least {least}, not {n}")
        return n

    return whole


def parse_shape(text: str) -> tuple[int, ...]:
    """``B,T,F`` (or ``BxTxF``) as integers in plain decimal digits (-1 for one of them); a
    part that is empty or not such a number (``1,x,1``, ``1,,3``, ``+1,20,3``) is refused,
    not dropped."""
    parts = [whole_number(v, negative=True) for v in str(text).strip().replace("x", ",").split(",")]
    dims = tuple(d for d in parts if d is not None)
    if len(dims) < len(parts):
        raise argparse.ArgumentTypeError(f"shape must be whole numbers in decimal digits separated by "
                                         f"commas such as 1,20,3, not {text!r}")
    if not dims or any(d == 0 or d < -1 for d in dims) or dims.count(-1) > 1:
        raise argparse.ArgumentTypeError(f"shape {text!r}: dimensions must be positive (one may be -1)")
    return dims


NPY_MAGIC = b"\x93NUMPY"
#: the largest token id a CSV may hold (Keras' Embedding takes int32 ids)
MAX_TOKEN_ID = 2 ** 31 - 1
CSV_SUFFIXES = (".csv", ".txt", ".tsv")


def read_input(path, expected_shape=None, shape=None, integer: bool = False,
               long: bool = False, time_major: bool = False, raw=None) -> np.ndarray:
    """One input file as an array (see ``CSV_HELP``). Raises LstmvizError or OSError.
    ``long``: a long sequence, traced by keyframes (``--steps``, the app): a ``.npy`` is
    not held to the step limit of a whole trace (``limits.step_limit``), only to the
    memory limit; a CSV keeps its cap on numbers. ``time_major``: the input is (time,
    batch, features) (an ONNX graph's): a CSV's one sample is (rows, 1, columns). ``raw``:
    what ``read_raw(path, shape, long)`` gave, when the file was read before the model."""
    arr, csv = read_raw(path, shape, long) if raw is None else raw
    if not csv:
        return arr
    return _csv_array(arr, Path(path), expected_shape, shape, integer, time_major)


def read_raw(path, shape=None, long: bool = False) -> tuple[np.ndarray, bool]:
    """What of an input file does not depend on the model: (the array of a .npy, reshaped
    by ``shape``; or a CSV's table of numbers, as float64), and whether it is a CSV. Every
    refusal of the file itself (no such file, empty, no .npy header, a declared size over
    the memory limit, a model file, a cell that is no number) comes from here, before the
    model is read (``lstmviz trace``)."""
    path = Path(path)
    name = path.name
    if path.is_dir():
        raise LstmvizError(f"{path}: is a directory, not an input file")
    check_regular(path, path)
    with open(path, "rb") as fh:
        head = fh.read(len(NPY_MAGIC))
    if not head:
        raise LstmvizError(empty(path))
    if head == NPY_MAGIC:
        from lstmviz.io.npy import map_npy, read_npy

        # header, dtype and declared size checked before reading (a long one mapped, read
        # from the disk as its steps are used)
        arr = map_npy(path) if long else read_npy(path)
        if shape is not None:
            arr = _reshape(arr, shape, path)
        return arr, False
    if path.suffix.lower() == ".npy":
        raise LstmvizError(f"{path}: not a .npy file (no NumPy header)")
    model = _model_format(path)
    if model is not None:  # (the model and its input swapped: a .keras was 'an .npz archive')
        raise LstmvizError(f"{path}: this is a model file ({model}), not an array of numbers; "
                           "give a .npy array or a .csv table")
    if path.suffix.lower() == ".npz" or head.startswith(b"PK"):
        raise LstmvizError(f"{path}: .npz archives are not inputs; save one array with np.save (.npy) or a .csv")
    if path.suffix.lower() not in CSV_SUFFIXES:
        raise LstmvizError(f"{path}: unknown input format '{path.suffix or name}'; use .npy or .csv")
    return _csv_numbers(path), True


def _model_format(path: Path) -> str | None:
    """The name of the model format ``path`` is, by its name and its first bytes (a
    ``.keras`` zip, an HDF5 ``.h5``, an ONNX protobuf), or None."""
    from lstmviz.io import formats

    fmt = formats.by_name(path)
    if fmt is None:
        return None
    with open(path, "rb") as fh:
        head = fh.read(formats.HEAD_BYTES)
    return fmt.name if formats.container_of(head) == fmt.container else None


def _csv_numbers(path: Path) -> np.ndarray:
    """A CSV's numbers, a row per line (float64)."""
    import numpy as np

    # (bytes that are not UTF-8 read as U+FFFD: refused where a number holds them)
    check_text(path, path)
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
        flat, width = csv_numbers(path, fh)
    return np.frombuffer(flat, dtype=np.float64).reshape(-1, width)


def _csv_array(arr: np.ndarray, path: Path, expected_shape, shape, integer: bool,
               time_major: bool = False) -> np.ndarray:
    import numpy as np

    if integer:
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise LstmvizError(f"{path}: the model's first layer is an Embedding, which needs whole-number token ids")
        beyond = np.abs(arr) > MAX_TOKEN_ID
        if beyond.any():  # (cast, 1e30 was NumPy's RuntimeWarning on stderr, then "token id -9223372036854775808")
            row, col = (int(i) for i in np.argwhere(beyond)[0])
            raise LstmvizError(f"{path}: row {row + 1} of numbers, column {col + 1} holds {arr[row, col]:.6g}, "
                               "not a token id (the model's first layer is an Embedding: ids are whole "
                               f"numbers up to {MAX_TOKEN_ID:,})")
        arr = arr.astype(np.int64)
    else:  # (within float32's range: csv_numbers refused a number past it by its line and column)
        arr = arr.astype(np.float32)
    if shape is not None:
        return _reshape(arr, shape, path)
    rank = len(expected_shape) if expected_shape is not None else 3
    if rank == 3:                  # one sample: rows = timesteps, columns = features
        return arr[:, None] if time_major else arr[None]
    if rank == 2 and integer:      # token ids: a row per sample, a column per step; a
        steps = expected_shape[1]  # single column one sample, a row per step (ids_layout)
        return arr.reshape(ids_layout(arr.shape[0], arr.shape[1], steps if isinstance(steps, int) else None))
    if rank == 2:
        return arr                 # rows = samples, columns = features
    if rank == 1:
        return arr.reshape(-1)
    raise LstmvizError(f"{path}: the model takes rank-{rank} input; give --shape to read a .csv into it")


def _reshape(arr: np.ndarray, shape, path) -> np.ndarray:
    try:
        return arr.reshape(shape)
    except ValueError:
        dims = ",".join(str(d) for d in shape)
        raise LstmvizError(f"{path}: {plural(arr.size, 'number')} cannot be reshaped to --shape {dims}") from None


def model_input(path, shape=None):
    """An input file read for a model once it is open (``lstmviz MODEL --input X``,
    ``lstmviz.show(m, "x.npy")``): a function of the model giving the array of its first
    input, any number of steps (a stack takes the input's; the window traces a long one by
    keyframes), reshaped by ``shape``; its ``names`` then hold a CSV header's names, one a
    feature, where its rows are steps (as File > Open a long input keeps them: View >
    Units at scale names the features); its ``source`` is ``path``."""
    def read(model):
        want, integer = input_specs(model)[0]
        if len(want) >= 2:
            want = (want[0], None) + tuple(want[2:])
        x = read_input(path, want, shape, integer, long=True, time_major=time_major(model, 0))
        if shape is None and len(want) == 3 and Path(path).suffix.lower() in CSV_SUFFIXES:
            from lstmviz.app.long_data import csv_header

            read.names = csv_header(path, int(x.shape[-1]))
        return x
    read.source = path
    read.names = None
    return read


def model_inputs(paths, shapes=()):
    """Files for a model of several inputs, read once it is open (``lstmviz MODEL -i x0.npy
    -i x1.npy``, ``lstmviz.show(m, ["x0.npy", "x1.npy"])``): a function of the model giving
    an array per input, one file each, in order (``load_inputs``)."""
    def read(model):
        if len(model.inputs) == 1:
            raise LstmvizError(f"the model takes one input, not the {len(paths)} input files given")
        return load_inputs(model, list(paths), list(shapes), long=True)
    read.names = None
    return read


def read_target(path, model, loss: str) -> np.ndarray:
    """The targets for ``model``'s first output: a .csv is read as the output is shaped
    (rows = samples for an output of shape (batch, units), a column or row of class ids for
    sparse_categorical_crossentropy on one; a sequence output's file is one sample, a row
    per step, as an input's). Targets one axis short of an output of one unit, ``(N,)`` for
    ``(None, 1)``, are taken as ``(N, 1)`` (``lstmviz grad``/``train``, the Train tab)."""
    import numpy as np

    from lstmviz.engine.model import check_finite

    sparse = loss == "sparse_categorical_crossentropy"
    out = tuple(model.output_shapes()[0])
    y = read_input(path, out[:-1] if sparse else out, None, integer=sparse)
    if not sparse and out and out[-1] == 1 and y.ndim == len(out) - 1 >= 1 and all(
            d is None or d == s for s, d in zip(y.shape[1:], out[1:-1])):
        # (40,) for an output (None, 1): one number a sample, as Keras' fit takes it (a
        # sequence's (40, 24) for (None, 24, 1) alike); refused before, naming both shapes
        y = y[..., None]
    # (a NaN target makes the loss NaN: training said "the weights overflowed, lower --lr")
    check_finite(y, f"{path}: the target holds")
    classes = out[-1] if out else None
    if sparse and isinstance(classes, int) and y.size:
        ids = np.asarray(y)
        off = (ids < 0) | (ids >= classes)
        if off.any():  # (the loss said 'a class id is outside 0..4', naming no file)
            at = tuple(int(i) for i in np.argwhere(off)[0])
            raise LstmvizError(f"{path}: class id {ids[at]:g} at index {at} is outside 0..{classes - 1} "
                               f"(the model's output has {plural(classes, 'class', 'classes')})")
    return y


def sequence_csv_note(path, model, samples: int) -> str:
    """Why a .csv of targets holds one sample where the model's output is a sequence ("" for
    another file or output): it is read as one sample, a row per step (``read_target``), so
    a file of a row per sample said "1 target, but the inputs have 50 samples"."""
    out = tuple(model.output_shapes()[0])
    if len(out) != 3 or Path(path).suffix.lower() == ".npy":
        return ""
    with open(path, "rb") as fh:
        if fh.read(len(NPY_MAGIC)) == NPY_MAGIC:
            return ""
    steps = out[1] if isinstance(out[1], int) else "steps"
    return (f"; a .csv of targets for a sequence output is one sample, a row per step: give the "
            f"{plural(samples, 'sample')}' targets as .npy of shape ({samples}, {steps}, {out[2]})")


def time_major(model, k: int) -> bool:
    """Input ``k`` of ``model`` is (time, batch, ...) (an ONNX graph's layout 0)."""
    from lstmviz.app.tracing import is_time_major

    return is_time_major(model, k)


def input_specs(model) -> list[tuple[tuple, bool]]:
    """(batch shape, feeds an Embedding) of each model input."""
    from lstmviz.engine.layers import Embedding

    specs = []
    for k, ref in enumerate(model.inputs):
        consumers = [n.layer for n in model.nodes if any(r.layer == ref.layer for r in n.inbound)]
        specs.append((tuple(model.input_shapes()[k]), any(isinstance(c, Embedding) for c in consumers)))
    return specs


def read_raws(paths, shapes, long: bool = False) -> list[tuple[np.ndarray, bool]]:
    """``read_raw`` of each input file, before the model is read: a bad file is refused
    at once (``lstmviz trace`` read a model for seconds before saying its input was empty)."""
    _check_shapes(paths, shapes)
    return [read_raw(path, _shape_of(shapes, k), long) for k, path in enumerate(paths)]


def _check_shapes(paths, shapes) -> None:
    if shapes and len(shapes) not in (1, len(paths)):
        raise LstmvizError(f"give --shape once or once per --input ({len(paths)}), not {len(shapes)} times")


def _shape_of(shapes, k: int):
    return (shapes[0] if len(shapes) == 1 else shapes[k]) if shapes else None


def load_inputs(model, paths, shapes, long: bool = False, raws=None) -> list[np.ndarray]:
    """The arrays of ``paths`` for ``model``, one file an input; ``raws``: what ``read_raws``
    read of them before the model."""
    _check_shapes(paths, shapes)
    specs = input_specs(model)
    if len(paths) != len(specs):
        from lstmviz.engine.layers import fmt_shape

        names = ", ".join(f"'{r.layer}' {fmt_shape(s)}"
                          for r, (s, _) in zip(model.inputs, specs))
        raise LstmvizError(f"the model takes {len(specs)} input(s) ({names}) but {len(paths)} --input "
                           f"file(s) were given: give one --input per input, in this order")
    arrays = []
    for k, (path, (want, integer)) in enumerate(zip(paths, specs)):
        arrays.append(read_input(path, want, _shape_of(shapes, k), integer, long=long,
                                 time_major=time_major(model, k), raw=raws[k] if raws else None))
    return arrays


def read_as(model, paths, arrays) -> str:
    """How the ``.csv`` inputs among ``paths`` were read, for the command's line of what it
    did: "ids.csv read as 1 sample x 120,000 steps" ("" when none is a CSV: a .npy's shape
    is its own); a (time, batch, ...) input said in samples and steps too."""
    said = []
    for k, (path, x) in enumerate(zip(paths, arrays)):
        if Path(path).suffix.lower() not in CSV_SUFFIXES or getattr(x, "ndim", 0) < 2:
            continue
        b, t = (x.shape[1], x.shape[0]) if time_major(model, k) and x.ndim >= 3 else x.shape[:2]
        said.append(f"{Path(path).name} read as {samples_steps(b, t)}")
    return "; ".join(said)


# -- commands ------------------------------------------------------------------------------
def name_input(msg: str, paths, target=None) -> str:
    """Put the file's name on an engine message about 'the input' / 'input k (...)' (and,
    given ``target``, the targets' file on one about 'the target')."""
    if target is not None and msg.startswith("the target"):
        return f"{target}: {msg}"
    if len(paths) == 1 and msg.startswith("layer '") and "(Embedding)" in msg and "token id" in msg:
        return f"{paths[0]}: {msg}"  # (the ids of a model of one input are the file's)
    if msg.startswith("the input") and len(paths) == 1:
        return f"{paths[0]}: {msg}"
    if msg.startswith("input "):
        head = msg.split(" ", 2)[1]
        if head.isdigit() and int(head) < len(paths):
            return f"{paths[int(head)]}: {msg}"
    return msg


def refuse_to_replace(out, sources, flag: str = "--out") -> None:
    """``--out`` (or ``flag``: ``--screenshot``, ``--export-png``, ...) naming a file the
    command reads (``sources``: (what, path), such as ("model file", MODEL)): writing would
    replace the user's model or data with the arrays or the picture (``lstmviz trace m.keras
    -i x.npy -o x.npy`` did, exit 0, and ``lstmviz mymodel --export-png mymodel``: a picture
    may have no suffix). Checked before any work; any other file named is replaced, as asked."""
    import os

    for what, path in sources:
        try:
            same = bool(path) and os.path.samefile(out, path)
        except OSError:  # (out is a new file, or the source is not there: its reader says so)
            same = False
        if same:
            raise LstmvizError(f"{out}: this is the {what} itself; give {flag} another name "
                               f"(writing there would replace the {what})")


def check_npz_name(out, command: str) -> None:
    """``--out`` of ``lstmviz trace`` / ``grad``: a ``.npz`` name or one without a suffix
    (``-o trace.csv`` wrote a zip of NumPy arrays under the .csv name, exit 0, as
    ``--screenshot shot.jpg`` wrote PNG data). Checked before any work."""
    suffix = Path(out).suffix.lower()
    if suffix not in ("", ".npz"):
        also = " (a trace as CSV: the window's File > Export > Trace as .csv)" if command == "trace" else ""
        raise LstmvizError(f"{out}: lstmviz {command} writes NumPy arrays (np.savez_compressed); "
                           f"give a .npz name{also}")


def check_out_file(out, flag: str = "--out") -> None:
    """``--out`` a file can be written as: not a folder, in a folder there and writable.
    Checked before any work (a trace of a long input took 13 s, then said the folder was
    missing)."""
    from lstmviz.files import check_folder

    check_named(out, flag)
    if Path(out).is_dir():
        raise LstmvizError(f"{out}: is a directory; give a file name for {flag}")
    check_folder(out)


def check_named(out, flag: str) -> None:
    """An output option given an empty name (``-o "$OUT"`` with ``OUT`` unset): said as
    that, not as the folder '.' it would be (``Path("")``)."""
    if not str(out).strip():
        raise LstmvizError(f"{flag} {str(out)!r} names no file; give a file name")


def write_npz(out: Path, arrays: dict) -> None:
    """``np.savez_compressed`` to exactly ``out`` (no '.npz' appended), atomically: the
    window's File > Export > trace (.npz) writes the same (``app.export_data``)."""
    from lstmviz.app.export_data import save_npz

    check_out_file(out)
    save_npz(arrays, out)
