"""Text from files, made safe to show: control characters escaped, absurd lengths cut.

Layer names, class names, config strings and dictionary keys come from files strangers
wrote. Printed raw, an escape sequence in a layer name sets the terminal's title or
clears the screen, a bidirectional override reorders what a reader sees, and a 1 MB name
fills the window. ``safe_text`` is applied where such text enters lstmviz (the names of
a model read from a file or a session) and where messages leave it (every
``LstmvizError``, the CLI's stderr), so nothing further down has to think about it.
"""

from __future__ import annotations

import html
import json
import math
import os
import re
import unicodedata
import zlib
from typing import Any, TypeVar

_Spec = TypeVar("_Spec")


def plural(n: int, word: str, words: str | None = None, sep: str = "") -> str:
    """A count and its noun: ``1 unit``, ``2 units``, ``1 class``, ``2 classes``
    (``words``: the plural where it is not ``word`` + "s"; ``sep``: the count's thousands
    separator, "," for ``1,024 steps``). Every message and label that counts something
    says it through this, so none reads "1 classes"."""
    count = f"{n:{sep}}" if sep else f"{n}"
    return f"{count} {word if int(n) == 1 else (words or word + 's')}"


def file_stem(name: str, fallback: str) -> str:
    """``name`` as a file name's stem: each run of characters other than letters, digits,
    ``.``, ``-`` and ``_`` one ``_`` ("built-in stack" -> "built-in_stack"), no dot or
    underscore at either end; ``fallback`` where nothing is left (exports' and sessions'
    first names: ``Exporter.stem``, ``SessionManager._suggested_path``)."""
    return re.sub(r"[^\w.-]+", "_", name).strip("._") or fallback


#: a whole number as lstmviz's command line reads it: ``whole_number``
_WHOLE = re.compile(r"\s*(-?)([0-9]+)\s*")


def whole_number(text: object, negative: bool = False) -> int | None:
    """``text`` as a whole number in plain decimal digits 0-9 (spaces around it allowed, a
    leading '-' only where ``negative``), else None. int() also takes '+1', '1_0' and other
    scripts' digits ('\u0661'); every integer option of the command line (``cli_inputs.
    whole_arg``, ``--size``, ``--shape``) and ``--steps`` (``engine/windows.parse_steps``)
    read their numbers through this instead."""
    m = _WHOLE.fullmatch(str(text))
    if m is None or (m.group(1) and not negative):
        return None
    try:
        return int(m.group(1) + m.group(2))
    except ValueError:  # (more digits than int() reads)
        return None


def numbered(n: int, word: str, words: str | None = None) -> str:
    """How many there are and their numbers, as a refusal of one out of range says them
    (``--step``, ``--steps``, ``picture(step=, sample=, unit=)``): ``1 step: 0``, ``40
    steps: 0 to 39``, ``3,000 steps: 0 to 2,999`` (it said "steps 0 to 0" of one step)."""
    n = int(n)
    if n <= 0:
        return plural(0, word, words)
    return f"{plural(n, word, words, sep=',')}: " + ("0" if n == 1 else f"0 to {n - 1:,}")


def about(x: float, digits: int = 2) -> str:
    """``x`` rounded to ``digits`` significant figures for people, 'about' before it where
    that changed it: ``about 400,000`` (397,965), ``about 6.2``, ``12``; ``inf`` as is. A
    caption read out in a hall quotes a run's ratio so, computed, not six digits of it."""
    if not math.isfinite(x):
        return f"{x}"
    shown = float(f"{x:.{digits}g}")
    text = f"{shown:,.0f}" if abs(shown) >= 10 ** (digits - 1) else f"{shown:g}"
    return text if shown == x else f"about {text}"


_SUPERSCRIPT = str.maketrans("-0123456789", "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079")


def power_of_ten(v: float, digits: int = 6) -> str:
    """``v`` (> 0) as a power of ten, its mantissa to ``digits`` significant figures and
    no trailing zeros: "10\u207b\u2076", "2\u00d710\u207b\u2075", "7.9\u00d710\u00b9\u00b9"."""
    mantissa, exponent = f"{v:.{digits - 1}e}".split("e")
    mantissa = f"{float(mantissa):g}"
    power = "10" + str(int(exponent)).translate(_SUPERSCRIPT)
    return power if mantissa == "1" else f"{mantissa}\u00d7{power}"


