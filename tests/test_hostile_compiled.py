"""What landed with compiled models, schedules and the layers around recurrent ones, fed
hostile files: names a file gives a metric reach the summary, the History, the CLI and
sessions escaped; absurd sizes and counts in a few-KB file are refused (or left out) in one
line before anything is allocated or looped over."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

import lstmviz
from helpers import FIXTURES

ROOT = Path(__file__).resolve().parents[1]
EVIL = "m\x1b[31m\n\u202ex"


def _keras_with(src: Path, dst: Path, edit) -> Path:
    """``src`` (a .keras fixture) with its config.json edited by ``edit``."""
    with zipfile.ZipFile(src) as z:
        config = json.loads(z.read("config.json"))
        edit(config)
        with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
            for name in z.namelist():
                out.writestr(name, json.dumps(config) if name == "config.json" else z.read(name))
    return dst


def _metrics(metrics):
    def edit(config):
        config["compile_config"]["metrics"] = metrics
    return edit


def _raw(text: str) -> bool:
    return any(c in text for c in ("\x1b", "\n", "\u202e"))


def test_a_metric_name_from_a_file_is_escaped_in_the_summary_the_history_and_the_cli(tmp_path):
    """A compiled metric's name is its History key: the summary's "Compiled with" line
    printed it raw (an ESC sequence and a line break reached the terminal)."""
    p = _keras_with(FIXTURES / "compiled" / "trained_adam.keras", tmp_path / "m.keras", _metrics(
        ["m\x1bae", {"class_name": "MeanSquaredError", "config": {"name": EVIL}}]))
    model = lstmviz.load(p)
    line = next(t for t in model.summary_text().splitlines() if t.startswith("Compiled with"))
    assert "metrics m\\x1bae, m\\x1b[31m\\x0a\\u202ex" in line and not _raw(line)
    history = lstmviz.fit(model, np.ones((4, 4, 2), "f4"), np.ones((4, 1), "f4"), epochs=1, batch_size=4)
    assert sorted(history.history) == ["loss", "m\\x1b[31m\\x0a\\u202ex", "m\\x1bae"]
    proc = subprocess.run([sys.executable, "-m", "lstmviz", "summary", str(p)],
                          capture_output=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert b"\x1b" not in proc.stdout and b"\xe2\x80\xae" not in proc.stdout
    assert b"metrics m\\x1bae, m\\x1b[31m\\x0a\\u202ex" in proc.stdout


def test_a_session_s_metric_names_are_escaped_as_a_file_s():
    from lstmviz.engine.compiled import from_session_data

    got = from_session_data({"metrics": [{"name": EVIL, "kind": "mse", "options": {},
                                          "weighted": EVIL}]}, [])
    assert got["metrics"][0]["name"] == got["metrics"][0]["weighted"] == "m\\x1b[31m\\x0a\\u202ex"


def test_a_million_compiled_metrics_are_left_out_in_one_line_not_read_one_by_one(tmp_path):
    """A list of 10^6 metric objects of distinct names took over 30 s to read (each compared
    with every one before it), and 10^5 names not computed were all quoted in the note."""
    many = [{"class_name": "MeanSquaredError", "config": {"name": f"m{i}"}} for i in range(100_000)]
    p = _keras_with(FIXTURES / "compiled" / "trained_adam.keras", tmp_path / "m.keras", _metrics(many))
    assert p.stat().st_size < 600_000
    model = lstmviz.load(p)
    notes = model.source["notes"]
    assert "compile_config: 100,000 metrics compiled, more than the 64 lstmviz reads: the History " \
           "leaves them out" in notes
    assert "metrics" not in model.source["compile"]
    from lstmviz.engine.metrics import note

    line = note([f"q{i}" for i in range(100_000)])
    assert line.startswith("metrics 'q0', 'q1'") and "and 99,992 more not computed here" in line
    assert len(line) < 200
