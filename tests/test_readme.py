"""README.md's walk-through, run as a newcomer runs it: the commands of "Use" and of
"Gradients and training", and its Python blocks, each as the README writes it, with the
committed fixtures in place of MODEL, X.npy and the like. Each result is checked against
the engine (a trace file's arrays against ``model.trace``, a trained file's weights
against ``lstmviz.fit`` of the same run, a picture's pixels against ``--size``), so a
README line that stops working, or says what no longer happens, fails here.

(A README block is found by a line of it, not by its place, so the README can grow.)
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import lstmviz
from lstmviz import cli

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
README = (ROOT / "README.md").read_text()
ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONDONTWRITEBYTECODE": "1"}
ENV.pop("LSTMVIZ_DEBUG", None)


def block(line: str) -> str:
    """The README's fenced block holding ``line`` (one block: the README is read as written)."""
    found = [b for b in re.findall(r"^```[a-z]*\n(.*?)^```$", README, re.S | re.M) if line in b]
    assert len(found) == 1, f"{len(found)} README blocks hold {line!r}"
    return found[0]


def commands(text: str) -> list[list[str]]:
    """The ``lstmviz`` command lines of a shell block, continuations joined, comments cut."""
    lines = text.replace("\\\n", " ").splitlines()
    return [shlex.split(line, comments=True) for line in lines if line.startswith("lstmviz ")]


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lstmviz", *args[1:]], capture_output=True,
                          text=True, env=ENV, timeout=300, cwd=cwd)


def ffmpeg_found() -> bool:
    if shutil.which("ffmpeg"):
        return True
    try:
        import imageio_ffmpeg  # noqa: F401
    except ImportError:
        return False
    return True


def test_use_commands_do_what_their_comments_say(tmp_path):
    """"Use": summary, trace (and its keys read by the README's own snippet), --screenshot
    at a step and a size, a GIF of a frame per step at its size, an MP4 where ffmpeg is
    there, a PNG at --scale 2 (twice the SVG's size), the Train tab's screenshot."""
    case = FIXTURES / "k3_lstm_stacked_td"  # (6 steps: --step 5 is in it)
    shutil.copy(case / "model.keras", tmp_path / "MODEL.keras")
    shutil.copy(case / "x.npy", tmp_path / "X.npy")
    shown = commands(block("lstmviz summary MODEL"))
    names = [c[1] if len(c) > 1 else "" for c in shown]
    assert "summary" in names and "trace" in names and "--screenshot" in names
    ran = []
    for args in shown:
        args = ["MODEL.keras" if a == "MODEL" else a for a in args]
        if len(args) < 3 and not any(a.startswith("--") for a in args):
            continue  # (`lstmviz`, `lstmviz MODEL.keras`: the window, which needs a display)
        if "--export-mp4" in args and not ffmpeg_found():
            continue
        res = run(args, tmp_path)
        assert res.returncode == 0, (args, res.stderr)
        assert "Traceback" not in res.stderr, res.stderr
        ran.append(args)
        if args[1] == "summary":
            assert "Total params: 377" in res.stdout and "kernel_i (3, 5)" in res.stdout
            assert "Read from MODEL.keras: Keras 3 model" in res.stdout
    assert len(ran) == 6 + ffmpeg_found(), ran  # (all but the two windows; the MP4 with ffmpeg)
    svg_args = ["lstmviz", "MODEL.keras", "--export-svg", "view.svg"]  # (the PNG line's "also")
    assert run(svg_args, tmp_path).returncode == 0

    x = np.load(tmp_path / "X.npy")
    model = lstmviz.load(tmp_path / "MODEL.keras")
    trace = model.trace(x)
    snippet = block('where = {k: (layer, part, rec) for k, layer, part, rec in f["lstmviz:keys"]')
    space: dict = {}
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        exec(snippet, space)
    finally:
        os.chdir(cwd)
    arrays = space["arrays"]
    np.testing.assert_array_equal(arrays[("lstm_1", "", "f")], trace["lstm_1"].steps["f"])
    np.testing.assert_array_equal(arrays[("", "", "output")], trace.output)
    np.testing.assert_array_equal(arrays[("lstm_2", "", "initial_c")], trace["lstm_2"].initial_state["c"])

    with Image.open(tmp_path / "out.png") as im:
        assert im.size == (1600, 1000)
    with Image.open(tmp_path / "steps.gif") as im:
        assert im.size == (800, 500) and im.n_frames == x.shape[1]  # (one frame per step)
    if ffmpeg_found():
        assert (tmp_path / "steps.mp4").read_bytes()[4:8] == b"ftyp"
    _, _, width, height = ET.parse(tmp_path / "view.svg").getroot().get("viewBox").split()
    with Image.open(tmp_path / "view.png") as im:
        assert im.size == (2 * int(width), 2 * int(height))  # (--scale 2: twice the pixels)
    with Image.open(tmp_path / "train.png") as im:
        assert im.format == "PNG"


