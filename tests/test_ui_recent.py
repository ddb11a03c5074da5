"""Open recent reads what the settings file holds: a list of paths, one path, or (a file
edited by hand or written by another program) any other value, which lists nothing."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("written, listed", [
    ("recent=/a/model.keras", ["/a/model.keras"]),
    ("recent=/a/model.keras, /b/model.h5", ["/a/model.keras", "/b/model.h5"]),
    ("recent=@Size(3 4)", []),  # (Qt reads a QSize: iterating it raised, the window did not open)
    ("recent=@Variant(\\0\\0\\0\\x2\\0\\0\\0\\x5)", []),  # (an int)
])
def test_recent_files_of_any_settings_value(make_window, tmp_path, written, listed):
    # (make_window's first window reads settings0.ini)
    (tmp_path / "settings0.ini").write_text(f"[General]\n{written}\n", encoding="utf-8")
    w = make_window((800, 600))
    assert w._recent() == listed
    assert [a.text() for a in w.recent_menu.actions() if not a.isSeparator()][:len(listed)] == \
        [p.rsplit("/", 1)[-1] for p in listed]


def test_a_headless_runs_files_stay_out_of_open_recent(qtbot, tmp_path):
    """``--screenshot``, ``--export-*`` and ``lstmviz.picture`` open the model in a window
    of their own (``make_window(strict=True)``): a script rendering pictures put each of its
    files (and temporary paths) into the user's File > Open recent. A window the user opens
    still lists its file."""
    import shutil
    from pathlib import Path

    from PySide6 import QtCore

    import lstmviz
    from lstmviz.ui.app import dispose, make_window

    # (a copy: the bundled file opened from its path is the demo, which Open recent never lists)
    demo = tmp_path / "sine_predictor.keras"
    shutil.copyfile(Path(lstmviz.__file__).parent / "resources" / "demos" / demo.name, demo)
    for strict, listed in ((True, []), (False, [str(demo.resolve())])):
        settings = QtCore.QSettings(str(tmp_path / f"s{int(strict)}.ini"), QtCore.QSettings.Format.IniFormat)
        window = make_window(str(demo), settings=settings, strict=strict)
        try:
            assert window._recent() == listed
        finally:
            dispose(window)


def test_a_demo_stays_out_of_open_recent(make_window, tmp_path):
    """The demo opened at every start went to the top of File > Open recent: the session
    saved the day before came second, below a bundled file the user never opened. Demos
    have their own menu; the user's files keep their order."""
    from lstmviz.app.demos import load_demos

    w = make_window((1200, 800))
    mine = w.sessions.save_to(tmp_path / "lecture.lstmviz")
    w._add_recent(mine)
    for opened in (w.open_demo, lambda demo: w.open_file(demo["model"])):  # (the menu; its path)
        assert opened(load_demos()[0])
        assert w._recent() == [str(mine.resolve())]
        assert [a.text() for a in w.recent_menu.actions()] == ["lecture.lstmviz"]
