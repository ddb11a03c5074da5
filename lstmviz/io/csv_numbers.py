"""The numbers of a CSV file, with no Qt (NumPy's C reader for blocks of rows): the one reader behind every input and
target read from a ``.csv``/``.txt``/``.tsv`` (``lstmviz.cli_inputs``: the command line's
``--input``/``--target``; ``app.inputs``: the window's Import), and what every CSV reader
says of a fault (this one and ``app/long_data.read_csv``, of long inputs): one function
or text per fault, below ``csv_numbers``."""

from __future__ import annotations

import re

from lstmviz.errors import FLOAT32_OVERFLOW, LstmvizError, within_float32
from lstmviz.text import plural

#: the separators of a CSV's cells, in the order ``delimiter`` looks for them
SEPARATORS = (";", "\t", ",")


def ids_layout(rows: int, columns: int, steps: int | None = None) -> tuple[int, int]:
    """``(samples, steps)`` of a CSV's table of token ids for a model that takes ids (an
    Embedding first): a row per sample and a column per step, but a single column (a file of
    one id a line) is one sample, a row per step, unless the model takes one step a sample
    (``steps`` 1: then a row per sample). The one rule of every reader of ids from a CSV
    (``lstmviz --input``/``trace``/``grad``/``train``, File > Open a long input, File >
    Import): a column of a text's 120,000 ids is one sequence, not 120,000 of one step."""
    if columns == 1 and rows > 1 and steps != 1:
        return 1, rows
    return rows, columns


def samples_steps(samples: int, steps: int, features: int | None = None) -> str:
    """How an input was read, said by the command line and the window alike: ``1 sample x
    120,000 steps`` (``features``: ``... x 3 features``)."""
    said = f"{plural(samples, 'sample', sep=',')} x {plural(steps, 'step', sep=',')}"
    return said if features is None else f"{said} x {plural(features, 'feature', sep=',')}"


def delimiter(line: str) -> str | None:
    """The separator of a CSV's cells in ``line``: ';', else a tab, else ',' (a file that
    separates with ';' or tabs may write decimal commas, 15,063), else None (spaces). One
    that only ends the line is not looked at (``unended``: '1.0 2.0,' is split at spaces)."""
    body = unended(line) or line
    return next((sep for sep in SEPARATORS if sep in body), None)


def is_header(line: str) -> bool:
    """Whether a CSV's first line (not blank, not ``#``) is a header: words only, split at
    its own separator (``delimiter``). The one rule of every CSV reader."""
    return not any(is_number(c) for c in row_cells(line, delimiter(line)))


def file_delimiter(first: str, second: str | None) -> str | None:
    """The separator of a CSV's cells, chosen on its first row of numbers: ``second`` (the
    next line not blank or ``#``) where ``first`` is a header (``is_header``), so a header's
    text never decides how the numbers are split ('"temp;C",rain' over rows split at ','
    had them split at ';', '1.5,2' one cell); a header alone, or a first row of numbers,
    chooses its own. The one rule of every CSV reader; the header's names are then split
    at it (``header_cells``)."""
    return delimiter(second if second is not None and is_header(first) else first)


def header_cells(line: str, sep: str | None, width: int | None) -> list[str]:
    """A header line's names: split at the file's separator (``file_delimiter``), or at its
    own where only that gives the rows' ``width`` ('t,v' over rows split at ';' names two
    columns, not one 't,v'). The one rule of every CSV reader."""
    cells = row_cells(line, sep)
    if width is not None and len(cells) != width:
        own = row_cells(line, delimiter(line))
        if len(own) == width:
            return own
    return cells


def unended(line: str) -> str:
    """``line``, stripped, without a separator that ends it: how a row of a file split at
    spaces is read ('3.5 4.0,' is 3.5 and 4.0, '3.5;' is 3.5, whatever the file's width).
    A file split at a separator drops the empty cell it makes by ``untrail``'s rule."""
    text = line.strip()
    return text[:-1].rstrip() if text[-1:] in SEPARATORS else text