def test_use_names_every_file_format():
    """"Use" names every file name ending the format registry opens (a format added to
    ``io/formats.py`` is added to the README's list of what ``lstmviz MODEL`` opens)."""
    from lstmviz.io import formats

    use = block("lstmviz summary MODEL")
    named = set(re.findall(r"(?<![\w.])(\.[a-z0-9]+(?:\.h5)?)\b", use))
    assert set(formats.suffixes()) <= named, set(formats.suffixes()) - named


def test_grad_and_train_commands_equal_the_python_api(tmp_path, monkeypatch):
    """"Gradients and training": ``lstmviz grad`` writes the loss and gradients
    ``lstmviz.gradients`` gives; ``lstmviz train`` of the README's settings saves the
    weights ``lstmviz.fit`` of the same run reaches; ``train --task delay`` saves a model."""
    case = FIXTURES / "k3_lstm_default"
    shutil.copy(case / "model.keras", tmp_path / "model.keras")
    shutil.copy(case / "x.npy", tmp_path / "x.npy")
    x = np.load(case / "x.npy")
    y = np.random.default_rng(0).random((len(x), 2)).astype(np.float32)
    np.save(tmp_path / "y.npy", y)
    monkeypatch.chdir(tmp_path)
    shown = commands(block("lstmviz grad model.keras --input x.npy"))
    assert [c[1] for c in shown] == ["grad", "train", "train"]
    for args in shown:
        assert cli.main(args[1:]) == 0, args

    g = lstmviz.gradients(lstmviz.load("model.keras"), x, y, "mse")
    with np.load("g.npz") as f:
        assert float(f["loss"]) == pytest.approx(g.loss, rel=1e-6)
        np.testing.assert_allclose(f["lstm/kernel"], g.layers["lstm"].weights[0], atol=1e-7)
        np.testing.assert_allclose(f["lstm/dh"], g.layers["lstm"].steps["dh"], atol=1e-7)

    model = lstmviz.load("model.keras")
    lstmviz.fit(model, x, y, "mse", lstmviz.optimizers.Adam(learning_rate=0.01), batch_size=32,
                epochs=10, shuffle=False)
    trained = lstmviz.load("trained.keras")
    for name in ("lstm", "dense"):
        for got, want in zip(trained.get_layer(name).weights, model.get_layer(name).weights):
            np.testing.assert_array_equal(got, want)
    delay = lstmviz.load("delay.keras")
    assert delay.predict(np.zeros((1, 20, 1), np.float32)).shape == (1, 1)


