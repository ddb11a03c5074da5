"""The numbers of a CSV file, with no Qt and no NumPy: the one reader behind every input and
target read from a ``.csv``/``.txt``/``.tsv`` (``lstmviz.cli_inputs``: the command line's
``--input``/``--target``; ``app.inputs``: the window's Import)."""

from __future__ import annotations

from lstmviz.errors import LstmvizError
from lstmviz.text import plural


def delimiter(line: str) -> str | None:
    """The separator of a CSV's cells in ``line``: ';', else a tab, else ',' (a file that
    separates with ';' or tabs may write decimal commas, 15,063), else None (spaces)."""
    return next((sep for sep in (";", "\t", ",") if sep in line), None)


def split_cells(line: str, sep: str | None) -> list[str]:
    """The cells of a CSV line, each stripped: split at ``sep`` (None: at spaces); a cell in
    double quotes is what they hold (``"1.5"``, as exports that quote every cell write it;
    a separator inside them is part of the cell, as Python's ``csv`` reads it). The one
    rule of both CSV readers (this one and ``app/long_data.read_csv``)."""
    if '"' not in line:
        return [c.strip() for c in line.split(sep)] if sep else line.split()
    import csv

    row = next(csv.reader([line], delimiter=sep or " ", skipinitialspace=True), [])
    cells = [c.strip() for c in row]
    return cells if sep else [c for c in cells if c]


def number(cell: str) -> float:
    """A CSV cell's number, as both CSV readers read it (NumPy's C reader's rule: ASCII
    digits, no ``_``; Python's ``float`` alone also takes ``1_0`` and ``١``); ValueError
    otherwise."""
    if "_" in cell or not cell.isascii():
        raise ValueError(cell)
    return float(cell)


def csv_numbers(path, fh):
    """The numbers of a CSV (``fh``; ``path``: how messages name it), streamed into one
    flat buffer (8 bytes a number, not a Python list per row), and its width; stops at the
    limit of ``lstmviz.limits.csv_cell_limit``. Cells split at ';', tab or ',' (else
    spaces; chosen once, on the first line that is not blank or ``#``, as the long-input
    reader chooses it), a cell in double quotes read as what they hold (``split_cells``); a
    first row of words is a header; ``#`` lines and blank ones are skipped.
    The one CSV reader of inputs and targets (the CLI's, the app's import)."""
    from array import array

    from lstmviz import limits

    cap = limits.csv_cell_limit()
    flat = array("d")
    width = None
    first = True
    sep: str | None = None
    longest = 16 * 1024 * 1024
    for lineno, line in enumerate(iter(lambda: fh.readline(longest + 1), ""), start=1):
        if len(line) > longest:
            raise LstmvizError(f"{path}: line {lineno} is over 16 MB long; not a table of numbers")
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        if first:
            sep = delimiter(s)
        cells = split_cells(s, sep)
        if cells and cells[-1] == "" and len(cells) > 1:
            cells = cells[:-1]  # a trailing comma
        if width is not None and len(cells) != width:
            raise LstmvizError(f"{path}: line {lineno} has {plural(len(cells), 'value')} but the rows before "
                               f"have {width}; "
                               "every row needs the same number of columns")
        values = []
        for col, cell in enumerate(cells, start=1):
            try:
                values.append(number(cell))
            except ValueError:
                if first and not any(is_number(c) for c in cells):
                    values = None  # a header row
                    break
                if not cell:
                    raise LstmvizError(f"{path}: line {lineno}, column {col} {MISSING}") from None
                raise LstmvizError(f"{path}: line {lineno}, column {col}: {not_a_number(cell)}") from None
        first = False
        if values is None:
            continue
        if width is None:
            width = len(values)
        flat.extend(values)
        if len(flat) > cap:
            raise LstmvizError(f"{path}: holds more than {cap:,} numbers (stopped reading at line "
                               f"{lineno:,}), over the limit that comes with the memory limit of "
                               f"{limits.fmt_bytes(limits.memory_limit())}; {limits.HINT}")
    return flat, width or 1


#: what both CSV readers say of an empty cell, after its line and column
MISSING = "is empty (a missing value); fill it in or remove the row"


def is_number(cell: str) -> bool:
    """Whether a CSV cell reads as a number (a header's names do not)."""
    try:
        number(cell)
        return True
    except ValueError:
        return False


def decimal_comma(cell: str) -> str | None:
    """The number a cell with one decimal comma means, as lstmviz reads it (``'15,063'`` ->
    ``'15.063'``), or None when the cell is not such a number."""
    if cell.count(",") != 1:
        return None
    fixed = cell.replace(",", ".")
    return fixed if is_number(fixed) else None


def not_a_number(cell: str) -> str:
    """What both CSV readers (this one and the app's long-input reader) say of a cell that
    is not a number: the cell (cut at 20 characters), and the number to write for a
    decimal comma (``'15,063' is not a number (a decimal comma: write 15.063)``)."""
    shown = cell if len(cell) <= 20 else cell[:17] + "..."
    fixed = decimal_comma(cell)
    return f"{shown!r} is not a number" + (f" (a decimal comma: write {fixed})" if fixed else "")
