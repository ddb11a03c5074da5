"""``lstmviz.picture(model, x, view="dh" | "connectivity" | "gates", y=, loss=)``: the Train
tab's gradient pages drawn offscreen for a user's own model and data at its weights, by the
tab's own ``GradViews``: what the picture plots is the probe's numbers (the engine's), its
captions speak of no run, and every refusal is one line."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtGui

import lstmviz
from lstmviz.app import grad_stats as G
from lstmviz.app.train_user import probe_model
from lstmviz.engine import LayerSpec, Model
from lstmviz.engine.gradients import gradients
from lstmviz.errors import LstmvizError
from lstmviz.ui import grad_views

T = 10


@pytest.fixture
def drawn(monkeypatch, qapp):
    """The page each picture drew, read before the picture disposes of it: (key, probe, the
    items' data)."""
    seen = []
    make = grad_views.probe_page

    def probe_page(v, key, unit=None):
        page = make(v, key, unit)
        gv = page.views
        heat = gv.heat_image.image
        data = {"caption": gv.captions[key].text(), "heat": None if heat is None else heat.copy(),
                "conn": gv.conn_curve.getData(), "conn0": gv.conn_curve0.getData(),
                "legend": gv.conn_legend.isVisible(),
                "bars": {k: np.array(b.opts["height"]) for k, b in gv.mean_bars.items()},
                "lines": {k: gv.mean0[k].getData()[1] for k in gv.mean0},
                "points": {k: gv.sat_points[k].getData() for k in gv.sat_points},
                "mark": (gv.sat_mark.isVisible(), gv.sat_mark.getData(), gv.sat_mark_label.textItem.toPlainText())}
        seen.append((key, v, data))
        return page

    monkeypatch.setattr(grad_views, "probe_page", probe_page)
    return seen


def _lstm():
    return Model.sequential((None, T, 1), [LayerSpec("LSTM", {"units": 5}), LayerSpec("Dense", {"units": 1})], seed=1)


def _data():
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, (12, T, 1)).astype(np.float32)
    return x, x[:, 0, :]


def _size(pic):
    img = QtGui.QImage.fromData(pic.data, "PNG")
    return img.width(), img.height()


def test_the_dh_picture_plots_the_engines_dl_dh_of_the_sample_asked(drawn):
    m, (x, y) = _lstm(), _data()
    pic = lstmviz.picture(m, x, view="dh", y=y, loss="mse", sample=3, size=(800, 500))
    assert _size(pic) == (800, 500) == (pic.width, pic.height) and pic.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert repr(pic) == "<lstmviz.Picture dL/dh of lstm, sample 3, 800 x 500 px>"
    (key, v, data), = drawn
    dh = gradients(m, x[3:4], y[3:4], "mse").layers["lstm"].steps["dh"][0].T  # (units, steps)
    np.testing.assert_allclose(v.dh, dh, rtol=1e-6, atol=1e-7 * np.abs(dh).max())
    np.testing.assert_array_equal(data["heat"], G.signed_log(v.dh, grad_views.DECADES)[0])
    assert data["heat"].shape == (5, T)
    caption = data["caption"]
    assert f"this sample's own loss ({v.loss:.3g})." in caption and "update" not in caption
    other = lstmviz.picture(m, x, view="dh", y=y, loss="mse", sample=4, size=(800, 500))
    assert other.data != pic.data  # (the sample asked for is drawn)


def test_the_connectivity_picture_plots_one_curve_the_engines_and_no_update_0(drawn):
    m, (x, _) = _lstm(), _data()
    lstmviz.picture(m, x, view="connectivity", sample=2, size=(700, 450), theme="dark")
    (key, v, data), = drawn
    t, logc = data["conn"]
    np.testing.assert_array_equal(t, np.arange(T))
    np.testing.assert_allclose(10 ** logc, G.connectivity(m, x[2:3]), rtol=1e-9)
    assert len(data["conn0"][0] if data["conn0"][0] is not None else []) == 0
    assert not data["legend"]  # (one curve: no "now" and "update 0" to tell apart)
    assert "at the model's own weights." in data["caption"] and "update" not in data["caption"]


