"""Models built ahead of an edit of units (``app/draw_ahead``, ``Edits.draw_ahead``): the
edit to one unit more or fewer then takes the orthogonal factors drawn ahead, the very
bits it would have drawn, and makes no QR of its own."""

import numpy as np
import pytest

from lstmviz.app import draw_ahead
from lstmviz.app.options import default_config
from lstmviz.app.state import AppState, InputSpec, LayerEntry
from lstmviz.engine import initializers


def lstm(units=40, **options) -> LayerEntry:
    cfg = default_config("LSTM", units=units)
    cfg["return_sequences"] = True
    cfg.update(options)
    return LayerEntry("LSTM", cfg)


def stack(**options) -> AppState:
    st = AppState([lstm(), lstm(**options), lstm()], InputSpec(batch_size=2, timesteps=6, input_dim=3))
    assert st.error is None
    return st


@pytest.fixture
def qrs(monkeypatch):
    """The shapes of the QRs made on this (the test's) thread from now on."""
    import threading

    made: list = []
    real = np.linalg.qr
    me = threading.get_ident()

    def counted(a, *args, **kw):
        if threading.get_ident() == me:
            made.append(a.shape)
        return real(a, *args, **kw)
    monkeypatch.setattr(np.linalg, "qr", counted)
    return made


def weights_bits(st: AppState) -> list[bytes]:
    return [np.asarray(w).tobytes() for e in st.layers for w in e.weights]


@pytest.mark.parametrize("index", [1, 2])  # (a layer whose edit changes the next one's input; the last)
@pytest.mark.parametrize("step", [1, -1])
def test_an_edit_of_units_takes_the_draw_made_ahead(index, step, qrs, monkeypatch):
    import threading

    initializers._DRAWN.clear()
    draws: list = []  # (this thread's draws of MEMO_LEAST numbers or more, but orthogonal ones)
    real, me = initializers._make, threading.get_ident()

    def counted(init, shape, rng):
        if (threading.get_ident() == me and np.prod(shape) >= initializers.MEMO_LEAST
                and not initializers.orthogonal_work(init, shape)):  # (the QRs: ``qrs``)
            draws.append(shape)
        return real(init, shape, rng)
    monkeypatch.setattr(initializers, "_make", counted)
    ahead, fresh = stack(), stack()
    assert ahead.draw_ahead(index) == 2
    assert draw_ahead.wait(60)
    traced = {config["units"]: trace for _name, config, _base, trace in ahead._traced_ahead}
    assert sorted(traced) == [39, 41]
    qrs.clear()
    draws.clear()
    ahead.set_layer_option(index, "units", 40 + step)
    assert qrs == []  # its recurrent kernel's factor was drawn ahead
    assert draws == []  # and the next layer's kernel (its input is wider or narrower)
    name = ahead.layers[index].name
    assert ahead.trace.layers[name] is traced[40 + step].layers[name]  # its record traced ahead
    assert ahead.model is traced[40 + step].model  # (and the model built ahead taken: nothing built)
    initializers._DRAWN.clear()
    initializers._SKIPPED.clear()
    fresh.set_layer_option(index, "units", 40 + step)
    assert qrs == [(4 * (40 + step), 40 + step)]  # drawn here, from nothing remembered
    assert draws
    assert weights_bits(ahead) == weights_bits(fresh)
    assert ahead.trace is not None and fresh.trace is not None
    np.testing.assert_array_equal(ahead.trace.layers[ahead.layers[index].name].output,
                                  fresh.trace.layers[fresh.layers[index].name].output)


def test_a_build_ahead_is_asked_only_where_it_draws_a_factor():
    initializers._DRAWN.clear()
    st = AppState([lstm(units=1), lstm(recurrent_initializer="glorot_uniform"), lstm(units=600),
                   LayerEntry("Dense", default_config("Dense"))],
                  InputSpec(batch_size=2, timesteps=4, input_dim=3))
    assert st.error is None
    assert st.draw_ahead(0) == 1  # (no LSTM of 0 units)
    assert st.draw_ahead(1) == 0  # (no orthogonal draw)
    assert st.draw_ahead(2) == 0  # (a factor past MAX_AHEAD_BYTES: a long QR for a guess)
    assert st.draw_ahead(3) == 0  # (a Dense: no recurrent kernel)
    assert st.draw_ahead(7) == 0
    assert draw_ahead.wait(60)


