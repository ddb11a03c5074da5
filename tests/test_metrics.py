"""A compiled model's metrics in ``fit``'s History, as Keras' ``fit`` records them (Keras
3.15's and tf_keras 2.21's numbers: ``scripts/make_metric_fixtures.py``), and what is not
computed named in one line."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

import lstmviz
from helpers import FIXTURES
from lstmviz.engine import metrics as M
from lstmviz.engine.compiled import read_compile_config, read_training_config
from lstmviz.errors import LstmvizError

HERE = FIXTURES / "metrics"
FIT = {"batch_size": 5, "epochs": 3, "shuffle": False, "validation_split": 0.25}


def _npz():
    return np.load(HERE / "fit.npz")


@pytest.mark.parametrize("case, file, x", [
    ("categorical", "categorical.keras", "x"),   # accuracy -> categorical; top-k (k=2), mse, Precision, Recall,
                                                 # "AUC" (of the three softmax outputs flattened), CE
    ("binary", "binary.keras", "x"),             # accuracy -> binary (targets of shape (n,)); mae, mape, msle
    ("sparse", "sparse.keras", "x"),             # acc -> sparse categorical; sparse top-k, sparse CE
    ("masked", "masked.keras", "x_masked"),      # a masked sequence: each sample's kept steps
    ("legacy_binary", "legacy_binary.h5", "x"),  # tf_keras' MeanMetricWrapper(fn=binary_accuracy)
])
def test_the_history_holds_the_compiled_metrics_as_keras_fit_records_them(case, file, x):
    npz = _npz()
    model = lstmviz.load(HERE / file)
    y = npz["y_" + case.removeprefix("legacy_")]
    history = lstmviz.fit(model, npz[x], y, **FIT)
    keras_keys = json.loads(str(npz[f"{case}__keys"]))
    assert sorted(history.history) == sorted(keras_keys)
    for key in keras_keys:
        np.testing.assert_allclose(history.history[key], npz[f"{case}__{key}"], rtol=1e-5, err_msg=key)
    assert len(keras_keys) > 2  # (metrics besides loss and val_loss)


def test_a_metric_not_computed_is_named_in_one_line_not_a_config_dump():
    model = lstmviz.load(HERE / "categorical.keras")
    assert model.source["notes"] == []  # (its "AUC" is computed)
    r2 = read_compile_config({"loss": "mse", "metrics": ["mae", {"class_name": "R2Score", "config": {"name": "r2"}}]})
    assert r2["notes"] == ["compile_config: metric 'r2' not computed here: the History leaves it out"]
    compiled = read_training_config({
        "loss": "mse", "optimizer_config": {"class_name": "Adam", "config": {}},
        "metrics": [[{"class_name": "MeanMetricWrapper", "config": {"name": "accuracy", "fn": "binary_accuracy"}},
                     {"class_name": "PerElementPerplexity", "config": {"name": "perplexity"}}]]})
    assert [m["name"] for m in compiled["metrics"]] == ["accuracy"]
    assert compiled["notes"] == ["training_config: metric 'perplexity' not computed here: "
                                 "the History leaves it out"]
    odd = read_compile_config({"loss": "mse", "metrics": ["accuracy", "qscore", "f1\x1b[31m", {"x": 1}]})
    (note,) = odd["notes"]
    assert note.startswith("compile_config: metrics 'qscore', 'f1\\x1b[31m', 'a metric per output' not computed")
    assert "\n" not in note and "\x1b" not in note


@pytest.mark.parametrize("spec, kind", [
    ({"class_name": "BinaryAccuracy", "config": {"name": "binary_accuracy", "threshold": 0.7}}, "binary_accuracy"),
    ({"module": "keras.metrics", "class_name": "MeanSquaredError", "config": {"name": "mean_squared_error",
                                                                             "dtype": "float32"}}, "mse"),
    ({"class_name": "precision", "config": {"name": "precision", "trainable": True}}, "precision"),
    ("sparse_categorical_accuracy", "sparse_categorical_accuracy"),
])
def test_a_metric_is_read_from_each_form_a_file_keeps_it_in(spec, kind):
    (metric,), missing = M.read([spec])
    assert metric.kind == kind and not missing
    assert metric.name == (spec if isinstance(spec, str) else spec["config"]["name"])


@pytest.mark.parametrize("spec", [
    {"class_name": "BinaryAccuracy", "config": {"name": "b", "threshold": "high"}},
    {"class_name": "Precision", "config": {"name": "p", "thresholds": [0.3, 0.6]}},
    {"class_name": "BinaryCrossentropy", "config": {"name": "bce", "from_logits": True}},
    {"class_name": "Accuracy", "config": {"name": "accuracy"}},  # (Keras' Accuracy: y == y_pred, another metric)
    {"class_name": "AUC", "config": {"name": "auc", "curve": "PRC"}},  # (Keras refuses these AUCs itself)
    {"class_name": "AUC", "config": {"name": "auc", "num_thresholds": 1}},
    {"class_name": "AUC", "config": {"name": "auc", "num_labels": 3}},  # (num_labels without multi_label)
    {"class_name": "AUC", "config": {"name": "auc", "thresholds": [0.5, float("nan")]}},
    {"class_name": "AUC", "config": {"name": "auc", "num_thresholds": 10**9}},  # (more than MAX_THRESHOLDS)
    {"class_name": "AUC", "config": {"name": "auc", "label_weights": [1.0, -2.0]}},  # (tf_keras refuses it)
    {"class_name": "AUC", "config": {"name": "auc", "multi_label": "yes"}},
    {"class_name": "AUC", "config": {"name": "auc", "sample_weight": 1}},
])
def test_a_metric_setting_not_computed_here_leaves_the_metric_out_by_name(spec):
    found, missing = M.read([spec])
    assert found == [] and missing == [spec["config"]["name"]]
    if spec["class_name"] == "AUC":  # (the note says which setting, and what is computed)
        said = M.note(missing)
        assert said.startswith("metric 'auc' (AUC's ") and " is computed) not computed here" in said or (
            " are computed) not computed here" in said)
        assert "\n" not in said


@pytest.mark.parametrize("y_shape, pred_shape, kind", [
    ((8,), (None, 1), "binary_accuracy"),
    ((8, 1), (None, 1), "binary_accuracy"),
    ((8,), (None, 4), "sparse_categorical_accuracy"),
    ((8, 1), (None, 4), "sparse_categorical_accuracy"),
    ((8, 4), (None, 4), "categorical_accuracy"),     # (binary_crossentropy over 4 sigmoids too, as in Keras)
    ((8, 5, 1), (None, 5, 1), "binary_accuracy"),
    ((8, 5), (None, 5, 3), "sparse_categorical_accuracy"),
])
def test_accuracy_is_resolved_from_the_targets_and_output_shapes_as_keras_resolves_it(y_shape, pred_shape, kind):
    (metric,) = M.resolve([M.Metric("accuracy", "accuracy")], y_shape, pred_shape)
    assert metric.kind == kind and metric.name == "accuracy"


def test_top_k_counts_ties_at_the_boundary_as_tensorflow_in_top_k_does():
    p = np.array([[0.5, 0.2, 0.2, 0.1], [0.4, 0.3, 0.2, 0.1], [0.1, 0.1, 0.1, np.nan]], np.float32)
    ids = np.array([2, 2, 0], np.float32)
    got = M.values(M.Metric("t", "sparse_top_k_categorical_accuracy", (("k", 2),)), ids, p)
    np.testing.assert_array_equal(got, [1.0, 0.0, 0.0])  # (a tie straddling k is in; a NaN row is not)


def test_fit_takes_metrics_by_name_and_refuses_one_it_does_not_compute():
    npz = _npz()
    model = lstmviz.load(HERE / "binary.keras")
    history = lstmviz.fit(model, npz["x"], npz["y_binary"], metrics=["mae"], **FIT)
    np.testing.assert_allclose(history.history["val_mae"], npz["binary__val_mae"], rtol=1e-5)
    assert "accuracy" not in history.history  # (the given ones in place of the compiled ones)
    with pytest.raises(LstmvizError) as err:
        lstmviz.fit(model, npz["x"], npz["y_binary"], metrics=["mae", "r2_score"], **FIT)
    assert str(err.value).startswith("metric 'r2_score' is not computed here; give names of Keras metrics: accuracy")
    assert str(err.value).endswith(", Precision, Recall, AUC")
    assert lstmviz.fit(model, npz["x"], npz["y_binary"], metrics=[], **FIT).history.keys() == {"loss", "val_loss"}


def test_lstmviz_train_prints_each_epochs_metrics(tmp_path, capsys):
    from lstmviz.cli import main

    npz = _npz()
    np.save(tmp_path / "x.npy", npz["x"][:9])
    np.save(tmp_path / "y.npy", npz["y_binary"][:9])
    assert main(["train", str(HERE / "binary.keras"), "--input", str(tmp_path / "x.npy"), "--target",
                 str(tmp_path / "y.npy"), "--batch-size", "5", "--epochs", "3", "--no-shuffle",
                 "--out", str(tmp_path / "t.keras")]) == 0
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("epoch ")]
    history = lstmviz.fit(lstmviz.load(HERE / "binary.keras"), npz["x"], npz["y_binary"], **FIT)
    for line, acc, mae in zip(lines, history.history["accuracy"], history.history["mae"]):
        assert f"accuracy {acc:.6g}, mae {mae:.6g}, mape " in line
    assert len(lines) == 3


def test_weighted_metrics_are_in_the_history_as_keras_names_them():
    """``weighted_metrics`` (no sample weights in fit: computed as the metric is), named as
    Keras 3.15 names them: ``weighted_<name>`` where a metric of ``metrics`` has that name,
    else the name (checked against Keras by ``scripts/check_keras_metrics.py``)."""
    from lstmviz.engine.compiled import compiled_metrics

    compiled = read_compile_config({"loss": "mse", "metrics": ["accuracy", "mae"],
                                    "weighted_metrics": ["mae", {"class_name": "Precision", "config": {
                                        "name": "precision"}}, "f1\x1b"]})
    assert [m["name"] for m in compiled["metrics"]] == ["accuracy", "mae", "weighted_mae", "precision"]
    assert compiled["notes"] == ["compile_config: metric 'f1\\x1b' not computed here: the History leaves it out"]
    model = lstmviz.load(HERE / "binary.keras")
    model.source["compile"] = {**model.source["compile"], "metrics": compiled["metrics"]}
    assert [m.name for m in compiled_metrics(model)] == ["accuracy", "mae", "weighted_mae", "precision"]
    npz = _npz()
    history = lstmviz.fit(model, npz["x"], npz["y_binary"], **FIT)
    assert history.history["weighted_mae"] == history.history["mae"]
    assert history.history["val_weighted_mae"] == history.history["val_mae"]
    assert "precision" in history.history and "val_precision" in history.history


def test_a_keras_file_written_here_keeps_the_compiled_metrics(tmp_path):
    """``save_keras`` writes the compiled metrics (and weighted ones) in the compile_config as
    Keras 3.15 writes them ("accuracy" by name, the others as serialised metric objects under
    their names; Keras 3 loads them: ``scripts/check_keras_metrics.py``); lstmviz reads back
    the same metrics (an AUC with its settings: label weights as a list, which Keras 3.15's
    own load_model takes, not the tensor object its save writes)."""
    from lstmviz.engine.compiled import compiled_metrics
    from lstmviz.io.keras_writer import save_keras

    npz = _npz()
    model = lstmviz.load(HERE / "categorical.keras")
    lstmviz.fit(model, npz["x"], npz["y_categorical"], batch_size=5, epochs=1, shuffle=False)
    save_keras(model, tmp_path / "again.keras")
    with zipfile.ZipFile(tmp_path / "again.keras") as z:
        written = json.loads(z.read("config.json"))["compile_config"]
    assert written["metrics"][0] == "accuracy" and written["weighted_metrics"] is None
    top_k = next(m for m in written["metrics"] if isinstance(m, dict) and m["class_name"] == "TopKCategoricalAccuracy")
    assert top_k["config"] == {"name": "top_k_categorical_accuracy", "dtype": "float32", "k": 2}
    again = lstmviz.load(tmp_path / "again.keras")
    assert compiled_metrics(again) == compiled_metrics(model) and len(compiled_metrics(model)) >= 5
    auc = next(m for m in written["metrics"] if isinstance(m, dict) and m["class_name"] == "AUC")
    assert auc["config"] == {"name": "AUC", "dtype": "float32"}  # (Keras' defaults)
    model = lstmviz.load(HERE / "auc_multi.keras")
    save_keras(model, tmp_path / "multi.keras")
    with zipfile.ZipFile(tmp_path / "multi.keras") as z:
        written = json.loads(z.read("config.json"))["compile_config"]
    assert written["metrics"][1]["config"] == {"name": "auc_9", "dtype": "float32", "curve": "PR",
                                               "multi_label": True, "num_labels": 3, "label_weights": [0.5, 1.0, 2.0]}
    assert compiled_metrics(lstmviz.load(tmp_path / "multi.keras")) == compiled_metrics(model)


def _auc_npz():
    return np.load(HERE / "auc.npz")


@pytest.mark.parametrize("case, file, x, y", [
    ("auc_binary", "auc_binary.keras", "x", "y_binary"),  # ROC, PR, minoring (50), PR majoring, uneven thresholds
    ("auc_logits", "auc_logits.keras", "x", "y_logits"),  # from_logits, and outputs beyond 0..1 clipped
    ("auc_multi", "auc_multi.keras", "x", "y_multi"),     # multi_label, its label_weights (PR), label_weights
    ("auc_steps", "auc_steps.keras", "x_masked", "y_steps"),  # every step of a masked sequence ("auc")
    ("legacy_auc", "legacy_auc.h5", "x", "y_binary"),     # tf_keras' training_config: AUC(), AUC(PR, 20)
    ("legacy_auc_names", "legacy_auc_names.keras", "x", "y_binary"),  # tf_keras' "AUC", "AUC": auc, auc_1
])
def test_the_history_holds_each_epochs_auc_as_keras_fit_records_it(case, file, x, y):
    """AUC streamed over each epoch's batches (the confusion counts per threshold, then the
    area) and over the validation batches, under Keras' History keys (``auc``, ``auc_1``,
    ``AUC``, ``val_auc``): Keras 3.15's and tf_keras 2.21's ``fit`` (``scripts/make_auc_fixtures.py``)."""
    npz = _auc_npz()
    model = lstmviz.load(HERE / file)
    assert not any("metric" in n for n in model.source["notes"])  # (tf_keras' .keras: a note on its optimizer)
    history = lstmviz.fit(model, npz[x], npz[y], batch_size=8, epochs=3, shuffle=False, validation_split=0.25)
    keras_keys = json.loads(str(npz[f"{case}__keys"]))
    assert sorted(history.history) == sorted(keras_keys)
    aucs = [k for k in keras_keys if "auc" in k.lower()]
    assert len(aucs) >= 2 and len({tuple(np.round(history.history[k], 6)) for k in aucs}) > 1
    for key in keras_keys:
        np.testing.assert_allclose(history.history[key], npz[f"{case}__{key}"], rtol=0, atol=1e-6, err_msg=key)


def test_auc_counts_and_area_are_keras_own_for_each_setting():
    """Two batches of predictions on and between thresholds, at 0 and 1, below 0 and above
    1 (Keras clips them), a target of 2 (true): each setting's AUC (curves, summation
    methods, 3 thresholds, given ones evenly and unevenly spaced, logits, multi_label, label
    weights) equals Keras 3's and tf_keras' ``update_state`` twice then ``result``, and the
    confusion counts per threshold are Keras' own."""
    npz = _auc_npz()
    cases = json.loads(str(npz["direct_cases"]))
    assert len(cases) >= 12
    for case, settings in cases.items():
        (metric,), missing = M.read([{"class_name": "AUC", "config": {"name": "auc", **settings}}])
        assert not missing
        tracker = M.Tracker([metric])
        tracker.update(npz["direct_y1"], npz["direct_p1"])
        tracker.update(npz["direct_y2"], npz["direct_p2"])
        for gen in ("k3", "k2"):
            np.testing.assert_allclose(tracker.result()["auc"], npz[f"{gen}_{case}__result"], rtol=0, atol=1e-6,
                                       err_msg=f"{gen} {case}")
        for n, short in enumerate(("tp", "fp", "tn", "fn")):
            if f"k3_{case}__{short}" in npz:
                np.testing.assert_array_equal(tracker.sums["auc"][n], npz[f"k3_{case}__{short}"], err_msg=short)


