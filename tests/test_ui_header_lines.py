"""The views' headers (``QuietLabel``) never end a line with a word whose own number
stands alone on the next ("= input step" then "0", "unit" then "3"): the label lays its
text out with those spaces non-breaking (``labels.bound_numbers``), while ``text()`` and
the tooltip keep the text as the view gave it."""

import re
from pathlib import Path

import numpy as np
import pytest

from tests.helpers import DEMO, settle

FIXTURES = Path(__file__).parent / "fixtures"
#: a line's end that is a word, and a next line's start that is a number of its own
#: (``t = 12`` too)
_ENDS_IN_WORD = re.compile(r"[^\W\d_]\s*$")
_STARTS_WITH_NUMBER = re.compile(r"^\s*(?:[^\W\d_] = )?[-\u2212]?[0-9]")


def _lines(label, html: str) -> list[str]:
    """The lines of ``html`` as ``label`` (a QuietLabel) lays it out at its width."""
    doc = label._document(html, max(1, label.label.width()))
    doc.size()  # (lays it out)
    lines = []
    block = doc.begin()
    while block.isValid():
        layout = block.layout()
        for k in range(layout.lineCount()):
            line = layout.lineAt(k)
            lines.append(block.text()[line.textStart():line.textStart() + line.textLength()])
        block = block.next()
    return lines


def test_bound_numbers_binds_a_word_to_its_number_only_in_the_text():
    from lstmviz.ui.labels import bound_numbers

    html = ('<span style="color: 3px">lstm</span> · step <b>t = 12</b> = input step 4 · '
            'unit <b>3</b> · sample 0 · steps <b>3</b>–<b>5</b> of 1,234 · lstm_2 · 4 steps')
    got = bound_numbers(html)
    assert got == ('<span style="color: 3px">lstm</span> · step\u00a0<b>t\u00a0=\u00a012</b> = input '
                   'step\u00a04 · unit\u00a0<b>3</b> · sample\u00a00 · steps <b>3</b>–\u2060<b>5</b> of\u00a01,234'
                   ' · lstm_2 · 4 steps')
    assert "&nbsp;" not in got  # (a character, not an entity)
    assert bound_numbers("step<br> 3") == "step<br> 3"  # (a line break between them stays)
    assert bound_numbers("a &amp; 3") == "a &amp; 3"
    assert bound_numbers("(<span>&lt; 0</span> · &gt; -1)") == "(<span>&lt;\u00a00</span> · &gt;\u00a0-1)"


def test_a_range_never_breaks_after_its_dash(qapp):
    """A range like "3–5" (an en dash) broke in wrapped labels after its dash: "steps 3–"
    at a line's end and "5" below it, where the word bound to its number ("steps 3–5", one
    run) was wider than the line (Qt then breaks the run where it overflows). The range is
    now the run (the word before it unbound, its dash bound to the number after it by a
    word joiner): at every width that holds the widest range, no line ends in "–" (Qt's
    own line breaking, QTextLayout's lines), and the text still wraps."""
    from PySide6 import QtGui

    from lstmviz.ui.labels import WORD_JOINER, bound_numbers

    def lines(html: str, width: int) -> list[str]:
        doc = QtGui.QTextDocument()
        doc.setDocumentMargin(0)
        doc.setHtml(html)
        doc.setTextWidth(width)
        doc.size()
        block, got = doc.begin(), []
        while block.isValid():
            lay = block.layout()
            got += [block.text()[lay.lineAt(k).textStart():lay.lineAt(k).textStart() + lay.lineAt(k).textLength()]
                    for k in range(lay.lineCount())]
            block = block.next()
        return got

    html = ("conv · reads steps <b>3</b>–<b>5</b> below · unit <b>0</b> · exact steps 1,000–2,047 of "
            "150,000 · from 0.5–1.0")
    bound = bound_numbers(html)
    assert "steps <b>3</b>–\u2060<b>5</b>" in bound and "steps 1,000–\u20602,047" in bound
    assert "unit\u00a0<b>0</b>" in bound and "of\u00a0150,000" in bound  # (a word and its number: bound)
    metrics = QtGui.QFontMetrics(QtGui.QFont())
    wide = metrics.horizontalAdvance(QtGui.QTextDocumentFragment.fromHtml(html).toPlainText())
    before = bound_numbers(html.replace("–", "\u2012")).replace("\u2012", "–").replace(WORD_JOINER, "")
    broke_before = wraps = 0
    for width in range(metrics.horizontalAdvance("1,000–2,047 ") + 2, wide, 2):
        broke_before += any(line.rstrip().endswith("–") for line in lines(before, width))
        got = lines(bound, width)
        wraps += len(got) > 1
        assert not any(line.rstrip().endswith(("–", "–" + WORD_JOINER)) for line in got), (width, got)
    assert broke_before and wraps, (broke_before, wraps)  # (bound as before, it broke; now it wraps whole)
    assert WORD_JOINER not in bound_numbers("long–short term 3")  # (words: as they were)


def _window(model: Path, x: Path | None, theme: str = "dark"):
    from lstmviz.ui.app import make_window

    w = make_window(str(model), theme, quiet=True, inputs=None if x is None else np.load(x))
    w.resize(800, 600)
    w.show()
    settle()
    return w


def _headers(view):
    return [view.formula] if view.title == "Weights" else [view.header]


@pytest.mark.parametrize("case", ["k3_conv_lstm", "demo"])
def test_no_header_line_ends_in_a_word_whose_number_is_on_the_next(qapp, case):
    """At 800 x 600 beside the side panel Over time's header read "... = pool's step 0 ·
    unit" and "0 · sample 0" on the next line. Every header of the four views, at several
    steps: no line ends in a word that its number begins the next line with; and the
    binding adds no line (the text laid out with plain spaces takes as many lines)."""
    from lstmviz.ui.app import dispose
    from lstmviz.ui.labels import shown_text

    if case == "demo":
        w = _window(DEMO, None)
    else:
        w = _window(FIXTURES / case / "model.keras", FIXTURES / case / "x.npy")
    try:
        assert w.side.isVisible()  # (beside the side panel)
        seen = 0
        for title in ("Unrolled", "Cell", "Over time", "Weights"):
            k = next(i for i, v in enumerate(w.views) if v.title == title)
            w.tabs.setCurrentIndex(k)
            settle()
            view = w.views[k]
            last = max(0, w.state.clock_steps - 1)
            for step in sorted({0, 1, last // 2, last}):
                w.state.set_cursor(step=step)
                settle()
                for header in _headers(view):
                    if not header.isVisible() or not header.text():
                        continue
                    seen += 1
                    shown = _lines(header, header.label.text())
                    assert shown, (title, step)
                    for a, b in zip(shown, shown[1:]):
                        assert not (_ENDS_IN_WORD.search(a) and _STARTS_WITH_NUMBER.match(b)), (title, step, a, b)
                    plain = _lines(header, shown_text(header.text()))
                    bound = _lines(header, header._shown)
                    assert len(bound) <= len(plain), (title, step, bound, plain)
                    assert "\u00a0" not in header.text() and "\u00a0" not in header.toolTip()
        assert seen >= 12
    finally:
        dispose(w)
