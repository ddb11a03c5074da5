"""Long real data for long sequences, read without Qt and with progress.

- ``open_npy``: a ``.npy`` file memory-mapped (nothing read until used; the header checked
  and its shape fitting the file, as the command line's reader checks them: ``io.npy.mapped``),
  checked for NaN block by block;
- ``read_csv``: a ``.csv`` of hundreds of thousands of rows (one row per timestep, one
  column per feature, an optional header line, ``#`` comments) parsed in blocks of rows
  by NumPy's C reader; a refusal names the file's line and column (and the header's name
  of it), as the command line's reader does;
- ``text_ids``: plain text to token ids through a vocabulary: the app's own characters
  (``inputs.ALPHABET``, id = 1 + index, 0 = padding: what the app's text input and its
  Embedding stacks use) or a given one (``read_vocabulary``: one token per line, or a JSON
  list / object).

Each takes ``progress(done, total)`` (bytes or characters) and ``cancel()`` (True stops
with ``Cancelled``); each refusal is one ``LstmvizError`` line naming the file.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from lstmviz import limits
from lstmviz.app import inputs as gen
from lstmviz.app.counts import count
from lstmviz.engine.model import BEYOND_FLOAT32
from lstmviz.errors import LstmvizError, is_whole, within_float32
from lstmviz.files import check_regular
from lstmviz.io.csv_numbers import (
    HEAD_BYTES,
    LONGEST_LINE,
    TABLE,
    binary,
    blank_run,
    cell_refusal,
    delimiter,
    empty,
    file_delimiter,
    header_cells,
    ids_layout,
    is_header,
    is_number,
    most_cells,
    no_rows,
    number,
    ragged,
    row_cells,
    split_cells,
    too_long,
    too_wide,
    unended,
    value_fault,
    where,
)
from lstmviz.io.npy import mapped
from lstmviz.text import json_fault, plural, safe_name, system_reason

BLOCK_BYTES = 4 << 20
#: what reading a text as ids holds at once per byte of the file, and for its blocks: its
#: bytes and their decoding (Python's decoder takes up to ~7.7 bytes a byte for text mixing
#: accents and symbols), the text, an int32 id a character (measured: 6.1 for 16 MB of
#: ASCII; it was 15, the characters' tally sorting the whole text's code points)
TEXT_BYTES_PER_BYTE = 8
TEXT_BLOCK = 1 << 18  # characters a block
TEXT_BLOCK_BYTES = 16 << 20
MAX_VOCABULARY_BYTES = 16 << 20
#: the largest token id (ids are int32, as Keras' Embedding takes them)
MAX_ID = 2 ** 31 - 1


class Cancelled(LstmvizError):
    """Reading stopped by its ``cancel`` callback."""


def _check(cancel, progress, done, total):
    if cancel is not None and cancel():
        raise Cancelled("reading was cancelled")
    if progress is not None:
        progress(done, total)


def open_npy(path, progress=None, cancel=None, ids: bool = False) -> np.ndarray:
    """``(batch, timesteps, features)`` memory-mapped from a ``.npy`` (read-only); ``ids``
    (a model that takes token ids): a 2-D array is ``(batch, timesteps)``."""
    path = Path(path)
    name = path.name
    try:  # (its header checked before a byte is mapped, as the command line's: ``npy.mapped``;
        # an empty array read whole, nothing to map, and refused below as empty)
        arr = mapped(path, name, read_below=1, memory=False)
    except ValueError as err:  # (NumPy's own words were put in parentheses)
        raise LstmvizError(f"{name}: not a readable .npy file (NumPy cannot map the array its header "
                           "declares; the file may be damaged)") from err
    except OSError as err:  # (the system's words, not the errno and the whole path)
        raise LstmvizError(f"{name}: cannot be read as .npy{system_reason(err)}") from err
    arr = gen.as_sequence(arr, name, ids)
    if arr.size == 0:
        raise LstmvizError(f"{name}: is empty (shape {arr.shape})")
    if np.issubdtype(arr.dtype, np.floating):
        # in the file's own order: a view for a Fortran-order file too (reshape(-1) of it
        # copied the whole array for every block: 400 MB took 13 s and 1.5 GB, not 1 s)
        fortran = not arr.flags.c_contiguous
        flat = arr.ravel(order="K")
        step = max(1, BLOCK_BYTES // arr.itemsize)
        n = arr.size
        # a wider float than the model's float32 (float64): a number past float32's range
        # would become infinity there ("the input holds NaN or infinity" of a finite file)
        wide = arr.itemsize > 4

        def where(k: int) -> str:  # "sample 1, step 5,000, feature 2" of flat index k
            b, t, f = (int(i) for i in np.unravel_index(k, arr.shape, order="F" if fortran else "C"))
            return (f"sample {b}, " if arr.shape[0] > 1 else "") + f"step {count(t)}, feature {f}"

        for s in range(0, n, step):
            block = flat[s:s + step]
            if not np.all(np.isfinite(block)):
                raise LstmvizError(f"{name}: holds NaN or infinity (first at "
                                   f"{where(s + int(np.argmax(~np.isfinite(block))))}); replace them with numbers")
            if wide and not np.all(within_float32(block)):
                k = int(np.argmax(~within_float32(block)))
                raise LstmvizError(f"{name}: holds {float(block[k]):.8g} (first at {where(s + k)}), "
                                   f"{BEYOND_FLOAT32}")
            _check(cancel, progress, min(n, s + step), n)
    return arr


def _cells(line: str, delim, width: int | None = None) -> list[str]:
    return row_cells(line, delim, width)  # a separator that ends a row (as csv_numbers)


def _parse(lines: list[str], delim) -> np.ndarray:
    """A block's rows of numbers as float32 (ValueError where a cell is not a number or a
    row is ragged): NumPy's C reader, or, for a block with quotes, ``csv_numbers``' own
    cells and numbers (a quoted cell is what its quotes hold, as that reader has it)."""
    if not any('"' in ln for ln in lines):
        # (the lines themselves: no joined copy of the block, nor a StringIO of it, which
        # took 190 MB to read a line of 16 MB)
        return np.loadtxt(lines, delimiter=delim, dtype=np.float32, ndmin=2, comments=None)
    rows = [[number(c) for c in split_cells(ln, delim)] for ln in lines]  # (untrailed already: not twice)
    if len({len(r) for r in rows}) > 1:
        raise ValueError("rows of different lengths")
    return np.array(rows, dtype=np.float32).reshape(len(rows), -1)


def _quick(lines: list[str], delim) -> np.ndarray | None:
    """A block's rows as float32, by NumPy's C reader on its lines as they are (2.5 us a row
    were 1 us in Python filtering and untrailing them), or None where it does not take them
    (a '#' line, a blank line of spaces, a separator that ends a row, an empty cell, a word,
    a ragged row, ...): those ``_parse`` reads, with the blank and ``#`` lines left out and
    a separator ending a row dropped, or ``_refusal`` refuses. Where this one reads a block,
    ``_parse`` reads it alike: no line it leaves out or changes is read here ('' lines
    NumPy skips too)."""
    if not any(lines):
        return None
    import warnings

    try:
        with warnings.catch_warnings():  # (a block of blank lines: NumPy's warning printed the block)
            warnings.simplefilter("ignore", UserWarning)
            got = np.loadtxt(lines, delimiter=delim, dtype=np.float32, ndmin=2, comments=None)
    except ValueError:
        return None
    # (no row: lines of spaces or U+2028 ... split at spaces, which NumPy skips; its
    # (0, 1) was taken for a block of one column)
    return got if len(got) else None


def _first_rows(raw: list[str], text: str) -> list[tuple[int, str]]:
    """``(index, line)`` of the first two lines of ``raw`` (``text`` split at '\n') not
    blank and not ``#``: the header, if any, and the first row of numbers, which choose the
    separator. Runs of blank lines are skipped at once (``blank_run``)."""
    found: list[tuple[int, str]] = []
    k = pos = 0
    while len(found) < 2:
        skipped, pos = blank_run(text, pos)
        k += skipped
        if k >= len(raw):
            break
        ln = raw[k]
        if ln.strip() and not ln.lstrip().startswith("#"):
            found.append((k, ln))
        pos += len(ln) + 1
        k += 1
    return found


def _untrail(line: str, delim) -> str:
    """``line`` without a separator that ends it (a row written "1,2,": io/csv_numbers
    reads it as two numbers, and so does this reader)."""
    s = line.rstrip()
    return s[:-1] if delim and s.endswith(delim) else line


def _data_lines(text: str, line0: int, skip_header: bool):
    """``(line number in the file, stripped text)`` of each row of numbers of a block
    (``text``, its first line being line ``line0 + 1``): not blank, not ``#``, not the header."""
    for k, raw in enumerate(text.split("\n")):
        s = raw.strip()
        if not s or s.startswith("#"):
            continue
        if skip_header:
            skip_header = False
            continue
        yield line0 + k + 1, s