def test_the_gates_picture_plots_the_means_and_saturation_of_x_and_rings_the_unit_asked(drawn):
    m, (x, _) = _lstm(), _data()
    lstmviz.picture(m, x, view="gates", unit=2, size=(900, 500))
    (key, v, data), = drawn
    rec = m.trace(x).layers["lstm"]
    assert tuple(data["bars"]) == ("i", "f", "o")
    for k in ("i", "f", "o"):
        np.testing.assert_allclose(data["bars"][k], rec.steps[k].mean(axis=(0, 1)), rtol=1e-6)
        lo, hi = data["points"][k]
        np.testing.assert_array_equal(lo, (rec.steps[k] < 0.1).mean(axis=(0, 1)))
        np.testing.assert_array_equal(hi, (rec.steps[k] > 0.9).mean(axis=(0, 1)))
        assert len(data["lines"][k] if data["lines"][k] is not None else []) == 0  # (no update 0)
    shown, (mx, my), label = data["mark"]
    assert shown and label == "unit 2"
    assert (mx[0], my[0]) == (v.gates["f"].low[2], v.gates["f"].high[2])
    assert "f, o of lstm over 12 samples of x" in data["caption"] and "update" not in data["caption"]


def test_a_picture_from_files_reads_them_as_the_command_line_does(drawn, tmp_path):
    from lstmviz.io.keras_writer import save_keras

    m, (x, y) = _lstm(), _data()
    save_keras(m, tmp_path / "m.keras")
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y[:, 0])  # (one number a sample, as lstmviz grad --target takes it)
    lstmviz.picture(str(tmp_path / "m.keras"), str(tmp_path / "x.npy"), view="dh", y=str(tmp_path / "y.npy"),
                    loss="mse", size=(600, 400))
    (_, v, _), = drawn
    np.testing.assert_array_equal(v.dh, probe_model(m, x, y, "mse", "dh").dh)


def test_a_targets_file_that_is_not_there_is_named_as_y(drawn, tmp_path):
    """y's path missing (or a folder) is refused naming y, not x (it said "x='y.npy': no
    such file; give an array, or a .npy or .csv file's path" of a y, with x's file there)."""
    m, (x, _) = _lstm(), _data()
    for y, what in ((tmp_path / "y.npy", "no such file"), (tmp_path, "not a file")):
        with pytest.raises(LstmvizError, match=f"^y={str(y)!r}: {what}; give the targets as an array, or a "
                                               r"\.npy or \.csv file's path$"):
            lstmviz.picture(m, x, view="dh", y=str(y), loss="mse")
    assert not drawn


def test_gradient_pictures_refuse_in_one_line_saying_what_is_supported(drawn):
    m, (x, y) = _lstm(), _data()
    cases = (
        ({"view": "dh"}, "^view='dh' draws dL/dh, the gradient of a loss: give y and loss \\(y: one target"),
        ({"view": "dh", "y": y, "loss": "mse", "step": 3}, "^step=3: view='dh' draws every step at once; "
                                                           "leave step out$"),
        ({"view": "connectivity", "unit": 1}, "^unit=1: view='connectivity' draws every unit; unit rings one on "
                                              "view='gates'"),
        ({"view": "gates", "unit": 5}, "^unit=5: layer 'lstm' has 5 units: 0 to 4$"),
        ({"view": "updates"}, "^view='updates' draws the size of a training update"),
        ({"view": "dh", "y": y, "loss": "mse", "layer": 0}, "^layer=0: give a recurrent layer's name$"),
        ({"view": "train"}, "^view='train': the Train tab trains a task of its own \\(its picture: lstmviz "
                            "--screenshot OUT.png --view train\\); its gradient pages draw obj on x: view='dh' "
                            "\\(with y and loss\\), 'connectivity' or 'gates'$"),
        ({"view": "cell", "y": y}, "^y: for the gradient pictures \\(view='dh' \\(with y and loss\\), "
                                   "'connectivity' or 'gates'\\); view='cell' draws the trace of x$"),
        ({"view": "gate"}, "^unknown view 'gate': use one of unrolled, cell, over_time, weights, window, dh, "
                           "connectivity, gates$"),
    )
    for kw, words in cases:
        with pytest.raises(LstmvizError, match=words) as err:
            lstmviz.picture(m, x, **kw)
        assert "\n" not in str(err.value)
    with pytest.raises(LstmvizError, match="^view='gates' draws your model on x: give the model"):
        lstmviz.picture(None, x, view="gates")
    assert not drawn  # (refused before anything was drawn)


