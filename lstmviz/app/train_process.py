"""Training in a process of its own, so the window's interpreter stays free (issue 11).

A worker thread's Python holds the interpreter lock in turns with the UI thread, and every
time the UI gives the lock up inside a Qt call it waits up to the switch interval to get it
back: the window misses frames while a thread trains. ``TrainProcess`` plays a
``TrainingSession``'s run in a child process instead:

- the child is started at the first ``play`` (multiprocessing's "spawn": a Qt process is
  never forked), reused for every later one, a daemon, ended by ``close``;
- ``play(session)`` hands the run over: the model, data and loss (only when the session's
  ``key`` changed since the child last got them), the weights, the trainer's state (the
  optimizer's moments and step count, the shuffling generator, the position in the epoch,
  the running loss: ``Trainer.state()``), ``snapshot_stride`` (``snapshot_every``, or wider
  where the session thinned its snapshots to fit their budget: sent again when it widens);
- the child runs ``training.advance`` update after update and sends back what they recorded:
  the ``Record``s (losses, gradient norms, epoch and validation losses, per-step norms,
  snapshots, progress) with the weights before and after the last of them, one message per
  update, or per 20 ms when updates are quicker (sooner where they hold the snapshots one
  message may carry, ``TrainingSession.in_flight_most``: those on their way are counted in
  the snapshots' budget); a receiver thread here puts them on the
  session (``apply_records``, under its locks), so every reader of the session (the tab's
  plots, snapshots, the gradient views' probe, lessons) reads it as if it trained here;
- the gradient view on screen asks for its probe (``request_probe``): the child computes it
  between updates (``grad_stats.Probe``, the same numbers as in the window, on one thread)
  and sends it back (``probe``), so the window's interpreter does not share its lock with a
  probe thread while it plays;
- a learning rate or ``snapshot_every`` changed while it plays is sent on and taken at the
  child's next update; ``pause`` waits for the update under way, and takes the trainer's
  state back (``load_trainer_state``), so a following ``step()`` or ``play`` continues
  exactly where it stopped: the weights, histories and snapshots equal those of training
  here, to the bit;
- messages carry the play's number, and records apply only to the session's ``generation``
  they were handed out for: after a reset or a new configuration they are dropped;
- if the child cannot start, ``play`` returns False and ``reason`` says why (the caller trains
  on a thread); if it ends mid-run, the session goes back to where that Play started
  (``rollback``) and ``error`` says so.

Messages between the two processes are pickled (our own objects, between our own
processes; nothing read from a file is unpickled here). Every update runs on one BLAS
thread, here and in the window (``training.advance``): a pool of another size rounds some
products differently, the run must equal training in the window to the bit, and the
window keeps a core of its own. Qt-free: ``ui/train_panel.py`` drives it.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import queue
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from typing import Any, Iterator

from lstmviz.app.grad_stats import Probe, ProbeRun, ProbeView, probe_samples
from lstmviz.app.training import Mark, TrainingSession, advance, blew_up
from lstmviz.engine import recurrent
from lstmviz.engine.layers import model_arrays
from lstmviz.engine.train import Trainer
from lstmviz.errors import LstmvizError

#: quick updates are sent together, at most this long after the first of them (s)
BATCH_SECONDS = 0.02
#: the child's scheduling priority below the window's (``os.nice``): the UI wins a busy core
NICENESS = 5
#: the gradient views' probe, computed in the child between updates (``request_probe``): at
#: most once per PROBE_EVERY seconds and PROBE_SHARE of the child's time, which training
#: gives up for it; each probe drawn costs the window a paint (Gates: 4-5 ms here, 12-16 ms
#: at half speed), so the view on screen follows training twice a second
PROBE_EVERY = 0.5
PROBE_SHARE = 0.1


def _dumps(obj: Any) -> bytes:
    return pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)


@dataclass(frozen=True)
class ProbeResult:
    """A gradient views' probe the training process computed (``TrainProcess.request_probe``):
    ``request`` as asked, ``view`` (None with ``error``: a model the backward pass does not
    cover) at the weights after update ``iteration`` of the session's ``generation``."""

    generation: int
    iteration: int
    request: tuple
    view: ProbeView | None
    error: str


@dataclass
class _Play:
    number: int
    session: TrainingSession
    generation: int
    mark: Mark
    stride: int  # the snapshots' spacing the child was told (``TrainingSession.snapshot_stride``)


