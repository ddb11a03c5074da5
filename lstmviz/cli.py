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

import lstmviz
from lstmviz.cli_inputs import (  # noqa: F401
    CSV_HELP,
    CSV_SUFFIXES,
    NPY_MAGIC,
    check_named,
    check_npz_name,
    check_out_file,
    input_specs,
    load_inputs,
    model_input,
    model_inputs,
    name_input,
    parse_shape,
    read_input,
    read_raws,
    refuse_to_replace,
    samples_steps,
    time_major,
    whole_arg,
    write_npz,
)
from lstmviz.errors import LstmvizError
from lstmviz.limits import fmt_bytes
from lstmviz.text import file_label, plural, safe_name, safe_text, whole_number

PROG = "lstmviz"
SUBCOMMANDS = ("summary", "trace", "grad", "train", "app")
THEMES = ("dark", "light", "projector")  # lstmviz.ui.theme.THEMES (not imported: no Qt here)
_DASH_VALUES = ("--shape", "--steps")  # options whose value may start with '-' (-1,20,3)
_LIST_THEMES = ("list",)  # --theme without a value (not a str: argparse checks only str against choices)

def _size(text: str) -> tuple[int, int]:
    sides = [whole_number(v) for v in text.lower().replace("×", "x").split("x")]
    if len(sides) != 2 or None in sides:
        raise argparse.ArgumentTypeError(f"size must be WIDTHxHEIGHT in decimal digits such as 1600x900, "
                                         f"not {text!r}")
    w, h = (int(v or 0) for v in sides)
    from lstmviz.limits import check_picture_size

    try:  # (the rule of lstmviz.picture's size: a window, a screenshot and an export alike)
        return check_picture_size(w, h)
    except LstmvizError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def model_formats() -> str:
    """The formats MODEL may be, from the registry (``lstmviz.io.formats``)."""
    from lstmviz.io.formats import help_text

    return help_text()


class _Parser(argparse.ArgumentParser):
    """argparse's parser whose refusals are one line, as every other error of the CLI
    (argparse prints its whole usage block above the line that says what is wrong)."""

    commands: dict = {}  # the top parser's: each command's parser

    def __init__(self, *args, **kwargs):
        self.known: list[argparse.Action] = []  # its options and positionals (``_slip``)
        super().__init__(*args, **kwargs)

    def add_argument(self, *args, **kwargs):
        action = super().add_argument(*args, **kwargs)
        self.known.append(action)
        return action

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())}; "
                     f"see '{self.prog} --help'\n")


#: ``--max-memory``'s help, the same in 'lstmviz --help' and each command's
MAX_MEMORY_HELP = ("memory limit for traces, arrays read from files, inputs and sessions, such as 16G, "
                   "up to the machine's memory (default 2G, or $LSTMVIZ_MAX_MEMORY); files that would "
                   "need more are refused before anything is allocated; a full trace may take half of "
                   "it, a longer sequence is traced by keyframes (a window of steps at a time)")


