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


def _schedule(config):
    def edit(c):
        c["compile_config"]["optimizer"]["config"]["learning_rate"]["config"].update(config)
    return edit


@pytest.mark.parametrize("fixture, config, said", [
    ("schedule_piecewise.keras", {"boundaries": [1] * 50_000, "values": [0.1] * 50_001},
     "PiecewiseConstantDecay's 50,000 boundaries: lstmviz computes up to 1,000 boundaries (1,001 values)"),
    ("schedule_exponential.keras", {"decay_steps": 1e-300},  # (0 in float32: every rate nan)
     "ExponentialDecay's decay steps 1e-300 are not positive in float32, as Keras computes them"),
    ("schedule_exponential.keras", {"initial_learning_rate": 1e300},
     "ExponentialDecay's initial_learning_rate=1e+300 is beyond float32's range"),
])
def test_an_absurd_schedule_is_left_out_in_one_line_saying_why(tmp_path, fixture, config, said):
    """A PiecewiseConstantDecay of 10^6 boundaries in a 2 MB file was read (5 s), looked
    through at every update and written out whole in the summary; a decay_steps that
    float32 makes 0 was taken, its rates nan ("optimizer SGD: give a positive number")."""
    p = _keras_with(FIXTURES / "metrics" / fixture, tmp_path / "m.keras", _schedule(config))
    assert p.stat().st_size < 20_000
    model = lstmviz.load(p)
    note = next(n for n in model.source["notes"] if "optimizer" in n)
    assert f"optimizer SGD's {said} (ExponentialDecay, " in note and not _raw(note)
    assert model.source["compile"]["optimizer"] is None


def test_a_piecewise_schedule_of_many_pieces_is_said_in_a_short_line():
    from lstmviz.engine import schedules

    got = schedules.read({"class_name": "PiecewiseConstantDecay",
                          "config": {"boundaries": list(range(1000)), "values": [0.5] * 1000 + [0.25]}})
    assert isinstance(got, schedules.Schedule) and got(999) == np.float32(0.5) and got(1000) == np.float32(0.25)
    assert got.words() == ("learning rate 0.5 while iterations <= 0, 0.5 while <= 1, 0.5 while <= 2, "
                           "0.5 while <= 3, 995 pieces more, 0.5 while <= 999, then 0.25 (PiecewiseConstantDecay)")


def _layer(name, key, value):
    def edit(c):
        for layer in c["config"]["layers"]:
            if layer["config"].get("name") == name:
                layer["config"][key] = value
    return edit


@pytest.mark.parametrize("name, key, value, said", [
    ("max_same", "pool_size", [10 ** 9], "layer 'max_same' (MaxPooling1D) reads windows of 1,000,000,000 steps"),
    ("conv_causal_d2", "dilation_rate", [10 ** 9],
     "layer 'conv_causal_d2' (Conv1D) reads windows of 1,000,000,001 steps"),
])
def test_a_window_far_longer_than_its_input_is_refused_before_its_padding_is_allocated(tmp_path, name, key,
                                                                                       value, said):
    """A 3 KB .keras whose MaxPooling1D (padding 'same') has pool_size 10^9, or whose causal
    Conv1D has dilation_rate 10^9, loaded, and its trace padded the input with 10^9 steps
    (gigabytes: 'out of memory' under a 4 GB limit, swapping without one)."""
    p = _keras_with(FIXTURES / "k3_conv_pool_options" / "model.keras", tmp_path / "m.keras", _layer(name, key, value))
    assert p.stat().st_size < 10_000
    with pytest.raises(lstmviz.LstmvizError) as got:
        lstmviz.load(p)
    text = str(got.value)
    assert f"{said} over an input of 9 steps; supported: windows of at most 4,096 steps more than the " \
           "input has" in text and "\n" not in text


def test_a_long_window_is_checked_against_the_steps_traced_when_the_file_leaves_them_open():
    from lstmviz.engine.conv import MaxPooling1D

    layer = MaxPooling1D("pool", {"pool_size": 5000, "padding": "same"})
    assert layer.compute_output_shapes([(None, None, 2)]) == [(None, None, 2)]
    assert layer.forward_steps(np.ones((1, 904, 2), "f4")).shape == (1, 1, 2)  # (4,096 past: taken)
    with pytest.raises(lstmviz.LstmvizError, match="reads windows of 5,000 steps over an input of 903 steps"):
        layer.forward_steps(np.ones((1, 903, 2), "f4"))


def test_the_summary_table_escapes_layer_and_model_names():
    """The summary's table printed a layer's name as it was: an ESC sequence, a line break
    and a right-to-left override reached the terminal (the Frozen line, the notes and the
    compiled line were escaped, the table and the weights' section not)."""
    from lstmviz.engine import LayerSpec, Model

    hostile = "bad\x1b[31mname\n\u202ex"
    model = Model.sequential((None, 5, 2), [LayerSpec("LSTM", {"units": 3, "trainable": False}, name=hostile),
                                            LayerSpec("Dense", {"units": 1})])
    model.name = "m\x1b]0;title\x07"
    text = model.summary_text()
    assert all(ch.isprintable() or ch == "\n" for ch in text), repr(text)
    assert "bad\\x1b[31mname\\x0a\\u202ex (LSTM)" in text and 'Model: "m\\x1b]0;title\\x07"' in text
    assert len(text.splitlines()) == len(Model.sequential(
        (None, 5, 2), [LayerSpec("LSTM", {"units": 3, "trainable": False}, name="plain"),
                       LayerSpec("Dense", {"units": 1})]).summary_text().splitlines())