def _refusal(name: str, text: str, line0: int, delim, width, header: list[str] | None,
             skip_header: bool) -> str | None:
    """The one line saying where a block of a CSV stops being a table of numbers: the
    file's line and column, as the command line's reader (``io/csv_numbers``) names them,
    the header's name of the column, what to do; None if no cell is found."""
    for line, s in _data_lines(text, line0, skip_header):
        cells = _cells(s, delim, width)
        if width is None:
            width = len(cells)
        elif len(cells) != width:
            return ragged(name, line, len(cells), width)
        for col, cell in enumerate(cells, start=1):
            if not is_number(cell):
                first_row = line0 == 0 and line == next(_data_lines(text, 0, skip_header))[0]
                return cell_refusal(name, line, col, cell, header, first_row, width, cells)
    return None


def header_name(cell: str) -> str:
    """A column's name from a CSV's header line, to show: a pair of quotes around it taken
    off, escaped and cut as names from files are (``text.safe_name``)."""
    cell = cell.strip()
    if len(cell) >= 2 and cell[0] == cell[-1] and cell[0] in "\"'":
        cell = cell[1:-1].strip()
    return safe_name(cell)


def csv_header(path, width: int) -> list[str] | None:
    """The names in a CSV's header line (``header_name``), when it has one of ``width``
    names (``lstmviz MODEL --input X.csv``: the numbers read by the CLI's reader); None
    otherwise. Reads the first lines only."""
    lines: list[str] = []  # (the first two not blank or '#': the second chooses the separator)
    with open(path, "rb") as fh:
        for raw in iter(lambda: fh.readline(1 << 20), b""):
            # (lines ended by a lone '\r', as read_csv splits them: one readline reads many)
            for part in raw.split(b"\r"):
                line = part.decode("utf-8-sig", errors="replace").strip()
                if line and not line.startswith("#"):
                    lines.append(line)
            if len(lines) > 1 or (lines and not is_header(lines[0])):
                break
    if not lines or not is_header(lines[0]):
        return None
    cells = header_cells(lines[0], file_delimiter(lines[0], lines[1] if len(lines) > 1 else None), width)
    return [header_name(c) for c in cells] if len(cells) == width else None


