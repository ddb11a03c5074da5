"""After a Cropping1D, ZeroPadding1D or UpSampling1D (``layers_more.StepMap``), a later
layer's header said "= crop's step 2", the crop's own header which input step that is: a
student went through two headers. Each view now says the input step at once, beside the
layer's own step (``cell_ref.moved_said``): "= input step 5", an upsampled step's t//k,
"= padding" on a padded step. Checked by the numbers: the step said is the one whose
values the layer's input holds there (the fixture's real Keras 3 model,
``helpers.steps_moved``: Cropping1D((3, 2)) -> LSTM -> ZeroPadding1D((2, 1)) ->
UpSampling1D(2) -> GRU, a Dense after it)."""

import re

import numpy as np
import pytest

from lstmviz.app import accessible
from lstmviz.app.selection import Cursor
from lstmviz.app.step_ref import step_ref
from tests.helpers import FIXTURES, long_window, steps_moved

CROP = 3  # (the fixture's Cropping1D((3, 2)): the LSTM's step t is input step t + 3)


def _plain(text: str) -> str:
    return re.sub("<[^>]+>", "", text)


def _read(said: str, own: str) -> int | None:
    """The input step a header says its step ``own`` ("step t = 5", "step 5") reads, -1
    for "padding"; None where it says neither right after it."""
    m = re.search(re.escape(own) + r" = (input step ([\d,]+)|padding)", said)
    assert m is not None, said
    return -1 if m.group(1) == "padding" else int(m.group(2).replace(",", ""))


def _check(trace, x, layer: str, t: int, said: int) -> None:
    """Step ``t`` of ``layer`` (whole-sequence steps of ``trace``) said to read input step
    ``said`` (-1: padding): so by the numbers. The LSTM's input at t is x at ``said``; the
    GRU's (and the Dense's, on the GRU's steps) the up's step t, zeros on the padding, else
    the LSTM's output at the step that reads ``said``."""
    if layer == "lstm":
        np.testing.assert_array_equal(trace["crop"].outputs[0][:, t], x[:, said])
        return
    up = trace["up"].outputs[0][:, t]
    if said < 0:
        assert not up.any()
    else:
        np.testing.assert_array_equal(up, trace["lstm"].outputs[0][:, said - CROP])


@pytest.fixture
def case():
    model = steps_moved(dense=True)
    x = np.load(FIXTURES / "k3_steps_moved_lstm" / "x.npy")[:, :40]
    return model, x, model.trace(x)


@pytest.mark.parametrize("kind", ["cell", "over_time", "unrolled"])
def test_a_later_layers_header_says_the_input_step_its_step_reads(qtbot, case, kind):
    """Each view's header at the LSTM's, the GRU's and the Dense's steps (the GRU's and the
    Dense's first four and last two over the padding, the rest each an input step twice);
    the Cell view's x_t says it too, in its short form where the words have no room."""
    from lstmviz.ui.views.cell import CellView
    from lstmviz.ui.views.over_time import OverTimeView
    from lstmviz.ui.views.unrolled import UnrolledView

    model, x, trace = case
    view = {"cell": CellView, "over_time": OverTimeView, "unrolled": UnrolledView}[kind]()
    qtbot.addWidget(view)
    view.resize(1300, 800)
    view.show()
    if kind == "unrolled":
        view.set_data(model, trace)
    else:
        view.set_data(model, trace, inputs=[x])
    seen = set()
    for layer in ("lstm", "gru", "d"):
        for t in (0, 3, 4, 5, 9, 33, 73, 74, 75):
            if layer == "lstm" and t >= 35:
                continue
            view.set_cursor(Cursor(step=t, layer=layer))
            header = view.step_page.header if kind == "cell" and layer == "d" else view.header
            said = _plain(header.text())
            own = f"step t = {t}" if kind != "unrolled" else f"step {t}"
            step = _read(said, own)
            assert "crop's step" not in said and "up's step" not in said, said
            _check(trace, x, "gru" if layer == "d" else layer, t, step)
            seen.add(step < 0)
            if kind == "cell" and layer == "gru":  # (x_t's chart: its values and the step it is)
                np.testing.assert_array_equal(view.bars["x"].values, trace["up"].outputs[0][0, t])
                want = "padding" if step < 0 else f"input {step}"
                assert view.bars["x"].value_item.text() == want
    assert seen == {True, False}  # (both said: an input step and the padding)
    if kind == "cell":  # (where "input 5" has no room over x_t: "x[5]", not the up's step "x[9]")
        view._fits = lambda text: text.startswith("x[")
        for t, want in ((9, "x[5]"), (1, "padding")):
            view.set_cursor(Cursor(step=t, layer="gru"))
            assert view.bars["x"].value_item.text() == want


