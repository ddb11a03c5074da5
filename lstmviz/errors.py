"""The one exception type lstmviz raises for anything a user did or a file holds."""

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

    def __init__(self, *args: object) -> None:
        if len(args) == 1 and isinstance(args[0], str):
            args = (safe_text(cut_long_runs(args[0])),)
        super().__init__(*args)


def whole_number(name: str, value: object, least: int | None = None) -> int:
    """``value`` as a Python int (NumPy's integers too; not a bool, a float or a text), at
    least ``least`` where given, else refused in one line naming the argument ``name``: a
    notebook's ``step=``, ``unit=``, ``batch_size=``, ``epochs=`` ..."""
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