def test_a_refused_build_ahead_ends_quietly_and_the_next_runs():
    calls = []

    def refused():
        from lstmviz.errors import LstmvizError
        raise LstmvizError("no")
    draw_ahead.request([refused, lambda: calls.append(1)])
    assert draw_ahead.wait(60) and calls == [1]
    draw_ahead.request([lambda: calls.append(2)])
    assert draw_ahead.wait(60) and calls == [1, 2]


def test_the_units_box_draws_ahead_once_the_edits_pause(make_window, qtbot, qrs):
    """An arrow of the units box edits; once the edits pause (``AHEAD_MS``) the panel has
    the next numbers drawn ahead, and the next arrow's edit shows the same numbers as an
    edit that drew them itself."""
    from lstmviz.ui.stack_panel import AHEAD_MS

    initializers._DRAWN.clear()
    w = make_window((1200, 800), state=stack())
    panel = w.stack_panel
    panel.cards.setCurrentRow(1)
    spin = panel.option_widgets["units"]
    spin.stepUp()
    assert w.state.layers[1].config["units"] == 41
    qtbot.wait(AHEAD_MS + 100)
    assert draw_ahead.wait(60)
    qrs.clear()
    spin.stepUp()
    assert qrs == []  # (42: drawn ahead)
    fresh = stack()
    initializers._DRAWN.clear()
    fresh.set_layer_option(1, "units", 41)
    fresh.set_layer_option(1, "units", 42)
    assert weights_bits(w.state) == weights_bits(fresh)


def test_the_units_box_taking_focus_draws_ahead(make_window, qtbot, qrs):
    """Clicking into the units box (before any edit) has the next numbers drawn ahead."""
    from PySide6 import QtCore, QtGui, QtWidgets

    from lstmviz.ui.stack_panel import AHEAD_MS

    initializers._DRAWN.clear()
    w = make_window((1200, 800), state=stack())
    panel = w.stack_panel
    panel.cards.setCurrentRow(2)
    QtWidgets.QApplication.processEvents()
    spin = panel.option_widgets["units"]
    initializers._DRAWN.clear()
    QtWidgets.QApplication.sendEvent(spin, QtGui.QFocusEvent(QtCore.QEvent.Type.FocusIn))
    qtbot.wait(AHEAD_MS + 100)
    assert draw_ahead.wait(60)
    qrs.clear()
    spin.stepDown()
    assert w.state.layers[2].config["units"] == 39 and qrs == []


def test_a_trace_ahead_past_its_bound_is_not_made_but_the_draws_are(monkeypatch, qrs):
    monkeypatch.setattr(draw_ahead, "MAX_TRACE_BYTES", 4 * 12 * 41 * 6 - 1)  # (41 units over 6 steps: one byte over)
    initializers._DRAWN.clear()
    st = stack()
    assert st.draw_ahead(1) == 2
    assert draw_ahead.wait(60)
    assert st._traced_ahead == []
    qrs.clear()
    st.set_layer_option(1, "units", 41)
    assert qrs == [] and st.error is None


def typing_units(make_window):
    """A window of ``stack()`` with the earlier edits' draws forgotten, its second layer's card
    shown and the units box focused, its number selected for digits to replace: (window, box)."""
    initializers._DRAWN.clear()
    w = make_window((1200, 800), state=stack())
    w.stack_panel.cards.setCurrentRow(1)
    spin = w.stack_panel.option_widgets["units"]
    spin.setFocus()
    spin.selectAll()
    return w, spin