def test_from_python_block(tmp_path, monkeypatch, capsys):
    """"Use", From Python: load, summary, predict, trace, gate blocks, load_weights, to_spec,
    each line as written, on a model with a layer named ``lstm``."""
    case = FIXTURES / "k3_lstm_default"
    for name in ("model.keras", "model.weights.h5"):
        shutil.copy(case / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    x = np.load(case / "x.npy")
    space = {"x": x}
    exec(block('model = lstmviz.load("model.keras")       # also an open binary file'), space)
    assert "lstm (LSTM)" in capsys.readouterr().out  # (summary() printed where it was called)
    model, trace = space["model"], space["trace"]
    assert "Total params: 138" in space["text"]
    np.testing.assert_array_equal(trace.output, model.predict(x))  # ("to the bit")
    assert trace["lstm"].steps["f"].shape == (x.shape[0], x.shape[1], 4)
    assert trace["lstm"].initial_state["c"].shape == (x.shape[0], 4)
    assert {"kernel_i", "recurrent_kernel_f", "bias_o"} <= set(model.get_layer("lstm").gate_blocks())
    np.testing.assert_array_equal(space["again"].predict(x), model.predict(x))
    want = np.load(case / "expected.npz")["output"]
    np.testing.assert_allclose(model.predict(x), want, atol=1e-5)


def test_notebook_pictures_in_plain_python(tmp_path):
    """The notebook block's ``lstmviz.picture`` lines, in a plain Python without a display:
    each gives the PNG of 1200 x 750 the README says, its description naming the view."""
    from lstmviz import LayerSpec, Model
    space = {"lstmviz": lstmviz,
             "keras_model": Model.sequential((None, 16, 3), [LayerSpec("LSTM", {"units": 4}),
                                                             LayerSpec("Dense", {"units": 1})], seed=0),
             "x": np.random.default_rng(0).normal(size=(4, 16, 3)).astype(np.float32),
             "y": np.zeros((4, 1), np.float32)}
    space["model"] = space["keras_model"]
    lines = [ln for ln in block('lstmviz.show("model.keras")').splitlines()
             if ln.startswith("lstmviz.picture(")]
    assert len(lines) == 2
    for n, line in enumerate(lines):
        pic = eval(line.split("#")[0], space)
        with Image.open(pic.save(tmp_path / f"p{n}.png")) as im:
            assert im.size == (1200, 750)
    assert "dL/dh" in repr(pic) and "sample 3" in repr(pic)


def test_gradients_and_fit_blocks(tmp_path, monkeypatch, capsys):
    """"Gradients and training", From Python and Further in, on a model compiled with
    ``metrics=["accuracy"]`` (as the block's ``compiled.keras``): every line runs, the
    History has the keys the comments name, verbose=2 prints Keras' epoch lines."""
    shutil.copy(FIXTURES / "metrics" / "binary.keras", tmp_path / "compiled.keras")
    monkeypatch.chdir(tmp_path)
    data = np.load(FIXTURES / "metrics" / "fit.npz")
    x, y = data["x"], data["y_binary"]
    space = {"model": lstmviz.load("compiled.keras"), "x": x, "y": y}
    exec(block('g = lstmviz.gradients(model, x, y, "mse")'), space)
    out = capsys.readouterr().out
    assert re.search(r"^Epoch 3/10 - loss: \d\.\d{4} - .* - val_loss: \d\.\d{4}", out, re.M), out
    assert len(space["history"].history["val_accuracy"]) == 10
    assert set(space["history"].history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert lstmviz.load("trained.keras").summary_text().count("Compiled with:") == 1
    exec(block("trainer = Trainer(model, x, y"), space)
    assert space["update"].iteration == 1
    assert lstmviz.load("trained.keras").get_layer("lstm") is not None


def test_stack_in_code_block():
    """"A stack can be built in code": the block builds the two-LSTM stack it shows."""
    space: dict = {}
    exec(block('model = Model.sequential((None, 20, 3), ['), space)
    model = space["model"]
    assert model.predict(np.zeros((2, 20, 3), np.float32)).shape == (2, 1)
    assert "Total params: 2,089" in model.summary_text()


def test_help_and_version_as_use_says(capsys):
    """"Use": `lstmviz --help` lists the commands and the app's options, `lstmviz COMMAND
    --help` each command's (`--shape B,T,F`, `trace --reset-states` among them), and
    `lstmviz --version` prints the version pyproject.toml gives."""
    text = " ".join(README.split())
    assert "`lstmviz --help` lists the commands and the app's options" in text
    assert cli.main(["--help"]) == 0
    top = capsys.readouterr().out
    for word in ("summary", "trace", "grad", "train", "app", "--screenshot", "--export-gif", "--max-memory"):
        assert word in top, word
    for command in ("trace", "grad", "train", "app"):
        assert cli.main([command, "--help"]) == 0
        assert "--shape B,T,F" in capsys.readouterr().out, command
    assert cli.main(["trace", "--help"]) == 0
    assert "--reset-states" in capsys.readouterr().out
    version = re.search(r'^version = "(.+)"$', (ROOT / "pyproject.toml").read_text(), re.M).group(1)
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"lstmviz {version}"
    assert f"lstmviz-{version}-py3-none-any.whl" in README  # (the wheel the Install lines name)


def test_every_menu_path_the_readme_names_is_in_the_window(make_window):
    """A "File > X", "Edit > X", "View > X", "Play > X" or "Help > X" of the README names an
    entry of that menu (the README's words begin with the entry's, its "…" and a
    parenthesis left out, or name its first word: "File > Open, drag and drop"); "File >
    Load weights", a menu there never was, read as one a newcomer would look for."""
    window = make_window()

    def entries(menu, path=()):
        for action in menu.actions():
            text = re.sub(r"\s*\(.*?\)|\u2026|\t.*", "", action.text().replace("&&", "\0").replace("&", ""))
            text = re.sub(r"^\d+\s+", "", text).replace("\0", "&").strip()
            if text:
                yield (*path, text)
            if action.menu() is not None:
                yield from entries(action.menu(), (*path, text))

    menus = {}
    for action in window.menuBar().actions():
        top = action.text().replace("&", "")
        menus[top] = ([" > ".join(e) for e in entries(action.menu())] if action.menu() is not None else [])
    text = " ".join(README.split())
    named = re.findall(r"\b(File|Edit|View|Play|Help) > ([A-Z][^,;:()`]*)", text)
    assert len(named) > 20
    for top, words in named:
        first = words.split()[0]
        assert any(words.startswith(e) or e.split()[0] == first for e in menus[top]), (top, words, menus[top])
    # and each Ctrl and Shift key it names is an action's shortcut in that window
    from PySide6 import QtGui

    keys = {k.toString() for a in window.findChildren(QtGui.QAction) for k in a.shortcuts()}
    for key in set(re.findall(r"\b(?:Ctrl|Shift)\+[A-Za-z+]+\b", text)):
        assert QtGui.QKeySequence(key).toString() in keys, key
    assert {top[:1] for top in menus} >= {"F", "V", "P"}  # (Alt+F, Alt+V, Alt+P)
