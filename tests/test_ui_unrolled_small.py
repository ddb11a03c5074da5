"""The Unrolled view in small windows and on a projector: the legend never cut in a phrase,
the window's least width within an 800 px screen."""

import re

import pytest
from PySide6 import QtGui

from helpers import FIXTURES, present_on, settle


def _plain(html: str) -> str:
    return QtGui.QTextDocumentFragment.fromHtml(html).toPlainText().replace("\xa0", " ").replace("\u2060", "")


@pytest.fixture
def open_fixture(qapp):
    """``open(case, theme)``: a fixture's model in a main window as ``lstmviz`` opens it, on
    the Unrolled tab; disposed of after."""
    from lstmviz.ui import theme as th
    from lstmviz.ui.app import dispose, make_window

    made = []

    def open_(case: str, theme: str = "dark"):
        w = make_window(str(FIXTURES / case / "model.keras"), theme, quiet=True)
        made.append(w)
        w.tabs.setCurrentIndex(next(i for i, v in enumerate(w.views) if v.title == "Unrolled"))
        w.show()
        settle()
        return w, next(v for v in w.views if v.title == "Unrolled")

    yield open_
    for w in made:
        w.presenter.leave()
        dispose(w)
    th.apply("dark", qapp)


@pytest.mark.parametrize("case", ["k3_seq2seq_lstm", "k3_around_rnn", "k3_masking_bidi_lstm_seq"])
def test_the_legend_at_800x600_presenting_beside_the_side_panel_ends_at_an_entry(open_fixture, case):
    """800 x 600 presenting with the side panel shown (S): a seq2seq's legend took eleven
    lines of the view's 480 px, and k3_around_rnn's was cut to "cell colour = output of
    unit [n] at that…" (whole only in its tooltip). The legend now takes at most
    LEGEND_SHARE of the view; what does not fit gives way entry by entry (those the rows
    also tell first), so what is laid out is the whole text or whole entries, then at most
    a "+N more"; the whole text in the tooltip where anything gave way."""
    from lstmviz.ui.views.unrolled import LEGEND_SHARE

    w, view = open_fixture(case, "projector")
    p = present_on(w, 800, 600)
    p.toggle_side()
    w.resize(800, 600)
    settle(8)
    assert w.side.isVisible() and (w.width(), w.height()) == (800, 600)
    legend = view.legend
    whole = " ".join(_plain(legend.text()).split())
    shown = " ".join(_plain(legend.label.text()).split())
    entries = [" ".join(_plain(html).split()).strip(" ·") for _, html in view.static.legend_parts]
    assert "\u2026" not in shown, shown
    # whole entries in their order (the first, what the colours mean, always), then at
    # most "+N more"
    rest = shown
    for k, entry in enumerate(entries):
        if rest.startswith(entry):
            rest = rest[len(entry):].lstrip(" ·")
        else:
            assert k > 0, (entry, shown)
    assert rest == "" or re.fullmatch(r"\+\d+ more", rest), (rest, shown)
    line = legend.label.fontMetrics().lineSpacing()
    assert legend.height() <= LEGEND_SHARE * view.height() + line, (legend.height(), view.height())
    # the label shows all it was given room for, no blank line under it
    assert legend.height() >= legend.height_of(legend.label.text()) - 1
    if shown != whole:
        assert " ".join(_plain(legend.toolTip()).split()) == whole


def test_the_legend_is_whole_where_it_has_room(open_fixture):
    """At 1920 x 1080 presenting beside the side panel the seq2seq's legend is whole."""
    w, view = open_fixture("k3_seq2seq_lstm", "projector")
    p = present_on(w, 1920, 1080)
    p.toggle_side()
    w.resize(1920, 1080)
    settle(8)
    assert _plain(view.legend.label.text()) == _plain(view.legend.text())
    assert view.legend.toolTip() == ""


def test_k3_around_rnn_lets_the_window_fit_800_px(open_fixture):
    """k3_around_rnn's 22 layers at 800 x 600 beside the side panel: the Unrolled view's
    least width held "gap (once) (+5 more)" among the rows' names, and the window needed
    812 px. Where keeping "(+5 more)" would leave the cells less than STEP_LEAST px a step,
    the name goes without it (that level's other rows are named over their blocks), and the
    view's least width counts the names so; wide, the name says its other rows again."""
    from lstmviz.ui.views.unrolled import STEP_LEAST, STEPS_HELD

    w, view = open_fixture("k3_around_rnn")
    w.resize(800, 600)
    settle(8)
    assert w.minimumSizeHint().width() <= 800, w.minimumSizeHint()
    assert w.width() == 800
    names = [text for _, text in view.plot.getAxis("left")._tickLevels[0]]
    # (its Permute((2, 1))'s row stands on the LSTM's steps, where its steps are: the
    # "gap (once)" row is one of the rows named over their blocks at this size)
    assert not any(text.endswith("more)") for text in names), str(names)
    (x0, x1), _ = view.vb.viewRange()
    assert view.vb.width() >= STEP_LEAST * min(x1 - x0, STEPS_HELD) - 1
    w.resize(1600, 1000)
    settle(8)
    # wide, the name says its other rows again (the blocks beside the LSTM a level apart,
    # app.unrolled._stagger: each of those levels names its two rows, where one level said
    # "gap (once) (+4 more)")
    names = [text for _, text in view.plot.getAxis("left")._tickLevels[0]]
    assert "gap (once)  [0] · up  [0]" in names and "ln  [0] · gmp_keep  [0]" in names, names