def newlines(data: bytes) -> bytes:
    """``data`` with its lines' ends, '\r\n' or a lone '\r' (Excel for Mac's "CSV
    (Macintosh)"), as '\n': where the command line's reader (newline="") ends a row."""
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


def _line_blocks(fh, name: str):
    """``(bytes, bytes of the file they stand for)`` of a CSV, about ``BLOCK_BYTES`` of whole
    lines at a time, their ends '\n' (``newlines``). A block ends at its last line end, '\n'
    or a lone '\r' (Excel for Mac's "CSV (Macintosh)"), the rest carried into the next read
    (a '\r' that ends a read too: the first half of a '\r\n'); a line longer than
    ``LONGEST_LINE`` bytes is refused before more of it is read (``too_long``, as the
    command line's reader says it). A line of 16 MB was one block of all of it (370 MB of
    parsing), and the rest of a line ended by a lone '\r' was read a byte at a time (4 s for
    16 MB)."""
    carry = b""
    lines = 0  # the file's lines in the blocks given
    while True:
        data = fh.read(BLOCK_BYTES)
        if not data:
            if carry:
                yield newlines(carry), len(carry)
            return
        if carry:  # (the line a read stopped in: refused once it is longer than LONGEST_LINE)
            ends = [k for k in (data.find(b"\n"), data.find(b"\r")) if k >= 0]
            if carry.endswith(b"\r"):  # (a '\r' that ended the last read ended the line)
                ends = [-1]
            if len(carry) + (min(ends) if ends else len(data)) > LONGEST_LINE:
                raise LstmvizError(too_long(name, lines + 1))
            data = carry + data
        cut = max(data.rfind(b"\n"), data.rfind(b"\r", 0, len(data) - 1)) + 1
        whole, carry = data[:cut], data[cut:]
        del data  # (only the block and the line it stopped in held while the block is read)
        if len(carry) - carry.endswith(b"\r") > LONGEST_LINE:  # (its end not counted)
            raise LstmvizError(too_long(name, lines + newlines(whole).count(b"\n") + 1))
        if whole:
            size = len(whole)
            whole = newlines(whole)
            lines += whole.count(b"\n")
            yield whole, size
            whole = b""


