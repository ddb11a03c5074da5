"""The example notebook (``resources/notebooks/first_look.ipynb``) keeps working and keeps
telling the truth: it is committed stripped, its code cells run in order in one namespace
(in this process, offscreen, from a folder other than the repository's, as Jupyter would run
them: a cell's last expression is its result), and what its text says about the results
holds for the results it computes."""

from __future__ import annotations

import ast
import contextlib
import io
import json
import os
import re
import struct

import numpy as np
import pytest

from helpers import ROOT

NOTEBOOK = ROOT / "resources" / "notebooks" / "first_look.ipynb"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def read_notebook() -> dict:
    return json.loads(NOTEBOOK.read_text(encoding="utf-8"))


def source(cell) -> str:
    return "".join(cell["source"])


def run_cell(src: str, ns: dict):
    """Run ``src`` in ``ns`` as IPython does: its last statement, if an expression, is
    evaluated apart and is the cell's result (what Jupyter shows under it)."""
    tree = ast.parse(src)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, NOTEBOOK.name, "exec"), ns)
    if last is None:
        return None
    return eval(compile(ast.Expression(last.value), NOTEBOOK.name, "eval"), ns)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Every code cell run once: (namespace, [(source, result, printed)] per code cell)."""
    ns: dict = {"__name__": "__main__"}
    cells = []
    here = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("elsewhere"))  # (it finds its files without the repo as cwd)
    try:
        for cell in read_notebook()["cells"]:
            if cell["cell_type"] != "code":
                continue
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                result = run_cell(source(cell), ns)
            cells.append((source(cell), result, out.getvalue()))
    finally:
        os.chdir(here)
    return ns, cells


def markdown() -> str:
    return "\n".join(source(c) for c in read_notebook()["cells"] if c["cell_type"] == "markdown")


def test_the_notebook_is_committed_stripped_and_small():
    nb = read_notebook()
    assert nb["nbformat"] == 4
    assert NOTEBOOK.stat().st_size < 30_000
    kinds = [c["cell_type"] for c in nb["cells"]]
    assert 10 <= len(kinds) <= 18 and kinds.count("markdown") >= 5
    for cell in nb["cells"]:
        assert cell["metadata"] == {} and "attachments" not in cell
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, source(cell)[:60]
    ids = [c.get("id") for c in nb["cells"]]
    assert all(ids) and len(set(ids)) == len(ids)  # (nbformat 4.5 wants unique cell ids)


def test_what_the_text_claims_is_what_the_tests_below_check():
    text = " ".join(markdown().split())  # (lines wrapped anywhere)
    for claim in ("sign of each first value", "stays above 0.8", "below $10^{-6}$",
                  "more than a hundred times smaller", "$\\sigma(1) \\approx 0.73$",
                  "loss ends below 0.05", "loss stays above 0.1", "average rose",
                  "more than a thousand times larger than before training", "larger than the SimpleRNN's",
                  "reach step 0 at full strength", "within ten times the largest of the picture"):
        assert claim in text, claim


def test_the_demo_model_answers_the_sign_of_the_first_value(run):
    ns, _ = run
    x, trace, rec = ns["x"], ns["trace"], ns["rec"]
    assert np.array_equal(np.sign(trace.output[:, 0]), np.sign(x[:, 0, 0]))
    # unit 0 of sample 0: c takes a sign at step 0 and moves away from 0 at every step,
    # its forget gate above 0.8
    c, f = rec.steps["c"][0, :, 0], rec.steps["f"][0, :, 0]
    assert np.all(np.sign(c) == np.sign(c[0])) and np.all(np.diff(np.abs(c)) > 0)
    assert f.min() > 0.8


def test_the_step_by_hand_is_the_trace_to_float32_precision(run):
    ns, cells = run
    rec, t, mine = ns["rec"], ns["t"], ns["mine"]
    assert set(mine) == {"i", "f", "o", "c_tilde", "c", "h"} and t >= 1
    for key, value in mine.items():
        assert value.dtype == np.float32
        assert np.abs(value - rec.steps[key][:, t]).max() < 1e-6, key
    # and the trace's own records obey c_t = f c_{t-1} + i c~, h_t = o tanh(c_t) at every step
    s = rec.steps
    c_prev = np.concatenate([rec.initial_state["c"][:, None], s["c"][:, :-1]], axis=1)
    np.testing.assert_allclose(s["c"], s["f"] * c_prev + s["i"] * s["c_tilde"], rtol=0, atol=1e-5)
    np.testing.assert_allclose(s["h"], s["o"] * np.tanh(s["c"]), rtol=0, atol=1e-6)
    printed = next(p for src, _, p in cells if "largest difference" in src)
    assert printed.count("largest difference from the trace") == 6


def test_the_picture_cells_show_pngs_of_the_size_asked(run):
    _, cells = run
    pictures = [(src, result) for src, result, _ in cells if "lstmviz.picture(" in src]
    assert [re.search(r'view="(\w+)"', src).group(1) for src, _ in pictures] == ["cell", "over_time", "dh"]
    for src, result in pictures:
        asked = tuple(int(v) for v in re.search(r"size=\((\d+), (\d+)\)", src).groups())
        png = result._repr_png_()  # what Jupyter shows inline
        assert png[:8] == PNG_SIGNATURE and png[12:16] == b"IHDR"
        assert struct.unpack(">II", png[16:24]) == asked == (result.width, result.height)


def test_before_training_the_gradient_vanishes_in_both_more_in_the_lstm(run):
    ns, _ = run
    rnn, lstm = ns["rnn_before"], ns["lstm_before"]
    assert len(rnn) == len(lstm) == ns["T"]
    for norms in (rnn, lstm):
        assert np.all(np.isfinite(norms)) and norms[0] * 100 < norms[-1]
    assert lstm[0] < rnn[0]
    assert abs(ns["f_before"] - 1 / (1 + np.exp(-1.0))) < 0.01


def test_training_the_lstm_learns_the_task_and_its_gradient_reaches_step_0(run):
    ns, _ = run
    losses = ns["losses"]
    assert len(losses["LSTM"]) == len(losses["SimpleRNN"]) == 80
    assert losses["LSTM"][-1] < 0.05 < 0.1 < losses["SimpleRNN"][-1]
    assert losses["LSTM"][-1] < losses["LSTM"][0]  # the loss went down
    rnn, lstm = ns["rnn_after"], ns["lstm_after"]
    # (what holds on every BLAS kernel tried, SkylakeX, Haswell, Sandybridge and Prescott's:
    # the SimpleRNN's gradient after training varied from 1e-17 to 3e-2 of its last step's,
    # the LSTM's loss 0.007-0.011, its step-0 gradient 1.4e4-1.6e4 times its first)
    assert lstm[0] > 1000 * ns["lstm_before"][0]
    assert lstm[0] > rnn[0] and rnn[0] < rnn[-1]
    assert ns["f_after"] > ns["f_before"]


def test_the_trained_lstms_dl_dh_picture_reaches_step_0_at_full_strength(run):
    """The dL/dh picture's claim, on the numbers it draws (the engine's dL/dh of sample 0's own
    loss at the trained weights, as the Train tab's probe computes it: test_app_probe_model)."""
    import lstmviz

    ns, cells = run
    src = next(src for src, _, _ in cells if 'view="dh"' in src)
    assert "lstm, xs" in src and 'y=ys, loss="mse", sample=0' in src  # (the trained LSTM, sample 0)
    lstm = ns["lstm"]
    dh = lstmviz.gradients(lstm, ns["xs"][:1], ns["ys"][:1], "mse").layers[lstm.layers[0].name].steps["dh"][0]
    assert np.abs(dh[0]).max() > 0.1 * np.abs(dh).max()  # (steps first here: dh[0] is step 0)
    assert ns["lstm_before"][0] * 100 < ns["lstm_before"][-1]  # (before training: the table's)
