"""Text from files, made safe to show: control characters escaped, absurd lengths cut.

Layer names, class names, config strings and dictionary keys come from files strangers
wrote. Printed raw, an escape sequence in a layer name sets the terminal's title or
clears the screen, a bidirectional override reorders what a reader sees, and a 1 MB name
fills the window. ``safe_text`` is applied where such text enters lstmviz (the names of
a model read from a file or a session) and where messages leave it (every
``LstmvizError``, the CLI's stderr), so nothing further down has to think about it.
"""

from __future__ import annotations

import unicodedata
import zlib

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


def safe_text(value: object, limit: int = MESSAGE_LIMIT) -> str:
    """``str(value)`` cut to about ``limit`` characters, then escaped (see ``escape``)."""
    text = value if isinstance(value, str) else _str(value)
    if len(text) > limit:
        text = f"{text[:limit]}... ({len(text) - limit:,} more characters)"
    return escape(text)


def safe_name(name: object, limit: int = NAME_LIMIT) -> str:
    """A name from a file for display and use as a key: escaped, and when longer than
    ``limit`` cut with a checksum of the whole name (distinct names stay distinct)."""
    text = name if isinstance(name, str) else _str(name)
    head = escape(text[: 2 * limit])
    if len(text) <= 2 * limit and len(head) <= limit:
        return head
    crc = zlib.crc32(text.encode("utf-8", "surrogatepass")) & 0xFFFFFFFF
    return f"{head[:limit - 11]}...{crc:08x}"


def _str(value: object) -> str:
    try:
        return str(value)
    except Exception:  # a value whose __str__ fails is still shown as something
        return f"<{type(value).__name__}>"