class TrainProcess:
    """Plays ``TrainingSession`` runs in a child process (see the module's doc)."""

    def __init__(self) -> None:
        #: why training runs on a thread instead ("" while a process works)
        self.reason = ""
        #: what stopped the last run early ("" when nothing did); the caller shows and clears it
        self.error = ""
        self._proc: Any = None
        self._outbox: queue.Queue[bytes | None] | None = None
        self._sent_key: tuple | None = None
        self._number = 0
        self._play: _Play | None = None
        self._stopped = threading.Event()
        self._stopped.set()
        self._probe_request: tuple | None = None
        #: the newest probe the child computed for the run it plays (None: none yet)
        self.probe: ProbeResult | None = None

    # -- the child ----------------------------------------------------------------------------
    @property
    def pid(self) -> int | None:
        """The child's process id (None before the first Play)."""
        return None if self._proc is None else self._proc.pid

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.is_alive()

    def start(self) -> bool:
        """Start the child unless it runs; False (``reason`` says why) when it cannot."""
        if self.alive:
            return True
        try:
            ctx = multiprocessing.get_context("spawn")
            child_in, to_child = ctx.Pipe(duplex=False)
            from_child, child_out = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=serve, args=(child_in, child_out), name="lstmviz-train", daemon=True)
            with _main_hidden():
                proc.start()
        except (OSError, ValueError, RuntimeError, AssertionError) as err:
            self.reason = f"training runs in the window's process: a training process could not start ({err})"
            return False
        child_in.close()
        child_out.close()
        self._proc, self._sent_key, self.reason = proc, None, ""
        outbox: queue.Queue[bytes | None] = queue.Queue()
        self._outbox = outbox
        threading.Thread(target=_send_loop, args=(to_child, outbox), name="lstmviz-train-send",
                         daemon=True).start()
        threading.Thread(target=self._receive_loop, args=(from_child, proc), name="lstmviz-train-receive",
                         daemon=True).start()
        return True

    def _send(self, message: Any) -> None:
        if self._outbox is not None:
            self._outbox.put(message if isinstance(message, bytes) else _dumps(message))

    def close(self, timeout: float = 10.0) -> None:
        """Pause (the run's state comes back) and end the child."""
        self.pause(timeout)
        proc = self._proc
        if proc is None:
            return
        self._send(("quit",))
        if self._outbox is not None:
            self._outbox.put(None)
        proc.join(timeout=2)
        if proc.is_alive():
            proc.terminate()
            proc.join(timeout=2)
        self._proc = self._outbox = None

    # -- playing ------------------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        return not self._stopped.is_set()

    def play(self, session: TrainingSession, until: int | None = None) -> bool:
        """Hand ``session``'s run to the child, which trains until paused, finished, or
        (``until``) that many updates are done. False when no process could start
        (``reason``): nothing was handed over."""
        if self.playing:
            return True
        if not self.start():
            return False
        self._number += 1
        with session.lock:
            mark = session.mark()
            static = None if self._sent_key == session.key else (session.model, session.data, session.loss,
                                                                 session.initial)
            stride = session.snapshot_stride
            message = _dumps(("play", self._number, session.key, static, mark.weights, session.trainer.state(),
                              stride, until, self._probe_request, session.in_flight_most()))
        self._sent_key = session.key
        self._play = _Play(self._number, session, mark.generation, mark, stride)
        self.probe = None
        self.error = ""
        self._stopped.clear()
        self._send(message)  # a sender thread writes it: a large data set never blocks the window
        return True

    def pause(self, timeout: float = 60.0) -> None:
        """Stop after the update under way; returns once its state is back on the session.
        A child that does not answer within ``timeout`` is ended (the run goes back to
        where that Play started)."""
        play = self._play
        if not self.playing or play is None:
            return
        self._send(("pause", play.number))
        if not self._stopped.wait(timeout):
            proc = self._proc
            if proc is not None:
                proc.terminate()
            self._stopped.wait(10)

    def wait(self, timeout: float | None = None) -> bool:
        """Until the run stops by itself (finished, ``until`` reached, an error); False on timeout."""
        return self._stopped.wait(timeout)

    def set_learning_rate(self, rate: float) -> None:
        """Taken at the child's next update (the session's own is set by the caller)."""
        if self.playing:
            self._send(("learning_rate", float(rate)))

    def set_snapshot_every(self, n: int) -> None:
        """Every how many updates the child copies the weights (the session's
        ``snapshot_stride``), from its next update."""
        play = self._play
        if play is not None:
            play.stride = int(n)
        if self.playing:
            self._send(("snapshot_every", int(n)))

    @property
    def probe_request(self) -> tuple | None:
        """What the child is asked to probe (``request_probe``)."""
        return self._probe_request

    def request_probe(self, request: tuple | None) -> None:
        """What the gradient view on screen needs, ``(layer, sample, parts)`` as
        ``grad_stats.Probe.compute`` takes them (None: nothing): while it plays, the child
        computes it after an update (at most every ``PROBE_EVERY`` s and ``PROBE_SHARE`` of
        its time; at once when the request changed; at the end of a run that finishes by
        itself) and sends it back after that update's records (``probe``)."""
        if request != self._probe_request:
            self._probe_request = request
            if self.playing:
                self._send(("probe", request))

    # -- what comes back ----------------------------------------------------------------------
    def _receive_loop(self, conn, proc) -> None:
        while True:
            try:
                message = pickle.loads(conn.recv_bytes())
            except (EOFError, OSError):
                break
            play = self._play
            if play is None or message[1] != play.number:
                continue  # a run paused, reset or replaced since
            if message[0] == "records":
                _, _, records, before, after = message
                if play.session.apply_records(play.generation, records, before, after):
                    stride = play.session.snapshot_stride
                    if stride != play.stride:  # thinned to fit the budget: the child copies fewer
                        play.stride = stride
                        self._send(("snapshot_every", stride))
            elif message[0] == "probe":
                if play.session.generation == play.generation:  # not a run reset since
                    self.probe = ProbeResult(play.generation, *message[2:])
            elif message[0] == "stopped":
                _, _, state, error = message
                play.session.load_trainer_state(play.generation, state)
                self.error = error
                self._stopped.set()
        conn.close()
        self._lost(proc)

    def _lost(self, proc) -> None:
        """The child ended: a run it had not handed back goes back to where its Play started."""
        proc.join(timeout=5)
        if self._proc is proc:
            self._proc = None
            if self._outbox is not None:
                self._outbox.put(None)
            self._outbox = None
        play = self._play
        if self.playing and play is not None:
            if play.session.rollback(play.mark):
                self.error = (f"the training process ended (exit code {proc.exitcode}); the run is back at "
                              f"update {play.mark.progress[0]}, where Play started")
            self._stopped.set()