def test_a_gradient_views_name_is_read_as_the_views_names_are(drawn):
    """view="Cell" and "over-time" were taken, view="DH" with y and loss was refused: "y and
    loss: for the gradient pictures (view='dh' ...); view='DH' draws the trace of x"."""
    m, (x, y) = _lstm(), _data()
    pic = lstmviz.picture(m, x, view="DH", y=y, loss="MSE", size=(400, 300))
    assert repr(pic).startswith("<lstmviz.Picture dL/dh of lstm, sample 0")
    lstmviz.picture(m, x, view=" Gates", size=(400, 300))
    assert [key for key, _, _ in drawn] == ["dh", "gates"]


def test_a_view_is_a_name_and_no_size_is_the_pictures_own(drawn):
    """view=3 drew the Weights view (a tab's number, the command line's --view 3), and
    size=None the window's 1600 x 1000, while picture's default and the README say
    1200 x 750. A view is a name, else refused in one line naming the views; None is the
    picture's size."""
    m, (x, _) = _lstm(), _data()
    views = "unrolled, cell, over_time, weights, window, dh, connectivity, gates"
    for view in (3, np.int64(2), "3", None, ["cell"]):
        with pytest.raises(LstmvizError) as err:
            lstmviz.picture(m, x, view=view)
        assert str(err.value) == f"view={view!r}: give a view's name, one of {views}"
    assert not drawn  # (refused before anything was drawn)
    none, default = lstmviz.picture(m, x, view="connectivity", size=None), lstmviz.picture(m, x, view="connectivity")
    assert (none.width, none.height) == (default.width, default.height) == (1200, 750)
    assert none.data == default.data


def test_the_dh_picture_takes_the_compiled_loss_and_says_so(drawn):
    """``picture(model, x, view="dh", y=y)`` of a model compiled with a loss needed ``loss=``
    all the same: it takes the compiled one, as ``fit`` does, and the picture says so; its
    numbers are those of that loss given; a model compiled with none is refused in one line."""
    from helpers import FIXTURES

    here = FIXTURES / "compiled"
    npz = np.load(here / "fit.npz")
    model = lstmviz.load(here / "rmsprop_mae.keras")
    taken = lstmviz.picture(model, npz["x"], view="dh", y=npz["y"])
    given = lstmviz.picture(model, npz["x"], view="dh", y=npz["y"], loss="mae")
    assert taken.what == given.what + ", loss mae as compiled" and "as compiled" in repr(taken)
    (_, v_taken, d_taken), (_, v_given, d_given) = drawn
    assert v_taken.loss == v_given.loss and v_taken.loss == probe_model(model, npz["x"], npz["y"], "mae").loss
    np.testing.assert_array_equal(d_taken["heat"], d_given["heat"])
    assert v_given.loss != probe_model(model, npz["x"], npz["y"], "mse").loss
    x, y = _data()
    with pytest.raises(LstmvizError) as err:
        lstmviz.picture(_lstm(), x, view="dh", y=y)
    assert str(err.value).startswith("view='dh' draws dL/dh, the gradient of a loss: give loss (")


def test_the_dh_picture_of_a_batch_normalization_model_names_its_mode(drawn):
    """A model holding a BatchNormalization: the dL/dh picture is inference mode (its moving
    statistics, one sample's own loss), which its description and caption say; a model
    without one says nothing of modes."""
    model = Model.sequential((None, T, 1), [LayerSpec("LSTM", {"units": 5}), LayerSpec("BatchNormalization", {}),
                                            LayerSpec("Dense", {"units": 1})], seed=1)
    x, y = _data()
    pic = lstmviz.picture(model, x, view="dh", y=y, loss="mse", sample=3)
    mode = "inference mode, as predict: BatchNormalization by its moving statistics"
    assert pic.what.endswith(f", {mode}")
    (_, v, data), = drawn
    assert data["caption"].endswith(f" In {mode}.")
    assert v.loss == pytest.approx(gradients(model, x[3:4], y[3:4], "mse", training=False).loss)
    plain = lstmviz.picture(_lstm(), x, view="dh", y=y, loss="mse")
    assert "mode" not in plain.what and "mode" not in drawn[-1][2]["caption"]
