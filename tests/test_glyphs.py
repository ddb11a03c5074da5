"""Every character the app writes is one a usual Linux desktop's fonts draw: a glyph that
no installed font holds is an empty box ("⏸ Pause" on the Train tab's button, "␍" for a
typed carriage return). The non-ASCII characters of lstmviz's string literals (not its
docstrings) are pinned to a reviewed list, each in DejaVu Sans (checked where it is
installed), and the characters the app never shows (the bidi and zero-width controls the
readers escape, the line breaks they refuse) kept apart."""

from __future__ import annotations

import ast
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "lstmviz"

#: the glyphs the app draws beyond ASCII, each reviewed as one DejaVu Sans has (fc-list
#: ':family=DejaVu Sans:charset=XXXX'): a new one is added here once it is checked
DRAWN = set(
    "\u00a0\u00b1\u00b2\u00b3\u00b7\u00b9\u00d7\u0303"  # no-break space ± ² ³ · ¹ × combining tilde
    "\u0394\u03a3\u03a6\u03c3\u1d40"  # Δ Σ Φ σ ᵀ
    "\u03b2\u03b3\u03b5\u03bc\u00f7\u221a\u2571"  # β γ ε μ ÷ √ ╱ (a norm's weights; the links' legend)
    "\u2096\u2c7c\u209b"  # ₖ ⱼ ₛ (the Cell view's step page: W_k, a softmax's Σ_j, over the steps Σₛ)
    "\u2003\u2009\u2013\u2014\u2016\u201c\u201d\u2026"  # em space, thin space – — ‖ “ ” …
    "\u2070\u2074\u2075\u2076\u2077\u2078\u2079\u207b\u2081\u208b\u209c"  # ⁰⁴⁵⁶⁷⁸⁹⁻ ₁₋ₜ
    "\u2190\u2191\u2192\u2193\u21b5\u21e1\u21e5\u27f6"  # ← ↑ → ↓ ↵ ⇡ ⇥ ⟶
    "\u2202\u2212\u2248\u2264\u2265"  # ∂ − ≈ ≤ ≥
    "\u2423\u25b6\u25be\u25c0\ufffd"  # ␣ ▶ ▾ ◀ (and U+FFFD, what bytes not UTF-8 read as)
    "\u25a0\u25cf"  # ■ ● (the Train tab's shared key: validation, per epoch)
    "\u252c\u2534"  # ┬ ┴ (the Unrolled legend's bus into a layer reading every step)
)

#: characters the app never draws: the formatting and line-break characters that
#: ``text.safe_text`` escapes and the CSV readers refuse or split at (zero-width spaces
#: stand between words to let a line break there)
NEVER_DRAWN = set(
    "\u0085\u061c\u200b\u200c\u200d\u200e\u200f\u2028\u2029\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2066\u2067\u2068\u2069\ufeff"
)


def _docstrings(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                out.add(id(first.value))
    return out


def literal_characters() -> dict[str, str]:
    """Each non-ASCII character in lstmviz's string literals (f-strings' parts too), with
    where it first appears."""
    found: dict[str, str] = {}
    for path in sorted(ROOT.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
                for ch in node.value:
                    if ord(ch) > 127:
                        found.setdefault(ch, f"{path.relative_to(ROOT.parent)}:{node.lineno}")
    for path in sorted(ROOT.rglob("*")):  # (the resources' texts: demos.json)
        if path.is_file() and path.suffix in (".json", ".txt", ".md", ".html", ".css"):
            for ch in path.read_text(encoding="utf-8", errors="replace"):
                if ord(ch) > 127:
                    found.setdefault(ch, str(path.relative_to(ROOT.parent)))
    return found


def test_every_character_the_app_writes_is_a_reviewed_glyph():
    unknown = {f"U+{ord(ch):04X} {unicodedata.name(ch, '?')}": where for ch, where in literal_characters().items()
               if ch not in DRAWN | NEVER_DRAWN}
    assert not unknown, ("characters not checked against the usual fonts (add each to DRAWN once "
                         f"DejaVu Sans is seen to hold it, or use another): {unknown}")


def test_a_typed_carriage_return_is_a_glyph_the_fonts_hold():
    """A typed "\\r" was shown as U+240D (␍), which neither DejaVu nor Noto Sans holds."""
    from lstmviz.app.inputs import SHOWN, shown_token

    assert shown_token("\r") == "\u2190"
    assert all(len(sign) == 1 and sign in DRAWN for sign in SHOWN.values())
    assert len(set(SHOWN.values())) == len(SHOWN)  # (each sign says one character)


def test_dejavu_sans_holds_every_drawn_glyph(qapp):
    """The reviewed list against the font itself, where DejaVu Sans is installed."""
    from PySide6 import QtGui

    font = QtGui.QFont("DejaVu Sans")
    raw = QtGui.QRawFont.fromFont(font)
    if not raw.isValid() or raw.familyName() != "DejaVu Sans":
        pytest.skip("DejaVu Sans is not installed")
    missing = [f"U+{ord(ch):04X}" for ch in sorted(DRAWN) if not raw.supportsCharacter(ord(ch))]
    assert not missing
    assert not raw.supportsCharacter(0x240D) and not raw.supportsCharacter(0x23F8)  # (the boxes seen)