def _check_widths(name: str, text: str, lines: list[str], delim, first: bool, line0: int) -> None:
    """Refuse a row of more cells than ``limits.csv_cell_limit`` (``too_wide``) before it is
    split, as the command line's reader counts them (``most_cells``): only a line at least as
    long as the cap can hold more."""
    cap = limits.csv_cell_limit()
    if len(text) < cap or max(map(len, lines), default=0) < cap:
        return
    for k, raw in enumerate(text.split("\n")):
        s = raw.strip()
        if len(s) >= cap and most_cells(s, delimiter(s) if first else delim, cap) > cap:
            raise LstmvizError(too_wide(name, cap, line0 + k + 1))


def read_csv(path, progress=None, cancel=None, names: list[str] | None = None) -> np.ndarray:
    """``(1, rows, columns)`` float32 from a ``.csv`` (or whitespace-separated ``.txt``).
    A refusal names the file's line and column (a missing value, a word, a ragged row).
    ``names``: the columns' names (``header_name``) are put in it when the file has a
    header line of as many names as it has columns."""
    path = Path(path)
    name = path.name
    total = path.stat().st_size
    if total == 0:
        raise LstmvizError(empty(name))
    blocks: list[np.ndarray] = []
    width = None
    delim = None
    first = True
    done = 0
    row = 0
    line0 = 0  # the file's lines before this block
    header: list[str] | None = None
    with open(path, "rb") as fh:
        for chunk, size in _line_blocks(fh, name):
            # (lines counted and split as the command line's reader splits them)
            done += size
            nul = binary(name, chunk, line0)
            if nul:
                raise LstmvizError(nul)
            text = chunk.decode("utf-8-sig" if first else "utf-8", errors="replace")
            if text.isspace():  # (blank lines only, a million of them a block: no row, skipped at once)
                line0 += chunk.count(b"\n")
                _check(cancel, progress, done, total)
                continue
            # rows split at '\n' only (the '\r's are '\n's now), as the command line's reader
            # splits them (the csv module's rule): U+2028, '\x0c', '\x85' ... that
            # str.splitlines breaks at are characters of a cell, refused by its line and column
            raw = text.split("\n")
            _check_widths(name, text, raw, delim, first, line0)  # (before a header's test splits it)
            skip_header = False
            start = 0  # the first of ``raw`` that is a row of numbers
            if first:
                heads = _first_rows(raw, text)
                if heads:
                    # (a header line: words only, as io/csv_numbers takes it; the separator the
                    # first row of numbers', never the header's text)
                    skip_header = is_header(heads[0][1])
                    delim = file_delimiter(heads[0][1], heads[1][1] if len(heads) > 1 else None)
                    # a separator that ends a row (io/csv_numbers.row_cells): split at spaces, gone
                    cut = [_untrail(ln, delim) if delim else unended(ln) for _, ln in heads]
                    if skip_header:  # (its names as many as the first row's cells, where they can be)
                        width0 = len(_cells(cut[1], delim)) if len(cut) > 1 else None
                        header = header_cells(cut[0], delim, width0)
                    start = heads[0][0] if not skip_header else heads[1][0] if len(heads) > 1 else len(raw)
                    first = False
            # the block's lines as they are, at once (``_quick``), or, where NumPy's reader does
            # not take them so, without blank and '#' lines, a separator ending a row, as
            # io/csv_numbers reads them (``_parse``; its refusal line by line: ``_refusal``)
            block = None if first or '"' in text else _quick(raw[start:] if start else raw, delim)
            if block is None:
                # (each line stripped, as io/csv_numbers reads it: a row '\t1\t2' of a file split
                # at tabs is two numbers there, and was refused here 'near line 1')
                lines = [ln.strip() for ln in raw if ln.strip() and not ln.lstrip().startswith("#")]
                lines = [_untrail(ln, delim) if delim else unended(ln) for ln in lines]
                if skip_header:
                    lines = lines[1:]
                if lines:
                    try:
                        if not all(lines):  # (a row ',' untrailed to '': NumPy skipped it, a step lost)
                            raise ValueError("a row of empty cells")
                        block = _parse(lines, delim)
                    except ValueError as err:
                        raise LstmvizError(_refusal(name, text, line0, delim, width, header, skip_header)
                                           or f"{name}: near line {line0 + 1:,}: a row that does not read as "
                                           f"numbers; {TABLE}") from err
            if block is not None:
                if width is None:
                    width = block.shape[1]
                elif block.shape[1] != width:
                    raise LstmvizError(_refusal(name, text, line0, delim, width, header, skip_header)
                                       or f"{name}: near line {line0 + 1:,}: {plural(block.shape[1], 'column')} "
                                       f"where the first rows have {width}")
                bad = ~within_float32(block)  # (NaN, infinity; 1e39 became infinity)
                if bad.any():  # ("nan", "inf": numbers to NumPy, not to a model)
                    r, c = (int(v[0]) for v in np.nonzero(bad))
                    line, s = next(ls for k, ls in enumerate(_data_lines(text, line0, skip_header)) if k == r)
                    raise LstmvizError(f"{name}: {where(line, c + 1, header)}: {value_fault(_cells(s, delim)[c])}")
                blocks.append(block)
                row += len(block)
            line0 += chunk.count(b"\n")
            _check(cancel, progress, done, total)
    if not blocks:
        raise LstmvizError(no_rows(name, header))
    data = np.concatenate(blocks) if len(blocks) > 1 else blocks[0]
    if names is not None and header is not None and len(header) == data.shape[1]:
        names[:] = [header_name(c) for c in header]
    return data[None]