#: a ratio from here up is said in a power of ten ("about 7.9\u00d710\u00b9\u00b9 times"): a caption's
#: "790,000,000,000\u00d7" was a row of zeros to count on a projector
TIMES_IN_POWERS = 1e4


def times(x: float, digits: int = 2) -> str:
    """A ratio as a caption says it, to ``digits`` significant figures (``about``): "about 62
    times", "12 times", from ``TIMES_IN_POWERS`` on in a power of ten, "about 4\u00d710\u2075
    times"; an infinite one "infinitely many times"."""
    if not math.isfinite(x):
        return "infinitely many times" if x > 0 else f"{x} times"
    if abs(x) < TIMES_IN_POWERS:
        return f"{about(x, digits)} times"
    shown = float(f"{x:.{digits}g}")
    text = power_of_ten(shown, digits)
    return f"{text} times" if shown == x else f"about {text} times"


#: Longest name kept whole; longer ones are cut (with a checksum, so that two long
#: names that differ only at their ends stay two names).
NAME_LIMIT = 120
#: Longest message shown; an error naming thousands of keys is cut.
MESSAGE_LIMIT = 2000

# Formatting characters that change how the rest of a line is displayed (bidi overrides
# and isolates) or hide text (zero-width); category Cf, escaped like control characters.
_ALWAYS_ESCAPE = {"\u061c", "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2028",
                  "\u2029", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2060",
                  "\u2066", "\u2067", "\u2068", "\u2069", "\ufeff"}


def _escape_char(ch: str) -> str:
    o = ord(ch)
    if o < 0x100:
        return f"\\x{o:02x}"
    if o < 0x10000:
        return f"\\u{o:04x}"
    return f"\\U{o:08x}"


def _needs_escape(ch: str) -> bool:
    if ch in _ALWAYS_ESCAPE:
        return True
    return unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") and ch != " "


def escape(text: str) -> str:
    """``text`` with every control/formatting character written as ``\\xNN``/``\\uNNNN``
    (a backslash stays a backslash: this is for showing, not for parsing back)."""
    if text.isprintable() and not any(ch in _ALWAYS_ESCAPE for ch in text):
        return text
    return "".join(_escape_char(ch) if _needs_escape(ch) else ch for ch in text)


#: A run of characters without a space longer than this in a message (a name or value a
#: file quotes at its whole length: a 5,000-character layer name filled the message's 2,000
#: characters) is shown by its head and tail (``cut_long_runs``).
RUN_LIMIT = 2 * NAME_LIMIT

_LONG_RUN = re.compile(r"[^\s'\"]{%d,}" % (RUN_LIMIT + 1))  # (a quoted name: inside its quotes)


def cut_long_runs(text: str) -> str:
    """``text`` with each run of more than ``RUN_LIMIT`` characters other than spaces and
    quotes cut to its first and last characters: "'aaaa...[4,840 characters left
    out]...aaaa'"."""
    if len(text) <= RUN_LIMIT:
        return text

    def cut(m: re.Match) -> str:
        run = m.group(0)
        return f"{run[:NAME_LIMIT]}...[{len(run) - NAME_LIMIT - 40:,} characters left out]...{run[-40:]}"
    return _LONG_RUN.sub(cut, text)