def test_auc_is_read_as_keras_writes_it_and_named_as_keras_names_it():
    """``"auc"`` and ``"AUC"`` are their own History keys (Keras' ``get_metric``), an object its
    config's name; Keras' default settings leave no options (so ``AUC()`` is ``"auc"``), Keras 3's
    label weights as a ``__tensor__`` object read as a list, given thresholds sorted."""
    found, missing = M.read(["auc", "AUC", {"class_name": "AUC", "config": {
        "name": "auc_3", "dtype": "float32", "num_thresholds": 5, "curve": "pr", "summation_method": "Minoring",
        "multi_label": True, "num_labels": None, "from_logits": False, "thresholds": [0.9, 0.2],
        "label_weights": {"class_name": "__tensor__", "config": {"value": [1, 2], "dtype": "float32"}}}}])
    assert not missing and [m.name for m in found] == ["auc", "AUC", "auc_3"]
    assert found[0].kind == found[1].kind == "auc" and found[0].options == ()
    assert dict(found[2].options) == {"curve": "PR", "summation_method": "minoring", "multi_label": True,
                                      "label_weights": [1.0, 2.0], "thresholds": [0.2, 0.9]}
    assert M.auc(found[2])["num_thresholds"] == 200  # (unused: given thresholds make 4)
    assert len(M._thresholds(M.auc(found[2]))[0]) == 4