def split_cells(line: str, sep: str | None) -> list[str]:
    """The cells of a CSV line, each stripped: split at ``sep`` (None: at spaces); a cell in
    double quotes is what they hold (``"1.5"``, as exports that quote every cell write it;
    a separator inside them is part of the cell, as Python's ``csv`` reads it). The one
    rule of both CSV readers (this one and ``app/long_data.read_csv``)."""
    if '"' not in line:
        return [c.strip() for c in line.split(sep)] if sep else line.split()
    import csv

    try:
        row = next(csv.reader([line], delimiter=sep or " ", skipinitialspace=True), [])
    except csv.Error:  # (a lone '\r' in the line, a cell past csv's field limit: not numbers)
        row = line.split(sep) if sep else line.split()
    cells = [c.strip() for c in row]
    return cells if sep else [c for c in cells if c]


def untrail(cells: list[str], width: int | None) -> list[str]:
    """A row's cells without the empty one a trailing separator makes ("1,2,"), but where
    the row has as many cells as the rows before (``width``): then it is their last cell,
    left empty ('3.5,' in a file of two columns: its column 2 is a missing value, not a
    row of one value). The one rule of both CSV readers."""
    if len(cells) > 1 and cells[-1] == "" and len(cells) != width:
        return cells[:-1]
    return cells


def row_cells(line: str, sep: str | None, width: int | None = None) -> list[str]:
    """A row's cells, the one rule of both CSV readers (this one and ``app/long_data``): a
    separator that ends a row is no cell. Split at ``sep``, the empty cell it makes is
    dropped unless the row then has a cell fewer than the rows before (``untrail``: '3.5,'
    in a file of two columns split at commas is a missing value); split at spaces (``sep``
    None: the file's first line has no separator but at its end), it is dropped from the
    row's end (``unended``: '3.5 4.0,' is a row of 2, '3.5,' a row of 1, in a file of any
    width, as '3.5' and '3.5 4.0' would be)."""
    return untrail(split_cells(line, sep), width) if sep else split_cells(unended(line), None)


def number(cell: str) -> float:
    """A CSV cell's number, as both CSV readers read it (NumPy's C reader's rule: ASCII
    digits, no ``_``; Python's ``float`` alone also takes ``1_0`` and ``١``); ValueError
    otherwise."""
    if "_" in cell or not cell.isascii():
        raise ValueError(cell)
    return float(cell)


def csv_numbers(path, fh):
    """The numbers of a CSV (``fh``, opened with ``newline=""``; ``path``: how messages name
    it), streamed into one flat buffer (8 bytes a number, not a Python list per row), and
    its width; stops at the limit of ``lstmviz.limits.csv_number_limit`` (a row at
    ``csv_cell_limit``'s). Cells split at ';',
    tab or ',' (else spaces; chosen once, on the first row of numbers, never a header's
    text: ``file_delimiter``, as every CSV reader chooses it), a separator that ends a row
    no cell (``row_cells``), a cell in double quotes read as what they hold
    (``split_cells``); a first row of words is a header; ``#`` lines and blank ones are
    skipped. Each refusal (a cell not a number, a NaN, a ragged row, no rows at all) is one
    of the lines below, said as the long-input reader says it. The one CSV reader of inputs
    and targets (the CLI's, the app's import); the callers look at the file's head first
    (``check_text``).

    Read ``BLOCK_CHARS`` of whole lines at a time (``text_blocks``): after the first row of
    numbers, a block is parsed by NumPy's C reader at once (``_Rows.block``: 1.5 us a row,
    not 10), and one it cannot take as this reader would (quotes, a word, a NaN, a ragged
    row, a blank line of spaces, the cell limit reached, ...) line by line (``_Rows.line``),
    which says what is wrong where, as it always did."""
    from lstmviz import limits

    rows = _Rows(path, limits.csv_cell_limit(), limits.csv_number_limit())
    lineno = 0
    for text in text_blocks(fh):
        pos = 0
        if rows.width is None:  # (the header, the separator and the width: line by line)
            lineno, pos = rows.lines(text, lineno, until_width=True)
        if pos == len(text):
            continue
        taken = rows.block(text[pos:] if pos else text)
        if taken is None:
            lineno, _ = rows.lines(text, lineno, pos)
        else:
            lineno += taken
    if not rows.flat:
        raise LstmvizError(no_rows(path, rows.header))
    return rows.flat, rows.width or 1


