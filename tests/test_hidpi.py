"""Pictures on a screen of another density (QT_SCALE_FACTOR=2 or 1.5, in a process of
their own): a screenshot and a copy at the screen's pixels; the PNG dialog's words.

(A PNG at scale 2 from a 100% screen copies the plots' cached pixmaps scaled: its lines
keep the thickness they are meant to have, as the pens are not yet scaled with the
density; painted anew at scale 2, they were half as thick. Not tested here.)"""

from PySide6 import QtWidgets

# -- a 200% screen (QT_SCALE_FACTOR=2, in a process of its own) ------------------------------
AT_200 = r'''
import json, sys
from PySide6 import QtGui, QtWidgets
from lstmviz.ui import app as A

out = sys.argv[1]
app = A._app(offscreen=True)
window = A.make_window(None, "dark", quiet=True)
window.resize(1280, 720)
window.show()
for _ in range(10):
    app.processEvents()
window.exporter._ask_path = lambda *args: out
window.exporter.screenshot()
window.exporter.clipboard("view")
clip = QtGui.QGuiApplication.clipboard().pixmap()
view = window.tabs.currentWidget()
asked = []
QtWidgets.QInputDialog.getDouble = lambda parent, title, label, value, *a: (asked.append(label), value, False)[1:]
window.quiet = False
window.exporter.picture("view", "png")
print(json.dumps({"ratio": window.devicePixelRatioF(), "clip": [clip.width(), clip.height()],
                  "view": [view.width(), view.height()], "window": [window.width(), window.height()],
                  "asked": asked}))
A.dispose(window)
'''


def at_200(*args, script=None, factor="2"):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_SCALE_FACTOR=factor,
               PYTHONPATH=str(root) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    run = ["-c", script] if script else ["-m", "lstmviz"]
    cmd = [sys.executable, *run, *map(str, args)]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300, cwd=root)
    assert done.returncode == 0, done.stderr
    return done.stdout


def png_size(path):
    import struct

    head = open(path, "rb").read(24)
    return struct.unpack(">II", head[16:24])


def test_screenshot_on_a_200_percent_screen_has_the_screen_pixels(tmp_path):
    """``--screenshot`` under QT_SCALE_FACTOR=2 scaled the screen's picture down to --size,
    every text and line smoothed; it keeps the screen's pixels now."""
    out = tmp_path / "shot.png"
    at_200("--screenshot", out, "--size", "1280x720")
    assert png_size(out) == (2560, 1440)
    # at 150% a side of 1027 is 1540.5 device pixels: Qt's 1541, not scaled again to 1540
    # (Python's round), which smoothed the whole picture by a pixel
    at_200("--screenshot", out, "--size", "1027x769", factor="1.5")
    assert png_size(out) == (1541, 1154)


def test_save_screenshot_and_copy_on_a_200_percent_screen(tmp_path):
    """File > Save screenshot and Copy current view were drawn at scale 1: half the pixels a
    200% screen shows, blurred once pasted into a slide beside its own pictures."""
    import json

    out = tmp_path / "window.png"
    got = json.loads(at_200(out, script=AT_200).strip().splitlines()[-1])
    assert got["ratio"] == 2.0
    assert png_size(out) == tuple(2 * v for v in got["window"]), got
    assert got["clip"] == [2 * v for v in got["view"]], got
    # File > Export > PNG says what its scale 1 is there
    assert got["asked"] == [f"Scale (1 = {got['view'][0]} \u00d7 {got['view'][1]} px; this screen shows 2)"]


def test_export_png_dialog_says_what_scale_1_is_in_pixels(make_window, monkeypatch):
    """It said 'Scale (1 = screen size)': on a 200% screen scale 1 is half the screen's
    pixels. It names the pixels of scale 1 (and the screen's ratio where it is not 1)."""
    window = make_window((1280, 720))
    asked = {}

    def get_double(parent, title, label, value, *args):
        asked.update(label=label, value=value)
        return value, False  # (cancelled: nothing written)

    monkeypatch.setattr(QtWidgets.QInputDialog, "getDouble", get_double)
    monkeypatch.setattr(window, "quiet", False)
    view = window.tabs.currentWidget()
    window.exporter.picture("view", "png")
    assert f"1 = {view.width()} \u00d7 {view.height()} px" in asked["label"], asked
    assert asked["value"] == 2.0
