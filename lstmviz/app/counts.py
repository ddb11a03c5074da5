"""How lstmviz writes a step number or a count of steps: one rule for every text (no Qt).

- ``count(n)``: with thousands separators, ``150,000``. Every text that names a step or
  counts steps says it so: the views' headers, the player, the status bar, messages, the
  Units at scale window.
- ``tick_labels(values)``: the compact form, only on an axis's ticks, where room is tight:
  one form for the whole axis, so that its labels read alike. Every tick a whole multiple
  of 100,000 and one of them at least 1,000,000: millions (``0  500k`` is not mixed with
  ``1M``: ``0  0.5M  1M  1.5M``); else every tick a whole thousand and one of them at least
  10,000: thousands (``0  50k  100k  150k``); else as ``count`` (``123,400  123,425``).
  The compact labels are exact: no tick is rounded to read shorter.
"""

from __future__ import annotations

from collections.abc import Iterable


def count(n: int) -> str:
    """A step number or a count of steps as every text says it: ``150,000``."""
    return f"{int(n):,}"


def tick_labels(values: Iterable[float]) -> list[str]:
    """The labels of one axis's ticks of steps (or of other counts) in the compact form
    (module docstring): ``["0", "50k", "100k", "150k"]``."""
    ns = [int(round(float(v))) for v in values]
    if not ns:
        return []
    top = max(abs(n) for n in ns)
    if top >= 1_000_000 and all(n % 100_000 == 0 for n in ns):
        return [f"{n / 1_000_000:g}M" if n else "0" for n in ns]
    if top >= 10_000 and all(n % 1000 == 0 for n in ns):
        return [f"{n // 1000:,}k" if n else "0" for n in ns]
    return [count(n) for n in ns]