#: characters ``csv_numbers`` reads at a time (whole lines: ``text_blocks``)
BLOCK_CHARS = 1 << 20


def text_blocks(fh):
    """The text of ``fh`` (opened with ``newline=""``) in blocks of whole lines of about
    ``BLOCK_CHARS``, each line with its end ('\n', '\r\n' or a lone '\r', where
    ``readline`` ends it), a '\r' that ends a read carried into the next (the first half of
    a '\r\n'); a line longer than ``LONGEST_LINE`` is given as its first ``LONGEST_LINE +
    1`` characters, the last block (``too_long`` refuses it), before more of it is read."""
    carry = ""
    while True:
        data = fh.read(BLOCK_CHARS)
        if not data:
            if carry:
                yield carry
            return
        data = carry + data
        cut = max(data.rfind("\n"), data.rfind("\r", 0, len(data) - 1)) + 1
        carry = data[cut:]
        if cut:
            yield data[:cut]
        del data
        if len(carry) - carry.endswith("\r") > LONGEST_LINE:  # (a '\r' ending the read: the line's end)
            yield carry[:LONGEST_LINE + 1]
            return


class _Rows:
    """What ``csv_numbers`` has read: its numbers (``flat``), the rows' width, the header
    and the separator; a line at a time (``line``) or a block of lines (``block``)."""

    def __init__(self, path, cap: int, total: int):
        """``cap``: the numbers of a row; ``total``: of the whole file."""
        from array import array

        self.path, self.cap, self.total = path, cap, total
        self.flat = array("d")
        self.width: int | None = None
        self.first = True
        self.header: list[str] | None = None
        self.pending: str | None = None  # the header line, split at the separator its next line chooses
        self.sep: str | None = None

    def lines(self, text: str, lineno: int, pos: int = 0, until_width: bool = False) -> tuple[int, int]:
        """Read ``text``'s lines from ``pos`` one at a time (``line``), a run of blank lines
        skipped at once (``blank_run``: a million empty lines were a million calls, 1.3 s);
        ``until_width``: stop after the first row of numbers. Returns the file's line number
        and the position reached."""
        import io

        buf = io.StringIO(text, newline="")  # (positions are the text's: no newline translated)
        buf.seek(pos)
        readline = buf.readline
        while not (until_width and self.width is not None):
            line = readline()
            if not line:
                break
            after = pos + len(line)
            if line[0].isspace() and not line.strip() and text[after:after + 1].isspace():
                # (this blank line and the ones after it; a blank line alone, as any line)
                skipped, end = blank_run(text, pos)
                if skipped:
                    lineno, pos = lineno + skipped, end
                    buf.seek(pos)
                    continue
            lineno += 1
            self.line(lineno, line)
            pos += len(line)
        return lineno, pos

    def line(self, lineno: int, line: str) -> None:
        """Read one line (the file's ``lineno``): its numbers added, or the refusal of it."""
        path, cap, total, flat, width = self.path, self.cap, self.total, self.flat, self.width
        if len(line) > LONGEST_LINE and len(line.rstrip("\r\n")) > LONGEST_LINE:  # (its end not counted)
            raise LstmvizError(too_long(path, lineno))
        if "\x00" in line:
            raise LstmvizError(not_text(path, lineno))
        s = line.strip()
        if not s or s.startswith("#"):
            return
        most = most_cells(s, self.sep if width is not None else delimiter(s), cap)
        if most > cap or most > total - len(flat):
            # (before it is split, a header's test too: a line of 16 MB of '1,' was 8 million
            # strings and floats, 500 MB and 3 s, before the cap below said it; a row over the
            # cap alone said as the long-input reader says it, ``too_wide``)
            raise LstmvizError(too_wide(path, cap, lineno) if most > cap else too_many(path, total, lineno))
        if self.first:
            self.first = False
            if is_header(s):  # (split again at the separator the first row of numbers chooses)
                self.pending, self.header = s, row_cells(s, delimiter(s))
                return
            self.sep = delimiter(s)
        elif self.pending is not None:
            self.sep = file_delimiter(self.pending, s)
        cells = row_cells(s, self.sep, width)
        if self.pending is not None:
            self.header, self.pending = header_cells(self.pending, self.sep, len(cells)), None
        header = self.header
        if width is not None and len(cells) != width:
            raise LstmvizError(ragged(path, lineno, len(cells), width))
        values = []
        for col, cell in enumerate(cells, start=1):
            try:
                v = number(cell)
            except ValueError:
                raise LstmvizError(cell_refusal(path, lineno, col, cell, header, width is None, width,
                                                cells)) from None
            if not abs(v) < FLOAT32_OVERFLOW:  # (``within_float32``, inline a cell: NaN, infinity, 1e39)
                raise LstmvizError(f"{path}: {where(lineno, col, header)}: {value_fault(cell)}")
            values.append(v)
        if width is None:
            self.width = len(values)
        flat.extend(values)
        if len(flat) > total:
            raise LstmvizError(too_many(path, total, lineno))

    def block(self, text: str) -> int | None:
        """Read ``text``'s lines (after the first row of numbers) at once, by NumPy's C reader
        (``np.loadtxt``: float64, as ``number``), and say how many lines they were; None, and
        nothing read, where the block holds what only ``line`` reads as this reader does or
        refuses: a quote, a NUL, a line that may be too long, more numbers than the cap, a
        cell ``loadtxt`` does not read (a word, an empty cell, ``1_0``, a row ending in a
        separator, a ragged row, a line of spaces), or a number a model does not take (NaN,
        infinity, past float32). What ``loadtxt`` reads, ``number`` reads alike: ASCII only,
        no ``_``, whitespace around a cell stripped, the same ``PyOS_string_to_double``."""
        import numpy as np

        if '"' in text or "\x00" in text or len(text) > LONGEST_LINE - 2:
            return None
        if "\r" in text:  # (rows end at '\r\n' or a lone '\r' too, as ``readline`` ends them)
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        lines = text.split("\n")
        if lines[-1] == "":
            lines.pop()
        taken = len(lines)
        if "#" in text:  # (comments: '#' after spaces only; loadtxt's comments=None refuses '1#2')
            lines = [ln for ln in lines if not ln.lstrip().startswith("#")]
        width = self.width or 1
        if len(self.flat) + len(lines) * width > self.total:  # (``line`` says where it stops)
            return None
        if not any(ln.strip() for ln in lines):  # (blank lines only; loadtxt skips '' but refuses ' ')
            return taken
        try:  # (the lines themselves: no joined copy of the block)
            got = np.loadtxt(lines, delimiter=self.sep, dtype=np.float64, ndmin=2, comments=None)
        except ValueError:
            return None
        if got.shape[1] != width or not np.all(within_float32(got)):
            return None
        self.flat.frombytes(np.ascontiguousarray(got).tobytes())
        return taken