def unreadable(name: str, err: OSError) -> LstmvizError:
    """A file the system will not read (gone, a folder, no permission, a failing disk),
    said in the system's words after its name, as the other input readers say it
    (``io.npy.read_npy``, the command line): "x.csv: No such file or directory", not
    Python's "[Errno 2] No such file or directory: '/whole/path/x.csv'"."""
    return LstmvizError(f"{name}: {err.strerror}" if err.strerror else f"{name}: cannot be read")


def read_vocabulary(path) -> dict[str, int]:
    """A vocabulary file: a JSON list (token -> its index) or object (token -> id), or
    plain text with one token per line (id = line number, from 0)."""
    path = Path(path)
    name = path.name
    check_regular(path, name)
    try:
        if path.stat().st_size > MAX_VOCABULARY_BYTES:
            raise LstmvizError(f"{name}: a vocabulary of more than {limits.fmt_bytes(MAX_VOCABULARY_BYTES)} is refused")
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as err:
        raise unreadable(name, err) from err
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as err:  # (json's words: "Expecting value: line 1 column 7 (char 6)")
            raise LstmvizError(f"{name}: not JSON ({json_fault(err)})") from err
        if isinstance(data, list) and all(isinstance(t, str) for t in data):
            return {t: i for i, t in enumerate(data)}
        if isinstance(data, dict) and all(is_whole(v) for v in data.values()):
            bad = next(((k, v) for k, v in data.items() if not 0 <= v <= MAX_ID), None)
            if bad is not None:  # (an id past int32 failed deep in NumPy, a negative one read as another)
                k, v = bad
                shown = f"an integer of {len(str(abs(v)))} digits" if abs(v) > 10 ** 18 else f"{v:,}"
                raise LstmvizError(f"{name}: the token {safe_name(k, 40)!r} has id {shown}; ids "
                                   f"are whole numbers from 0 to {MAX_ID:,}")
            return {str(k): int(v) for k, v in data.items()}
        raise LstmvizError(f"{name}: a vocabulary is a JSON list of tokens or an object token -> id")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines = lines[:-1]
    return {t: i for i, t in enumerate(lines)}


def app_vocabulary() -> dict[str, int]:
    """The app's own characters: id 1 + their index in ``inputs.ALPHABET`` (0 = padding)."""
    return {c: 1 + i for i, c in enumerate(gen.ALPHABET)}


def text_ids(text: str, vocabulary: dict[str, int] | None = None, oov: int | None = None,
             size: int | None = None, progress=None, cancel=None) -> np.ndarray:
    """``(1, len(text))`` int32 ids of the characters of ``text``.

    Without a vocabulary: the app's (upper case folded, unknown characters as the last
    symbol, as the app's text input does). With one: a character it lacks is refused
    (naming it) unless ``oov`` gives its id. ``size`` (an Embedding's input_dim): every
    id must be below it."""
    if vocabulary is None:
        table = {c: gen.char_index(c) + 1 for c in set(text)}
    else:
        table = {}
        for c in set(text):
            if c in vocabulary:
                table[c] = vocabulary[c]
            elif oov is not None:
                table[c] = oov
            else:
                at = text.index(c)
                raise LstmvizError(f"the character {c!r} (at {at:,}) is not in the vocabulary, which "
                                   f"has no {UNKNOWN} to read it as; give one that has either")
    if size is not None:
        big = [(c, i) for c, i in table.items() if not 0 <= i < size]
        if big:
            c, i = big[0]
            raise LstmvizError(f"the character {c!r} has id {i}, outside the Embedding's "
                               f"vocabulary 0..{size - 1}")
    lut_keys = np.array([ord(c) for c in table], dtype=np.uint32)
    lut_vals = np.array(list(table.values()), dtype=np.int32)
    order = np.argsort(lut_keys)
    lut_keys, lut_vals = lut_keys[order], lut_vals[order]
    out = np.empty(len(text), np.int32)
    for s, block in _code_points(text):
        out[s:s + len(block)] = lut_vals[np.searchsorted(lut_keys, block)]
        _check(cancel, progress, s + len(block), len(text))
    return out[None]


