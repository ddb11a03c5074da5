"""What the user is looking at: one clock (the step) and one selection, shared by all views."""

from __future__ import annotations

from dataclasses import dataclass

#: Steps per second the player offers (its speed box; a session's speed is one of them).
SPEEDS = (0.5, 1, 2, 4, 8, 15, 30, 60)


@dataclass(frozen=True)
class Cursor:
    """The current step ``t`` (in the selected layer's processing order), the sample of the
    batch shown, the selected layer (Keras name; for a Bidirectional, ``side`` picks
    ``"forward"``/``"backward"``) and the selected unit of that layer."""

    step: int = 0
    sample: int = 0
    layer: str | None = None
    unit: int = 0
    side: str = "forward"