def build_parser() -> "_Parser":
    MODEL_HELP = f"a model file: {model_formats()}"
    parser = _Parser(
        prog=PROG,
        description="See the unrolled computation of recurrent layers (SimpleRNN, LSTM, GRU), "
                    "exactly as Keras computes it.",
        epilog="commands:\n"
               "  lstmviz [MODEL] [--screenshot OUT.png ...]   open the app (a demo model without MODEL)\n"
               "  lstmviz summary MODEL                        layers, shapes, weights per gate, params\n"
               "  lstmviz trace MODEL --input X --out OUT.npz  every intermediate of a forward pass\n"
               "  lstmviz grad MODEL --input X --target Y --loss L --out G.npz   exact gradients\n"
               "  lstmviz train MODEL|--task NAME ... --out TRAINED.keras   train as Keras' fit\n"
               "Run 'lstmviz COMMAND --help' for a command's options.\n"
               f"MODEL is a file of any of these formats (recognised from its bytes): {model_formats()}.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {lstmviz.__version__}")
    parser.add_argument("--max-memory", metavar="SIZE", default=None, help=MAX_MEMORY_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    parser.commands = sub.choices  # (an option a command does not take: its parser says so)

    p = sub.add_parser("summary", help="print the model's layers, shapes and parameters",
                       description="Print a table like Keras' model.summary() (name, class, "
                                   "output shape, parameters; Total params), then each recurrent "
                                   "layer's weight shapes per gate and its parameter formula.")
    p.add_argument("model", metavar="MODEL", help=MODEL_HELP)
    p.add_argument("--all-ops", action="store_true",
                   help="an ONNX graph: list every op, also those that only move, reshape or "
                        "index data (Transpose, Shape, Cast, ...), left out by default")

    p = sub.add_parser("trace", help="run the model on an input and save every intermediate",
                       description="Run MODEL on the input(s) and write every recorded array to "
                                   "OUT.npz (np.savez_compressed): 'output' (or output0, output1, "
                                   "... for several outputs), '<layer>' for each layer's output, "
                                   "'<layer>:<k>' for its extra outputs (return_state), "
                                   "'<layer>/<name>' for the intermediates (i, f, c_tilde, o, c, h, "
                                   "pre, x_proj, h_proj, initial_h, ...; time in processing order; "
                                   "a Softmax or LayerNormalization over the steps' m and S, "
                                   "mean and var over every step) "
                                   "and '<layer>/forward/<name>', '<layer>/backward/<name>' inside "
                                   "a Bidirectional. In '<layer>' a name's %, /, : and \\ are written "
                                   "%25, %2F, %3A, %5C (a layer named 'output' %6Futput, '..' %2E%2E); "
                                   "'lstmviz:keys' holds a row [key, layer, part, record] per array.",
                       epilog=CSV_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", metavar="MODEL", help=MODEL_HELP)
    p.add_argument("--input", "-i", dest="inputs", action="append", required=True, metavar="X",
                   help="an input file, .npy or .csv (repeat for a model with several inputs)")
    p.add_argument("--out", "-o", required=True, metavar="OUT.npz", help="where to write the arrays")
    p.add_argument("--shape", action="append", type=parse_shape, default=[], metavar="B,T,F",
                   help="reshape an input's numbers (a .csv's, or a .npy's) to this shape (see below)")
    p.add_argument("--reset-states", action="store_true",
                   help="reset the states of stateful layers to zeros before the run "
                        "(a freshly loaded model already starts from zeros)")
    p.add_argument("--steps", default=None, metavar="A:B",
                   help="only processing steps A..B-1 of the input (each '<layer>/<name>' is (batch, "
                        "B-A, ...), and 'lstmviz:steps' is [A, B, steps in the sequence]), recomputed "
                        "from keyframes: every record of the window only, the layers' outputs of the "
                        "whole sequence ('output' is the whole sequence's). A layer after a Conv1D or "
                        "pooling of strides s (or padding 'valid') has fewer steps of its own and holds "
                        "those the window's input steps stand for (its step t stands for input step "
                        "t*s: after MaxPooling1D(2), A/2..B/2), said in 'lstmviz:steps/<layer>' as "
                        "[first, after the last, its steps]")
    p.add_argument("--seed", type=whole_arg(0), default=0, help=argparse.SUPPRESS)

    from lstmviz import cli_learn

    cli_learn.add_parsers(sub)

    p = sub.add_parser("app", help="open the desktop app (the default command)",
                       description="Open the desktop app on MODEL (a demo model without one). "
                                   "With --screenshot, render one frame offscreen to a PNG and exit.")
    p.add_argument("model", metavar="MODEL", nargs="?", default=None,
                   help=MODEL_HELP + " (default: the bundled demo)")
    p.add_argument("--input", "-i", dest="inputs", action="append", default=[], metavar="X",
                   help="trace the model on this .npy or .csv (the model's first input: the "
                        "others are made; or give one --input per model input, in order; "
                        "see 'lstmviz trace --help' for how a .csv is read)")
    p.add_argument("--shape", action="append", type=parse_shape, default=[], metavar="B,T,F",
                   help="reshape an input's numbers (a .csv's, or a .npy's) to this shape")
    p.add_argument("--screenshot", metavar="OUT.png", default=None,
                   help="render the window to this PNG and exit")
    p.add_argument("--install-desktop", action="store_true",
                   help="add lstmviz to the desktop's menu, with its icon, and make .lstmviz "
                        "sessions open in it (for this user, under $XDG_DATA_HOME); then exit")
    p.add_argument("--uninstall-desktop", action="store_true",
                   help="remove what --install-desktop added; then exit")
    p.add_argument("--lesson", default=None, metavar="NAME",
                   help="start a guided lesson, as Help > Lessons does: its number in that menu "
                        "or words of its title ('--lesson 3', '--lesson \"forget gate\"'), presented "
                        "full screen (F5); PgDn/PgUp step through it, Esc ends it, Esc again "
                        "leaves full screen")
    p.add_argument("--step", type=whole_arg(0), default=None, metavar="N", help="timestep to show")
    p.add_argument("--size", type=_size, default=None, metavar="WxH",
                   help="window size, e.g. 1600x900 (16 to 8192 pixels a side); for --export-*, "
                        "the size of the picture (the view's, or the window's with --view window)")
    p.add_argument("--theme", default=None, choices=THEMES, nargs="?", const=_LIST_THEMES,
                   help="colour theme: %(choices)s (default: the one picked last in View > Theme, "
                        "else the system's light or dark setting); alone, lists them")
    for kind, what in (("gif", "an animated GIF, one frame per step"),
                       ("mp4", "an MP4 video, one frame per step (needs ffmpeg: the extra 'mp4', or ffmpeg on PATH)"),
                       ("png", "a PNG picture (see --scale)"), ("svg", "an SVG picture")):
        p.add_argument(f"--export-{kind}", metavar=f"OUT.{kind}", default=None,
                       help=f"render {what} offscreen and exit")
    p.add_argument("--view", default=None, metavar="NAME",
                   help="the tab shown (unrolled, cell, over_time, weights, train); for --export-*, "
                        "also 'window' (default: unrolled; train: not for --export-gif/--export-mp4)")
    p.add_argument("--fps", type=float, default=None, metavar="N", help="animation speed, steps per second (default 4)")
    p.add_argument("--steps", default=None, metavar="A:B",
                   help="for --export-gif/--export-mp4: only steps A..B-1 ('A:' to the end), a frame "
                        "each (an animation holds at most 2,000)")
    p.add_argument("--scale", type=float, default=None, metavar="S",
                   help="--export-png's scale (2 = twice the pixels; the other pictures are drawn at --size)")
    # 'lstmviz --help' shows the app's options too: they are what 'lstmviz [MODEL]' takes
    app_help = p.format_help().split("\n\n", 1)[1]
    parser.epilog = (parser.epilog or "") + ("\n\nlstmviz [MODEL] opens the app (same as 'lstmviz app [MODEL]'):\n\n"
                      + app_help.replace("options:\n", "app options:\n", 1))
    # each command's --help lists --max-memory too, which may stand after the command
    # (``_normalise_argv`` moves it before; only 'lstmviz --help' listed it); added after
    # the app's options were copied above, which list it once already
    for command in sub.choices.values():
        command.add_argument("--max-memory", metavar="SIZE", default=argparse.SUPPRESS, help=MAX_MEMORY_HELP)
    return parser


def _normalise_argv(argv: list[str]) -> list[str]:
    """``lstmviz`` and ``lstmviz MODEL [--screenshot ...]`` mean ``lstmviz app ...``;
    ``--max-memory SIZE`` may stand anywhere (it is moved before the command); a value
    starting with '-' after ``--shape`` or ``--steps`` (``--shape -1,20,3``, as their help
    allows) is kept as that value (argparse would take it for an option)."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(argv):
        if argv[i] == "--max-memory" and i + 1 < len(argv):
            front += argv[i:i + 2]
            i += 2
            continue
        if argv[i] in _DASH_VALUES and i + 1 < len(argv) and argv[i + 1][1:2].isdigit() \
                and argv[i + 1].startswith("-"):
            rest.append(f"{argv[i]}={argv[i + 1]}")
            i += 2
            continue
        (front if argv[i].startswith("--max-memory=") else rest).append(argv[i])
        i += 1
    argv = rest
    if not argv:
        return front + ["app"]
    if argv[0] in SUBCOMMANDS or argv[0] in ("-h", "--help", "--version"):
        return front + argv
    return front + ["app"] + argv


# -- inputs --------------------------------------------------------------------------------
def _check_named_paths(args) -> None:
    """An empty MODEL, --input or --target (``"$X"`` with ``X`` unset) said as that before
    any work, as an empty --out is (``check_named``): a subcommand's MODEL '' was
    'lstmviz: : no such file', an input '' '.: is a directory'. (The app's MODEL '' opens
    the demo, as no MODEL does.)"""
    if args.command != "app" and getattr(args, "model", None) is not None:
        check_named(args.model, "MODEL")
    for path in getattr(args, "inputs", None) or []:
        check_named(path, "--input")
    if getattr(args, "target", None) is not None:
        check_named(args.target, "--target")


def cmd_summary(args) -> int:
    try:
        model = lstmviz.load(args.model)
    except LstmvizError as err:
        listing = _weights_only_listing(args.model, err)
        if listing is None:
            raise
        print(listing)
        return 0
    model.summary(all_ops=args.all_ops)
    print(f"\n{read_from(model, args.model)}")
    broken = model.nonfinite_weights()
    if broken:  # (a model saved after its training diverged: it runs, to NaN)
        print(f"\nNote: {broken}; every number it reaches is NaN.")
    return 0


def read_from(model, path) -> str:
    """The line under the summary's table: the file and the format it was read as, and the
    Keras version that saved it where a model file says (not a session's: lstmviz saved it)."""
    from lstmviz.io.formats import format_of
    from lstmviz.text import safe_text

    fmt = format_of(model.source.get("format"))
    # (the file's word, not the semantics traced; a session's is its stack's generation)
    version = model.source.get("keras_version") if fmt is not None and fmt.kind == "model" else None
    saved = f", saved by Keras {safe_text(version, 40)}" if version else ""
    name = fmt.name if fmt is not None else "unknown format"
    return f"Read from {safe_text(Path(str(path)).name, 200)}: {name}{saved}."


def _weights_only_listing(path, err: LstmvizError) -> str | None:
    """For a weights-only file whose inferred layers do not wire into a runnable stack
    (a seq2seq's two branches, say): the layers and weight shapes it holds, and why it
    cannot run. None for any other file (the error stands)."""
    spec = getattr(err, "spec", None)  # what lstmviz.load read: the file is never read twice
    if spec is None or not spec.source.get("weights_only"):
        return None
    rows = [(safe_name(ls.name or "?"), safe_name(ls.class_name),
             ", ".join("x".join(str(d) for d in w.shape) for w in ls.weights or []) or "-",
             sum(int(w.size) for w in ls.weights or []))
            for ls in spec.layers if ls.class_name != "InputLayer"]
    w0 = max([20] + [len(r[0]) + len(r[1]) + 5 for r in rows])
    w1 = max([16] + [len(r[2]) + 2 for r in rows])
    lines = [f"Weights-only file: {file_label(path)} (no architecture inside; layers inferred "
             "from the weight shapes)",
             f"{'Layer (type)':<{w0}}{'Weights':<{w1}}{'Param #':>10}", "=" * (w0 + w1 + 10)]
    lines += [f"{f'{n} ({c})':<{w0}}{w:<{w1}}{p:>10,}" for n, c, w, p in rows]
    lines += ["=" * (w0 + w1 + 10), f"Total params: {sum(r[3] for r in rows):,}", "",
              f"Not runnable as one stack: {err}."]  # (its hint: loading.weights_only_hint)
    return "\n".join(lines)


def cmd_trace(args) -> int:
    refuse_to_replace(args.out, [("model file", args.model)] + [("input file", p) for p in args.inputs])
    check_npz_name(args.out, "trace")
    check_out_file(args.out)
    # read as long as the memory limit allows: a whole trace checks its budget and steps
    # itself and says to take a window (--steps), which a long input is traced by; the
    # files first, as far as they do not depend on the model (a bad one refused at once)
    raws = read_raws(args.inputs, args.shape, long=True)
    model = lstmviz.load(args.model, seed=args.seed)
    from lstmviz.engine.model import TooManySteps
    arrays = load_inputs(model, args.inputs, args.shape, long=True, raws=raws)
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
    except TooManySteps as err:  # (a 300,000-row CSV: every step of it, not a window)
        raise LstmvizError(name_input(str(TooManySteps(err.run, "write a window of steps with --steps A:B")),
                                      args.inputs)) from None
    except LstmvizError as err:
        raise LstmvizError(name_input(str(err), args.inputs)) from None
    from lstmviz.app.export_data import trace_arrays, window_of

    flat = trace_arrays(trace)  # with --steps, the window's steps too ('lstmviz:steps')
    out = Path(args.out)
    write_npz(out, flat)
    total = sum(a.nbytes for a in flat.values())
    outs = trace.outputs
    shapes = ", ".join(str(tuple(o.shape)) for o in outs[:4])  # (a file may list 5,000 outputs:
    shapes += f", ... ({len(outs):,} outputs)" if len(outs) > 4 else ""  # a line of 60 KB)
    steps = inputs_read(model, arrays)
    window = window_of(trace)
    if window is not None:  # the window as taken ('5:' to the end, ':3' from 0)
        steps += f" (window {window[0]}:{window[1]})"
    print(f"wrote {safe_text(str(out))}: {len(flat)} arrays ({fmt_bytes(total)} before compression) from "
          f"{plural(len(trace.layers), 'layer')}; {steps}; output {shapes}")
    return 0


def inputs_read(model, arrays) -> str:
    """The samples and steps a trace read, as 'lstmviz trace' says them: '1 sample x 17
    steps'; where the model's inputs run over other numbers of steps, each one's ('1 sample;
    input_1 17 steps, input_2 1 step, input_3 12 steps': fdeep_lstm_stateful.h5's five
    inputs were said as the first one's '1 sample x 17 steps'). An input that only starts a
    layer's states (``Model.state_inputs``) or has no time axis runs over no steps."""
    x0 = arrays[0]
    if x0.ndim >= 2 and time_major(model, 0):  # (time, batch, ...): said as any other's
        x0 = x0.swapaxes(0, 1)
    if x0.ndim < 2:
        return f"batch {x0.shape[0]}"
    states = model.state_inputs()
    seqs = [(ref.layer, int(a.shape[0 if time_major(model, k) else 1]))
            for k, (ref, a) in enumerate(zip(model.inputs, arrays)) if a.ndim >= 2 and ref.layer not in states]
    if len({n for _, n in seqs}) <= 1:
        return samples_steps(x0.shape[0], x0.shape[1])
    return f"{plural(x0.shape[0], 'sample', sep=',')}; " + ", ".join(
        f"{safe_text(name, 80)} {plural(n, 'step', sep=',')}" for name, n in seqs)


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
            f"{fmt_bytes(need)}, more than the trace budget {fmt_bytes(budget)} "
            f"(half the memory limit: --max-memory or {BUDGET_ENV}); write a window of steps "
            "with --steps A:B")


def demo_model():
    """The first demo shipped in the package (``lstmviz.app.demos``), else a small
    built-in stack."""
    from lstmviz.app.demos import load_demos

    demos = load_demos()
    if demos:
        return lstmviz.load(demos[0]["model"])
    from lstmviz.engine import LayerSpec, Model

    return Model.sequential(
        (None, 20, 3),
        [LayerSpec("LSTM", {"units": 8, "return_sequences": True}),
         LayerSpec("LSTM", {"units": 4}),
         LayerSpec("Dense", {"units": 1})],
        seed=0, name="demo",
    )


def _app_input(paths, shapes):
    """``--input`` for the app: a function of the opened model reading the one file (its
    first input: the window makes the others), or one file per model input (a list)."""
    for p in paths:  # a missing file is named before the window is built
        if not Path(p).is_file():
            raise LstmvizError(f"{p}: no such file" if not Path(p).exists() else f"{p}: is not a file")
    if len(paths) == 1:
        if len(shapes) > 1:
            raise LstmvizError("give --shape once")
        return model_input(paths[0], shapes[0] if shapes else None)
    return model_inputs(paths, shapes)


def _check_picture_name(out: str, flag: str, kind: str) -> None:
    """A picture's or animation's file name for ``flag``, which writes ``kind``: its suffix
    that kind's (or none: --screenshot shot.jpg wrote PNG data under the .jpg name, and
    --export-gif a.png a GIF), its folder there (as the exports say it), not a folder
    itself (--screenshot into a folder drew the window, then 'could not write the PNG')."""
    if Path(out).is_dir():
        raise LstmvizError(f"{out}: is a directory; give a file name for {flag}")
    suffix = Path(out).suffix.lower()
    if suffix not in ("", f".{kind}"):
        others = [f for f in ("--export-png", "--export-svg", "--export-gif", "--export-mp4")
                  if not f.endswith(kind)]
        article = "an" if kind in ("svg", "mp4") else "a"
        raise LstmvizError(f"{out}: {flag} writes {article} {kind.upper()}; give a .{kind} name "
                           f"({', '.join(others[:-1])} and {others[-1]} write the other formats)")
    from lstmviz.files import check_folder

    check_folder(out)  # (a missing folder: as the exports say it)


def cmd_app(args) -> int:
    if args.theme is _LIST_THEMES:
        print("themes: " + ", ".join(THEMES) + " (--theme NAME; without it: the one picked last in "
              "View > Theme, else the system's light or dark setting)")
        return 0
    if args.install_desktop or args.uninstall_desktop:
        from lstmviz.desktop import main as desktop_main

        return desktop_main("install" if args.install_desktop else "uninstall")
    # The window's process computes on one BLAS thread (ui/app.py's limit_blas_threads),
    # said before NumPy starts OpenBLAS: started without it, OpenBLAS runs a thread a core
    # that spins after each call (~0.1 s of CPU in a start-up on two cores). The children
    # (the reading child, the training process) inherit it, as they did from run_app.
    from lstmviz import limits

    limits.blas_threads(os.environ, 1)
    exports = [(k, getattr(args, f"export_{k}", None)) for k in ("gif", "mp4", "png", "svg")]
    exports = [(k, out) for k, out in exports if out is not None]
    named: dict[Path, str] = {}  # (each output's file, the option naming it)
    for flag, kind, out in [("--screenshot", "png", args.screenshot)] + [
            (f"--export-{k}", k, out) for k, out in exports]:
        if out is not None:  # every name checked before anything is rendered
            check_named(out, flag)
            _check_picture_name(out, flag, kind)
            refuse_to_replace(out, [("model file", args.model)] + [("input file", p) for p in args.inputs],
                              flag)
            where = Path(out).resolve()
            if where in named:  # (the second would write over the first)
                raise LstmvizError(f"{out}: named by both {named[where]} and {flag}; give each its own file")
            named[where] = flag
    if args.scale is not None and not any(k == "png" for k, _ in exports):  # (it was ignored)
        raise LstmvizError("--scale S multiplies the pixels of an --export-png only (--screenshot, "
                           "--export-svg, --export-gif and --export-mp4 are drawn at --size): give it "
                           "with --export-png, or give --size")
    if args.view is not None and any(k in ("gif", "mp4") for k, _ in exports):
        from lstmviz.app.views import TRAIN_KEY, TRAIN_NOT_ANIMATED, tab_key

        if tab_key(args.view) == TRAIN_KEY:  # (before a picture of it is written: all or none)
            raise LstmvizError(TRAIN_NOT_ANIMATED)
    lesson = None
    if args.lesson is not None:  # (before Qt starts, as every other refusal)
        if exports:
            raise LstmvizError("--lesson starts a lesson in the window (or its --screenshot); the "
                               "--export-* pictures draw one view: give them without --lesson")
        if args.view is not None or args.step is not None:
            raise LstmvizError("--lesson sets the view and step its first step shows: give it "
                               "without --view and --step")
        from lstmviz.app.tours import find_lesson

        lesson = find_lesson(args.lesson)
    frames = None
    if args.steps is not None:
        if not any(k in ("gif", "mp4") for k, _ in exports):
            raise LstmvizError("--steps A:B picks the steps of an animation: give it with "
                               "--export-gif or --export-mp4")
        from lstmviz.engine.windows import parse_steps

        frames = parse_steps(args.steps)
    inputs = _app_input(args.inputs, args.shape) if args.inputs else None
    from lstmviz.ui.preflight import check_window, report

    problems = check_window(window=not (args.screenshot or exports))
    if problems:  # before Qt starts: Qt would abort with a misleading message
        report(problems, PROG)
        return 2
    try:
        from lstmviz.ui.app import run_app
    except ImportError as err:
        why = ("not installed yet" if isinstance(err, ModuleNotFoundError) and (err.name or "").startswith("lstmviz")
               else str(err))
        print(f"{PROG}: the desktop app is not available ({why}); printing the summary instead",
              file=sys.stderr)
        model = lstmviz.load(args.model) if args.model else demo_model()
        model.summary()
        return 0
    if args.model and not os.path.exists(args.model):  # (before Qt starts, as summary says it)
        from lstmviz.io import formats

        formats.sniff(args.model)  # "MODEL: no such file; supported: <every format>"
    if exports:
        from lstmviz.ui.app import export_from_cli

        for kind, out in exports:
            scale = 1.0 if args.scale is None else args.scale
            rc = export_from_cli(args.model, out, kind, args.view, args.size, args.fps, scale, args.step,
                                 args.theme, **({"inputs": inputs} if inputs else {}),
                                 **({"steps": frames} if frames and kind in ("gif", "mp4") else {}))
            if rc:
                return rc
        if not args.screenshot:
            return 0
    rc = run_app(args.model, args.screenshot, args.step, args.size, args.theme, args.view,
                 **({"inputs": inputs} if inputs else {}), **({"lesson": lesson} if lesson is not None else {}))
    return rc if isinstance(rc, int) else 0


def _learn(name):
    def run(args):
        from lstmviz import cli_learn

        return getattr(cli_learn, f"cmd_{name}")(args)
    return run


COMMANDS = {"summary": cmd_summary, "trace": cmd_trace, "grad": _learn("grad"),
            "train": _learn("train"), "app": cmd_app}


# -- entry point ---------------------------------------------------------------------------
def _one_line(err: BaseException) -> str:
    if isinstance(err, OSError) and err.strerror:
        where = err.filename if err.filename is not None else ""
        msg = f"{where}: {err.strerror}" if where else err.strerror
    elif isinstance(err, MemoryError):  # (NumPy's "Unable to allocate 3.2 GiB for an array ...")
        msg = ("out of memory: the machine could not give what this needs (a shorter input, fewer "
               "samples or a smaller model need less)")
    elif isinstance(err, (LstmvizError, OSError, ValueError, EOFError)):
        msg = str(err) or type(err).__name__
    else:
        msg = f"unexpected {type(err).__name__}: {err} (please report this; LSTMVIZ_DEBUG=1 shows details)"
    return safe_text(" ".join(msg.split()))  # nothing from a file reaches the terminal raw


def _misspelled_command(word: str) -> str | None:
    """The refusal of ``lstmviz sumary m.keras``: a word where the app takes its MODEL that
    is no file and is close to a command's name (it was taken for the app's MODEL, and
    refused as 'unrecognized arguments: m.keras'); None otherwise."""
    import difflib

    if word in SUBCOMMANDS or os.path.exists(word):
        return None
    near = difflib.get_close_matches(word, SUBCOMMANDS, n=1, cutoff=0.7)
    if not near:
        return None
    return (f"{word!r} is neither a command nor a file: did you mean 'lstmviz {near[0]}'? "
            f"(commands: {', '.join(SUBCOMMANDS)}; lstmviz MODEL opens the app)")


def _slip(argv: list[str], parser) -> tuple[str, str] | None:
    """The one line for a slip argparse says badly, and who says it ('' or the command's
    prog), for ``argv`` as ``_normalise_argv`` gives it; None when there is none:

    - an option the command does not take (``lstmviz trace M --ouput t.npz`` said
      'required: --input/-i, --out/-o'; ``--veiw cell`` 'unrecognized arguments'): named,
      with the option meant where one is close;
    - a command after the app's options or MODEL (``lstmviz --theme dark trace M``,
      ``lstmviz M trace``: 'unrecognized arguments'): it comes first;
    - a misspelled command where the app takes its MODEL, after options too
      (``lstmviz --max-memory 2G trcae M``: the check looked at the first word only)."""
    k = next((i for i, a in enumerate(argv) if a in parser.commands), None)
    if k is None or any(a in ("-h", "--help") for a in argv[:k]):
        return None
    command = argv[k]
    sub = parser.commands[command]
    takes = {o: a for a in sub.known for o in a.option_strings}
    longs = [o for o in takes if o.startswith("--")]
    j = k + 1
    while j < len(argv):
        word = argv[j]
        j += 1
        if word == "--":
            return None
        if word.startswith("-") and len(word) > 1 and not word[1].isdigit():
            name = word.split("=", 1)[0]
            found = [takes[o] for o in longs if o.startswith(name)] if name.startswith("--") else []
            action = takes.get(name) or (found[0] if len(found) == 1 else None)
            if action is None and not found and name.startswith("--"):
                import difflib

                others = [p.prog for c, p in parser.commands.items() if c != command
                          and any(name in a.option_strings for a in p.known)]
                tops = [o for a in parser.known for o in a.option_strings if o.startswith("--")]
                near = difflib.get_close_matches(name, longs + tops, n=1, cutoff=0.6)
                why = (f" (an option of {' and '.join(others)}, not of this command)" if others
                       else f" (did you mean {near[0]!r}?)" if near else "")
                return sub.prog, f"{sub.prog}: error: unrecognized option {name!r}{why}; see '{sub.prog} --help'"
            if action is not None and "=" not in word and action.nargs != 0 and j < len(argv) \
                    and (action.nargs != "?" or not argv[j].startswith("-")):
                j += 1  # its value
            continue
        if command == "app" and word in SUBCOMMANDS and not os.path.exists(word):
            return "", (f"{PROG}: {word!r} is a command: it comes first, before MODEL and options "
                        f"('lstmviz {word} MODEL ...'; see 'lstmviz {word} --help')")
        misspelled = _misspelled_command(word) if command == "app" else None
        if misspelled:
            return "", f"{PROG}: {misspelled}"
    return None


def main(argv=None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:  # (also while the parser is built: it imports the registry)
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


def _main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    argv = _normalise_argv(argv)
    slip = _slip(argv, parser)
    if slip:
        print(slip[1], file=sys.stderr)
        return 2
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:  # said by the command's parser: 'see lstmviz grad --help', not 'lstmviz --help'
            parser.commands.get(args.command, parser).error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 2
    debug = bool(os.environ.get("LSTMVIZ_DEBUG"))
    try:
        if args.max_memory is not None:
            from lstmviz.limits import set_memory_limit

            set_memory_limit(args.max_memory)  # also for the reader processes it starts
        _check_named_paths(args)
        return COMMANDS[args.command](args)
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