@contextlib.contextmanager
def _main_hidden() -> Iterator[None]:
    """While the child starts: "spawn" runs the parent's main script again in the child (as
    ``__mp_main__``) unless it was run with ``-m``; a script without an ``if __name__ ==
    "__main__"`` guard (one calling ``lstmviz.show``) would open its window again there. The
    child needs nothing of it, so it is not told of it."""
    main = sys.modules.get("__main__")
    saved: dict[str, Any] = {}
    if main is not None:
        saved = {k: main.__dict__[k] for k in ("__file__", "__spec__") if k in main.__dict__}
    try:
        if main is not None:
            main.__dict__.pop("__file__", None)
            main.__dict__["__spec__"] = None
        yield
    finally:
        if main is not None:
            main.__dict__.pop("__spec__", None)
            main.__dict__.update(saved)


def _send_loop(conn, outbox: queue.Queue[bytes | None]) -> None:
    while True:
        data = outbox.get()
        if data is None:
            break
        try:
            conn.send_bytes(data)
        except (OSError, ValueError):
            break  # the child is gone: the receiver says so
    conn.close()


# -- the child ------------------------------------------------------------------------------------
def serve(inbox, outbox) -> None:
    """The training process: plays the runs handed to it until told to quit (or the window's
    process is gone)."""
    try:
        os.nice(NICENESS)
    except (AttributeError, OSError):
        pass
    static: tuple | None = None
    key = None
    probe = Probe()
    while True:
        try:
            message = pickle.loads(inbox.recv_bytes())
        except (EOFError, OSError):
            return
        if message[0] == "quit":
            return
        if message[0] != "play":
            continue  # a pause or a new rate for a run that has stopped already
        _, number, new_key, new_static, weights, state, snapshot_every, until, request, in_flight = message
        if new_static is not None:
            key, static = new_key, new_static
            probe = Probe()  # one per run configuration (its results at the initial weights kept)
        if static is None or key != new_key:  # pragma: no cover - the parent sends them with a new key
            outbox.send_bytes(_dumps(("stopped", number, state, "the training process lost the run's data")))
            continue
        if _play(inbox, outbox, number, static, weights, state, snapshot_every, until, _Prober(probe, request),
                 in_flight):
            return