def _code_points(text: str):
    """(start, the code points of ``TEXT_BLOCK`` characters from it) over ``text``: a block
    at a time, not the whole text's (4 bytes a character, and a sort of them 14)."""
    for s in range(0, len(text), TEXT_BLOCK):
        yield s, np.frombuffer(text[s:s + TEXT_BLOCK].encode("utf-32-le"), dtype=np.uint32)


def _vocabulary_size(model) -> int | None:
    """The input_dim of the model's Embedding (the ids it takes: 0 .. input_dim - 1)."""
    from lstmviz.engine.layers import Embedding
    emb = next((n.layer for n in model.nodes if isinstance(n.layer, Embedding)), None)
    return int(emb.config["input_dim"]) if emb is not None else None


#: how much of a file's beginning decides whether it is numbers or text (``not_numbers``)
SNIFF_BYTES = 64 << 10


def not_numbers(path) -> tuple[int, str] | None:
    """None when the beginning of ``path`` (``SNIFF_BYTES``, whole lines) reads as
    ``read_csv`` reads numbers: every line not blank and not ``#`` cells of numbers (split
    at the first line's separator), after a first line of words only (a header), one row
    at least; else ``(line, text)``: the first line that is not (``(0, "")`` without any).
    A book that begins with "1984" is text: its next lines are words."""
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES + 1)
    whole = len(head) <= SNIFF_BYTES
    # lines as read_csv splits them: at '\n', '\r\n' or a lone '\r' only
    lines = newlines(head[:SNIFF_BYTES]).decode("utf-8-sig", errors="replace").split("\n")
    if not whole and len(lines) > 1:
        lines = lines[:-1]  # (cut inside the last line)
    rows = [(k, ln.strip()) for k, ln in enumerate(lines, start=1)
            if ln.strip() and not ln.strip().startswith("#")]
    if not rows:
        return 0, ""
    delim = file_delimiter(rows[0][1], rows[1][1] if len(rows) > 1 else None)
    if len(rows) > 1 and is_header(rows[0][1]):
        rows = rows[1:]  # a header line, as read_csv takes it
    for k, line in rows:
        cells = _cells(line, delim)
        if not whole and k == len(lines) and len(cells) > 1:
            cells = cells[:-1]  # one line longer than the head: its last cell may be cut
        if not all(is_number(c) for c in cells):
            return k, line
    return None


def not_text(path) -> str | None:
    """The refusal of a file holding a NUL byte in its first ``HEAD_BYTES`` (a binary file,
    or UTF-16 text), as a long input names what it takes; else None."""
    path = Path(path)
    with open(path, "rb") as fh:
        return binary(path.name, fh.read(HEAD_BYTES),
                      takes="a long input is a .npy, a .csv of numbers, or UTF-8 text")


def reads_as_text(path) -> bool:
    """Whether ``load_long_input`` reads ``path`` as plain text (characters to ids): not a
    ``.npy``, ``.csv`` or ``.tsv``, no NUL byte in its head (``not_text``: refused), and its
    lines are not numbers (``not_numbers``)."""
    path = Path(path)
    if path.suffix.lower() in (".npy", ".csv", ".tsv") or not_text(path) is not None:
        return False
    return not_numbers(path) is not None


#: the name of the id for unknown tokens in Keras' StringLookup / TextVectorization
#: vocabularies: a given vocabulary that has it reads a character it lacks as it
UNKNOWN = "[UNK]"


#: the app's own characters, as the notes on a text name them
APP_CHARACTERS = f"the app's {len(gen.ALPHABET)} characters (a-z, space, '.', '?')"