def test_a_number_typed_into_the_units_box_is_drawn_ahead_before_it_is_entered(make_window, qtbot, qrs):
    """Digits typed into the units box (not entered yet) have that number's model built and
    traced ahead; Enter then edits with its draw and its record made, the numbers of an
    edit that drew them itself. A number out of the box's range asks for nothing."""
    from PySide6 import QtCore

    w, spin = typing_units(make_window)
    qtbot.keyClicks(spin, "47")
    assert w.state.layers[1].config["units"] == 40  # (typed, not entered)
    assert draw_ahead.wait(60)
    traced = {config["units"]: trace for _name, config, _base, trace in w.state._traced_ahead}
    assert list(traced) == [47]
    qrs.clear()
    qtbot.keyClick(spin, QtCore.Qt.Key.Key_Return)
    assert w.state.layers[1].config["units"] == 47 and w.state.error is None
    assert qrs == []  # (its factor drawn ahead)
    name = w.state.layers[1].name
    assert w.state.trace.layers[name] is traced[47].layers[name]
    assert w.state.model is traced[47].model
    fresh = stack()
    initializers._DRAWN.clear()
    fresh.set_layer_option(1, "units", 47)
    assert weights_bits(w.state) == weights_bits(fresh)
    np.testing.assert_array_equal(w.state.trace.layers[name].output, fresh.trace.layers[fresh.layers[1].name].output)
    assert draw_ahead.wait(60)
    w.state._traced_ahead = []
    spin.selectAll()
    qtbot.keyClicks(spin, "0")  # (no LSTM of 0 units: the box does not accept it)
    assert draw_ahead.wait(60) and w.state._traced_ahead == []


def test_a_model_built_ahead_is_not_taken_where_the_edit_would_build_another(qrs):
    """A build ahead of an edit is of the stack as it was when asked for: where the edit
    would build another model (the stack renamed since, which traces nothing anew), it
    builds its own."""
    initializers._DRAWN.clear()
    st = stack()
    assert st.draw_ahead(1) == 2
    assert draw_ahead.wait(60)
    made = {config["units"]: trace.model for _name, config, _base, trace in st._traced_ahead}
    st.model_name = "renamed"
    st.set_layer_option(1, "units", 41)
    assert st.error is None and st.model is not made[41] and st.model.name == "renamed"
    assert weights_bits(st) == [np.asarray(w).tobytes() for layer in made[41].layers for w in layer.weights]


@pytest.fixture
def held(monkeypatch):
    """The draw-ahead thread's QRs held until the test lets them go (``held.hold``: those of
    that many columns only), and every QR and model build counted, on whichever thread
    (the real ones made): ``held.qrs`` (thread name, shape), ``held.builds`` (thread
    names), ``held.in_qr`` (set once the thread is in a QR it holds),
    ``held.release(after_take)`` (a thread that lets it go once an edit waits for it,
    ``draw_ahead.take``, or at once)."""
    import threading
    import time
    from types import SimpleNamespace

    from lstmviz.app import tracing

    h = SimpleNamespace(qrs=[], builds=[], in_qr=threading.Event(), go=threading.Event(), hold=None)
    real_qr, real_build = np.linalg.qr, tracing.build_stack

    def qr(a, *args, **kw):
        h.qrs.append((threading.current_thread().name, a.shape))
        if threading.current_thread().name == "lstmviz-draw-ahead" and h.hold in (None, a.shape[-1]):
            h.in_qr.set()
            h.go.wait(60)
        return real_qr(a, *args, **kw)

    def build(*args, **kw):
        h.builds.append(threading.current_thread().name)
        return real_build(*args, **kw)

    def release(after_take: bool) -> None:
        before = draw_ahead.taken

        def run():
            end = time.monotonic() + 60  # (a bound: never reached where the edit waits)
            while after_take and draw_ahead.taken == before and time.monotonic() < end:
                time.sleep(0.001)
            h.go.set()
        threading.Thread(target=run, daemon=True).start()
    h.release = release
    monkeypatch.setattr(np.linalg, "qr", qr)
    monkeypatch.setattr(tracing, "build_stack", build)
    yield h
    h.go.set()
    assert draw_ahead.wait(60)


