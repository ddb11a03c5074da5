"""``Fail``: a reader's internal failure, turned into one line by the registry.

Its own module, so that every reader (and ``_h5safe``) can raise it without importing
the registry: the registry puts in the "supported: ..." text when it is imported
(``set_supported``), so the readers never import it back.
"""

from __future__ import annotations

from typing import Callable


#: What a refusal says works; ``lstmviz.io.formats`` puts in the list of every format.
def _default_supported() -> str:
    return "supported: the model formats lstmviz registers"


_supported: Callable[[], str] = _default_supported


def set_supported(text: Callable[[], str]) -> None:
    global _supported
    _supported = text


class Fail(Exception):
    """Internal failure: ``what`` is wrong; ``supported`` says what would work."""

    def __init__(self, what: str, supported: str | None = None):
        super().__init__(what)
        self.what = what
        self.supported = _supported() if supported is None else supported