@pytest.mark.parametrize("kind", ["cell", "unrolled"])
def test_a_header_is_as_tall_as_an_input_step_of_the_sequences_digits(qtbot, case, kind):
    """The GRU's last step (75) reads padding, shorter than an input step: its header's
    widest text, which the label takes its height from (``set_widest``,
    ``_common.widest_header``), says "= input step 40" there instead (the whole sequence's
    40 steps)."""
    from lstmviz.ui.views.cell import CellView
    from lstmviz.ui.views.unrolled import UnrolledView

    model, x, trace = case
    view = {"cell": CellView, "unrolled": UnrolledView}[kind]()
    qtbot.addWidget(view)
    view.resize(1300, 800)
    view.show()
    view.set_data(model, trace) if kind == "unrolled" else view.set_data(model, trace, inputs=[x])
    view.set_cursor(Cursor(step=3, layer="gru"))
    widest = _plain(view.header._widest)
    assert _read(widest, "step t = 75" if kind == "cell" else "step 75") == x.shape[1], widest
    view.set_cursor(Cursor(step=75, layer="gru"))
    assert _read(_plain(view.header.text()), "step t = 75" if kind == "cell" else "step 75") == -1


def test_the_moved_layers_own_headers_and_the_words_said(qtbot, case):
    """Over time's and the Unrolled view's rows of the pad and the up: the pad's padded steps
    "= padding", its others the input step (the LSTM's step below, + 3); the up's step t the
    pad's step t // 2 it reads, and that one's input step. The accessible words of the GRU's
    step and the Dense's page say the same step."""
    from lstmviz.ui.views.over_time import OverTimeView
    from lstmviz.ui.views.unrolled import UnrolledView

    model, x, trace = case
    for kind in (OverTimeView, UnrolledView):
        view = kind()
        qtbot.addWidget(view)
        view.resize(1300, 800)
        view.show()
        view.set_data(model, trace) if kind is UnrolledView else view.set_data(model, trace, inputs=[x])
        own = "step t = {}" if kind is OverTimeView else "step {}"
        for t in (0, 1, 2, 20, 36, 37):
            view.set_cursor(Cursor(step=t, layer="pad"))
            pad = _read(_plain(view.header.text()), own.format(t))
            assert pad == (t - 2 + CROP if 2 <= t < 37 else -1), t
            if pad >= 0:
                np.testing.assert_array_equal(trace["pad"].outputs[0][:, t], trace["lstm"].outputs[0][:, pad - CROP])
            else:
                assert not trace["pad"].outputs[0][:, t].any()
        for t in (3, 4, 41, 75):
            view.set_cursor(Cursor(step=t, layer="up"))
            step = _read(_plain(view.header.text()), own.format(t))
            _check(trace, x, "up", t, step)
            if kind is OverTimeView:  # (its words for a screen reader say it too)
                said = "padding" if step < 0 else f"input step {step}"
                assert f"step {t} of 76 ({said})" in view.describe() or f"step {t} ({said})" in view.describe(), \
                    view.describe()
    for t in (4, 41):
        said = accessible.step_view(step_ref(model, trace, "d", [x]), Cursor(step=t, layer="d"), trace)
        assert f"step {t} of 76 (input step {t // 2 - 2 + CROP})" in said, said
    said = accessible.step_view(step_ref(model, trace, "d", [x]), Cursor(step=1, layer="d"), trace)
    assert "step 1 of 76 (padding)" in said, said


def test_a_long_inputs_window_says_the_input_step_of_the_whole_sequence(make_window, monkeypatch):
    """In a long input's window (the steps of the whole sequence: the GRU's 5,996), the Cell
    view's, Over time's and the Unrolled view's headers of the GRU name the input step of the
    whole sequence it reads, as a whole trace's numbers show."""
    import pyqtgraph as pg

    from lstmviz.app.views import VIEW_KEYS

    w, state, x, full = long_window(make_window, monkeypatch, steps_moved())
    for key in ("cell", "over_time", "unrolled"):
        k = VIEW_KEYS.index(key)
        w.tabs.setCurrentIndex(k)
        view = w.views[k]
        for t in (2, 4101, 5993):
            state.set_cursor(step=t, layer="gru", unit=1)
            assert w.long_runner.wait(60)
            w.long_runner.poll()
            pg.QtWidgets.QApplication.processEvents()
            assert state.trace["gru"].timesteps < 5996  # (a window, not the whole sequence)
            said = _plain(view.header.text())
            step = _read(said, f"step t = {t:,}" if key != "unrolled" else f"step {t:,}")
            _check(full, x, "gru", t, step)
            assert step == (-1 if t < 4 or t >= 5994 else t // 2 - 2 + CROP), said