#: a run of characters ``str.strip`` takes off (``re``'s ``\s`` is ``str.isspace``)
_SPACES = re.compile(r"\s*")


def blank_run(text: str, pos: int) -> tuple[int, int]:
    """``(lines, end)``: the whole blank lines of ``text`` from ``pos`` (nothing but what
    ``str.strip`` strips, each ended by '\n', '\r\n' or a lone '\r', as ``readline`` ends
    them) and where they end, found at once; none where a run spans more than
    ``LONGEST_LINE`` characters (its lines go one at a time: one of them may be too long)."""
    first = _SPACES.match(text, pos).end()  # type: ignore[union-attr]  # (\s* always matches)
    stop = max(text.rfind("\n", pos, first), text.rfind("\r", pos, first)) + 1
    if stop <= pos or stop - pos > LONGEST_LINE:
        return 0, pos
    return text.count("\n", pos, stop) + text.count("\r", pos, stop) - text.count("\r\n", pos, stop), stop


def most_cells(line: str, sep: str | None, most: int | None = None) -> int:
    """The most cells ``line`` (stripped) can split into, counted without splitting it: its
    separators and one, or, split at spaces, its runs of other characters (an upper bound:
    quotes may hold separators). ``most``: counting the runs stops past it (a line of 16 MB
    of '1 ' took a second to count to 8 million)."""
    if sep:
        return line.count(sep) + 1
    if len(line) < 1024:
        return len(line.split())
    import re
    from itertools import islice

    runs = re.finditer(r"\S+", line)
    return sum(1 for _ in (runs if most is None else islice(runs, most + 1)))


