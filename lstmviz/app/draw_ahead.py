"""Models built (and traced) ahead of an edit on a thread of their own, with no Qt: their
draws and the edited layer's record are what the edit then finds made.

An edit of ``units`` to a number the stack has not had draws the edited layer's recurrent
kernel anew: a QR of (4 x units, units) normals (~3 ms of LAPACK's unblocked code at 128
units, ~6-10 on a machine half as fast), on the window's thread, inside the edit. The
engine remembers orthogonal draws by where in the random stream they started and their
shape (``engine/initializers._orthogonal_drawn``), so a model built ahead with the
numbers of units the user is likely to pick next (one more and one fewer: the spin box's
arrows) by the very function the edit builds with (``tracing.build_stack``, the same
specs, kept weights, seed and input shape) draws each of those factors from the place the
edit will draw it from: the edit takes it, the same bits, and no QR. A build ahead that
the stack has moved on from (the user typed another number) only leaves factors nobody
asks for, bounded with the others in the engine's memo (``_DRAWN_BYTES``); the edit never
waits for one under way (a draw not yet remembered is made again by the edit). Each model
built ahead is traced there too, where ``Edits.draw_ahead`` asks (the sample shown, from the
trace shown): the edit's trace takes the edited layer's record from it (``Tracing._reused``;
the engine takes it only where the layer's weights and input are the same to the bit).

One thread for the process (the memo is the process's): a request replaces the builds
not yet started; the thread ends when none is left. Its QR and normals run without the
interpreter lock (on the other core); the ~1-2 ms of Python around them a build takes
(and the ~3 ms of a trace's step loop, most of it holding the lock) take it in turns with
the window, after the edit's paint (the panel asks once the edits pause).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from lstmviz.errors import LstmvizError

#: the orthogonal factors one build ahead may draw at most (bytes of float64): beyond it
#: (a layer of ~500 units and more) its QR takes long on the other core for a guess, and a
#: factor of more than a quarter of the engine's memo is not remembered anyway
MAX_AHEAD_BYTES = 8 << 20

#: a trace made ahead holds at most about this (``edits._record_bytes``): two of them are kept
#: beside the trace shown, and a longer one's step loop would hold the interpreter lock on the
#: thread for long (LSTM(128) over 200 steps: ~1.2 MB, ~3 ms; this bound: ~1,300 steps)
MAX_TRACE_BYTES = 8 << 20

_lock = threading.Lock()
_wanted: list[Callable[[], object]] = []
_thread: threading.Thread | None = None
_idle = threading.Event()
_idle.set()


def request(builds: Sequence[Callable[[], object]]) -> None:
    """Run ``builds`` (functions that build a model) on the thread, in order, in place of
    any not yet started; a refused build (``LstmvizError``) is dropped."""
    global _thread
    with _lock:
        _wanted[:] = list(builds)
        if not _wanted:
            return
        _idle.clear()
        if _thread is None:
            _thread = threading.Thread(target=_run, name="lstmviz-draw-ahead", daemon=True)
            _thread.start()


def wait(timeout: float | None = None) -> bool:
    """Whether every build asked for is done (after at most ``timeout`` seconds): for tests
    and benchmarks; the app never waits."""
    return _idle.wait(timeout)


def _run() -> None:
    global _thread
    ended = False
    try:
        while True:
            with _lock:
                if not _wanted:  # (ended under the lock: a request now starts a thread)
                    _thread, ended = None, True
                    _idle.set()
                    return
                build = _wanted.pop(0)
            try:
                build()
            except LstmvizError:
                pass  # (the number is one the stack refuses: the edit will say why)
    finally:
        if not ended:  # a build failed otherwise: the thread's hook reports it, the next request starts anew
            with _lock:
                _wanted.clear()
                _thread = None
                _idle.set()
