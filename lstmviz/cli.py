"""The ``lstmviz`` command line: ``summary``, ``trace`` and (default) the desktop app.

Every problem with a model file or an input ends the same way: exit status 2 and one
line on stderr, ``lstmviz: <what is wrong>``, never a traceback. ``LSTMVIZ_DEBUG=1``
re-raises instead, for developers.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

import lstmviz
from lstmviz.errors import LstmvizError

PROG = "lstmviz"
SUBCOMMANDS = ("summary", "trace", "app")
DEMO_NAMES = ("demo.keras", "demo.h5")

CSV_HELP = """\
input files:
  .npy   any array NumPy saved, used as is (for example (batch, timesteps, features)
         float32, or (batch, timesteps) integer token ids for a model starting with an
         Embedding). The file is read without unpickling.
  .csv   plain numbers separated by commas (also .txt/.tsv: commas, tabs, semicolons or
         spaces). Blank lines and lines starting with '#' are skipped, and so is a first
         row of column names. Without --shape:
           - a model taking (batch, timesteps, features): the file is ONE sample, each
             row one timestep, each column one feature -> shape (1, rows, columns);
           - a model taking (batch, timesteps) (an Embedding first): each row is one
             sample, each column one timestep -> shape (rows, columns).
         With --shape B,T,F (one dimension may be -1) the numbers, read row by row, are
         reshaped to that shape. When the input feeds an Embedding the numbers must be
         whole and become integer token ids; otherwise they become float32.
  Several --input options feed a model with several inputs, in the model's input
  order; give --shape once (for every .csv input) or once per --input.