#: the longest line either CSV reader reads (characters here, bytes in ``app/long_data``):
#: a longer one is refused before it is split (``too_long``)
LONGEST_LINE = 16 << 20


def too_long(path, lineno: int) -> str:
    """A CSV line longer than ``LONGEST_LINE``, as both readers say it, and what they read."""
    return f"{path}: line {lineno:,} is over {LONGEST_LINE >> 20} MiB long, not a row of a table of numbers; {TABLE}"


def too_wide(path, cap: int, lineno: int) -> str:
    """A row of more than ``cap`` cells (``limits.csv_cell_limit``), as both readers say it
    before the row is split (a line of 4 MB of '1,' was 2 million numbers)."""
    from lstmviz import limits

    return (f"{path}: line {lineno:,} holds more than {cap:,} numbers, over the limit of one row that "
            f"comes with the memory limit of {limits.fmt_bytes(limits.memory_limit())}; {limits.HINT}")


def too_many(path, cap: int, lineno: int) -> str:
    """A CSV of more numbers than ``csv_numbers`` reads (``cap``: ``limits.csv_number_limit``),
    stopped at line ``lineno``."""
    from lstmviz import limits

    return (f"{path}: holds more than {cap:,} numbers (stopped reading at line {lineno:,}), over "
            f"the limit that comes with the memory limit of {limits.fmt_bytes(limits.memory_limit())}; "
            f"{limits.HINT}")


# -- what both CSV readers say (this one, and ``app/long_data.read_csv`` of long inputs) ----
#: what a CSV input is, after a refusal of the whole file
TABLE = ("an input .csv/.txt/.tsv is a table of numbers in UTF-8 text, a row per step and a column "
         "per feature")
#: what both CSV readers say of an empty cell, after its line and column
MISSING = "is empty (a missing value); fill it in or remove the row"


def empty(name) -> str:
    return f"{name}: the file is empty"


def no_rows(name, header: list[str] | None = None) -> str:
    """A CSV with no row of numbers (blank, ``#`` lines, a ``header`` only: one holding
    bytes that are not UTF-8, read as U+FFFD, is most likely a binary file's)."""
    if header is not None and any("\ufffd" in c for c in header):
        return (f"{name}: holds no rows of numbers, and bytes that are not UTF-8 text (a binary "
                f"file, or text in another encoding); {TABLE}")
    return (f"{name}: holds no rows of numbers; {TABLE} (plain text for a model of characters: "
            "File > Open a long input)")


def not_text(name, line: int, takes: str = TABLE) -> str:
    """A CSV holding NUL bytes: a binary file (or UTF-16 text) named .csv; ``takes``: what
    the reader takes instead."""
    return (f"{name}: line {line:,} holds NUL bytes: not a text file (a binary file, or text "
            f"saved as UTF-16); {takes}")


#: the bytes of a CSV looked at for NULs before its numbers (the long-input reader's block)
HEAD_BYTES = 4 << 20


def binary(name, data: bytes, line0: int = 0, takes: str = TABLE) -> str | None:
    """``not_text`` when ``data`` (a CSV's bytes after its first ``line0`` lines) holds a
    NUL byte, else None: a binary file is refused as one before its first "not a number"."""
    k = data.find(b"\x00")
    return None if k < 0 else not_text(name, line0 + data.count(b"\n", 0, k) + 1, takes)


def check_text(name, path) -> None:
    """Refuse a CSV whose first ``HEAD_BYTES`` hold a NUL byte (``binary``)."""
    with open(path, "rb") as fh:
        why = binary(name, fh.read(HEAD_BYTES))
    if why:
        raise LstmvizError(why)


def ragged(name, line: int, cells: int, width: int) -> str:
    return (f"{name}: line {line:,} has {plural(cells, 'value', sep=',')} but the rows before have "
            f"{width:,}; every row needs the same number of columns")


