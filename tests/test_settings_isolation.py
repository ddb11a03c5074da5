"""The suite never writes into the user's own lstmviz settings (conftest.py's sandbox)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REAL_CONFIG_HOME, REAL_DATA_HOME, SANDBOX

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "tests" / "fixtures" / "k3_lstm_default" / "model.keras"


def _mentions(folder: Path, text: str) -> list[str]:
    """The files under ``folder`` whose bytes contain ``text``."""
    if not folder.exists():
        return []
    return [str(p) for p in folder.rglob("*")
            if p.is_file() and text.encode() in p.read_bytes()]


def test_qsettings_and_app_data_point_into_the_sandbox(qapp):
    from PySide6 import QtCore

    from lstmviz.ui.session_ui import default_autosave_path

    where = Path(QtCore.QSettings("lstmviz", "lstmviz").fileName())
    assert SANDBOX in where.parents
    assert REAL_CONFIG_HOME not in where.parents
    assert SANDBOX in default_autosave_path().parents


def test_opening_a_model_leaves_the_real_settings_alone(tmp_path):
    """A headless run, then a window, open a model with the default settings (the window
    adds a recent file; a headless run leaves the list alone): those writes land in the
    sandbox and never in the user's folders. (Other programs may write there meanwhile, so
    the check is that this run's unique path is not there.)"""
    model = tmp_path / f"unique-{os.getpid()}-{tmp_path.name}.keras"
    shutil.copy(MODEL, model)
    out = tmp_path / "shot.png"
    headless = ("import sys; from lstmviz.ui.app import run_app; "
                f"sys.exit(run_app({str(model)!r}, {str(out)!r}, None, (640, 400), None))")
    window = ("from PySide6 import QtWidgets; app = QtWidgets.QApplication(['t']); "
              "from lstmviz.ui.app import dispose, make_window; "
              f"w = make_window({str(model)!r}); w.settings.sync(); dispose(w)")
    conf = Path(os.environ["XDG_CONFIG_HOME"]) / "lstmviz" / "lstmviz.conf"
    for code, listed in ((headless, False), (window, True)):
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180,
                           cwd=ROOT, env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
        assert r.returncode == 0, r.stderr
        assert (conf.is_file() and model.name in conf.read_text()) == listed
    assert _mentions(REAL_CONFIG_HOME / "lstmviz", model.name) == []
    assert _mentions(REAL_DATA_HOME / "lstmviz", model.name) == []