@pytest.mark.parametrize("settings, y_shape, pred_shape, said", [
    ({"multi_label": True}, (8, 4, 1), (None, 4, 1), "AUC's multi_label is computed for an output of (batch, labels)"),
    ({"label_weights": [1, 2]}, (8, 3), (None, 3), "AUC's label_weights gives 2 labels, the output has 3"),
    ({"multi_label": True, "num_labels": 4}, (8, 3), (None, 3), "AUC's num_labels gives 4 labels"),
    ({}, (8,), (None, 4), "targets (8,) are not as many as the output's (None, 4)"),  # (sparse ids)
    ({"multi_label": True, "num_thresholds": 10_000}, (8, 1000), (None, 1000),
     "multi_label over 1,000 labels at 10,000 thresholds is 10,000,000 counts, more than the 4,194,304"),
])
def test_an_auc_whose_labels_do_not_fit_the_output_is_refused_in_one_line(settings, y_shape, pred_shape, said):
    (metric,), _ = M.read([{"class_name": "AUC", "config": {"name": "auc", **settings}}])
    with pytest.raises(LstmvizError) as err:
        M.resolve([metric], y_shape, pred_shape)
    assert said in str(err.value) and "\n" not in str(err.value)
    assert str(err.value).startswith("metric 'auc': ")