def column_name(header: list[str] | None, col: int) -> str:
    """' (name)' of a column (1-based) by the CSV's header, or ''."""
    title = header[col - 1] if header is not None and col <= len(header) else ""
    return f" ({title[:20]!r})" if title else ""


def where(line: int, col: int, header: list[str] | None = None) -> str:
    """'line 2, column 3 ('temp')': a cell, as both readers name it."""
    return f"line {line:,}, column {col}" + column_name(header, col)


def _shown(cell: str) -> str:
    return repr(cell if len(cell) <= 20 else cell[:17] + "...")


def cell_refusal(name, line: int, col: int, cell: str, header: list[str] | None,
                 first_row: bool, width: int | None = None, cells: list[str] | None = None) -> str:
    """The one line refusing a cell that is not a number: empty (``MISSING``), a decimal
    comma, bytes that are not UTF-8 (read as U+FFFD), a word (on the first row of numbers:
    a column of dates or names, to remove); in a file of one column (``width`` 1: its
    first row had no separator), a row of several values is a ragged row (``ragged``),
    not a cell that is not a number. A first row whose ``cells`` are all words (``_words``) after a
    header of words is a text (a book given to ``--input``): said as such, where a text
    is read (it was "column 1 ('the first line'): 'the second ...' is not a number; remove
    that column")."""
    if first_row and header is not None and cells and all(_words(c) for c in cells):
        return (f"{name}: reads as text, not numbers (line {line:,}: {_shown(' '.join(cells))}); "
                f"{TABLE} (plain text for a model of characters: File > Open a long input)")
    at = where(line, col, header)
    if not cell:
        return f"{name}: {at} {MISSING}"
    sep = delimiter(cell)
    if width == 1 and sep is not None and decimal_comma(cell) is None:
        cells = untrail(split_cells(cell, sep), width)  # ('3.5,4.5,': 2 values)
        if len(cells) > 1 and all(is_number(c) for c in cells if c):
            return ragged(name, line, len(cells), width)
    hint = ""
    if first_row and decimal_comma(cell) is None and "\ufffd" not in cell and not OTHER_BREAKS & set(cell):
        hint = "; lstmviz reads columns of numbers only: remove that column"  # (dates, names)
    return f"{name}: {at}: {not_a_number(cell)}{hint}"


def _words(cell: str) -> bool:
    """Whether a cell is words, as a text's line is: letters in it, and no number (nor one
    with a decimal comma, '15,063')."""
    return any(c.isalpha() for c in cell) and not is_number(cell) and decimal_comma(cell) is None


def value_fault(cell: str) -> str:
    """What is said of a cell whose number a model does not take: NaN, infinity, or one
    past float32's range (1e39)."""
    import math

    from lstmviz.engine.model import BEYOND_FLOAT32

    if math.isfinite(float(cell)):
        return f"{_shown(cell)} is {BEYOND_FLOAT32}"
    return f"{_shown(cell)} is not a number a model takes (NaN or infinity); replace it"


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
    """What both CSV readers say of a cell that is not a number: the cell (cut at 20
    characters), and the number to write for a decimal comma (``'15,063' is not a number
    (a decimal comma: write 15.063)``), or that its bytes are not UTF-8 (read as U+FFFD)."""
    fixed = decimal_comma(cell)
    if fixed:
        return f"{_shown(cell)} is not a number (a decimal comma: write {fixed})"
    if "\ufffd" in cell:
        return f"{_shown(cell)} is not a number (bytes that are not UTF-8: save the file as UTF-8 text)"
    brk = next((c for c in cell if c in OTHER_BREAKS), None)
    if brk is not None:
        return (f"{_shown(cell)} is not a number (it holds U+{ord(brk):04X}, which does not end a "
                "row: rows end at \\n, \\r\\n or \\r)")
    return f"{_shown(cell)} is not a number"


#: what ``str.splitlines`` breaks lines at besides '\n', '\r\n' and '\r': characters of a
#: cell to every CSV reader (rows end where the csv module ends them), and characters of a
#: text read as ids (``app/long_data``), never the end of a row
OTHER_BREAKS = frozenset("\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
