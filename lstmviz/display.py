"""A block of text (``Model.summary()``'s table) shown where the user is.

Keras 3's ``model.summary()`` prints through rich: to stdout in a terminal or IPython, and
in a Jupyter kernel as an output of its own, HTML in a monospaced ``<pre>`` beside the
plain text. ``show_block`` does the same without depending on rich or IPython: IPython is
used only when the code already runs inside an IPython kernel (it is then loaded).
"""

from __future__ import annotations

import html
import sys
from collections.abc import Callable

#: rich's style for Jupyter output, which Keras 3's summary uses
PRE_STYLE = ("white-space:pre;overflow-x:auto;line-height:normal;"
             "font-family:Menlo,'DejaVu Sans Mono',consolas,'Courier New',monospace")


def _kernel_shell() -> object | None:
    """The IPython shell of a Jupyter kernel this runs in, or None (a terminal IPython,
    plain Python, or IPython not loaded at all)."""
    get = getattr(sys.modules.get("IPython"), "get_ipython", None)
    shell = get() if callable(get) else None
    return shell if getattr(shell, "kernel", None) is not None else None


def block_html(text: str) -> str:
    """``text`` as an HTML ``<pre>`` block, its first line bold (as Keras' "Model: ..." line)."""
    first, sep, rest = text.partition("\n")
    return (f'<pre style="{PRE_STYLE}"><span style="font-weight: bold">{html.escape(first)}</span>'
            f"{sep}{html.escape(rest)}</pre>")


def show_block(text: str, print_fn: Callable[[str], object] | None = None) -> None:
    """Show ``text``: ``print_fn(text)`` when given (``print``, a logger's ``info``, a list's
    ``append``); in a Jupyter kernel an output with ``text/html`` and ``text/plain``; else
    printed to stdout. Wherever it is called in a cell, it appears there, as Keras' does."""
    if print_fn is not None:
        print_fn(text)
        return
    if _kernel_shell() is not None:
        from IPython.display import display  # loaded: this runs inside the kernel
        display({"text/plain": text, "text/html": block_html(text)}, raw=True)
        return
    print(text)