def _tally(text: str) -> dict[str, int]:
    """How often each character of ``text`` occurs (a block of code points at a time)."""
    tally: dict[int, int] = {}
    for _, codes in _code_points(text):
        block, block_counts = np.unique(codes, return_counts=True)
        for c, k in zip(block.tolist(), block_counts.tolist()):
            tally[c] = tally.get(c, 0) + k
    return {chr(c): k for c, k in tally.items()}


def _counted(text: str, tally: dict[str, int], which, what: str) -> str | None:
    """"N of M characters (p%) <what>: the commonest" over the characters ``which`` picks."""
    picked = sorted(((k, c) for c, k in tally.items() if which(c)), key=lambda t: -t[0])
    n = sum(k for k, _ in picked)
    if not n:
        return None
    shown = ", ".join(repr(c) for _, c in picked[:6]) + (", ..." if len(picked) > 6 else "")
    share = 100 * n / len(text)
    # (a share that rounds to 0.0% or 100.0% is not said as none or all: one line break
    # in a 60,000-character story read "1 of 60,005 characters (0.0%)")
    said = ("under 0.1%" if share < 0.05 else "over 99.9%" if share >= 99.95 and n < len(text)
            else f"{share:.1f}%")
    return f"{n:,} of {len(text):,} characters ({said}) {what}: {shown}"


def unknown_note(text: str, vocabulary: dict[str, int] | None = None, named: str = "",
                 tally: dict[str, int] | None = None) -> str | None:
    """One line on the characters of ``text`` outside the vocabulary (read as the app's
    '?', or a given vocabulary's ``[UNK]``): how many, and the commonest; None if none.
    (``tally``: ``_tally(text)``, when made already.)"""
    if not text:
        return None
    tally = _tally(text) if tally is None else tally
    if vocabulary is None:
        line = _counted(text, tally, lambda c: gen.ALPHABET.find(c.lower()) < 0, f"are not among {APP_CHARACTERS}")
        read_as = (f"read as {gen.ALPHABET[-1]!r}; open it with your model's vocabulary file to "
                   "read them as your model does")
    else:
        line = _counted(text, tally, lambda c: c not in vocabulary, f"are not among {named or 'the vocabulary'}")
        read_as = f"read as {UNKNOWN} (id {vocabulary.get(UNKNOWN)})"
    return None if line is None else f"{line} {read_as}"


def folded_note(text: str, tally: dict[str, int] | None = None) -> str | None:
    """One line on the characters of ``text`` that the app's characters read as another
    (an upper-case letter as its lower case, as typed text is read): how many, and the
    commonest; None if none. (A given vocabulary changes none: what it lacks is
    ``unknown_note``'s.)"""
    if not text:
        return None
    tally = _tally(text) if tally is None else tally
    line = _counted(text, tally, lambda c: c not in gen.ALPHABET and gen.ALPHABET.find(c.lower()) >= 0,
                    f"are upper case, which {APP_CHARACTERS} lack")
    return None if line is None else f"{line} read as their lower case"


def load_long_input(path, model, vocabulary=None, progress=None, cancel=None,
                    notes: list[str] | None = None, names: list[str] | None = None,
                    labels: list[str] | None = None) -> np.ndarray:
    """A long input for ``model`` from ``path``: ``.npy`` (memory-mapped), ``.csv`` (rows =
    steps; token ids in several columns: a row per sample), or plain text (``.txt`` that is
    not numbers): ids through the vocabulary (a dict, or a vocabulary file's path:
    ``read_vocabulary``; one with ``[UNK]`` reads a character it lacks as that) for a model
    that takes ids (an Embedding first), one-hot of them for one that takes features.
    ``notes``: a line on the characters outside the vocabulary is appended to it, and,
    through the app's characters, one on the upper-case letters read as lower case
    (``folded_note``). ``names``: a CSV's header names its features in it (``read_csv``).
    ``labels``: text read as ids puts in it what each id stands for (the app's characters,
    or the vocabulary's tokens: ``inputs.shown_token``), so that the views write the
    characters. A file the system will not read is refused in its words (``unreadable``)."""
    try:
        return _long_input(path, model, vocabulary, progress, cancel, notes, names, labels)
    except OSError as err:  # (was raised as it came: "[Errno 2] ... '/whole/path/x.csv'")
        raise unreadable(Path(path).name, err) from err