def snake_case(name: str) -> str:
    """Keras 3's ``naming.to_snake_case``: a layer's default name from its class (``LSTM``
    -> ``lstm``, ``SimpleRNN`` -> ``simple_rnn``, ``RNN`` -> ``rnn``, ``Conv1D`` ->
    ``conv1d``), also the name a ``.weights.h5`` gives a layer's or cell's group."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def safe_text(value: object, limit: int = MESSAGE_LIMIT) -> str:
    """``str(value)`` cut to about ``limit`` characters, then escaped (see ``escape``)."""
    text = value if isinstance(value, str) else _str(value)
    if len(text) > limit:
        text = f"{text[:limit]}... ({len(text) - limit:,} more characters)"
    return escape(text)


#: what zipfile says of a member whose local header names another file: it quotes that
#: header's name as raw bytes, up to 64 KiB of them
_ZIP_NAMES_DIFFER = re.compile(r"File name in directory .* and header .* differ", re.S)


def system_reason(err: OSError) -> str:
    """The system's words of why ``err`` (an ``OSError``) happened, as " (Permission
    denied)" to stand after what could not be done, or "" where it gives none: never
    ``str(err)``, which adds the errno and the whole path ("[Errno 13] Permission denied:
    '/home/...'")."""
    return f" ({err.strerror})" if err.strerror else ""


def archive_error(err: BaseException, limit: int = 160) -> str:
    """What zipfile (or zlib) said of a damaged archive, as one short escaped line: a
    member's damaged name in its local header made zipfile's message 1,000 characters of
    raw bytes ("File name in directory 'manifest.json' and header b'manifest.js\\xdf..."
    differ). An error that says nothing (zipfile's bare EOFError) is said in words, never
    by its class."""
    text = str(err)
    if _ZIP_NAMES_DIFFER.match(text):
        return "a member's name in the archive's directory and in its own header differ"
    if not text.strip():  # (zipfile's bare EOFError: a member's data ran into the file's end)
        return "its data ends early" if isinstance(err, EOFError) else "no reason given"
    return safe_text(" ".join(text.split()), limit)


def safe_name(name: object, limit: int = NAME_LIMIT) -> str:
    """A name from a file for display and use as a key: escaped, and when longer than
    ``limit`` cut with a checksum of the whole name (distinct names stay distinct)."""
    text = name if isinstance(name, str) else _str(name)
    head = escape(text[: 2 * limit])
    if len(text) <= 2 * limit and len(head) <= limit:
        return head
    crc = zlib.crc32(text.encode("utf-8", "surrogatepass")) & 0xFFFFFFFF
    return f"{head[:limit - 11]}...{crc:08x}"


#: Longest file name shown in the window's title, messages and Open recent
FILE_LABEL_LIMIT = 80


def file_label(path: object, limit: int = FILE_LABEL_LIMIT) -> str:
    """The last part of ``path`` (a file the user opened) for the window's title, its
    messages and its menus: escaped (a newline in a file name is ``\\x0a``, not a second
    line of the title or the status bar), and a longer one cut in the middle, its end
    (the suffix) kept."""
    whole = os.fspath(path) if isinstance(path, (str, os.PathLike)) else _str(path)
    text = os.path.basename(str(whole).rstrip(os.sep)) or str(whole)
    if len(text) > limit:
        keep = (limit - 1) // 2
        text = f"{text[:keep]}\u2026{text[-(limit - 1 - keep):]}"
    return escape(text)


def markup(text: object) -> str:
    """``text`` (a name from a file, a message naming one) to put inside rich text (Qt's
    HTML subset: headers, titles, tooltips): ``<``, ``>`` and ``&`` escaped, so a layer
    named ``<img src="...">`` is shown as those characters, not as a picture read from
    the user's disk."""
    return html.escape(text if isinstance(text, str) else _str(text), quote=False)


def _str(value: object) -> str:
    try:
        return str(value)
    except Exception:  # a value whose __str__ fails is still shown as something
        return f"<{type(value).__name__}>"


def _clean_config_names(config: object, depth: int = 0) -> None:
    """``safe_name`` on every ``"name"`` of a layer config and of the layers/cells it holds."""
    if depth > 8 or not isinstance(config, dict):
        return
    if isinstance(config.get("name"), str):
        config["name"] = safe_name(config["name"])
    for key, value in config.items():
        if isinstance(value, dict):
            _clean_config_names(value, depth + 1)
        elif isinstance(value, list) and key in ("cells", "layers"):
            for item in value[:10000]:
                _clean_config_names(item, depth + 1)


def clean_spec_names(spec_in: _Spec) -> _Spec:
    """Make every name of a ``ModelSpec`` safe (``safe_name``), references included, so
    that the graph stays wired and nothing shown or written later holds raw file text.
    Duck-typed (``layers``, ``inputs``, ``outputs``, ``name``): no engine import here."""
    spec: Any = spec_in

    def ref(r: Any) -> Any:
        if r is None or not isinstance(getattr(r, "layer", None), str):
            return r
        return type(r)(safe_name(r.layer), r.tensor_index)

    for layer in spec.layers:
        if isinstance(layer.name, str):
            layer.name = safe_name(layer.name)
        if not isinstance(layer.class_name, str) or not layer.class_name.isidentifier():
            layer.class_name = safe_name(layer.class_name, 80)
        _clean_config_names(layer.config)
        layer.inbound = [ref(r) for r in layer.inbound]
        layer.initial_state = [ref(r) for r in layer.initial_state]
        layer.mask = ref(layer.mask)
    spec.inputs = [ref(r) for r in spec.inputs]
    spec.outputs = [ref(r) for r in spec.outputs]
    if isinstance(spec.name, str):
        spec.name = safe_name(spec.name)
    if isinstance(getattr(spec, "keras_version", None), str):
        spec.keras_version = safe_name(spec.keras_version, 40)
    source = getattr(spec, "source", None)
    if isinstance(source, dict):  # notes and versions are shown by ``summary``
        for key, value in source.items():
            if isinstance(value, str):
                source[key] = safe_text(value, 4000)
            elif isinstance(value, list):
                source[key] = [safe_text(v, 4000) if isinstance(v, str) else v
                               for v in value[:100]]
            elif key == "layer_notes" and isinstance(value, dict):  # (by layer name: named as the layers)
                source[key] = {safe_name(k): safe_text(v, 4000) for k, v in value.items()
                               if isinstance(k, str) and isinstance(v, str)}
    return spec_in


def kind_of(value: object, mapping: str = "an object") -> str:
    """What kind of thing a value read from a file is, in a user's words ("text", "a
    list", "a whole number"), never Python's type name ("str", "list", "int64",
    "NoneType"). ``mapping``: what a dict is called (JSON's "an object"; a pickle's
    "a dictionary"). NumPy's scalars and arrays are told by their dtype, without NumPy."""
    if value is None:
        return "empty (null)"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, complex):
        return "a complex number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "bytes"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return mapping
    dtype = getattr(value, "dtype", None)
    kind = getattr(dtype, "kind", None)
    if isinstance(kind, str):  # a NumPy scalar or array (an HDF5 attribute)
        if getattr(value, "ndim", 0):
            return "an array"
        return {"b": "true or false", "i": "a whole number", "u": "a whole number",
                "f": "a decimal number", "c": "a complex number", "U": "text",
                "S": "bytes"}.get(kind, "a value of another kind")
    return "a value of another kind"