def test_fit_takes_auc_by_name_as_keras_compile_does():
    """``fit(metrics=["auc"])`` is Keras' default AUC: the same numbers as the file's own
    ``"AUC"`` (Keras' History of it)."""
    npz = _auc_npz()
    model = lstmviz.load(HERE / "auc_binary.keras")
    history = lstmviz.fit(model, npz["x"], npz["y_binary"], batch_size=8, epochs=3, shuffle=False,
                          validation_split=0.25, metrics=["auc"])
    assert sorted(history.history) == ["auc", "loss", "val_auc", "val_loss"]
    np.testing.assert_allclose(history.history["val_auc"], npz["auc_binary__val_AUC"], rtol=0, atol=1e-6)


def test_a_keras_2_models_confusion_counts_are_weighed_by_the_outputs_mask_as_tf_keras_weighs_them():
    """tf_keras hands every metric the output's mask as its sample weight, so a masked
    sequence's masked steps count in no AUC, Precision or Recall; Keras 3 hands it only to
    mean metrics (``auc_steps.keras``, every step counted). tf_keras 2.21's fit History of
    ``legacy_auc_steps.h5``, and the same run counting every step is not it."""
    npz = _auc_npz()
    fit = {"batch_size": 8, "epochs": 3, "shuffle": False, "validation_split": 0.25}
    model = lstmviz.load(HERE / "legacy_auc_steps.h5")
    history = lstmviz.fit(model, npz["x_masked"], npz["y_steps"], **fit)
    keras_keys = json.loads(str(npz["legacy_auc_steps__keys"]))
    assert sorted(history.history) == sorted(keras_keys)
    for key in keras_keys:
        np.testing.assert_allclose(history.history[key], npz[f"legacy_auc_steps__{key}"], rtol=0, atol=1e-6,
                                   err_msg=key)
    model = lstmviz.load(HERE / "legacy_auc_steps.h5")
    model.keras_major = 3  # (counted as Keras 3 counts them: every step)
    unmasked = lstmviz.fit(model, npz["x_masked"], npz["y_steps"], **fit)
    for key in ("auc_2", "precision", "recall"):
        assert np.max(np.abs(np.subtract(unmasked.history[key], npz[f"legacy_auc_steps__{key}"]))) > 1e-3, key


