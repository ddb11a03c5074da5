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
asks for, bounded with the others in the engine's memo (``_DRAWN_BYTES``). An edit whose
own build is the one under way (Enter pressed while the typed number's build still runs)
waits for it (``take``) rather than build the same model beside it: that build started
first and does the same work, and while the window's thread waits it holds no interpreter
lock, so it ends no later than a build made anew would (which would share the two cores
with it); a build for another number, or of a stack edited since, is not waited for. Each model
built ahead is traced there too, where ``Edits.draw_ahead`` asks (the sample shown, from the
trace shown): the edit's trace takes the edited layer's record from it (``Tracing._reused``;
the engine takes it only where the layer's weights and input are the same to the bit).

One thread for the process (the memo is the process's): a request replaces the builds
not yet started, and the build under way stops at its next stage (``stopped``: its trace
not begun, where its model is built), as does one that an edit of another number passes by
(``take``): a number typed digit by digit ("2", "25", "256") asks for a build at each digit,
and an earlier digit's trace, ~3 ms of Python on the thread, would otherwise take the
interpreter lock in turns with the next build or with the edit itself. The thread ends when
none is left. Its QR and normals run without the
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
_wanted: list[tuple[Callable[[], object], tuple | None]] = []
_thread: threading.Thread | None = None
_idle = threading.Event()
_idle.set()
#: the build under way: its key (``request``), the event set when it has ended, and the one
#: set when it is no longer wanted (``stopped``)
_running: tuple[tuple | None, threading.Event, threading.Event] | None = None
#: how many times an edit waited for the build under way (``take``): for tests and benchmarks
taken = 0


def request(builds: Sequence[Callable[[], object]], keys: Sequence[tuple | None] | None = None) -> None:
    """Run ``builds`` (functions that build a model) on the thread, in order, in place of
    any not yet started; a refused build (``LstmvizError``) is dropped. ``keys`` (one a
    build, None for none) say what each builds, for ``take``."""
    global _thread
    with _lock:
        _wanted[:] = list(zip(builds, keys if keys is not None else [None] * len(builds), strict=True))
        if _running is not None:  # (asked for before this request: no longer wanted)
            _running[2].set()
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


def take(matches: Callable[[tuple], bool]) -> tuple | None:
    """The key of the build under way where ``matches(key)``, once that build has ended
    (waiting for it: no longer than its remaining time, the lock of the interpreter left to
    it); None at once where none is under way, it is another's (which then stops at its next
    stage: ``stopped``) or it was stopped (it makes no trace); a build not yet started is not
    waited for (the edit's own is no slower): it is dropped, the edit makes it."""
    global taken
    with _lock:
        running = _running
        if running is None or running[0] is None or running[2].is_set() or not matches(running[0]):
            _wanted[:] = [(b, k) for b, k in _wanted if k is None or not matches(k)]
            if running is not None:  # (another number's, made from the stack this edit changes)
                running[2].set()
            return None
        taken += 1
    running[1].wait()
    return running[0]


def stopped() -> bool:
    """Whether the build under way is no longer wanted (a request or an edit came since it
    started): called by a build between its stages, on the thread, to end early (its
    trace not made: nobody takes it)."""
    running = _running
    return running is not None and running[2].is_set()


def _run() -> None:
    global _thread, _running
    ended = False
    try:
        while True:
            with _lock:
                if not _wanted:  # (ended under the lock: a request now starts a thread)
                    _thread, ended = None, True
                    _idle.set()
                    return
                build, key = _wanted.pop(0)
                _running = (key, threading.Event(), threading.Event())
                done = _running[1]
            try:
                build()
            except LstmvizError:
                pass  # (the number is one the stack refuses: the edit will say why)
            finally:  # (ended, or failed: an edit waiting for it builds its own)
                with _lock:
                    _running = None
                done.set()
    finally:
        if not ended:  # a build failed otherwise: the thread's hook reports it, the next request starts anew
            with _lock:
                _wanted.clear()
                _thread = None
                _idle.set()