def dtype_words(dtype: Any) -> str:
    """What an array's elements are, in a user's words ("16-bit floats", "a compound of 3
    fields", "variable-length text"), never NumPy's text of its dtype ("object",
    "[('a', '<f4'), ...]", "|S4"). Told by the dtype's kind, fields and h5py's metadata of
    an HDF5 type (its variable-length text, lists and references), without NumPy."""
    names = getattr(dtype, "names", None)
    if names:
        return f"a compound of {plural(len(names), 'field')}"
    sub = getattr(dtype, "subdtype", None)
    if sub is not None:
        base, shape = sub
        n = math.prod(int(d) for d in shape)
        return f"arrays of {n:,} {dtype_words(base)} each"
    kind, bits = getattr(dtype, "kind", ""), 8 * int(getattr(dtype, "itemsize", 0) or 0)
    if kind == "O":
        meta = getattr(dtype, "metadata", None) or {}
        if meta.get("vlen") is str or meta.get("vlen") is bytes:
            return "variable-length text"
        if "vlen" in meta:
            return "variable-length lists"
        if "ref" in meta:
            return "references to other HDF5 objects"
        return "Python objects"
    return {"b": "true/false values", "i": f"{bits}-bit integers", "u": f"{bits}-bit unsigned integers",
            "f": f"{bits}-bit floats", "c": "complex numbers", "m": "time differences", "M": "dates",
            "S": "byte strings", "U": "text", "V": "raw bytes"}.get(kind, "values of another kind")


def json_fault(exc: BaseException) -> str:
    """What is wrong with a text ``json.loads`` refused with ``exc``, in a user's words (not
    Python's class names or its advice to programmers)."""
    if isinstance(exc, RecursionError):
        return "it nests too deeply"
    if isinstance(exc, UnicodeDecodeError):  # (bytes given to json.loads, or decoded first)
        return "it is not UTF-8 text"
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg.lower()} at line {exc.lineno}, column {exc.colno}"
    return "a number in it is too long"  # (int(): more digits than Python converts)