def test_an_edit_entered_while_its_build_ahead_runs_takes_that_build(held):
    """Enter pressed while the typed number's build ahead is still in its QR (a fast
    typist's): the edit waits for that build and takes its model and record, rather than
    build the same beside it: one QR, one build, the weights of an edit that built alone."""
    initializers._DRAWN.clear()
    st = stack()
    held.qrs.clear()
    held.builds.clear()
    taken = draw_ahead.taken
    assert st.draw_ahead(1, [47]) == 1
    made = st._traced_ahead  # (what the build will put there)
    assert held.in_qr.wait(60)  # (the build under way, held in its QR)
    held.release(after_take=True)
    st.set_layer_option(1, "units", 47)
    assert draw_ahead.taken == taken + 1
    assert held.qrs == [("lstmviz-draw-ahead", (4 * 47, 47))]  # (no QR of the edit's own)
    assert held.builds == ["lstmviz-draw-ahead"]  # (nor a build)
    assert st.error is None and st.layers[1].config["units"] == 47
    name = st.layers[1].name
    assert [config["units"] for _n, config, _b, _t in made] == [47]
    assert st.model is made[0][3].model and st.trace.layers[name] is made[0][3].layers[name]
    fresh = stack()
    initializers._DRAWN.clear()
    fresh.set_layer_option(1, "units", 47)
    assert weights_bits(st) == weights_bits(fresh)
    fresh_output = fresh.trace.layers[fresh.layers[1].name].output
    np.testing.assert_array_equal(st.trace.layers[name].output, fresh_output)


@pytest.mark.parametrize("other", ["number", "stack"])
def test_an_edit_does_not_wait_for_a_build_ahead_of_another_edit(held, other):
    """A build under way for another number, or for the stack as it was before another
    edit, is not waited for: the edit builds its own at once (the thread still held), and
    that build, passed by, makes no trace once its model is built (``draw_ahead.stopped``)."""
    initializers._DRAWN.clear()
    st = stack()
    taken = draw_ahead.taken
    assert st.draw_ahead(1, [46 if other == "number" else 47]) == 1
    made = st._traced_ahead  # (where its trace would go)
    assert held.in_qr.wait(60)
    held.qrs.clear()
    held.builds.clear()
    if other == "stack":
        st.set_layer_option(2, "units", 41)
        held.qrs.clear()
        held.builds.clear()
    st.set_layer_option(1, "units", 47)  # (returns with the thread still held in its QR)
    assert not held.go.is_set() and draw_ahead.taken == taken
    assert held.builds == ["MainThread"] and ("MainThread", (4 * 47, 47)) in held.qrs
    assert st.error is None and st.layers[1].config["units"] == 47
    held.go.set()
    assert draw_ahead.wait(60) and made == []


def test_enter_right_after_the_digits_takes_the_build_under_way(make_window, qtbot, held):
    """Digits typed into the units box and Enter at once (a fast typist's), the number's
    build ahead still in its QR: the edit waits for it and takes it, no build of its own."""
    from PySide6 import QtCore

    w, spin = typing_units(make_window)
    assert draw_ahead.wait(60)
    held.hold = 47  # (the build of "4" passes)
    held.qrs.clear()
    held.builds.clear()
    taken = draw_ahead.taken
    qtbot.keyClicks(spin, "47")
    assert held.in_qr.wait(60)
    held.release(after_take=True)
    qtbot.keyClick(spin, QtCore.Qt.Key.Key_Return)
    assert w.state.layers[1].config["units"] == 47 and w.state.error is None
    assert draw_ahead.taken == taken + 1
    assert [q for q in held.qrs if q[1] == (4 * 47, 47)] == [("lstmviz-draw-ahead", (4 * 47, 47))]
    assert "MainThread" not in held.builds
    fresh = stack()
    initializers._DRAWN.clear()
    fresh.set_layer_option(1, "units", 47)
    assert weights_bits(w.state) == weights_bits(fresh)


def test_enter_before_the_build_starts_drops_it(held):
    """The edit's own build asked for but not started (the thread still on an earlier
    number's): the edit builds it at once and the thread never does (one build of it); the
    earlier number's build, passed by, traces nothing (an earlier digit's, "4" of "47")."""
    initializers._DRAWN.clear()
    st = stack()
    held.hold = 46
    assert st.draw_ahead(1, [46]) == 1
    made = st._traced_ahead
    assert held.in_qr.wait(60)  # (46's build under way, held)
    assert st.draw_ahead(1, [47]) == 1  # (waits behind it)
    held.qrs.clear()
    held.builds.clear()
    st.set_layer_option(1, "units", 47)
    assert held.builds == ["MainThread"] and st.error is None
    held.go.set()
    assert draw_ahead.wait(60)
    assert held.builds == ["MainThread"]  # (47's build ahead dropped)
    assert [q for q in held.qrs if q[1] == (4 * 47, 47)] == [("MainThread", (4 * 47, 47))]
    assert made == []  # (46 built, its draws remembered, not traced)