def test_a_metric_class_given_by_name_is_named_as_each_keras_names_it():
    """Keras 3 names a metric given by name by that name (``"AUC"`` is ``AUC``); tf_keras makes
    the class's object, named by the class, the second ``_1`` (``"AUC"``, ``"AUC"`` are ``auc``,
    ``auc_1``; ``"MeanSquaredError"`` is ``mean_squared_error``), a function by its name
    (``"mae"``); an object keeps its config's name in both."""
    given = ["AUC", "Precision", "AUC", "MeanSquaredError", "mae", "accuracy",
             {"class_name": "AUC", "config": {"name": "roc"}}]
    assert [m.name for m in M.read(given)[0]] == ["AUC", "Precision", "MeanSquaredError", "mae", "accuracy", "roc"]
    assert [m.name for m in M.read(given, keras2=True)[0]] == ["auc", "precision", "auc_1", "mean_squared_error",
                                                              "mae", "accuracy", "roc"]
    model = lstmviz.load(HERE / "legacy_auc_names.keras")  # (tf_keras' own .keras: its compile_config's names)
    assert [m["name"] for m in model.source["compile"]["metrics"]] == ["auc", "precision", "auc_1",
                                                                        "mean_squared_error", "mae"]


def test_an_aucs_setting_not_computed_is_named_with_what_is():
    compiled = read_compile_config({"loss": "mse", "metrics": [
        {"class_name": "AUC", "config": {"name": "auc", "num_thresholds": 10**9}},
        {"class_name": "AUC", "config": {"name": "pr", "curve": "PRC\x1b[31m"}}]})
    assert compiled["notes"] == [
        "compile_config: metrics 'auc' (AUC's num_thresholds 1000000000: a whole number from 2 to 10,000 is "
        "computed), 'pr' (AUC's curve 'PRC\\x1b[31m': ROC, PR or PRGAIN is computed) not computed here: the "
        "History leaves them out"]

