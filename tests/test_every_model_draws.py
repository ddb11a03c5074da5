"""Every fixture model and every published model (../shared/realworld, when present)
opened in the window, with every view drawn at every layer and at the first and last
step: a view that cannot draw a model fails here.

One window per test process (building one costs more than drawing a model), files read
in-process (isolation is tested elsewhere), small inputs: the default input fitted to the
model. The cases are parametrized, so ``pytest -n 2`` spreads them over both workers.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

from helpers import FIXTURES, REALWORLD

pytestmark = pytest.mark.every_model

#: one file per fixture case (the first that exists): the formats are covered by the io
#: tests; this is about the views
PREFERRED = ("model.keras", "model.h5", "model.pt", "model.weights.h5", "weights.h5",
             "model_legacy.pt")
#: fixtures that cannot be shown yet, and why (the issue that fixes them)
KNOWN = {
}
MAX_LAYERS_VISITED = 12


def _fixture_files() -> list:
    """One file per case; a case in ``KNOWN`` is a strict xfail (it must fail until fixed)."""
    out = []
    for case in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        found = next((case / n for n in PREFERRED if (case / n).exists()), None)
        if found is None or _refused(case):
            continue
        marks = [pytest.mark.xfail(strict=True, reason=KNOWN[case.name])] if case.name in KNOWN else []
        out.append(pytest.param(found, marks=marks, id=_id(found)))
    return out


def _refused(case: Path) -> bool:
    """A case made to be refused (its meta.json says so: a cell looped in forward(), a
    quantized state_dict), whose one-line refusal its reader's tests hold."""
    meta = case / "meta.json"
    return meta.exists() and json.loads(meta.read_text()).get("refused") is True


def _published_files() -> list[Path]:
    models = REALWORLD / "models"
    return sorted(p for p in models.iterdir() if p.is_file()) if models.is_dir() else []


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


@pytest.fixture(scope="module")
def window(qapp, tmp_path_factory):
    from PySide6 import QtCore

    from lstmviz.app.state import AppState
    from lstmviz.ui import theme as th
    from lstmviz.ui.app import dispose
    from lstmviz.ui.main_window import MainWindow, apply_chrome

    tmp = tmp_path_factory.mktemp("every_model")
    settings = QtCore.QSettings(str(tmp / "settings.ini"), QtCore.QSettings.Format.IniFormat)
    th.apply("dark", qapp)
    apply_chrome(qapp)
    w = MainWindow(AppState(), settings=settings, quiet=True)
    w.sessions.autosave_path = tmp / "autosave.lstmviz"
    w.resize(1400, 900)
    w.show()
    yield w
    w.presenter.leave()
    w.player.pause()
    w.sessions.wait()
    dispose(w)


@pytest.fixture
def in_process(monkeypatch):
    from lstmviz import loading  # what the window reads files with

    monkeypatch.setattr(loading, "load", functools.partial(loading.load, isolate=False))
    monkeypatch.setattr(loading, "read_weights",
                        functools.partial(loading.read_weights, isolate=False))


def _draw_everything(window, qapp) -> dict:
    """Each tab shown at the first and the last step; the views that show one layer (all
    but Unrolled) with each layer selected in turn."""
    st = window.state
    problems = {}
    names = [layer.name for layer in st.model.layers][:MAX_LAYERS_VISITED]
    last = max(0, st.timesteps - 1)
    for k in range(window.tabs.count()):
        window.tabs.setCurrentIndex(k)
        st.set_cursor(step=0)
        qapp.processEvents()
        for name in names if k > 0 else []:
            st.set_cursor(layer=name, step=last)
        st.set_cursor(step=last)
        qapp.processEvents()
        problems.update(window.view_errors)
    return problems


def _open_and_draw(window, qapp, path: Path) -> None:
    window.new_stack()
    ok = window.open_file(path)
    assert ok, window.last_message
    st = window.state
    assert st.error is None, st.error
    assert st.path == str(path)
    assert st.model is not None and st.trace is not None
    assert _draw_everything(window, qapp) == {}


@pytest.mark.parametrize("path", _fixture_files())
def test_every_fixture_model_is_drawn_by_every_view(window, qapp, in_process, path):
    _open_and_draw(window, qapp, path)


@pytest.mark.skipif(not _published_files(), reason=f"the published models ({REALWORLD}) are absent")
@pytest.mark.parametrize("path", _published_files() or [Path("none")], ids=_id)
def test_every_published_model_is_drawn_or_refused_in_one_line(window, qapp, in_process, path):
    """A published file lstmviz reads is drawn by every view; one it cannot read (or a
    weights file whose layers do not make one model) is refused in one line, as
    ``lstmviz.load`` refuses it, and the window keeps what it showed."""
    import lstmviz
    from lstmviz.errors import LstmvizError

    try:
        lstmviz.load(path)
    except LstmvizError:
        window.new_stack()
        before = window.state.model
        assert not window.open_file(path)
        assert window.last_message and "\n" not in window.last_message
        assert window.state.model is before and window.state.error is None
        return
    _open_and_draw(window, qapp, path)
