"""``lstmviz grad`` and ``lstmviz train``: the keys and values they write, the model they
save, progress on stderr, and one-line refusals with exit status 2."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

import lstmviz
from helpers import FIXTURES
from lstmviz import cli
from lstmviz.engine.gradients import gradients, weight_keys
from lstmviz.engine.optimizers import SGD
from lstmviz.engine.train import fit, trainable_arrays


def _files(tmp_path, case, seed=0):
    model = lstmviz.load(FIXTURES / case / "model.keras")
    x = np.load(FIXTURES / case / "x.npy")
    y = np.random.default_rng(seed).normal(size=model.trace(x).outputs[0].shape).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    return model, x, y


def test_grad_writes_keras_named_gradients(tmp_path, capsys):
    model, x, y = _files(tmp_path, "k3_lstm_default")
    rc = cli.main(["grad", str(FIXTURES / "k3_lstm_default" / "model.keras"), "--input",
                   str(tmp_path / "x.npy"), "--target", str(tmp_path / "y.npy"), "--loss", "mse",
                   "--out", str(tmp_path / "g.npz")])
    assert rc == 0
    assert "loss" in capsys.readouterr().out
    g = np.load(tmp_path / "g.npz")
    want = gradients(model, x, y, "mse")
    assert float(g["loss"]) == pytest.approx(want.loss)
    lstm = model.layers[0]
    for wname, w in zip(("kernel", "recurrent_kernel", "bias"), lstm.weights):
        key = f"{lstm.name}/{wname}"
        assert g[key].shape == w.shape
        np.testing.assert_array_equal(g[key], want.layers[lstm.name].weights[
            ("kernel", "recurrent_kernel", "bias").index(wname)])
    assert g["input"].shape == x.shape
    T = x.shape[1]
    assert g[f"{lstm.name}/dh"].shape == (x.shape[0], T, lstm.units)
    assert g[f"{lstm.name}/dc"].shape == (x.shape[0], T, lstm.units)
    assert g[f"{lstm.name}/dpre"].shape == (x.shape[0], T, 4 * lstm.units)


def test_grad_names_bidirectional_halves(tmp_path):
    model, x, y = _files(tmp_path, "k3_masking_bidi_lstm_seq")
    assert cli.main(["grad", str(FIXTURES / "k3_masking_bidi_lstm_seq" / "model.keras"), "-i",
                     str(tmp_path / "x.npy"), "-y", str(tmp_path / "y.npy"), "--loss", "mae",
                     "-o", str(tmp_path / "g.npz")]) == 0
    g = np.load(tmp_path / "g.npz")
    bidi = next(l for l in model.layers if l.class_name == "Bidirectional")
    for side in ("forward", "backward"):
        assert g[f"{bidi.name}/{side}/kernel"].shape == bidi.forward_layer.weights[0].shape
        assert f"{bidi.name}/{side}/dh" in g.files


def test_train_no_shuffle_equals_python_fit_and_saves_keras(tmp_path, capsys):
    model, x, y = _files(tmp_path, "k3_lstm_default")
    out = tmp_path / "trained.keras"
    rc = cli.main(["train", str(FIXTURES / "k3_lstm_default" / "model.keras"), "--input",
                   str(tmp_path / "x.npy"), "--target", str(tmp_path / "y.npy"), "--loss", "mse",
                   "--optimizer", "sgd", "--lr", "0.1", "--momentum", "0.9", "--batch-size", "1",
                   "--epochs", "3", "--no-shuffle", "--out", str(out)])
    assert rc == 0
    err = capsys.readouterr().err
    assert "epoch 3/3" in err and f"{x.shape[0]} updates per epoch" in err
    fit(model, x, y, "mse", SGD(0.1, momentum=0.9), batch_size=1, epochs=3, shuffle=False)
    trained = lstmviz.load(out)
    for a, b in zip(trainable_arrays(model), trainable_arrays(trained)):
        np.testing.assert_array_equal(a, b)


def test_train_task(tmp_path, capsys):
    out = tmp_path / "delay.keras"
    assert cli.main(["train", "--task", "delay", "--epochs", "2", "--seed", "3", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "256 samples, batch 32 -> 8 updates per epoch" in err
    assert "validation loss" in err
    trained = lstmviz.load(out)
    assert [l.class_name for l in trained.layers] == ["LSTM", "Dense"]


def test_train_task_parity_learns_at_its_defaults_and_reports_its_accuracy(tmp_path, capsys):
    """`lstmviz train --task parity` at the task's defaults (5 steps, 1,280 samples, 60
    epochs, seed 0) learns it: the last epoch's validation accuracy, printed as Keras' fit
    prints val_accuracy (the task's own metric, as the Train tab computes it; none was
    printed before), is 0.9 or more, and equals a Keras-style evaluation of the saved model."""
    out = tmp_path / "parity.keras"
    assert cli.main(["train", "--task", "parity", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "1024 samples, batch 32 -> 32 updates per epoch, 60 epochs" in err
    last = [line for line in err.splitlines() if line.startswith("epoch 60/60:")][0]
    acc = float(last.split("validation accuracy ")[1].split()[0])
    assert acc >= 0.9, last
    from lstmviz.app import tasks

    data = tasks.get("parity").data(seed=0)
    p = lstmviz.load(out).predict(data.x_val)
    assert abs(np.mean((p > 0.5) == (data.y_val > 0.5)) - acc) < 1e-6


def test_train_help_gives_the_defaults_a_task_trains_with(tmp_path, capsys):
    """`lstmviz train --help` said "--epochs: (default 1)" and "--batch-size: (default 32)";
    `--task` without them trains the task's (delay: 20 epochs, 160 updates), not one epoch.
    The help says both defaults, and the run is the task's."""
    from lstmviz.app import tasks

    assert cli.main(["train", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "passes over the data (default 1, or the task's)" in text
    assert "samples per update (default 32, or the task's)" in text
    task = tasks.get("sine")
    task_epochs, task_batch = task.epochs, task.batch_size
    assert task_epochs != 1
    assert cli.main(["train", "--task", "sine", "--out", str(tmp_path / "o.keras")]) == 0
    err = capsys.readouterr().err
    assert f"batch {task_batch} ->" in err and f"{task_epochs} epochs" in err
    assert f"epoch {task_epochs}/{task_epochs}:" in err


@pytest.mark.parametrize("args,msg", [
    (["--loss", "mse", "--optimizer", "adam", "--momentum", "0.9"], "--momentum applies to sgd and rmsprop"),
    (["--loss", "categorical_crossentropy"], "targets of shape (2, 7), but the model outputs (None, 2); "
                                             "categorical_crossentropy expects shape (2, 2)"),
])
def test_train_refusals(tmp_path, capsys, args, msg):
    _files(tmp_path, "k3_lstm_default")
    np.save(tmp_path / "bad.npy", np.zeros((2, 7), np.float32))
    target = "bad.npy" if "categorical" in " ".join(args) else "y.npy"
    rc = cli.main(["train", str(FIXTURES / "k3_lstm_default" / "model.keras"), "-i",
                   str(tmp_path / "x.npy"), "-y", str(tmp_path / target), *args,
                   "--out", str(tmp_path / "o.keras")])
    assert rc == 2
    err = capsys.readouterr().err.strip()
    assert msg in err and len(err.splitlines()) == 1


def test_train_names_the_input_file_and_its_whole_shape(tmp_path, capsys):
    """A batch of 2 samples with 5 features for a model of 3: train said "the input has 5
    features but the model expects 3: shape (1, 5, 5) vs ..." (its check of the first sample
    alone) and no file; now the file's own shape, named by the file, as trace and grad say it."""
    _files(tmp_path, "k3_lstm_default")
    np.save(tmp_path / "wide.npy", np.zeros((2, 5, 5), np.float32))
    rc = cli.main(["train", str(FIXTURES / "k3_lstm_default" / "model.keras"), "-i",
                   str(tmp_path / "wide.npy"), "-y", str(tmp_path / "y.npy"), "--loss", "mse",
                   "--out", str(tmp_path / "o.keras")])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1
    assert err.startswith(f"lstmviz: {tmp_path / 'wide.npy'}: the input has 5 features but the model expects 3")
    assert "shape (2, 5, 5)" in err and not (tmp_path / "o.keras").exists()


def test_grad_and_train_out_naming_a_file_they_read_replace_nothing(tmp_path, capsys):
    """grad's --out naming its target (or input, or model) file wrote the npz over it; train's
    --out naming the target file wrote the .keras over it: one line now, files as they were
    (train may still write over its own model: a run continued in place)."""
    _files(tmp_path, "k3_lstm_default")
    shutil.copy(FIXTURES / "k3_lstm_default" / "model.keras", tmp_path / "m.keras")
    shutil.copy(tmp_path / "y.npy", tmp_path / "y.keras")
    files = [tmp_path / n for n in ("m.keras", "x.npy", "y.npy", "y.keras")]
    before = {p: p.read_bytes() for p in files}
    for cmd, target, out, what in [("grad", "y.npy", "y.npy", "target"), ("grad", "y.npy", "x.npy", "input"),
                                   ("grad", "y.npy", "m.keras", "model"), ("train", "y.keras", "y.keras", "target")]:
        rc = cli.main([cmd, str(tmp_path / "m.keras"), "-i", str(tmp_path / "x.npy"), "-y", str(tmp_path / target),
                       "--loss", "mse", "-o", str(tmp_path / out)])
        err = capsys.readouterr().err.strip()
        assert rc == 2 and len(err.splitlines()) == 1, err
        assert f"this is the {what} file itself; give --out another name" in err
    assert {p: p.read_bytes() for p in files} == before


def test_grad_and_train_name_the_target_file_and_its_whole_shape(tmp_path, capsys):
    """Targets of 7 values for an output of 2: grad said "the target has shape (2, 7) but the
    model's output is (2, 2)" naming no file, train "(1, 7) ... (1, 2)" (its check of the
    first sample alone) of a file of 2 samples; then the file and the whole shape, but not
    what to give, which the Train tab said. All three say it alike, in one line."""
    from lstmviz.app.train_user import user_data

    _files(tmp_path, "k3_lstm_default")
    np.save(tmp_path / "wide.npy", np.zeros((2, 7), np.float32))
    model = FIXTURES / "k3_lstm_default" / "model.keras"
    said = (f"{tmp_path / 'wide.npy'}: targets of shape (2, 7), but the model outputs (None, 2); "
            "mse expects shape (2, 2)")
    for cmd in ("grad", "train"):
        out = tmp_path / ("g.npz" if cmd == "grad" else "t.keras")
        rc = cli.main([cmd, str(model), "-i", str(tmp_path / "x.npy"),
                       "-y", str(tmp_path / "wide.npy"), "--loss", "mse", "-o", str(out)])
        err = capsys.readouterr().err.strip()
        assert rc == 2 and len(err.splitlines()) == 1, err
        assert err == f"lstmviz: {said}", cmd
        assert not out.exists()
    with pytest.raises(lstmviz.LstmvizError) as tab:  # (the Train tab's own data, named by the file's name)
        user_data(lstmviz.load(model), tmp_path / "x.npy", tmp_path / "wide.npy", "mse", 0.0)
    assert f"{tmp_path / 'wide.npy'}: {str(tab.value).split(': ', 1)[1]}" == said


def test_a_list_for_a_model_of_one_input_says_what_a_list_means():
    """model.trace(x.tolist()) said only "the model takes 1 input(s), got 2"; then it was
    refused with a hint; now it is the samples, as Keras' predict takes nested lists. Two
    arrays for a model of one input are still refused, saying what a list means."""
    model = lstmviz.load(FIXTURES / "k3_lstm_default" / "model.keras")
    x = np.load(FIXTURES / "k3_lstm_default" / "x.npy")
    np.testing.assert_array_equal(model.trace(x.tolist()).output, model.trace(x).output)
    with pytest.raises(lstmviz.LstmvizError) as err:
        model.trace([x, x])
    assert str(err.value) == ("the model takes 1 input(s), got 2 (a list holds one array per input; "
                              "for this model's one input give one array, e.g. np.asarray(x))")
    np.testing.assert_array_equal(model.trace([x]).output, model.trace(x).output)


def test_train_refuses_unknown_task_and_bad_out(tmp_path, capsys):
    assert cli.main(["train", "--task", "nope", "--out", str(tmp_path / "o.keras")]) == 2
    assert "built-in tasks: delay, adding" in capsys.readouterr().err
    assert cli.main(["train", "--task", "delay", "--out", str(tmp_path / "o.h5")]) == 2
    assert "ending in .keras" in capsys.readouterr().err
    # a name that is only the suffix: it was told to end in .keras, as it does
    assert cli.main(["train", "--task", "delay", "--out", str(tmp_path / ".keras")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"lstmviz: {tmp_path / '.keras'}: nothing before .keras; give the file a name, e.g. trained.keras"
    assert not (tmp_path / ".keras").exists()
    # MODEL without its data: the line names what is missing, and --loss only where it is needed
    model = str(FIXTURES / "k3_lstm_default" / "model.keras")
    assert cli.main(["train", model, "--out", str(tmp_path / "o.keras")]) == 2
    assert capsys.readouterr().err.strip() == (
        "lstmviz: train needs MODEL, --input and --target (and --loss where MODEL was not compiled "
        "with one), or --task NAME: --input, --target not given")
    assert cli.main(["train", "--out", str(tmp_path / "o.keras")]) == 2
    assert capsys.readouterr().err.strip().endswith(": MODEL, --input, --target not given")


@pytest.mark.parametrize("task,loss", [("delay", "sparse_categorical_crossentropy"),
                                       ("next_char", "mse"), ("next_char", "categorical_crossentropy")])
def test_train_task_with_a_loss_its_targets_do_not_fit_is_one_line(tmp_path, capsys, task, loss):
    """``--task`` with a ``--loss`` its targets or output do not fit: the shape check's
    refusal named files with a helper imported only for MODEL and files, and ended in an
    "unexpected UnboundLocalError ... please report this" (exit 1). Now one line saying
    what does not fit and the task's own loss, exit 2, nothing written."""
    from lstmviz.app import tasks

    out = tmp_path / "o.keras"
    assert cli.main(["train", "--task", task, "--loss", loss, "--epochs", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and err.startswith("lstmviz: ")
    assert "unexpected" not in err and "Error" not in err and "report" not in err
    assert err.strip().endswith(f"; task {task} trains with --loss {tasks.get(task).loss}")
    assert "(1, " not in err  # (the whole data's shapes, not the first sample's)
    assert not out.exists()


def test_train_names_the_files_when_targets_and_samples_differ_in_number(tmp_path, capsys):
    """Targets of another count than the inputs' samples: `lstmviz train` said "40 input
    samples but 39 targets", naming neither file (`lstmviz grad` and the Train tab name
    them); now the targets' file, the inputs' and what is expected, in one line."""
    from lstmviz.app import tasks

    model = tasks.get("delay").model(units=4, steps=10, seed=3)
    from lstmviz.io.keras_writer import save_keras

    save_keras(model, tmp_path / "m.keras")
    x = np.zeros((40, 10, 1), np.float32)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", np.zeros((39, 1), np.float32))
    out = tmp_path / "o.keras"
    assert cli.main(["train", str(tmp_path / "m.keras"), "-i", str(tmp_path / "x.npy"), "-y",
                     str(tmp_path / "y.npy"), "--loss", "mse", "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"lstmviz: {tmp_path / 'y.npy'}: 39 targets, but the inputs ({tmp_path / 'x.npy'}) "
                   "have 40 samples; expected one target per sample")
    assert not out.exists()
    # a sequence output's targets as a .csv of a row per sample: read as one sample, and said
    brackets = tasks.get("brackets")
    save_keras(brackets.model(), tmp_path / "b.keras")
    data = brackets.data()
    np.save(tmp_path / "bx.npy", data.x_train[:50])
    np.savetxt(tmp_path / "by.csv", data.y_train[:50, :, 0], delimiter=",")
    assert cli.main(["train", str(tmp_path / "b.keras"), "-i", str(tmp_path / "bx.npy"), "-y",
                     str(tmp_path / "by.csv"), "--loss", "mse", "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("; a .csv of targets for a sequence output is one sample, a row per step: give the "
                        "50 samples' targets as .npy of shape (50, 16, 1)") and len(err.splitlines()) == 1
    assert cli.main(["grad", str(tmp_path / "b.keras"), "-i", str(tmp_path / "bx.npy"), "-y",
                     str(tmp_path / "by.csv"), "--loss", "mse", "-o", str(tmp_path / "g.npz")]) == 2
    err = capsys.readouterr().err.strip()
    # (grad says it as train does: the engine counts the targets before the loss sees their shape)
    assert err == (f"lstmviz: {tmp_path / 'by.csv'}: 1 target, but the inputs ({tmp_path / 'bx.npy'}) have 50 "
                   "samples; expected one target per sample; a .csv of targets for a sequence output is one "
                   "sample, a row per step: give the 50 samples' targets as .npy of shape (50, 16, 1)")


def test_train_task_refuses_a_shape(tmp_path, capsys):
    """``--task`` with ``--shape``: the shape (of input files a task does not read) was
    ignored without a word and the task trained; refused as ``--input`` is, one line."""
    out = tmp_path / "o.keras"
    assert cli.main(["train", "--task", "delay", "--shape", "1,2,3", "--epochs", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("lstmviz: --task brings its own model and data") and len(err.splitlines()) == 1
    assert "--shape" in err and not out.exists()


def test_train_refuses_a_missing_folder_before_training(tmp_path, capsys):
    """``--out`` in a folder that does not exist: it trained every epoch first, then said
    the folder does not exist (a long run's work thrown away). Refused before the first
    update, in one line."""
    out = tmp_path / "no such folder" / "trained.keras"
    assert cli.main(["train", "--task", "delay", "--epochs", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"lstmviz: {out}: the folder {out.parent} does not exist"
    assert "training" not in err and "epoch" not in err and not out.parent.exists()


@pytest.mark.parametrize("version,rec,noted", [("2.2.4", "hard_sigmoid", True), ("2.2.4", "sigmoid", False),
                                               ("3", "hard_sigmoid", False)])
def test_training_a_keras_2_hard_sigmoid_model_says_the_keras_file_computes_otherwise(
        tmp_path, capsys, monkeypatch, version, rec, noted):
    """A .keras file names an activation only; Keras 3's hard_sigmoid is not Keras 2's, so
    a trained Keras 2 LSTM saved as .keras computes other numbers (0.005 apart on a
    published model): ``lstmviz train`` says so before it trains (and the app's Keras config
    export when it is done)."""
    from lstmviz.app.export_data import keras3_caveat
    from lstmviz.app.state import AppState
    from lstmviz.engine import LayerSpec, Model
    from lstmviz.io.keras_writer import save_keras

    def model():
        return Model.sequential((None, 5, 2), [
            LayerSpec("LSTM", {"units": 3, "recurrent_activation": rec}, name="enc"),
            LayerSpec("Dense", {"units": 1}, name="out")], seed=1, keras_version=version)

    monkeypatch.setattr(lstmviz, "load", lambda path, seed=0: model())
    x = np.random.default_rng(0).normal(size=(4, 5, 2)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", np.zeros((4, 1), np.float32))
    out = tmp_path / "trained.keras"
    assert cli.main(["train", "m.h5", "-i", str(tmp_path / "x.npy"), "--target", str(tmp_path / "y.npy"),
                     "--loss", "mse", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    note = ("note: this Keras 2 model's hard_sigmoid (enc) is clip(0.2x + 0.5, 0, 1); a Keras 3 file names "
            "the activation only, and Keras 3's hard_sigmoid is relu6(x + 3) / 6: the saved model computes "
            "other numbers\n")
    assert (note in err) == noted
    assert err.index("note") < err.index("training") if noted else True
    # what the note says: the saved file computes otherwise exactly when it is given
    monkeypatch.undo()
    m = model()
    save_keras(m, tmp_path / "same.keras")
    again = lstmviz.load(tmp_path / "same.keras")
    assert (not np.allclose(again.trace(x).output, m.trace(x).output, atol=1e-6)) == noted
    state = AppState()
    state.set_model(m)
    assert (keras3_caveat(state) is not None) == noted


def test_one_epoch_of_one_update_is_said_in_the_singular(tmp_path, capsys):
    _files(tmp_path, "k3_lstm_default")
    assert cli.main(["train", str(FIXTURES / "k3_lstm_default" / "model.keras"), "-i", str(tmp_path / "x.npy"),
                     "--target", str(tmp_path / "y.npy"), "--loss", "mse", "--batch-size", "256",
                     "--out", str(tmp_path / "t.keras")]) == 0
    err = capsys.readouterr().err
    assert "-> 1 update per epoch, 1 epoch, " in err and "(1 update)\n" in err


@pytest.mark.parametrize("loss", ["mse", "sparse_categorical_crossentropy"])
def test_grad_and_train_read_a_csv_target_as_the_output_is_shaped(tmp_path, capsys, loss):
    """A .csv of targets for an output (batch, units): a row per sample (as a .npy of the same
    numbers), not one sample of rows-as-steps; class ids: a column, one per sample."""
    model, x, y = _files(tmp_path, "k3_lstm_default")
    if loss != "mse":
        y = np.array([1, 0], np.int64)
        np.save(tmp_path / "y.npy", y)
    np.savetxt(tmp_path / "y.csv", y.reshape(len(y), -1), delimiter=",", fmt="%.9g")
    case = str(FIXTURES / "k3_lstm_default" / "model.keras")
    for target in ("y.npy", "y.csv"):
        assert cli.main(["grad", case, "-i", str(tmp_path / "x.npy"), "-y", str(tmp_path / target),
                         "--loss", loss, "-o", str(tmp_path / f"{target}.npz")]) == 0, capsys.readouterr().err
    a, b = np.load(tmp_path / "y.npy.npz"), np.load(tmp_path / "y.csv.npz")
    assert sorted(a.files) == sorted(b.files)
    for key in a.files:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    np.testing.assert_allclose(a["loss"], gradients(model, x, y, loss).loss, rtol=1e-6)
    assert cli.main(["train", case, "-i", str(tmp_path / "x.npy"), "-y", str(tmp_path / "y.csv"),
                     "--loss", loss, "--no-shuffle", "-o", str(tmp_path / "t.keras")]) == 0


@pytest.mark.parametrize("layout", [0, 1])
def test_grad_and_train_refuse_an_onnx_recurrent_node_in_one_line(tmp_path, capsys, layout):
    """An ONNX LSTM node (its layout, peepholes, clip) has no backward pass: a one-line refusal
    that says what is supported, not NumPy's broadcasting error from the Keras cell's backward."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    inits = [numpy_helper.from_array(rng.uniform(-1, 1, shape).astype(np.float32), name)
             for name, shape in (("W", (1, 12, 2)), ("R", (1, 12, 3)), ("B", (1, 24)))]
    xs, ys = (["T", "N", 2], [1, "N", 3]) if layout == 0 else (["N", "T", 2], ["N", 1, 3])
    graph = helper.make_graph(
        [helper.make_node("LSTM", ["X", "W", "R", "B"], ["", "Y_h"], name="lstm", hidden_size=3, layout=layout)],
        "g", [helper.make_tensor_value_info("X", TensorProto.FLOAT, xs)],
        [helper.make_tensor_value_info("Y_h", TensorProto.FLOAT, ys)], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)]), tmp_path / "m.onnx")
    np.save(tmp_path / "x.npy", rng.uniform(-1, 1, (4, 2, 2) if layout == 0 else (2, 4, 2)).astype(np.float32))
    np.save(tmp_path / "y.npy", np.zeros((1, 2, 3) if layout == 0 else (2, 1, 3), np.float32))
    model = lstmviz.load(tmp_path / "m.onnx")
    with pytest.raises(lstmviz.LstmvizError, match="ONNX graph, which lstmviz runs forward only"):
        gradients(model, np.load(tmp_path / "x.npy"), np.load(tmp_path / "y.npy"), "mse")
    rc = cli.main(["grad", str(tmp_path / "m.onnx"), "-i", str(tmp_path / "x.npy"), "-y", str(tmp_path / "y.npy"),
                   "--loss", "mse", "-o", str(tmp_path / "g.npz")])
    err = capsys.readouterr().err
    assert rc == 2 and len(err.strip().splitlines()) == 1
    assert "'lstm' (onnx.LSTM)" in err and "Keras models and PyTorch state_dicts" in err
    assert not (tmp_path / "g.npz").exists()


def test_train_says_which_dropout_it_leaves_out(tmp_path, capsys):
    """A model with Dropout, SpatialDropout1D and an LSTM's dropout trained without a word:
    Keras' fit drops while it trains, lstmviz's training runs them as at inference."""
    from lstmviz.engine.train import left_out

    model, _, _ = _files(tmp_path, "k3_misc_layers")
    assert left_out(model) == ["'dropout' (Dropout rate 0.3)", "'lstm' (dropout 0.3, recurrent_dropout 0.3)",
                               "'spatial_dropout' (SpatialDropout1D rate 0.2)"]
    assert cli.main(["train", str(FIXTURES / "k3_misc_layers" / "model.keras"), "-i", str(tmp_path / "x.npy"),
                     "--target", str(tmp_path / "y.npy"), "--loss", "mse",
                     "--out", str(tmp_path / "t.keras")]) == 0
    err = capsys.readouterr().err
    assert ("note: training here leaves out what Keras' fit adds while it trains: 'dropout' (Dropout rate 0.3); "
            "'lstm' (dropout 0.3, recurrent_dropout 0.3); 'spatial_dropout' (SpatialDropout1D rate 0.2). Here "
            "they act as at inference, so the updates differ from Keras' fit of this model\n") in err
    _files(tmp_path, "k3_lstm_default")
    assert cli.main(["train", str(FIXTURES / "k3_lstm_default" / "model.keras"), "-i", str(tmp_path / "x.npy"),
                     "--target", str(tmp_path / "y.npy"), "--loss", "mse",
                     "--out", str(tmp_path / "t.keras")]) == 0
    assert "leaves out" not in capsys.readouterr().err
    # a regularizer, a constraint, noise, inside a Bidirectional: named too
    from lstmviz.engine import LayerSpec, Model

    stack = Model.sequential((None, 6, 3), [
        LayerSpec("GaussianNoise", {"stddev": 0.1}),
        LayerSpec("Bidirectional", {"layer": {"class_name": "GRU", "config": {
            "units": 2, "recurrent_dropout": 0.25, "kernel_regularizer": {"class_name": "L2"}}}}),
        LayerSpec("Dense", {"units": 1, "kernel_constraint": {"class_name": "MaxNorm"}}),
        LayerSpec("Dropout", {"rate": 0.0}),
    ], seed=0)
    names = [layer.name for layer in stack.layers]
    assert left_out(stack) == [f"'{names[0]}' (GaussianNoise stddev 0.1)",
                               f"'{names[1]}' (recurrent_dropout 0.25, kernel_regularizer)",
                               f"'{names[2]}' (kernel_constraint)"]


def test_train_stops_where_the_loss_overflows_and_writes_nothing(tmp_path, capsys):
    """sgd at a learning rate of 10: every update after the 12th was NaN, NumPy's overflow
    warnings filled the terminal and a model of NaN weights was saved as if trained. Now it
    stops there in one line, exit status 2, no file."""
    out = tmp_path / "d.keras"
    assert cli.main(["train", "--task", "delay", "--epochs", "2", "--optimizer", "sgd", "--lr", "10",
                     "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert not out.exists() and "RuntimeWarning" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("lstmviz: the loss became ") and last.endswith(
        f"(epoch 2): the weights overflowed (sgd, learning rate 10); {out} not written. Lower --lr (or clip "
        "with --clipnorm)")


def test_a_loss_past_float32_at_the_start_is_not_blamed_on_the_learning_rate(tmp_path, capsys):
    """Targets of 1e30 (finite float32, their squares not): the shape check's loss wrote
    NumPy's two lines of 'overflow encountered in multiply' before the refusal, which said
    'the weights overflowed ... Lower --lr' of weights no update had moved yet. Now one
    line, no warning, naming what is past float32's range."""
    import warnings

    _, x, y = _files(tmp_path, "k3_lstm_default")
    np.save(tmp_path / "y.npy", np.full_like(y, 1e30))
    out = tmp_path / "t.keras"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (a NumPy warning would be an exception here)
        rc = cli.main(["train", str(FIXTURES / "k3_lstm_default" / "model.keras"), "--input",
                       str(tmp_path / "x.npy"), "--target", str(tmp_path / "y.npy"), "--loss", "mse",
                       "--optimizer", "sgd", "--lr", "1e30", "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and not out.exists(), err
    assert err[-1] == (f"lstmviz: the loss is inf at the first update, before any weight moved: the "
                       f"model's weights or outputs, or the targets, are past float32's range; {out} not "
                       "written. Give targets (and weights) of finite float32 size")
    assert all(line.startswith("training ") for line in err[:-1]), err


def test_a_target_holding_nan_is_refused_not_blamed_on_the_learning_rate(tmp_path, capsys):
    """A NaN in y.npy: grad wrote 'loss nan' with exit status 0, train said 'the weights
    overflowed ... Lower --lr'. Now both (and the Train tab's reader) say where it is."""
    from lstmviz.app.train_user import user_data

    model, _, y = _files(tmp_path, "k3_lstm_default")
    y[1, -1] = np.nan
    np.save(tmp_path / "y.npy", y)
    files = ["--input", str(tmp_path / "x.npy"), "--target", str(tmp_path / "y.npy"), "--loss", "mse"]
    for command, out in (("grad", "g.npz"), ("train", "t.keras")):
        rc = cli.main([command, str(FIXTURES / "k3_lstm_default" / "model.keras"), *files,
                       "--out", str(tmp_path / out)])
        err = capsys.readouterr().err.strip().splitlines()
        assert rc == 2 and not (tmp_path / out).exists(), err
        bad = (1, y.shape[1] - 1) if y.ndim == 2 else (1, y.shape[1] - 1, 0)
        assert err == [f"lstmviz: {tmp_path / 'y.npy'}: the target holds NaN or infinity (first at "
                       f"index {bad}); replace it with numbers"], command
    with pytest.raises(lstmviz.LstmvizError, match="y.npy: the target holds NaN"):
        user_data(model, tmp_path / "x.npy", tmp_path / "y.npy", "mse")


def test_every_option_of_train_says_what_it_does(capsys):
    """'--optimizer {sgd,adam,rmsprop,adagrad}' was the one option of `lstmviz train --help`
    without a word (nor its default)."""
    assert cli.main(["train", "--help"]) == 0
    text = capsys.readouterr().out
    assert ("the Keras optimizer, with Keras 3's defaults (default: the one MODEL was compiled with, its settings "
            "and the state it saved after training, as Keras' load_model and fit; else adam)") in " ".join(text.split())


def test_a_class_id_outside_the_models_classes_names_its_file(tmp_path, capsys):
    """A class id of 7 for a model of 4 outputs: the loss said 'a class id is outside 0..3',
    naming no file nor where; the targets' reader now says which file, which id and where."""
    _files(tmp_path, "k3_lstm_default")
    np.save(tmp_path / "y.npy", np.array([1, 7], np.int64))
    case = str(FIXTURES / "k3_lstm_default" / "model.keras")
    classes = lstmviz.load(case).output_shapes()[0][-1]
    rc = cli.main(["grad", case, "-i", str(tmp_path / "x.npy"), "-y", str(tmp_path / "y.npy"),
                   "--loss", "sparse_categorical_crossentropy", "-o", str(tmp_path / "g.npz")])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and err == [f"lstmviz: {tmp_path / 'y.npy'}: class id 7 at index (1,) is outside "
                               f"0..{classes - 1} (the model's output has {classes} classes)"]


@pytest.mark.parametrize("command", ["grad", "train"])
@pytest.mark.parametrize("case, file, why", [("k2_stateful_lstm", "model.h5", "is stateful"),
                                              ("onnx_hand_gru_layout1", "model.onnx", "ONNX graph")])
def test_a_model_that_cannot_train_is_refused_before_its_inputs_are_read(tmp_path, capsys, command, case,
                                                                          file, why):
    """A stateful model, or an ONNX graph, given inputs of another shape: the refusal was
    about the inputs ('the input has 1 features but the model expects 3', 'the model takes
    2 input(s)'), and once the user had made them fit, that the model cannot be trained at
    all. That comes first, as the Train tab says it."""
    np.save(tmp_path / "x.npy", np.zeros((4, 20, 1), np.float32))
    np.save(tmp_path / "y.npy", np.zeros((4, 1), np.float32))
    out = tmp_path / ("g.npz" if command == "grad" else "t.keras")
    rc = cli.main([command, str(FIXTURES / case / file), "-i", str(tmp_path / "x.npy"), "-y",
                   str(tmp_path / "y.npy"), "--loss", "mse", "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and why in err and "\n" not in err and not out.exists(), err


@pytest.mark.parametrize("classes, said", [(1, "1 class"), (2, "2 classes")])
def test_a_class_id_refusal_counts_the_classes_in_the_singular_and_the_plural(tmp_path, classes, said):
    """A model of one output unit refused a class id 'outside 0..0 (the model's output
    has 1 classes)'."""
    from lstmviz.cli_inputs import read_target
    from lstmviz.engine import Model
    from lstmviz.engine.spec import LayerSpec

    model = Model.sequential((None, 3, 1), [LayerSpec("LSTM", {"units": 2}), LayerSpec("Dense", {"units": classes})])
    np.save(tmp_path / "y.npy", np.array([0, 5], np.int64))
    with pytest.raises(lstmviz.LstmvizError) as err:
        read_target(tmp_path / "y.npy", model, "sparse_categorical_crossentropy")
    assert str(err.value).endswith(f"is outside 0..{classes - 1} (the model's output has {said})")


def test_grad_keys_escape_a_slash_in_a_layers_name_as_trace_keys_do(tmp_path, capsys, monkeypatch):
    """A Bidirectional 'a' and an LSTM 'a/forward' both wrote 'a/forward/kernel' (and
    '.../dh'): one gradient lost, exit 0. Names are written as trace's keys write them
    (engine.trace.key_name: 'a%2Fforward/kernel'), every gradient under its own key."""
    from lstmviz import LayerSpec, Model

    def make():
        gru = {"class_name": "GRU", "config": {"units": 2, "return_sequences": True}}
        return Model.sequential((None, 4, 3), [
            LayerSpec("Bidirectional", {"layer": gru}, name="a"),
            LayerSpec("LSTM", {"units": 2}, name="a/forward"),
            LayerSpec("Dense", {"units": 1}, name="d:1")], seed=1)

    monkeypatch.setattr(lstmviz, "load", lambda path, seed=0: make())
    x = np.random.default_rng(0).normal(size=(2, 4, 3)).astype(np.float32)
    y = np.ones((2, 1), np.float32)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    rc = cli.main(["grad", "m.keras", "-i", str(tmp_path / "x.npy"), "-y", str(tmp_path / "y.npy"),
                   "--loss", "mse", "-o", str(tmp_path / "g.npz")])
    assert rc == 0, capsys.readouterr().err
    model = make()
    want = gradients(model, x, y, "mse")
    with np.load(tmp_path / "g.npz") as g:
        bi, lstm, dense = model.layers
        assert len([k for k in g.files if k.endswith("kernel")]) == 2 * 2 + 2 + 1
        np.testing.assert_array_equal(g["a/forward/kernel"], want.layers["a"].children["forward"].weights[0])
        np.testing.assert_array_equal(g["a%2Fforward/kernel"], want.layers["a/forward"].weights[0])
        np.testing.assert_array_equal(g["a%2Fforward/dh"], want.layers["a/forward"].steps["dh"])
        np.testing.assert_array_equal(g["a/forward/dh"], want.layers["a"].children["forward"].steps["dh"])
        np.testing.assert_array_equal(g["d%3A1/kernel"], want.layers["d:1"].weights[0])


def test_trace_grad_and_train_say_the_file_they_wrote_escaped(tmp_path, capsys):
    """``--out`` named with a newline and a right-to-left override was printed raw: 'wrote
    .../a' on one line, the rest on the next, read backwards from there. The path is
    shown as the app shows one (text.safe_text), the file written under its own name."""
    _files(tmp_path, "k3_lstm_default")
    model = str(FIXTURES / "k3_lstm_default" / "model.keras")
    data = ["-i", str(tmp_path / "x.npy")]
    target = ["--target", str(tmp_path / "y.npy"), "--loss", "mse"]
    for command, args, name, said in [("trace", data, "t\n\u202ez.npz", "wrote "),
                                      ("grad", data + target, "g\n\u202ez.npz", "wrote "),
                                      ("train", data + target, "m\n\u202ez.keras", "saved ")]:
        out = tmp_path / name
        assert cli.main([command, model, *args, "--out", str(out)]) == 0
        printed = "".join(capsys.readouterr())
        assert out.is_file()
        line = next(l for l in printed.splitlines() if l.startswith(said))
        assert line.startswith(f"{said}{tmp_path}/{name[0]}\\x0a\\u202ez."), line
        assert "\u202e" not in printed


def test_grad_files_are_indexed_as_trace_files_are(tmp_path, capsys, monkeypatch):
    """A trace file's ``lstmviz:keys`` says each key's layer, part and record; a grad
    file had none, so 'a%2Fforward/kernel' had to be taken apart by hand (and a stacked
    RNN's 'r/cell_1/dh' guessed at). Now a grad file has the same index, a row a key."""
    from lstmviz import LayerSpec, Model
    from lstmviz.app.export_data import KEYS_KEY

    def make():
        gru = {"class_name": "GRU", "config": {"units": 2, "return_sequences": True}}
        cells = [{"class_name": "LSTMCell", "config": {"units": 2}},
                 {"class_name": "SimpleRNNCell", "config": {"units": 3}}]
        return Model.sequential((None, 4, 3), [
            LayerSpec("Bidirectional", {"layer": gru}, name="a"),
            LayerSpec("RNN", {"cell": cells, "return_sequences": True}, name="r"),
            LayerSpec("LSTM", {"units": 2}, name="a/forward"),
            LayerSpec("Dense", {"units": 1}, name="d:1")], seed=1)

    monkeypatch.setattr(lstmviz, "load", lambda path, seed=0: make())
    x = np.random.default_rng(0).normal(size=(2, 4, 3)).astype(np.float32)
    y = np.ones((2, 1), np.float32)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    rc = cli.main(["grad", "m.keras", "-i", str(tmp_path / "x.npy"), "-y", str(tmp_path / "y.npy"),
                   "--loss", "mse", "-o", str(tmp_path / "g.npz")])
    assert rc == 0, capsys.readouterr().err
    model = make()
    want = gradients(model, x, y, "mse")
    with np.load(tmp_path / "g.npz", allow_pickle=False) as g:
        where = {k: (layer, part, rec) for k, layer, part, rec in g[KEYS_KEY].tolist()}
        assert sorted(where) == sorted(k for k in g.files if k != KEYS_KEY)
        assert where == want.flat_index(model)
        assert where["loss"] == ("", "", "loss") and where["input"] == ("", "", "input")
        assert where["a/forward/kernel"] == ("a", "forward", "kernel")
        assert where["a/backward/dh"] == ("a", "backward", "dh")
        assert where["a%2Fforward/recurrent_kernel"] == ("a/forward", "", "recurrent_kernel")
        assert where["a%2Fforward/dc"] == ("a/forward", "", "dc")
        assert where["r/cell_1/kernel"] == ("r", "cell_1", "kernel")
        assert where["r/cell_0/dc"] == ("r", "cell_0", "dc")
        assert where["d%3A1/bias"] == ("d:1", "", "bias")
        layers = {l.name: l for l in model.layers}
        for key, (layer, part, rec) in where.items():  # each row finds its array in `want`
            if not layer:
                got = want.loss if rec == "loss" else want.inputs[0]
            elif rec in ("dh", "dc", "dpre"):
                lg = want.layers[layer]
                got = (lg.children[part] if part else lg).steps[rec]
            else:
                wkey = f"{part}/{rec}" if part else rec
                got = want.layers[layer].weights[weight_keys(layers[layer]).index(wkey)]
            np.testing.assert_array_equal(g[key], np.asarray(got, dtype=g[key].dtype), err_msg=key)


def test_targets_of_shape_n_are_taken_for_an_output_of_one_unit(tmp_path, capsys):
    """Targets (N,) for a model whose output is (None, 1): grad and train refused them ("the
    target has shape (40,) but the model's output is (40, 1)"); Keras' fit takes them, and
    so does lstmviz now, as (N, 1), with the same loss, gradients and trained weights. (N,)
    for an output of 3 units is still refused, naming both shapes."""
    from lstmviz.app import tasks

    task = tasks.get("delay")
    model = task.model(units=4, steps=10, seed=3)
    from lstmviz.io.keras_writer import save_keras
    save_keras(model, tmp_path / "m.keras")
    x = np.random.default_rng(0).uniform(-1, 1, (12, 10, 1)).astype(np.float32)
    y = x[:, 0, 0].copy()
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    assert model.output_shapes()[0] == (None, 1)
    rc = cli.main(["grad", str(tmp_path / "m.keras"), "-i", str(tmp_path / "x.npy"), "-y", str(tmp_path / "y.npy"),
                   "--loss", "mse", "-o", str(tmp_path / "g.npz")])
    assert rc == 0, capsys.readouterr().err
    want = gradients(lstmviz.load(tmp_path / "m.keras"), x, y[:, None], "mse")
    with np.load(tmp_path / "g.npz") as g:
        assert float(g["loss"]) == pytest.approx(want.loss)
    out = tmp_path / "t.keras"
    rc = cli.main(["train", str(tmp_path / "m.keras"), "-i", str(tmp_path / "x.npy"), "-y", str(tmp_path / "y.npy"),
                   "--loss", "mse", "--optimizer", "sgd", "--lr", "0.1", "--batch-size", "4", "--no-shuffle",
                   "-o", str(out)])
    assert rc == 0, capsys.readouterr().err
    ref = lstmviz.load(tmp_path / "m.keras")
    fit(ref, x, y[:, None], "mse", SGD(0.1), batch_size=4, epochs=1, shuffle=False)
    for a, b in zip(trainable_arrays(ref), trainable_arrays(lstmviz.load(out))):
        np.testing.assert_array_equal(a, b)
    # an output of 3 units: (N,) is not one number a sample of it
    three = _model_with_units(3)
    save_keras(three, tmp_path / "m3.keras")
    capsys.readouterr()
    rc = cli.main(["grad", str(tmp_path / "m3.keras"), "-i", str(tmp_path / "x.npy"), "-y", str(tmp_path / "y.npy"),
                   "--loss", "mse", "-o", str(tmp_path / "g3.npz")])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and err == (f"lstmviz: {tmp_path / 'y.npy'}: targets of shape (12,), but the model outputs "
                               "(None, 3); mse expects shape (12, 3)")


def _model_with_units(units):
    from lstmviz.engine import LayerSpec, Model
    return Model.sequential((None, 10, 1), [LayerSpec("LSTM", {"units": 4}), LayerSpec("Dense", {"units": units})],
                            seed=1)


def test_loss_takes_keras_other_names_for_a_loss_and_says_a_near_miss(tmp_path, capsys):
    """``--loss`` offered only the five lower-case names; Keras' others for them (its
    class names, "MSE") were "invalid choice". Now any name Keras 3 takes, as lstmviz.fit
    takes it; a wrong case is told the right spelling, in one line."""
    from lstmviz.cli_learn import LOSSES
    from lstmviz.engine.losses import NAMES

    assert LOSSES == NAMES  # (the help's list is the engine's)
    _files(tmp_path, "k3_lstm_default")
    model = str(FIXTURES / "k3_lstm_default" / "model.keras")
    got = {}
    for name in ("mse", "MeanSquaredError", "MSE", "mean_squared_error"):
        out = tmp_path / f"g_{name}.npz"
        assert cli.main(["grad", model, "-i", str(tmp_path / "x.npy"), "-y", str(tmp_path / "y.npy"),
                         "--loss", name, "--out", str(out)]) == 0
        got[name] = float(np.load(out)["loss"])
    assert len(set(got.values())) == 1
    capsys.readouterr()
    assert cli.main(["grad", model, "-i", str(tmp_path / "x.npy"), "-y", str(tmp_path / "y.npy"),
                     "--loss", "Mse", "--out", str(tmp_path / "g.npz")]) == 2
    err = capsys.readouterr().err
    assert "unknown loss 'Mse' (Keras' names are case-sensitive: 'mse', 'MSE')" in err
    assert not (tmp_path / "g.npz").exists()


def test_grad_and_train_of_a_batch_normalization_model_name_the_mode(tmp_path, capsys):
    # grad: training mode as fit (the batch's statistics), --inference as predict; the line
    # says which; the gradients are gamma's and beta's, not the moving statistics'; train says
    # how the layer trains and saves the moving statistics it moved
    from lstmviz.engine import LayerSpec, Model
    from lstmviz.io.keras_writer import save_keras

    model = Model.sequential((None, 5, 3), [LayerSpec("LSTM", {"units": 4}), LayerSpec("BatchNormalization", {},
                                                                                     name="bn"),
                                            LayerSpec("Dense", {"units": 1})], seed=2)
    save_keras(model, tmp_path / "bn.keras")
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(8, 5, 3)).astype(np.float32), rng.normal(size=(8, 1)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    common = ["-i", str(tmp_path / "x.npy"), "-y", str(tmp_path / "y.npy"), "--loss", "mse"]
    for extra, training, said in (([], True, "in training mode, as fit: BatchNormalization by the batch's statistics"),
                                  (["--inference"], False,
                                   "in inference mode, as predict: BatchNormalization by its moving statistics")):
        out = tmp_path / f"g{training}.npz"
        assert cli.main(["grad", str(tmp_path / "bn.keras"), *common, "--out", str(out), *extra]) == 0
        assert said in capsys.readouterr().out
        g, want = np.load(out), gradients(model, x, y, "mse", training=training)
        assert float(g["loss"]) == pytest.approx(want.loss)
        np.testing.assert_array_equal(g["bn/gamma"], want.layers["bn"].weights[0])
        assert "bn/moving_mean" not in g.files
    assert cli.main(["train", str(tmp_path / "bn.keras"), *common, "--batch-size", "4", "--no-shuffle",
                     "--out", str(tmp_path / "t.keras")]) == 0
    assert "BatchNormalization layer 'bn' trains as in Keras' fit" in capsys.readouterr().err
    fit(model, x, y, "mse", "adam", batch_size=4, shuffle=False)
    saved = lstmviz.load(tmp_path / "t.keras").get_layer("bn").named_weights()
    for name, w in model.get_layer("bn").named_weights().items():
        np.testing.assert_array_equal(saved[name], w, err_msg=name)


def test_grad_and_train_take_a_session_as_their_help_says(tmp_path, capsys):
    """'lstmviz grad --help' named Keras and PyTorch files only, yet a session saved from the
    app is what a student has: grad of it is grad of the model it holds, and train saves."""
    from lstmviz.app.session import save_session
    from lstmviz.app.state import AppState

    model, _, _ = _files(tmp_path, "k3_lstm_default")
    state = AppState()
    state.set_model(model, path=str(FIXTURES / "k3_lstm_default" / "model.keras"))
    session = save_session(state, tmp_path / "work.lstmviz")
    data = ["--input", str(tmp_path / "x.npy"), "--target", str(tmp_path / "y.npy"), "--loss", "mse"]
    for source, out in ((FIXTURES / "k3_lstm_default" / "model.keras", "a.npz"), (session, "b.npz")):
        assert cli.main(["grad", str(source), *data, "--out", str(tmp_path / out)]) == 0
    with np.load(tmp_path / "a.npz") as a, np.load(tmp_path / "b.npz") as b:
        assert sorted(a.files) == sorted(b.files)
        for key in a.files:
            np.testing.assert_array_equal(a[key], b[key])
    assert cli.main(["train", str(session), *data, "--out", str(tmp_path / "t.keras")]) == 0
    assert lstmviz.load(tmp_path / "t.keras").get_layer("lstm") is not None
    capsys.readouterr()
    assert cli.main(["grad", "--help"]) == 0
    assert "lstmviz session (.lstmviz)" in " ".join(capsys.readouterr().out.split())
