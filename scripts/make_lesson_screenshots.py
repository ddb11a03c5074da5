#!/usr/bin/env python
"""Render every step of every built-in lesson as the hall sees it: presentation mode at
1920x1080, offscreen, with the lesson's caption bar. Writes resources/lessons/LL-SS.png
(scaled to 1120x630 and reduced to a 128-colour palette (the gate hues survive): small files, still readable) and
resources/lessons/README.md listing them with their captions.

Run from the repository root (the project's venv)::

    QT_QPA_PLATFORM=offscreen python scripts/make_lesson_screenshots.py [--only K] [--full]

``--full`` keeps 1920x1080 truecolour PNGs (for looking closely; not for committing).
``--size 1280x720`` (or 1024x768 ...) renders as on that projector instead (its screen's
height sets the lecture sizes, as in presentation mode there); such pictures are kept
whole, for looking at, not for committing.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


#: colours of a committed picture (a palette of 128 keeps them small)
COLOURS = 128


def quantized(img, keep: list[tuple[int, int, int]]):
    """``img`` in a palette of ``COLOURS``: a median cut of its own colours and the colours
    ``keep`` exactly. A median cut alone is chosen by area: in lesson 9.5 it drew f's thin
    vermillion title and curve in c's orange (and o's purple grey) once a layout change
    moved a few pixels, so two records read as one."""
    from PIL import Image

    base = img.quantize(colors=COLOURS - len(keep), method=Image.Quantize.MEDIANCUT)
    palette = base.getpalette()[:3 * (COLOURS - len(keep))] + [v for rgb in keep for v in rgb]
    holder = Image.new("P", (1, 1))
    holder.putpalette(palette)
    return img.quantize(palette=holder, dither=Image.Dither.NONE)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", type=int, action="append", help="lesson number (1-based), repeatable")
    ap.add_argument("--out", default=str(ROOT / "resources" / "lessons"))
    ap.add_argument("--full", action="store_true")
    ap.add_argument("--size", default="1920x1080", help="the projector's WxH (default 1920x1080)")
    args = ap.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))
    full = args.full or (width, height) != (1920, 1080)

    from PIL import Image

    from lstmviz.app import tours
    from lstmviz.ui.app import _app, dispose, make_window

    app = _app(True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    window = make_window(None, "dark", quiet=True)
    window.resize(width, height)
    window.show()
    p = window.presenter
    p.fullscreen = False  # offscreen screens are small: lay the window out at width x height
    p.screen_height = height
    p.enter()
    window.resize(width, height)

    def settle():
        for _ in range(4):
            app.processEvents()

    # the records' hues and the theme's colours, kept exact in every picture's palette
    from PySide6 import QtGui

    from lstmviz.ui import theme as th

    t = th.current()
    keep = [QtGui.QColor(c).getRgb()[:3] for c in dict.fromkeys(
        [c for c in th.HUES.values() if c] + [t.background, t.foreground, t.muted, t.highlight])]

    lines = ["# The lessons, step by step", "",
             "Every step of every built-in lesson (Help > Lessons, or L) as a hall sees it: "
             "presentation mode at 1920x1080 (shown here at 1120x630). Made by "
             "`scripts/make_lesson_screenshots.py`.", ""]
    for k, les in enumerate(tours.ALL_LESSONS):  # the Train tab's lessons too
        if args.only and k + 1 not in args.only:
            continue
        lines += [f"## {k + 1}. {les.title}", ""]
        p.tour.start(k)
        for n in range(len(les.steps)):
            if n:
                p.tour.next()
            window.resize(width, height)
            settle()
            name = f"{k + 1:02d}-{n + 1:02d}.png"
            path = out / name
            window.grab().save(str(path))
            if not full:
                img = Image.open(path).convert("RGB").resize((1120, 630), Image.LANCZOS)
                quantized(img, keep).save(path, optimize=True)
            caption = p.caption.text().replace("\n", " ")
            lines += [f"{n + 1}. {caption}", ""]
            if tours.quotes_run_figures(les.steps[n]):  # (another machine's differ)
                lines += [f"   {tours.RUN_FIGURES_NOTE}", ""]
            lines += [f"   ![lesson {k + 1} step {n + 1}]({name})", ""]
            print(name, "|", caption)
        p.tour.end()
    if not args.only and (width, height) == (1920, 1080):
        (out / "README.md").write_text("\n".join(lines))
    p.leave()
    dispose(window)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
