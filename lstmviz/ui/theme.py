"""Colours and type that carry meaning, the same in every view and at every step.

- Gate values (0..1: i, f, o, z, r) use ONE sequential colour-blind-safe map (viridis)
  with fixed levels 0..1.
- A cell holding NaN (no number: a model that diverged) is magenta (``Theme.nan``), a colour
  on neither map, keyed "NaN" under the colour bar (``plot_tools.NanKey``); an infinity is
  drawn as any number past the levels, in the colour map's end colour (levels come from the
  finite numbers).
- Signed values (c, h, c~, h~, weights, pre-activations) use ONE diverging
  colour-blind-safe map symmetric around 0 (blue-black-yellow on the dark theme,
  blue-white-yellow on the light ones), levels symmetric per trace.
- Each gate has one fixed Okabe-Ito hue in every view, curve and legend
  (``HUES``); the "keep the old state" gates (f, z) share vermillion, the candidates
  (c~, h~) share green, and h is drawn in the theme's foreground colour.

Themes: ``"dark"`` (default, screens), ``"light"`` and ``"projector"`` (high-contrast
light with larger type for washed-out projectors). ``apply(theme, target)`` styles a
QApplication or a widget tree (views restyle their plots via ``apply_theme``).
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, replace

import pyqtgraph as pg
import shiboken6
from PySide6 import QtCore, QtGui, QtWidgets

from lstmviz.engine.cells import CELLS, STATE_MEANINGS

#: Unicode's sub- and superscript characters the app writes (the Cell view's "W·xₜ and
#: U·hₜ₋₁", a convolution's "Σₖ", a weight's "σ²", a PyTorch weight's "ᵀ"), each with the
#: character it stands for and whether it is a subscript: fonts draw them smaller than
#: Qt's <sub> (DejaVu Sans' ₜ at 0.56 of a t), so where sizes are for a hall they are
#: written as <sub>/<sup> or, in plain text, "_t" (``Theme.subscripts``, ``Theme.plain_scripts``).
#: (only those the app writes: each a reviewed glyph, ``tests/test_glyphs.py``)
SCRIPTS: dict[str, tuple[str, bool]] = {
    **{chr(0x2080 + k): (str(k), True) for k in range(10)},
    **dict(zip("₋ₖₜ", ((c, True) for c in "−kt"))),
    **dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻ᵀ", ((c, False) for c in "0123456789−T"))),
}


def script_runs(text: str) -> list[tuple[str, bool | None]]:
    """``text`` cut into runs: (plain text, None) and (a run of Unicode sub- or superscript
    characters as the characters they stand for, whether subscripts)."""
    runs: list[tuple[str, bool | None]] = []
    for ch in text:
        base, sub = SCRIPTS.get(ch, (ch, None))
        if runs and runs[-1][1] is sub:
            runs[-1] = (runs[-1][0] + base, sub)
        else:
            runs.append((base, sub))
    return runs


#: Okabe-Ito palette (Okabe & Ito 2008), safe for the common colour-vision deficiencies.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}

#: One hue per recorded quantity, in every view and legend. ``h`` (and ``x``) are None:
#: they use the theme's foreground so the output reads with the highest contrast.
#: A gate's hue follows its role (``Gate.role`` in engine/cells.py), so a new cell kind's
#: gates are coloured too.
ROLE_HUES: dict[str, str | None] = {
    "write": OKABE_ITO["blue"], "keep": OKABE_ITO["vermillion"], "candidate": OKABE_ITO["green"],
    "read": OKABE_ITO["purple"], "reset": OKABE_ITO["blue"], "state": None,
}
HUES: dict[str, str | None] = {
    **{g.key: ROLE_HUES.get(g.role) for c in CELLS.values() for g in c.gates},
    "c": OKABE_ITO["orange"],
    "h": None,
    "x": None,
}

#: What each key means, for titles and tooltips (the cells' own words, engine/cells.py).
MEANINGS = {**{g.key: g.meaning for c in CELLS.values() for g in c.gates},
            **STATE_MEANINGS, "x": "input"}
#: How each key is written for people (plain text and HTML).
SYMBOLS = {key: key.replace("_tilde", "~") for key in MEANINGS}

#: Letters of Keras' fused gate blocks (``layer.gates``) to the keys of the trace.
GATE_LETTER_KEY = {g.letter: g.key for c in CELLS.values() for g in c.gates}

GATE_CMAP_NAME = "viridis"


@dataclass(frozen=True)
class Theme:
    name: str
    background: str
    foreground: str
    muted: str          # secondary text, axes
    grid: str           # separators, cell outlines
    panel: str          # slightly offset background for boxes
    highlight: str      # the current step / selected unit
    accent: str         # arrows that carry state
    diverging: str      # pyqtgraph colormap name for signed values
    #: a heatmap cell holding NaN (no number: a diverged model's), on no colour map used
    nan: str = "#ff00ff"
    font_pt: float = 13.0
    scale: float = 1.0
    line_width: float = 2.5
    dark: bool = True
    #: the smallest font size in points any text gets (presentation mode raises it)
    min_pt: int = 12
    #: presentation mode's theme (sizes for a hall: ``presentation.presentation_theme``)
    lecture: bool = False
    #: the Cell view's equations' sub- and superscripts kept at ``min_pt`` outside
    #: presentation mode too (``subscripts(legible=True)``): the projector theme's (Qt's 2/3
    #: of its 15 pt, 10 pt, set the i of W_i and the t of x_t in its equations and exported
    #: pictures smaller than any other text). Titles keep Qt's (larger, the Over time tab's
    #: held an 800 x 600 window 954 px wide)
    legible_scripts: bool = False

    def pt(self, factor: float = 1.0) -> int:
        """A font size in points: ``font_pt * scale * factor``, at least ``min_pt``."""
        return max(self.min_pt, round(self.font_pt * self.scale * factor))

    def subscripts(self, html: str, legible: bool = False) -> str:
        """Rich text whose sub/superscripts keep ``min_pt`` in a lecture theme (``legible``,
        the Cell view's equations: also in a theme with ``legible_scripts``).

        Qt draws <sub> at 2/3 of the text around it; in presentation mode that would put
        the t of x_t below the size a hall can read, so the script is set 3/2 larger,
        which Qt then draws at ``min_pt``, lowered as a subscript."""
        if not (self.lecture or (legible and self.legible_scripts)):
            return html
        # (Unicode's script characters as <sub>/<sup> first: drawn smaller still: SCRIPTS)
        if any(ch in SCRIPTS for ch in html):
            html = "".join(text if sub is None else f"<{'sub' if sub else 'sup'}>{text}</{'sub' if sub else 'sup'}>"
                           for text, sub in script_runs(html))
        big = f'<span style="font-size:{self.min_pt * 1.5:.1f}pt">'
        for tag in ("sub", "sup"):
            html = html.replace(f"<{tag}>", f"<{tag}>{big}").replace(f"</{tag}>", f"</span></{tag}>")
        return html

    def plain_scripts(self, text: str) -> str:
        """Plain text (a check box's, which shows no rich text) whose Unicode sub- and
        superscripts (``SCRIPTS``) a lecture theme writes at the text's size: "x_t",
        "h_(t−1)", "σ^2" (presenting at 1920 x 1080 the Cell view's "Write W·xₜ and U·hₜ₋₁
        out term by term" drew its t at 15 px, the hall's least 24), as the lessons' words
        write them (TeX's "h_{t−1}" above the caption's "h_(t−1)" was one more notation)."""
        if not self.lecture or not any(ch in SCRIPTS for ch in text):
            return text
        return "".join(run if sub is None else ("_" if sub else "^") + (run if len(run) == 1 else f"({run})")
                       for run, sub in script_runs(text))

    def hue(self, key: str) -> str:
        """The fixed colour of a quantity (gates' hues; h/x use the foreground)."""
        return HUES.get(key) or self.foreground

    def font(self, factor: float = 1.0, bold: bool = False) -> QtGui.QFont:
        f = QtGui.QFont()
        f.setPointSize(self.pt(factor))
        f.setBold(bold)
        return f

    def scaled(self, scale: float) -> "Theme":
        return replace(self, scale=scale)


THEMES: dict[str, Theme] = {
    "dark": Theme(
        name="dark", background="#15171b", foreground="#f2f2f2", muted="#a8adb4",
        grid="#4a505a", panel="#1f2228", highlight="#F0E442", accent="#c9ced6",
        diverging="CET-D6", dark=True,
    ),
    "light": Theme(
        name="light", background="#ffffff", foreground="#161616", muted="#55595f",
        grid="#b8bcc2", panel="#f2f3f5", highlight="#000000", accent="#3b3f45",
        diverging="CET-CBD1", nan="#e000e0", dark=False,
    ),
    "projector": Theme(
        name="projector", background="#ffffff", foreground="#000000", muted="#222222",
        grid="#6f6f6f", panel="#ececec", highlight="#000000", accent="#000000",
        diverging="CET-CBD1", nan="#e000e0", font_pt=15.0, scale=1.0, line_width=3.5, dark=False,
        legible_scripts=True,
    ),
}

_current: Theme = THEMES["dark"]


def get(name: str | Theme | None = None) -> Theme:
    """A theme by name (``dark``, ``light``, ``projector``); None is the current one."""
    if isinstance(name, Theme):
        return name
    if name is None:
        return _current
    try:
        return THEMES[name]
    except KeyError:
        raise ValueError(f"unknown theme {name!r}; themes: {', '.join(THEMES)}") from None


def current() -> Theme:
    return _current


# -- colour maps --------------------------------------------------------------------------
_cmaps: dict[str, pg.ColorMap] = {}


def _cmap(name: str) -> pg.ColorMap:
    if name not in _cmaps:
        _cmaps[name] = pg.colormap.get(name)
    return _cmaps[name]


def gate_cmap(theme: Theme | None = None) -> pg.ColorMap:
    """The sequential map for values in 0..1 (gates), the same in every theme."""
    return _cmap(GATE_CMAP_NAME)


def diverging_cmap(theme: Theme | None = None) -> pg.ColorMap:
    """The diverging map for signed values, symmetric around 0."""
    return _cmap(get(theme).diverging)


def cmap_for(key: str, theme: Theme | None = None) -> pg.ColorMap:
    from lstmviz.engine.trace import GATE_KEYS

    return gate_cmap(theme) if key in GATE_KEYS else diverging_cmap(theme)


def symmetric_levels(*arrays, floor: float = 1e-6) -> tuple[float, float]:
    """``app.scale.symmetric_levels``: (-m, m), m the largest finite magnitude over ``arrays``."""
    from lstmviz.app.scale import symmetric_levels as levels

    return levels(*arrays, floor=floor)


# -- applying -----------------------------------------------------------------------------
def palette(theme: Theme) -> QtGui.QPalette:
    p = QtGui.QPalette()
    bg, fg = QtGui.QColor(theme.background), QtGui.QColor(theme.foreground)
    panel, muted = QtGui.QColor(theme.panel), QtGui.QColor(theme.muted)
    R = QtGui.QPalette.ColorRole
    for role, col in (
        (R.Window, bg), (R.WindowText, fg), (R.Base, panel), (R.AlternateBase, bg),
        (R.Text, fg), (R.Button, panel), (R.ButtonText, fg), (R.ToolTipBase, panel),
        (R.ToolTipText, fg), (R.PlaceholderText, muted), (R.BrightText, fg),
    ):
        p.setColor(role, col)
    p.setColor(R.Highlight, QtGui.QColor(OKABE_ITO["blue"]))
    p.setColor(R.HighlightedText, QtGui.QColor("#ffffff"))
    # a disabled field's text halfway to the background: set for every group above, a
    # disabled spin box (the Input tab's seed for a source it does not affect) looked
    # enabled; in the muted colour, so did the projector theme's (#222222 beside black)
    # and the light theme's (a white field among grey ones, its text near black)
    G = QtGui.QPalette.ColorGroup
    faded = QtGui.QColor.fromRgbF((fg.redF() + bg.redF()) / 2, (fg.greenF() + bg.greenF()) / 2,
                                  (fg.blueF() + bg.blueF()) / 2)
    for role in (R.WindowText, R.Text, R.ButtonText):
        p.setColor(G.Disabled, role, faded)
    p.setColor(G.Disabled, R.Base, bg)
    return p


@contextmanager
def collector_held():
    """Python's cyclic garbage collector off while it is held, then as it was: no
    collection deletes a Python-owned widget while Qt's objects are walked or read."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@contextmanager
def widgets_held():
    """Restyling the application walks every widget while Python code runs in their event
    handlers; a garbage collection at that moment can delete a Python-owned widget under
    Qt's walk (a segfault seen in app.setFont). Collect first, then hold the collector
    (no collection before there is any widget: at start-up, nothing it could delete).

    The collector is held before Qt's list of every widget is read, too: PySide turns
    that list into Python objects one by one, and a collection set off by those new
    objects could delete a widget further down the list (a Python-owned pyqtgraph menu of
    a closed window, in a reference cycle), whose pointer PySide then read (a segfault in
    ``lstmviz.picture`` after a presented window was disposed)."""
    with collector_held():
        if QtWidgets.QApplication.instance() is not None and QtWidgets.QApplication.allWidgets():
            gc.collect()
        yield


def apply(theme: Theme | str, target: QtWidgets.QApplication | QtWidgets.QWidget | None = None) -> Theme:
    """Make ``theme`` current and style ``target`` (the application, or a widget tree):
    palette, base font (``theme.pt()``), pyqtgraph defaults, and every view's plots."""
    global _current
    theme = get(theme)
    _current = theme
    pg.setConfigOptions(background=theme.background, foreground=theme.foreground,
                        antialias=True, imageAxisOrder="row-major")
    if target is None:
        app = QtWidgets.QApplication.instance()  # (a QCoreApplication has no palette to style)
        target = app if isinstance(app, QtWidgets.QApplication) else None
    if target is None:
        return theme
    with widgets_held():
        target.setPalette(palette(theme))
        target.setFont(theme.font())
        widgets = (target.allWidgets() if isinstance(target, QtWidgets.QApplication)
                   else [target, *target.findChildren(QtWidgets.QWidget)])
        for w in widgets:
            restyle = getattr(w, "apply_theme", None)
            if callable(restyle):
                restyle(theme)
    return theme


def style_plot(plot: pg.PlotItem, theme: Theme, title: str | None = None,
               left: str | None = None, bottom: str | None = None, short: str | tuple[str, ...] | None = None,
               left_short: str | None = None, bottom_short: str | None = None) -> None:
    """Large tick labels and axis titles in the theme's colours (``short``: the title
    where the whole one is wider than the plot, see ``set_title``; ``left_short``,
    ``bottom_short``: an axis title where the whole one is longer than the axis, see
    ``axis_title``)."""
    tick = theme.font(0.9)
    for name in ("left", "bottom", "right", "top"):
        ax = plot.getAxis(name)
        ax.setPen(pg.mkPen(theme.muted, width=1))
        ax.setTextPen(pg.mkPen(theme.foreground))
        ax.setStyle(tickFont=tick, tickTextOffset=6)
    size = f"{theme.pt(0.95)}pt"
    if left is not None:
        axis_title(plot, "left", left, left_short, theme.foreground, size)
    if bottom is not None:
        axis_title(plot, "bottom", bottom, bottom_short, theme.foreground, size)
    if title is not None:
        set_title(plot, title, short=short, color=theme.foreground, size=f"{theme.pt(1.1)}pt")


def axis_title(plot: pg.PlotItem, side: str, text: str, short: str | None, color: str, size: str) -> None:
    """``plot.setLabel(side, text)`` in ``color`` and ``size``; with ``short``, that one
    instead while ``text`` is longer than the axis (a narrow plot: the Train tab's
    "share of steps < 0.1" beside the side panel on a 1280 x 720 projector ran out of the
    window), chosen again whenever the plot is resized."""
    axis = plot.getAxis(side)
    axis._lstmviz_title = (text, short, color, size)
    axis._lstmviz_shown = None  # (set again: as a plain setLabel, it shows the label)
    if short is not None and not getattr(axis, "_lstmviz_fits_title", False):
        plot.vb.sigResized.connect(lambda *_: _fit_axis_title(plot, side))
        axis._lstmviz_fits_title = True
    _fit_axis_title(plot, side)


def _fit_axis_title(plot: pg.PlotItem, side: str) -> None:
    axis = plot.getAxis(side)
    text, short, color, size = axis._lstmviz_title
    shown = text
    if short is not None:
        room = plot.vb.height() if side in ("left", "right") else plot.vb.width()
        # (with the space pyqtgraph puts after every axis label, for its units: what it draws)
        html = f"<span style='color: {pg.mkColor(color).name()}; font-size: {size}'>{text} </span>"
        if room > 1 and html_width(axis.label.font(), html) > room:
            shown = short
    if getattr(axis, "_lstmviz_shown", None) != (shown, color, size):
        axis._lstmviz_shown = (shown, color, size)
        plot.setLabel(side, shown, color=color, **{"font-size": size})
        # placed again for its new length: pyqtgraph centres a title on its axis only when
        # the axis is resized, so a title changed after that (from the plot's resize, which
        # comes first) stayed where its other form was centred: the Gates page's whole
        # "share of steps < 0.1" at the short one's left end, cut at the page's right edge
        axis.resizeEvent()


_HTML_WIDTHS: dict[tuple, float] = {}


def html_width(font: QtGui.QFont, html: str) -> float:
    """The width of a text item showing ``html`` in ``font`` (measured once per text and
    font): an axis title (``axis_title``), a legend's names (``plot_tools.RowLegend``)."""
    key = (html, font.key())
    if key not in _HTML_WIDTHS:
        if len(_HTML_WIDTHS) >= 4096:  # (a title's numbers change each epoch: its forms' widths not kept forever)
            _HTML_WIDTHS.clear()
        scratch = QtWidgets.QGraphicsTextItem()
        scratch.setFont(font)
        scratch.setHtml(html)
        _HTML_WIDTHS[key] = scratch.boundingRect().width()
    return _HTML_WIDTHS[key]


def set_title(plot: pg.PlotItem, title: str, short: str | tuple[str, ...] | None = None, **args) -> None:
    """``plot.setTitle`` with the title row as tall as the text (pyqtgraph fixes it at
    30 px, which clips large or two-line titles), and never wider than the plot.

    ``short``: the title shown instead while the whole one is wider than the plot (at a
    projector's 1280 x 720, "h_t · hidden state" ran over its heatmap's colour bar and out
    of the window), chosen again whenever the plot is resized; a tuple of short forms:
    the first of them that fits, else the last (the Train tab's metric plot: fewer digits,
    fewer metrics).

    The same title again leaves it as it is; a title shown with the same style and height
    as before (a number that changes at every step) only has its text replaced and
    centred: pyqtgraph's ``setTitle`` resets the row to 30 px and the label's minimum
    width, which lays the plot out again (its view box resized, its axes redrawn) on
    every step."""
    label = plot.titleLabel
    if label.isVisible() and getattr(label, "_lstmviz_style", None) == args:
        if label.text == title and getattr(label, "_lstmviz_short", None) == short:
            return  # shown already (a view drawn again keeps its titles: setHtml lays text out)
        label.text = title
        label._lstmviz_short = short
        label.item.setHtml(f"<span style='{label._lstmviz_css}'>{title}</span>")
        _measured_title(label)
        if title_height(label) == label.maximumHeight():
            _place_text(label)
            return
    if not getattr(label, "_lstmviz_narrow", False):
        # a title wider than the plot must not widen the plot past its widget: pyqtgraph
        # sets the label's minimum width to its text's at every setText and resize, and a
        # title's width of an earlier text stayed (a Cell chart then overflowed its cell
        # in the projector theme, its last bar cut off)
        label.updateMin = lambda label=label: _title_min(label)
        label.resizeEvent = lambda ev, label=label: _title_resized(label, ev)
        label._lstmviz_narrow = True
    label._lstmviz_short = short
    label._lstmviz_css = None  # (no fitting while pyqtgraph sets the text)
    plot.setTitle(title, **args)
    label._lstmviz_style = dict(args)
    label._lstmviz_css = _label_css(label)
    _measured_title(label)
    pg.LabelItem.resizeEvent(label, None)
    h = title_height(label)
    plot.titleLabel.setMaximumHeight(h)
    plot.layout.setRowFixedHeight(0, h)


def title_height(label) -> float:
    """The height of a plot's title row for the text in ``label`` (a plot's ``titleLabel``):
    the text's and a little more, at least pyqtgraph's 30 px."""
    return max(30.0, label.item.boundingRect().height() + 2)


def _place_text(label) -> None:
    """The title's text where ``LabelItem.resizeEvent`` puts it (by its ``justify``),
    without the new minimum size that also sets (which lays the plot out again)."""
    label.item.setPos(0, 0)
    bounds, rect = label.itemRect(), label.rect()
    justify = label.opts.get("justify", "center")
    if justify == "left":
        bounds.moveLeft(rect.left())
    elif justify == "right":
        bounds.moveRight(rect.right())
    else:
        bounds.moveCenter(rect.center())
    label.item.setPos(bounds.topLeft() - label.itemRect().topLeft())


def _measured_title(label) -> None:
    """The whole title was just put in ``label``'s text item: its width kept, and the
    short title shown instead if the whole one does not fit (``_fit_title``)."""
    label._lstmviz_shown = label.text
    label._lstmviz_full_width = label.item.boundingRect().width()
    _fit_title(label)


def _too_wide(label) -> bool:
    """Whether ``label``'s whole title is wider than the label (less what is kept beside
    it: ``keep_beside_title``) and it has a short one."""
    return (getattr(label, "_lstmviz_css", None) is not None and label._lstmviz_short is not None
            and label._lstmviz_full_width + getattr(label, "_lstmviz_beside", 0.0) > label.rect().width())


def keep_beside_title(plot: pg.PlotItem, width: float) -> bool:
    """Keep ``width`` px of the title's row beside the title (a legend in that row): the
    short title is shown where the whole one and that width are wider than the row.
    Returns whether that changed the title shown."""
    label = plot.titleLabel
    if abs(getattr(label, "_lstmviz_beside", 0.0) - width) < 0.5:
        return False
    label._lstmviz_beside = float(width)
    shown = getattr(label, "_lstmviz_shown", None)
    if getattr(label, "_lstmviz_css", None) is not None:
        _fit_title(label)
        if label._lstmviz_shown != shown:
            _place_text(label)
            return True
    return False


def _fit_title(label) -> None:
    """The whole title where it fits the label's width, else its short one; titles made
    to go together (``titles_together``) all short while any of them must be."""
    group = [lab for lab in getattr(label, "_lstmviz_group", None) or [label] if shiboken6.isValid(lab)]
    short_all = any(_too_wide(lab) for lab in group)
    for lab in group:
        if getattr(lab, "_lstmviz_css", None) is None:
            continue
        short = lab._lstmviz_short
        if isinstance(short, tuple):
            short = _fitting_form(lab, short)
        shown = short if short is not None and short_all else lab.text
        if shown != lab._lstmviz_shown:
            lab.item.setHtml(f"<span style='{lab._lstmviz_css}'>{shown}</span>")
            lab._lstmviz_shown = shown
            if lab is not label:
                pg.LabelItem.resizeEvent(lab, None)  # (centred again)


def _fitting_form(label, forms: tuple[str, ...]) -> str | None:
    """The first of a title's short ``forms`` that fits ``label`` (less what is kept beside
    it), else its last."""
    room = label.rect().width() - getattr(label, "_lstmviz_beside", 0.0)
    font = label.item.font()
    for form in forms:
        if html_width(font, f"<span style='{label._lstmviz_css}'>{form}</span>") <= room:
            return form
    return forms[-1] if forms else None


def titles_together(*plots: pg.PlotItem) -> None:
    """The titles of ``plots`` (a view's grid, ``set_title(..., short=...)``) go short
    together: all whole or all short, not some of each."""
    group = [p.titleLabel for p in plots]
    for lab in group:
        lab._lstmviz_group = group
    if group:
        _fit_title(group[0])


def _title_resized(label, ev) -> None:
    """``LabelItem.resizeEvent`` of a plot's title: the title that fits, centred."""
    _fit_title(label)
    pg.LabelItem.resizeEvent(label, ev)


def _title_min(label) -> None:
    """``LabelItem.updateMin`` for a plot's title: its text's height, no minimum width."""
    bounds = label.itemRect()
    label.setMinimumWidth(0)
    label.setMinimumHeight(bounds.height())
    hint = QtCore.Qt.SizeHint
    label._sizeHint = {hint.MinimumSize: (0, bounds.height()),
                       hint.PreferredSize: (bounds.width(), bounds.height()),
                       hint.MaximumSize: (-1, -1), hint.MinimumDescent: (0, 0)}
    label.updateGeometry()


def _label_css(label) -> str:
    """The style pyqtgraph's ``LabelItem.setText`` puts around its text (same options)."""
    opts = label.opts
    color = pg.mkColor(opts["color"] if opts.get("color") is not None else pg.getConfigOption("foreground"))
    css = ["color: " + color.name(QtGui.QColor.NameFormat.HexArgb)]
    if "family" in opts:
        css.append("font-family: " + opts["family"])
    if "size" in opts:
        css.append("font-size: " + opts["size"])
    if opts.get("bold") in (True, False):
        css.append("font-weight: " + ("bold" if opts["bold"] else "normal"))
    if opts.get("italic") in (True, False):
        css.append("font-style: " + ("italic" if opts["italic"] else "normal"))
    return "; ".join(css)


def symbol_html(key: str) -> str:
    """The rich-text symbol of a key: c̃ and h̃ with the tilde drawn by a serif font
    (Qt's rich text misplaces a combining tilde in the default sans)."""
    if key in ("c_tilde", "h_tilde"):
        return f"<span style=\"font-family:'DejaVu Serif', serif\">{key[0]}&#771;</span>"
    return SYMBOLS.get(key, key)


def swatch_html(key: str, theme: Theme, text: str | None = None) -> str:
    """A coloured bold symbol for rich-text legends and equations."""
    return (f'<span style="color:{theme.hue(key)}; font-weight:600">'
            f'{text if text is not None else symbol_html(key)}</span>')
