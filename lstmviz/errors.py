"""The one exception type lstmviz raises for anything a user did or a file holds."""

import os
import shlex
import sys
from typing import TypeGuard

from lstmviz.text import cut_long_runs, safe_text


class LstmvizError(Exception):
    """A problem described for humans: what is wrong, and what is supported.

    Every error the engine, the loaders and the CLI raise on purpose is of this type,
    so callers (the CLI, the app) can show ``str(err)`` as one clear line. The message
    is made safe on the way in (``lstmviz.text.safe_text``): names from a file that it
    quotes have their control characters escaped, a run of hundreds of characters without
    a space (a name a file quotes whole) cut to its head and tail, and a message cut at a
    few thousand characters.
    """

    #: what was read, where a refusal of a file's contents keeps it (``loading``: the CLI
    #: lists the layers of a weights-only file that does not wire into a stack)
    spec: object = None
    #: what the refusal ends with, a user's way out (``loading.weights_only_hint``), where
    #: another sentence may go before it (the window's refusal of a weights-only file)
    hint: str | None = None
    #: a weights file that fits no stack: the names of its layers with weights and of the
    #: stack's (``AppState.load_weights_file``), so the window can tell whether they were
    #: meant for a stack like it
    file_layers: list | None = None
    stack_layers: list | None = None

    def __init__(self, *args: object) -> None:
        if len(args) == 1 and isinstance(args[0], str):
            args = (safe_text(cut_long_runs(args[0])),)
        super().__init__(*args)


def pip_install(*packages: str) -> str:
    """The command that installs ``packages`` into the Python lstmviz runs in: its own
    interpreter's pip (a venv's, pipx's), so the hint works where lstmviz is installed from
    a folder or a wheel, not only from a package index (``pip install 'lstmviz[onnx]'``
    would need one); the home folder written ``~``."""
    python = sys.executable or "python3"
    home = os.path.expanduser("~")
    shown = shlex.quote(python)
    if home not in ("", "/", "~") and python.startswith(home + os.sep) and shown == python:
        shown = "~" + python[len(home):]
    return f"{shown} -m pip install {' '.join(packages)}"


def is_whole(value: object, least: float | None = None, most: float | None = None) -> TypeGuard[int]:
    """Whether ``value`` is a whole number as JSON, a pickle or a config gives one: a Python
    int, not a bool (``True`` is an int to Python, never a count), not a float (``3.0``) or a
    text, and not NumPy's integers (no reader makes them; ``whole_number`` takes them from a
    caller's code), from ``least`` to ``most`` where given. The one test of every reader of
    files, sessions and configs (ONNX nodes, Keras configs, safetensors headers, pickles)."""
    return (isinstance(value, int) and not isinstance(value, bool)
            and (least is None or value >= least) and (most is None or value <= most))


def is_number(value: object) -> TypeGuard[int | float]:
    """Whether ``value`` is a number as JSON gives one: a Python int or float, not a bool
    (NaN and infinity are floats: a caller that needs finite ones says so)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


#: the least magnitude float32 rounds to infinity: halfway from its largest number
#: (2**128 - 2**104, which NumPy prints 3.4028235e38) to 2**128, a tie going to infinity
#: (the max's last bit is odd). A number below it is float32's max or less once cast (so
#: "3.4028235e38" is in range), one at or past it infinity: every reader's one bound (a
#: CSV's cell, a float64 .npy, an array, a config's number): ``within_float32``
FLOAT32_OVERFLOW = 2.0**128 - 2.0**103


def within_float32(x):
    """Whether ``x`` (a number or an array of them) is a number float32 holds as a finite
    one (NaN, infinity and 1e39 are not): ``|x| < FLOAT32_OVERFLOW``, elementwise."""
    if isinstance(x, (int, float)):  # (a CSV's cell, a config's number: the fast way)
        return abs(x) < FLOAT32_OVERFLOW
    dtype = getattr(x, "dtype", None)
    if dtype is not None and dtype.kind == "f" and dtype.itemsize <= 4:
        # (float32 or narrower: in range unless NaN or infinity; the bound, cast to it, overflows)
        return abs(x) < float("inf")
    return abs(x) < FLOAT32_OVERFLOW


def whole_number(name: str, value: object, least: int | None = None) -> int:
    """``value`` as a Python int (NumPy's integers too, unlike ``is_whole``: a notebook's
    arguments come from code; not a bool, a float or a text), at least ``least`` where
    given, else refused in one line naming the argument ``name``: a notebook's ``step=``,
    ``unit=``, ``batch_size=``, ``epochs=`` ..."""
    import operator

    try:
        if isinstance(value, bool):  # (NumPy's bool has no index: refused by operator.index)
            raise TypeError
        number = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        said = "" if least is None else f" of at least {least}"
        raise LstmvizError(f"{name}={value!r}: give a whole number{said}") from None
    if least is not None and number < least:
        raise LstmvizError(f"{name}={number}: give a whole number of at least {least}")
    return number