class _Prober:
    """The child's side of ``TrainProcess.request_probe``: the request, when the next
    probe is due, and the update it last probed."""

    def __init__(self, probe: Probe, request: tuple | None):
        self.probe = probe
        self.request = request
        self.next = 0.0  # monotonic time; 0: at the next chance
        self.probed: int | None = None  # the iteration of the last probe made

    def ask(self, request: tuple | None) -> None:
        if request != self.request:
            self.request, self.next = request, 0.0

    def run(self, model, arrays: list, before: list, static: tuple, iteration: int,
            now: bool = False) -> tuple | None:
        """``(iteration, request, view, error)`` at ``arrays`` (``model``'s weights after update
        ``iteration``), or None when nothing is asked or (unless ``now``) no probe is due yet.
        On one thread (the engine's blocks too): the window's process keeps the other core."""
        request = self.request
        if request is None or not (now or time.monotonic() >= self.next):
            return None
        _, data, loss, initial = static
        start = time.monotonic()
        x, y, kind = probe_samples(data)
        threads = recurrent.threads()
        recurrent.set_threads(1)  # the numbers are the same on any number of threads
        try:
            self.probe.set_weights(model, arrays)
            view, error = self.probe.compute_on(ProbeRun(iteration, before, initial, x, y, loss, kind), *request), ""
        except LstmvizError as err:  # a model the backward pass does not cover
            view, error = None, str(err)
        except Exception as err:  # noqa: BLE001 - the view says so; training goes on
            traceback.print_exc()
            view, error = None, f"the probe failed: {type(err).__name__}: {err}"
        finally:
            recurrent.set_threads(threads)
            end = time.monotonic()
            self.next = end + max(PROBE_EVERY, (end - start) * (1 / PROBE_SHARE - 1))
        self.probed = iteration
        return iteration, request, view, error


def _play(inbox, outbox, number: int, static: tuple, weights: list, state: dict, snapshot_every: int,
          until: int | None, prober: _Prober, in_flight: int = 1) -> bool:
    """One Play: updates until paused, finished or ``until``; True when told to quit.
    ``in_flight``: the snapshots a message carries at most (``TrainingSession.
    in_flight_most``): records holding that many are sent at once, however quick."""
    model, data, loss, _ = static
    arrays = model_arrays(model)
    for a, w in zip(arrays, weights):
        a[...] = w
    trainer = Trainer.from_state(model, data.x_train, data.y_train, state)
    pending: list = []
    before: list = []
    sent = time.monotonic()
    error = ""
    quit_ = False

    last_sent: int | None = None  # the iteration of the last records sent

    def send_probe(iteration: int, now: bool) -> None:
        result = prober.run(model, arrays, before, static, iteration, now)
        if result is not None:  # after the records: the window draws the update meanwhile
            try:
                data = _dumps(("probe", number, *result))
            except Exception as err:  # noqa: BLE001 - as a probe that failed
                data = _dumps(("probe", number, *result[:2], None, f"the probe failed: {type(err).__name__}: {err}"))
            outbox.send_bytes(data)

    def flush(probe: bool = True) -> None:
        nonlocal last_sent
        outbox.send_bytes(_dumps(("records", number, pending, before, arrays)))
        last_sent = pending[-1].iteration
        pending.clear()
        if probe:
            send_probe(last_sent, now=False)

    while True:
        stop = False
        while inbox.poll():
            message = pickle.loads(inbox.recv_bytes())
            if message[0] == "learning_rate":
                trainer.optimizer.learning_rate = message[1]
            elif message[0] == "snapshot_every":
                snapshot_every = message[1]
            elif message[0] == "probe":
                prober.ask(message[1])
            elif message[0] == "pause" and message[1] == number:
                stop = True
            elif message[0] == "quit":
                stop = quit_ = True
        if stop or trainer.done or (until is not None and trainer.optimizer.iterations >= until):
            break
        before = [a.copy() for a in arrays]
        start = time.monotonic()
        try:
            _, record = advance(model, trainer, data, loss, snapshot_every)
        except LstmvizError as err:
            error = str(err)
            break
        except Exception as err:  # noqa: BLE001 - reported to the window, not lost in the child
            traceback.print_exc()
            error = f"training stopped: {type(err).__name__}: {err}"
            break
        pending.append(record)
        if blew_up(record, ""):  # every update after it would be NaN: the window says why
            break
        now = time.monotonic()
        full = sum(r.snapshot is not None for r in pending) >= in_flight  # (their room in the budget)
        if full or now - sent >= BATCH_SECONDS or now - start >= BATCH_SECONDS / 4:
            flush()
            sent = now
    if pending:
        flush(probe=False)
    # finished, or ``until``: the last update probed here, due or not (also when its records
    # went out before its probe was due); paused: the window probes where it stopped (a
    # pause waits for no probe)
    if not stop and not error and last_sent is not None and prober.probed != last_sent:
        send_probe(last_sent, now=True)
    outbox.send_bytes(_dumps(("stopped", number, trainer.state(), error)))
    return quit_