def _long_input(path, model, vocabulary, progress, cancel, notes, names, labels) -> np.ndarray:
    path = Path(path)
    suffix = path.suffix.lower()
    check_regular(path, path.name)
    if suffix == ".npy":
        x = open_npy(path, progress, cancel, ids=len(model.input_shapes()[0]) == 2)
    elif suffix not in (".csv", ".tsv") and (why := not_text(path)):  # (read_csv's own otherwise)
        raise LstmvizError(why)
    elif suffix in (".csv", ".tsv") or not_numbers(path) is None:  # (not reads_as_text: its not_text just read)
        x = read_csv(path, progress, cancel, names)
        want = model.input_shapes()[0]
        if len(want) == 2:
            # token ids: a row per sample, a column per step (a (batch, timesteps) .npy of ids
            # takes them so; one row was one step of its thousands of ids); a column of ids
            # one sample, a row per step: the command line's rule (csv_numbers.ids_layout)
            steps = want[1] if isinstance(want[1], int) else None
            x = x[0].reshape(ids_layout(x.shape[1], x.shape[2], steps))[..., None]
            if names is not None:
                names.clear()  # (a header over steps names no feature)
    elif path.stat().st_size == 0:
        raise LstmvizError(f"{path.name}: the file is empty")
    else:
        named = ""
        if isinstance(vocabulary, (str, Path)):
            named = Path(vocabulary).name
            vocabulary = read_vocabulary(vocabulary)
        oov = vocabulary.get(UNKNOWN) if vocabulary is not None else None
        # read whole: its bytes, the text (up to 4 bytes a character), 4 bytes of id each
        size_on_disk = path.stat().st_size
        limits.check(TEXT_BYTES_PER_BYTE * size_on_disk + TEXT_BLOCK_BYTES,
                     f"{path.name}: reading its {limits.fmt_bytes(size_on_disk)} of text as ids")
        text = path.read_text(encoding="utf-8", errors="replace")
        want = model.input_shapes()[0]
        if len(want) == 2:  # ids
            size = _vocabulary_size(model)
            out = text_ids(text, vocabulary, oov=oov, size=size, progress=progress, cancel=cancel)
            if labels is not None:
                labels[:] = (gen.alphabet_labels() if vocabulary is None
                             else gen.vocabulary_labels(vocabulary, size))
        else:
            ids = text_ids(text, vocabulary, oov=oov, progress=progress, cancel=cancel)[0]
            feats = int(want[-1])
            # one-hot: a float per character and feature (200 KB of text for a model of 4,096
            # features were 3.3 GB), checked before it is made
            limits.check(limits.nbytes_of((len(ids), feats), 4),
                         f"{path.name}: its {plural(len(ids), 'character', sep=',')} one-hot in "
                         f"{plural(feats, 'feature', sep=',')}")
            out = np.zeros((1, len(ids), feats), np.float32)
            out[0, np.arange(len(ids)), (ids - 1) % feats] = 1.0
            out[0, ids == 0] = 0.0
            count = len(gen.ALPHABET) if vocabulary is None else max(vocabulary.values(), default=0)
            if notes is not None and count > feats:  # (as typed text: the index wraps around)
                if vocabulary is None:
                    what, same = f"the app's {count} characters", ", ".join(
                        repr(gen.ALPHABET[k]) for k in range(0, min(count, 3 * feats), feats))
                else:
                    what, same = f"the vocabulary's {count} ids", "ids " + ", ".join(
                        f"{k:,}" for k in range(1, min(count, 3 * feats) + 1, feats))
                notes.append(f"{what} are one-hot over the model's {plural(feats, 'feature', sep=',')}, so "
                             f"they wrap around: {same}, ... all set feature 0 (a model with an "
                             "Embedding first reads them apart)")
        if notes is not None:
            tally = _tally(text)
            said = [unknown_note(text, vocabulary, named, tally),
                    folded_note(text, tally) if vocabulary is None else None]
            notes.extend(n for n in said if n is not None)
        return out
    want = model.input_shapes()[0]
    size = _vocabulary_size(model)
    if len(want) == 2 and size is not None:
        gen.check_token_ids(x, size, path.name, "the model", BLOCK_BYTES // max(1, x.itemsize))
    if len(want) == 3 and want[-1] is not None and x.shape[-1] != want[-1]:
        per_step = plural(x.shape[-1], "feature")
        turned = (f" (shape {x.shape[1:]}: a row per feature? save its transpose, a row per step)"
                  if x.shape[0] == 1 and x.shape[1] == want[-1] else "")
        raise LstmvizError(f"{path.name}: has {per_step} per step but the model "
                           f"takes {want[-1]}{turned}")
    return x