"""


# -- argument parsing --------------------------------------------------------------------
def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().replace("×", "x").split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must be WIDTHxHEIGHT such as 1600x900, not {text!r}") from None
    if w < 1 or h < 1:
        raise argparse.ArgumentTypeError(f"size must be positive, not {text!r}")
    return w, h


def _step(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"step must be a whole number, not {text!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"step must be 0 or more, not {n}")
    return n


def _shape(text: str) -> tuple[int, ...]:
    try:
        dims = tuple(int(v) for v in text.replace("x", ",").split(",") if v.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"shape must be numbers separated by commas such as 1,20,3, not {text!r}") from None
    if not dims or any(d == 0 or d < -1 for d in dims) or dims.count(-1) > 1:
        raise argparse.ArgumentTypeError(f"shape {text!r}: dimensions must be positive (one may be -1)")
    return dims


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="See the unrolled computation of recurrent layers (SimpleRNN, LSTM, GRU), "
                    "exactly as Keras computes it.",
        epilog="commands:\n"
               "  lstmviz [MODEL] [--screenshot OUT.png ...]   open the app (a demo model without MODEL)\n"
               "  lstmviz summary MODEL                        layers, shapes, weights per gate, params\n"
               "  lstmviz trace MODEL --input X --out OUT.npz  every intermediate of a forward pass\n"
               "Run 'lstmviz COMMAND --help' for a command's options. Models: Keras 3 .keras, "
               "Keras 1/2/3 and tf.keras HDF5 (.h5), weights-only .weights.h5.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {lstmviz.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("summary", help="print the model's layers, shapes and parameters",
                       description="Print a table like Keras' model.summary() (name, class, "
                                   "output shape, parameters; Total params), then each recurrent "
                                   "layer's weight shapes per gate and its parameter formula.")
    p.add_argument("model", metavar="MODEL", help="a .keras, .h5 or .weights.h5 file")

    p = sub.add_parser("trace", help="run the model on an input and save every intermediate",
                       description="Run MODEL on the input(s) and write every recorded array to "
                                   "OUT.npz (np.savez_compressed): 'output' (or output0, output1, "
                                   "... for several outputs), '<layer>' for each layer's output, "
                                   "'<layer>:<k>' for its extra outputs (return_state), "
                                   "'<layer>/<name>' for the intermediates (i, f, c_tilde, o, c, h, "
                                   "pre, x_proj, h_proj, initial_h, ...; time in processing order) "
                                   "and '<layer>/forward/<name>', '<layer>/backward/<name>' inside "
                                   "a Bidirectional.",
                       epilog=CSV_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", metavar="MODEL", help="a .keras, .h5 or .weights.h5 file")
    p.add_argument("--input", "-i", dest="inputs", action="append", required=True, metavar="X",
                   help="an input file, .npy or .csv (repeat for a model with several inputs)")
    p.add_argument("--out", "-o", required=True, metavar="OUT.npz", help="where to write the arrays")
    p.add_argument("--shape", action="append", type=_shape, default=[], metavar="B,T,F",
                   help="reshape a .csv input's numbers to this shape (see below)")
    p.add_argument("--reset-states", action="store_true",
                   help="reset the states of stateful layers to zeros before the run "
                        "(a freshly loaded model already starts from zeros)")
    p.add_argument("--steps", default=None, metavar="A:B",
                   help="only processing steps A..B-1 (each '<layer>/<name>' is (batch, B-A, ...)), "
                        "recomputed from keyframes: the memory of the window, not of the sequence")
    p.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)

    p = sub.add_parser("app", help="open the desktop app (the default command)",
                       description="Open the desktop app on MODEL (a demo model without one). "
                                   "With --screenshot, render one frame offscreen to a PNG and exit.")
    p.add_argument("model", metavar="MODEL", nargs="?", default=None,
                   help="a .keras, .h5 or .weights.h5 file (default: the bundled demo)")
    p.add_argument("--screenshot", metavar="OUT.png", default=None,
                   help="render the window to this PNG and exit")
    p.add_argument("--step", type=_step, default=None, metavar="N", help="timestep to show")
    p.add_argument("--size", type=_size, default=None, metavar="WxH", help="window size, e.g. 1600x900")
    p.add_argument("--theme", default=None, metavar="NAME", help="colour theme")
    for kind, what in (("gif", "an animated GIF, one frame per step"),
                       ("mp4", "an MP4 video, one frame per step (needs ffmpeg: imageio-ffmpeg)"),
                       ("png", "a PNG picture (see --scale)"), ("svg", "an SVG picture")):
        p.add_argument(f"--export-{kind}", metavar=f"OUT.{kind}", default=None,
                       help=f"render {what} offscreen and exit")
    p.add_argument("--view", default=None, metavar="NAME",
                   help="the tab shown (unrolled, cell, over_time, weights); for --export-*, also "
                        "'window' (default: unrolled)")
    p.add_argument("--fps", type=float, default=None, metavar="N", help="animation speed, steps per second (default 4)")
    p.add_argument("--scale", type=float, default=1.0, metavar="S", help="PNG scale (2 = twice the pixels)")
    return parser


def _normalise_argv(argv: list[str]) -> list[str]:
    """``lstmviz`` and ``lstmviz MODEL [--screenshot ...]`` mean ``lstmviz app ...``."""
    if not argv:
        return ["app"]
    if argv[0] in SUBCOMMANDS or argv[0] in ("-h", "--help", "--version"):
        return argv
    return ["app"] + argv


# -- inputs --------------------------------------------------------------------------------
NPY_MAGIC = b"\x93NUMPY"
CSV_SUFFIXES = (".csv", ".txt", ".tsv")


def read_input(path, expected_shape=None, shape=None, integer: bool = False) -> np.ndarray:
    """One input file as an array (see ``CSV_HELP``). Raises LstmvizError or OSError."""
    path = Path(path)
    name = path.name
    if path.is_dir():
        raise LstmvizError(f"{path}: is a directory, not an input file")
    with open(path, "rb") as fh:
        head = fh.read(len(NPY_MAGIC))
    if not head:
        raise LstmvizError(f"{path}: the input file is empty")
    if head == NPY_MAGIC:
        try:
            arr = np.load(path, allow_pickle=False)
        except ValueError as err:
            if "allow_pickle" in str(err) or "pickle" in str(err).lower():
                raise LstmvizError(f"{path}: holds Python objects (a pickled array), which lstmviz never loads; save numbers") from None
            raise LstmvizError(f"{path}: not a readable .npy file ({err})") from None
        except EOFError:
            raise LstmvizError(f"{path}: the .npy file is truncated") from None
        if shape is not None:
            arr = _reshape(arr, shape, path)
        return arr
    if path.suffix.lower() == ".npy":
        raise LstmvizError(f"{path}: not a .npy file (no NumPy header)")
    if path.suffix.lower() == ".npz" or head.startswith(b"PK"):
        raise LstmvizError(f"{path}: .npz archives are not inputs; save one array with np.save (.npy) or a .csv")
    if path.suffix.lower() not in CSV_SUFFIXES:
        raise LstmvizError(f"{path}: unknown input format '{path.suffix or name}'; use .npy or .csv")
    return _read_csv(path, expected_shape, shape, integer)


def _split(line: str) -> list[str]:
    for sep in (",", "\t", ";"):
        if sep in line:
            return [c.strip() for c in line.split(sep)]
    return line.split()


def _read_csv(path: Path, expected_shape, shape, integer: bool) -> np.ndarray:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise LstmvizError(f"{path}: not a text (CSV) file") from None
    rows: list[list[float]] = []
    width = None
    first = True
    for lineno, line in enumerate(text.splitlines(), start=1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        cells = _split(s)
        if cells and cells[-1] == "" and len(cells) > 1:
            cells = cells[:-1]  # a trailing comma
        values = []
        for col, cell in enumerate(cells, start=1):
            try:
                values.append(float(cell))
            except ValueError:
                if first and not any(_is_number(c) for c in cells):
                    values = None  # a header row
                    break
                shown = cell if len(cell) <= 20 else cell[:17] + "..."
                raise LstmvizError(f"{path}: line {lineno}, column {col}: {shown!r} is not a number") from None
        first = False
        if values is None:
            continue
        if width is None:
            width = len(values)
        elif len(values) != width:
            raise LstmvizError(f"{path}: line {lineno} has {len(values)} values but the rows before have {width}; "
                               "every row needs the same number of columns")
        rows.append(values)
    if not rows:
        raise LstmvizError(f"{path}: holds no numbers")
    arr = np.asarray(rows, dtype=np.float64)
    if integer:
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise LstmvizError(f"{path}: the model's first layer is an Embedding, which needs whole-number token ids")
        arr = arr.astype(np.int64)
    else:
        arr = arr.astype(np.float32)
    if shape is not None:
        return _reshape(arr, shape, path)
    rank = len(expected_shape) if expected_shape is not None else 3
    if rank == 3:
        return arr[None]           # one sample: rows = timesteps, columns = features
    if rank == 2:
        return arr                 # rows = samples, columns = timesteps (or features)
    if rank == 1:
        return arr.reshape(-1)
    raise LstmvizError(f"{path}: the model takes rank-{rank} input; give --shape to read a .csv into it")


def _is_number(cell: str) -> bool:
    try:
        float(cell)
        return True
    except ValueError:
        return False


def _reshape(arr: np.ndarray, shape, path) -> np.ndarray:
    try:
        return arr.reshape(shape)
    except ValueError:
        dims = ",".join(str(d) for d in shape)
        raise LstmvizError(f"{path}: {arr.size} numbers cannot be reshaped to --shape {dims}") from None


def _input_specs(model) -> list[tuple[tuple, bool]]:
    """(batch shape, feeds an Embedding) of each model input."""
    from lstmviz.engine.layers import Embedding

    specs = []
    for k, ref in enumerate(model.inputs):
        consumers = [n.layer for n in model.nodes if any(r.layer == ref.layer for r in n.inbound)]
        specs.append((tuple(model.input_shapes()[k]), any(isinstance(c, Embedding) for c in consumers)))
    return specs


def load_inputs(model, paths, shapes) -> list[np.ndarray]:
    if shapes and len(shapes) not in (1, len(paths)):
        raise LstmvizError(f"give --shape once or once per --input ({len(paths)}), not {len(shapes)} times")
    specs = _input_specs(model)
    if len(paths) != len(specs):
        from lstmviz.engine.layers import fmt_shape

        names = ", ".join(f"'{r.layer}' {fmt_shape(s)}"
                          for r, (s, _) in zip(model.inputs, specs))
        raise LstmvizError(f"the model takes {len(specs)} input(s) ({names}) but {len(paths)} --input "
                           f"file(s) were given")
    arrays = []
    for k, (path, (want, integer)) in enumerate(zip(paths, specs)):
        shape = (shapes[0] if len(shapes) == 1 else shapes[k]) if shapes else None
        arrays.append(read_input(path, want, shape, integer))
    return arrays


# -- commands ------------------------------------------------------------------------------
def cmd_summary(args) -> int:
    try:
        model = lstmviz.load(args.model)
    except LstmvizError as err:
        listing = _weights_only_listing(args.model, err)
        if listing is None:
            raise
        print(listing)
        return 0
    print(model.summary())
    return 0


def _weights_only_listing(path, err: LstmvizError) -> str | None:
    """For a weights-only file whose inferred layers do not wire into a runnable stack
    (a seq2seq's two branches, say): the layers and weight shapes it holds, and why it
    cannot run. None for any other file (the error stands)."""
    from lstmviz.io.isolated import read_model_file_isolated

    try:
        spec = read_model_file_isolated(path)
    except LstmvizError:
        return None
    if not spec.source.get("weights_only"):
        return None
    rows = [(ls.name or "?", ls.class_name,
             ", ".join("x".join(str(d) for d in w.shape) for w in ls.weights or []) or "-",
             sum(int(w.size) for w in ls.weights or []))
            for ls in spec.layers if ls.class_name != "InputLayer"]
    w0 = max([20] + [len(r[0]) + len(r[1]) + 5 for r in rows])
    w1 = max([16] + [len(r[2]) + 2 for r in rows])
    lines = [f"Weights-only file: {Path(str(path)).name} (no architecture inside; layers inferred "
             "from the weight shapes)",
             f"{'Layer (type)':<{w0}}{'Weights':<{w1}}{'Param #':>10}", "=" * (w0 + w1 + 10)]
    lines += [f"{f'{n} ({c})':<{w0}}{w:<{w1}}{p:>10,}" for n, c, w, p in rows]
    lines += ["=" * (w0 + w1 + 10), f"Total params: {sum(r[3] for r in rows):,}", "",
              f"Not runnable as one stack: {err}",
              "Open the full model file, or load these weights onto a matching stack in the app."]
    return "\n".join(lines)


def cmd_trace(args) -> int:
    model = lstmviz.load(args.model, seed=args.seed)
    arrays = load_inputs(model, args.inputs, args.shape)
    if args.reset_states:
        model.reset_states()
    try:
        if args.steps is not None:  # a window of a long sequence (engine/windows.py)
            from lstmviz.engine.windows import parse_steps, trace_steps
            trace = trace_steps(model, arrays if len(arrays) > 1 else arrays[0],
                                *parse_steps(args.steps))
        else:
            _check_budget(model, arrays)
            trace = model.trace(arrays if len(arrays) > 1 else arrays[0])
    except LstmvizError as err:
        raise LstmvizError(_name_input(str(err), args.inputs)) from None
    flat = trace.flat()
    out = Path(args.out)
    _write_npz(out, flat)
    total = sum(a.nbytes for a in flat.values())
    outs = trace.outputs
    shapes = ", ".join(str(tuple(o.shape)) for o in outs)
    x0 = arrays[0]
    steps = f", {x0.shape[1]} steps" if x0.ndim >= 2 else ""
    if trace.total_steps is not None:
        steps += f" (window {args.steps})"
    print(f"wrote {out}: {len(flat)} arrays ({_fmt_bytes(total)} before compression) from "
          f"{len(trace.layers)} layers; batch {x0.shape[0]}{steps}; output {shapes}")
    return 0


def _check_budget(model, arrays) -> None:
    """Every step of a long sequence would not fit the trace budget: say to take a window."""
    from lstmviz.engine.windows import BUDGET_ENV, full_trace_bytes, trace_budget
    x0 = arrays[0]
    if x0.ndim < 2:
        return
    try:
        model._infer_shapes([a.shape for a in arrays])
    except LstmvizError:
        return  # model.trace says what is wrong with the input, in its words
    need, budget = full_trace_bytes(model, x0.shape[0], x0.shape[1]), trace_budget()
    if need > budget:
        raise LstmvizError(
            f"every step of batch {x0.shape[0]} x {x0.shape[1]:,} steps would take "
            f"{_fmt_bytes(need)}, more than the trace budget {_fmt_bytes(budget)} "
            f"({BUDGET_ENV}); write a window of steps with --steps A:B")


def _name_input(msg: str, paths) -> str:
    """Put the file's name on an engine message about 'the input' / 'input k (...)'."""
    if msg.startswith("the input") and len(paths) == 1:
        return f"{paths[0]}: {msg}"
    if msg.startswith("input "):
        head = msg.split(" ", 2)[1]
        if head.isdigit() and int(head) < len(paths):
            return f"{paths[int(head)]}: {msg}"
    return msg


def _write_npz(out: Path, arrays: dict) -> None:
    """``np.savez_compressed`` to exactly ``out`` (no '.npz' appended), atomically."""
    import io

    from lstmviz.app.session import write_atomic

    if out.is_dir():
        raise LstmvizError(f"{out}: is a directory; give a file name for --out")
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    write_atomic(out, buf.getvalue())


def _fmt_bytes(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


def demo_model():
    """The bundled demo model when present, else a small built-in stack."""
    res = Path(lstmviz.__file__).parent / "resources"
    for name in DEMO_NAMES:
        if (res / name).is_file():
            return lstmviz.load(res / name)
    from lstmviz.engine import LayerSpec, Model

    return Model.sequential(
        (None, 20, 3),
        [LayerSpec("LSTM", {"units": 8, "return_sequences": True}),
         LayerSpec("LSTM", {"units": 4}),
         LayerSpec("Dense", {"units": 1})],
        seed=0, name="demo",
    )


def cmd_app(args) -> int:
    try:
        from lstmviz.ui.app import run_app
    except ImportError as err:
        why = "not installed yet" if isinstance(err, ModuleNotFoundError) and (err.name or "").startswith("lstmviz") else str(err)
        print(f"{PROG}: the desktop app is not available ({why}); printing the summary instead",
              file=sys.stderr)
        model = lstmviz.load(args.model) if args.model else demo_model()
        print(model.summary())
        return 0
    exports = [(k, getattr(args, f"export_{k}", None)) for k in ("gif", "mp4", "png", "svg")]
    exports = [(k, out) for k, out in exports if out]
    if exports:
        from lstmviz.ui.export import export_from_cli

        for kind, out in exports:
            rc = export_from_cli(args.model, out, kind, args.view, args.size, args.fps, args.scale,
                                 args.step, args.theme)
            if rc:
                return rc
        return 0
    rc = run_app(args.model, args.screenshot, args.step, args.size, args.theme, args.view)
    return rc if isinstance(rc, int) else 0


COMMANDS = {"summary": cmd_summary, "trace": cmd_trace, "app": cmd_app}


# -- entry point ---------------------------------------------------------------------------
def _one_line(err: BaseException) -> str:
    if isinstance(err, OSError) and err.strerror:
        where = err.filename if err.filename is not None else ""
        msg = f"{where}: {err.strerror}" if where else err.strerror
    elif isinstance(err, (LstmvizError, OSError, ValueError, EOFError)):
        msg = str(err) or type(err).__name__
    else:
        msg = f"unexpected {type(err).__name__}: {err} (please report this; LSTMVIZ_DEBUG=1 shows details)"
    return " ".join(msg.split())


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(_normalise_argv(argv))
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 2
    debug = bool(os.environ.get("LSTMVIZ_DEBUG"))
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # stdout closed early (``lstmviz summary m | head``): not an error
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 0
    except (LstmvizError, OSError, ValueError, EOFError, MemoryError) as err:
        if debug:
            raise
        print(f"{PROG}: {_one_line(err)}", file=sys.stderr)
        return 2
    except Exception as err:  # a bug: still one line, but a different status
        if debug:
            raise
        print(f"{PROG}: {_one_line(err)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
