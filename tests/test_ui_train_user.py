"""The Train tab with the user's model and data: a copy trains, shapes that do not fit are
said in one line, the snapshot slider scrubs training time in every view (what the views
hold equals a trace of the model with that snapshot's weights) with one undo entry."""

from __future__ import annotations

import numpy as np

from lstmviz.app import tasks
from lstmviz.app.train_user import snapshot_model
from lstmviz.engine.train import trainable_arrays


def _setup(w, tmp_path, n=40, T=10, y=None):
    w.state.set_model(tasks.get("delay").model(units=4, steps=T, seed=3))
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (n, T, 1)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", x[:, 0, :] if y is None else y)
    box = w.train_panel.user_box
    box.set_file("x", tmp_path / "x.npy")
    box.set_file("y", tmp_path / "y.npy")
    return box


def test_bad_targets_are_refused_in_one_line(make_window, tmp_path):
    w = make_window()
    panel = w.train_panel
    box = _setup(w, tmp_path, y=np.zeros((40, 10, 2), np.float32))
    task_session = panel.session
    assert not box.train()
    assert box.message.text() == ("y.npy: targets of shape (40, 10, 2), but the model outputs (None, 1); "
                                  "mse expects shape (40, 1)")
    assert panel.session is task_session
    panel.stop()


def test_a_file_gone_since_it_was_picked_is_refused_as_the_command_line_says_it(make_window, tmp_path):
    """Inputs or targets deleted or moved after they were picked: the box said Python's
    "[Errno 2] No such file or directory: '/the/whole/path/x.npy'"; now the file's name and
    what is wrong, as `lstmviz train` says it."""
    w = make_window()
    panel = w.train_panel
    box = _setup(w, tmp_path)
    for which in ("x", "y"):
        (tmp_path / f"{which}.npy").rename(tmp_path / "moved.npy")
        assert not box.train()
        assert box.message.text() == f"{which}.npy: No such file or directory"
        (tmp_path / "moved.npy").rename(tmp_path / f"{which}.npy")
    assert box.train()
    panel.stop()


def test_scrubbing_training_time_shows_the_snapshot_in_every_view(make_window, qtbot, tmp_path):
    w = make_window()
    panel = w.train_panel
    box = _setup(w, tmp_path)
    panel.snap_spin.setValue(2)
    original = [a.copy() for a in trainable_arrays(w.state.model)]
    assert box.train()
    s = panel.session
    assert s.task is None and not panel.units_spin.isEnabled()
    assert panel.task_combo.currentIndex() == -1 and panel.task_combo.placeholderText() == "Your model and data"
    # the greyed-out cell, units and steps are the user's model's, not the last task's
    rnn = next(layer for layer in s.model.layers if layer.class_name in ("LSTM", "GRU", "SimpleRNN"))
    assert (panel.cell_combo.currentText(), panel.units_spin.value(), panel.steps_spin.value()) == \
        (rnn.class_name, rnn.config["units"], s.data.x_train.shape[1])
    for _ in range(6):
        s.step()
    for a, b in zip(trainable_arrays(w.state.model), original):
        np.testing.assert_array_equal(a, b)  # a copy trains; the stack's model is untouched
    panel.refresh(force=True)
    assert panel.time_slider.maximum() == 3  # updates 0, 2, 4, 6
    depth = len(w.state.undo_stack)
    for k in (1, 3, 2):
        panel.time_slider.setValue(k)  # as a drag does: coalesced, then every view re-traced
        qtbot.waitUntil(lambda: not panel.scrub.timer.isActive(), timeout=5000)
    assert len(w.state.undo_stack) == depth + 1
    want = snapshot_model(s, 4)
    ref = want.trace(w.state.x[:1])
    name = want.layers[0].name
    for a, b in zip(trainable_arrays(w.state.model), trainable_arrays(want)):
        np.testing.assert_array_equal(a, b)
    for k, view in enumerate(w.views):
        w.tabs.setCurrentIndex(k)  # a hidden view takes the new trace when shown
        np.testing.assert_array_equal(view.trace[name].steps["h"], ref[name].steps["h"])
        cls = type(view).__name__
        if cls == "OverTimeView":
            np.testing.assert_array_equal(view.images["h"].image, ref[name].steps["h"][0].T)
        if cls == "WeightsView":
            blocks = want.get_layer(name).weights
            assert any(np.array_equal(img.image, blocks[0]) or np.array_equal(img.image, blocks[0].T)
                       for img in view.images.values())
    w.state.undo()
    for a, b in zip(trainable_arrays(w.state.model), original):
        np.testing.assert_array_equal(a, b)  # one undo: the user's model is back
    panel.show_in_views(6)  # put the last snapshot on the stack
    for a, b in zip(trainable_arrays(w.state.model), trainable_arrays(s.model)):
        np.testing.assert_array_equal(a, b)
    panel.task_combo.setCurrentIndex(0)  # back to the tasks
    assert panel.session.task is not None and panel.units_spin.isEnabled()
    assert panel.units_spin.maximum() == 512 and panel.units_spin.value() == panel.session.task.units
    panel.stop()


def test_the_gradient_views_probe_the_users_run(make_window, tmp_path):
    from lstmviz.app import grad_stats as G

    w = make_window((1400, 900))
    panel = w.train_panel
    w.tabs.setCurrentWidget(panel)
    panel.grad_views.show_view("gates")
    assert panel.grad_views.view.ref.units == panel.session.model.layers[0].units
    task_units = panel.grad_views.view.ref.units
    box = _setup(w, tmp_path)  # a model of 4 units
    assert task_units != 4
    assert box.train()
    s = panel.session
    s.step()
    gv = panel.grad_views
    gv.show_view("gates")
    v = gv.view
    assert v.ref.units == 4 and v.iteration == 1
    want = G.gate_stats(G.pick(s.model.trace(s.data.x_val[:G.MAX_GATE_SAMPLES]).layers, v.ref), v.ref.cell)
    for key, st in want.items():
        np.testing.assert_array_equal(gv.mean_bars[key].opts["height"], st.mean)
        np.testing.assert_array_equal(gv.sat_points[key].getData()[0], st.low)
    panel.task_combo.setCurrentIndex(1)  # back to the built-in tasks: a new run, probed
    gv.show_view("gates")
    assert gv.view.ref.units == panel.session.model.layers[0].units and gv.view.iteration == 0
    panel.stop()


def test_training_a_model_with_dropout_says_it_is_left_out(make_window, tmp_path):
    """The stack's Dropout layer and its LSTM's dropout were trained as the identity without
    a word; the box says so under "Train the stack's model"."""
    from lstmviz.engine import LayerSpec, Model

    w = make_window()
    box = _setup(w, tmp_path)
    assert box.train() and "\n" not in box.message.text()  # no dropout: no note
    w.state.set_model(Model.sequential((None, 10, 1), [
        LayerSpec("LSTM", {"units": 3, "dropout": 0.2}), LayerSpec("Dropout", {"rate": 0.5}),
        LayerSpec("Dense", {"units": 1})], seed=0))
    names = [layer.name for layer in w.state.model.layers]
    assert box.train()
    first, note = box.message.text().split("\n")
    assert first.startswith("Training a copy of")
    assert note == (f"Note: training here leaves out what Keras' fit adds while it trains: '{names[0]}' (dropout 0.2); "
                    f"'{names[1]}' (Dropout rate 0.5). Here they act as at inference, so the updates differ from "
                    "Keras' fit of this model.")
    w.train_panel.stop()


def test_a_model_of_several_outputs_is_refused_before_it_trains(make_window, tmp_path):
    """A model with several outputs (a file's GRUs each an output) was taken: "Training a copy
    of 'model' ...", then every update failed. Now refused in one line, the run kept."""
    from helpers import FIXTURES

    w = make_window()
    panel = w.train_panel
    assert w.open_file(FIXTURES / "k3_two_outputs" / "model.keras")
    x = np.zeros((10, 5, 3), np.float32)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", np.zeros((10, 1), np.float32))
    box = panel.user_box
    box.set_file("x", tmp_path / "x.npy")
    box.set_file("y", tmp_path / "y.npy")
    task_session = panel.session
    assert not box.train()
    outs = list(dict.fromkeys(ref.layer for ref in w.state.model.outputs))
    assert box.message.text() == (f"the model has 2 outputs ('{outs[0]}', '{outs[1]}'); gradients and training "
                                  "need a model with one output")
    assert panel.session is task_session
    panel.stop()


def test_without_validation_samples_the_gradient_views_say_training_samples(make_window, tmp_path):
    """A validation split of 0: the gradient views measure on the training samples, but
    their titles, captions and the sample box said "validation sample"."""
    w = make_window((1600, 1000))
    panel = w.train_panel
    w.tabs.setCurrentWidget(panel)
    box = _setup(w, tmp_path)
    box.split_spin.setValue(0.0)
    assert box.train()
    panel.session.step()
    gv = panel.grad_views
    gv.lesson_facts("dh")
    assert gv.view.kind == "training" and gv.view.samples == 40
    assert "training sample 0" in gv.heat_plot.titleLabel.text and "validation" not in gv.heat_plot.titleLabel.text
    assert gv.sample_label.text() == "Training sample"
    gv.lesson_facts("connectivity")
    assert "training sample 0" in gv.conn_plot.titleLabel.text
    gv.lesson_facts("gates")
    assert "over 40 training samples" in gv.captions["gates"].text()
    box.split_spin.setValue(0.25)  # ten validate
    assert box.train()
    gv.lesson_facts("gates")
    assert gv.view.kind == "validation" and "over 10 validation samples" in gv.captions["gates"].text()
    assert gv.sample_label.text() == "Validation sample"
    box.split_spin.setValue(0.05)  # two validate; then one (it said "over 1 validation samples")
    assert box.train()
    gv.lesson_facts("gates")
    assert "over 2 validation samples \u00d7" in gv.captions["gates"].text()
    box.split_spin.setValue(0.02)  # (Keras' cut: floor(40 * 0.98) = 39 train)
    assert box.train()
    gv.lesson_facts("gates")
    assert gv.view.gate_samples == 1 and "over 1 validation sample \u00d7" in gv.captions["gates"].text()
    panel.stop()


def test_putting_a_task_run_on_the_stack_says_it_takes_the_stacks_place(make_window):
    """'Put on the stack' with a task's run opened the task's model in place of the user's
    own stack (an LSTM(8) -> LSTM(4) -> Dense became the task's LSTM -> Dense) and said only
    'The weights at update 3 are on the stack'. It says the model took the stack's place and
    that Edit > Undo brings theirs back; weights that fit the stack still say weights."""
    w = make_window()
    panel = w.train_panel
    mine = [l.name for l in w.state.model.layers]
    for _ in range(3):
        panel.session.step()
    panel.session.keep_current()
    panel.refresh(force=True)
    assert panel.show_in_views() == 3
    assert [l.name for l in w.state.model.layers] != mine
    said = w.statusBar().currentMessage()
    assert "model" in said and "in place of" in said and "Undo" in said, said
    panel.session.step()
    panel.session.keep_current()
    panel.refresh(force=True)
    assert panel.show_in_views() == 4  # the task's model is the stack's now: its weights
    said = w.statusBar().currentMessage()
    assert said.startswith("The weights at update 4 are on the stack"), said
    w.state.undo()
    w.state.undo()
    assert [l.name for l in w.state.model.layers] == mine
    panel.stop()


def test_back_to_a_task_the_box_no_longer_says_it_trains_your_model(make_window, tmp_path):
    """After training the stack's model, choosing a task (or a lesson) made the tab train
    the task, but the box still said "Training a copy of 'delay' on 32 samples (8
    validate), loss mse" under its button. That line is shown while the run it describes is
    the tab's (back after a lesson that gave it back); a refusal always."""
    from lstmviz.app import tours

    w = make_window()
    panel = w.train_panel
    box = _setup(w, tmp_path)
    w.tabs.setCurrentWidget(panel)
    assert box.train() and box.message.text().startswith("Training a copy of") and box.message.isVisible()
    panel.task_combo.setCurrentIndex(1)
    assert panel.session.task is not None and not box.message.isVisible()
    assert box.train() and box.message.text().startswith("Training a copy of") and box.message.isVisible()
    mine = panel.session
    k = next(i for i, les in enumerate(tours.ALL_LESSONS) if les.title == "batch_size and updates")
    w.presenter.lessons_menu.actions()[k].trigger()
    assert panel.session.task is not None and not box.message.isVisible()
    w.presenter.tour.end()  # the user's run back: and the line about it
    assert panel.session is mine and box.message.isVisible()
    # a refusal is said whatever the tab trains
    panel.task_combo.setCurrentIndex(0)
    box.set_file("y", tmp_path / "gone.npy")
    assert not box.train() and "gone.npy" in box.message.text() and box.message.isVisible()
    panel.stop()


def test_a_gradient_of_0_is_no_point_on_the_log_plots_and_its_legend_says_so(make_window, tmp_path):
    """A run whose gradient is exactly 0 (categorical_crossentropy on a model of one output
    unit: the softmax of one value is 1, whatever the weights): the gradient through time
    and the gradient norm were drawn at the log axes' floor, "1e-30" at every step and
    update, read as a real (vanishing) gradient. Now no point for a 0, the axes not
    stretched down to 1e-30, and the legend says where the gradient is 0."""
    w = make_window()
    panel = w.train_panel
    box = _setup(w, tmp_path)
    box.loss_combo.setCurrentText("categorical_crossentropy")
    assert box.train()
    for _ in range(2):
        panel.session.step()
    panel.refresh(force=True)
    v = panel.session.view()
    assert not np.any(v.dh_norm) and not np.any(v.history.grad_norm)  # (the engine's: all 0)
    for curve in (panel.curve_dh, panel.curve_dc, panel.curve_norm):
        _, y = curve.getData()
        assert len(y) and not np.isfinite(y).any()  # no point at all, none at 10^-30
    for plot in (panel.step_plot, panel.norm_plot):
        assert plot.vb.viewRange()[1][0] > -20  # (log10: the frame is not stretched to 1e-30)
    names = [label.text for _, label in panel.step_legend.items]
    assert len(names) == 2 and all("0 at every step" in name for name in names)
    assert panel.norm_plot.titleLabel.text in ("Gradient norm per update: 0 at 2 updates",
                                               "Gradient norm: 0")  # (its plot: no point at all)
    # a run whose gradient is not 0: its points, and the legend's plain names back
    box.loss_combo.setCurrentText("mse")
    assert box.train()
    panel.session.step()
    panel.refresh(force=True)
    _, y = panel.curve_dh.getData()
    np.testing.assert_allclose(10 ** y, panel.session.view().dh_norm, rtol=1e-6)
    assert not any("0 at" in label.text for _, label in panel.step_legend.items)
    assert panel.norm_plot.titleLabel.text in ("Gradient norm per update", "Gradient norm")
    panel.stop()


def test_a_loss_of_0_or_below_is_no_point_on_the_log_axis_and_the_plot_says_so(make_window, tmp_path):
    """binary_crossentropy of targets outside 0..1 (here -1) gives negative losses, as it does
    in Keras; the loss plot drew them at its log axis' floor, "1e-30", the axis stretched
    down 30 decades and every other loss pressed into a line at its top. Now a loss of 0 or
    below is no point, the axis holds the positive ones, and a note in the plot says so."""
    w = make_window()
    panel = w.train_panel
    box = _setup(w, tmp_path, y=np.full((40, 1), -1.0, np.float32))
    box.loss_combo.setCurrentText("binary_crossentropy")
    assert box.train()
    for _ in range(3):
        panel.session.step()
    panel.refresh(force=True)
    loss = np.asarray(panel.session.view().history.loss)
    assert (loss < 0).any()  # (the engine's, as Keras computes it)
    _, y = panel.curve_loss.getData()
    np.testing.assert_array_equal(np.isfinite(y), loss > 0)
    np.testing.assert_allclose(10 ** y[loss > 0], loss[loss > 0], rtol=1e-6)
    assert panel.loss_plot.vb.viewRange()[1][0] > -20  # (log10: not stretched down to 1e-30)
    note = panel.diverged_note
    n = int(np.count_nonzero(loss <= 0))
    assert note.isVisible() and note.text().startswith("\u2193 ")
    assert f"\u2264 0 at {n} update" in note.text() or note.text() == "\u2193 \u2264 0"
    assert f"loss {loss[-1]:.4g}" in panel.status_label.text()  # the status says the loss itself
    # a run of positive losses: no note
    box.loss_combo.setCurrentText("mse")
    assert box.train()
    panel.session.step()
    panel.refresh(force=True)
    assert not panel.diverged_note.isVisible()
    panel.stop()


def test_a_run_without_validation_samples_has_no_validation_entry_in_the_loss_legend(make_window, tmp_path):
    """Your data at a validation split of 0: no validation loss is ever computed, yet the
    loss plot's legend went on naming a "validation" curve. Its entry is there only for a
    run that has validation samples; back on a task it is there again, in the theme's style."""
    w = make_window()
    panel = w.train_panel

    def names():
        return [label.text for _, label in panel.legend.items]

    assert any("validation" in n for n in names())  # a task: it validates
    box = _setup(w, tmp_path)
    box.split_spin.setValue(0.0)
    assert box.train()
    panel.session.step()
    panel.refresh(force=True)
    assert len(panel.session.data.x_val) == 0 and not panel.session.view().history.val_loss
    assert len(names()) == 2 and not any("validation" in n for n in names())
    box.split_spin.setValue(0.25)
    assert box.train()
    panel.refresh(force=True)
    assert len(names()) == 3 and "validation" in names()[-1]
    w.set_theme("light")
    panel.refresh(force=True)
    assert len(names()) == 3
    box.split_spin.setValue(0.0)
    assert box.train()
    panel.refresh(force=True)
    assert len(names()) == 2
    panel.task_combo.setCurrentIndex(panel.task_combo.findData("delay"))
    panel.refresh(force=True)
    assert len(names()) == 3 and "validation" in names()[-1]
    panel.stop()


def test_a_refusal_under_the_train_button_is_scrolled_into_sight(make_window, tmp_path):
    """Scrolled down to "Train the stack's model" (the controls' end, 1600 x 900), a press
    with targets that do not fit said why under the button, below the controls' bottom
    edge: "gy_bad.npy: 60 targets, but the inputs have 64" and half a line cut off, the
    rest out of sight. The controls now scroll the whole line into view."""
    from PySide6 import QtCore, QtWidgets

    w = make_window((1600, 900))
    panel = w.train_panel
    w.tabs.setCurrentWidget(panel)
    box = _setup(w, tmp_path, y=np.zeros((30, 1), np.float32))
    QtWidgets.QApplication.processEvents()
    bar = panel.controls.verticalScrollBar()
    assert bar.maximum() > 0
    bar.setValue(bar.maximum())
    QtWidgets.QApplication.processEvents()
    assert not box.train()
    for _ in range(3):
        QtWidgets.QApplication.processEvents()
    assert "30 targets" in box.message.text()
    view = panel.controls.viewport()
    top = box.message.mapTo(view, QtCore.QPoint(0, 0)).y()
    assert 0 <= top and top + box.message.height() <= view.height()
    panel.stop()


def test_the_lines_under_the_train_button_are_whole_once_it_trains(make_window, tmp_path):
    """At 1600 x 1000, "Train the stack's model" on a model with a Dropout wrote four lines
    under the button, but the controls' form kept the box at its height before them: the
    lines were cut in half and the button overlapped (the box 401 px high for the 461 it
    needs). The box now has the height its lines wrap to, and keeps it as they change."""
    from PySide6 import QtWidgets

    from lstmviz.engine import LayerSpec, Model

    w = make_window((1600, 1000))
    panel = w.train_panel
    w.tabs.setCurrentWidget(panel)
    box = _setup(w, tmp_path)
    w.state.set_model(Model.sequential((None, 10, 1), [
        LayerSpec("LSTM", {"units": 3, "dropout": 0.2}), LayerSpec("Dropout", {"rate": 0.5}),
        LayerSpec("Dense", {"units": 1})], seed=0))

    def settled():
        for _ in range(4):
            QtWidgets.QApplication.processEvents()

    def whole():
        settled()
        inside = box.contentsRect()
        for part in (box.train_button, box.message, box.split_spin):
            assert part.isVisible()
            assert part.height() >= part.heightForWidth(part.width()), part
            assert inside.contains(part.geometry()), part
        assert box.height() >= box.heightForWidth(box.width())
        assert box.geometry().bottom() <= panel.controls.widget().height()

    settled()
    assert box.train()
    assert box.message.text().count("\n") == 1 and box.message.heightForWidth(box.message.width()) > \
        3 * box.message.fontMetrics().lineSpacing()  # (the note wraps)
    whole()
    box.message.setText(box.message.text() + "\n" + "a longer line that wraps " * 8)  # (it changes again)
    whole()
    panel.stop()


def _compiled_fit_data(panel, box, tmp_path, epochs: int):
    """The compiled fixtures' data (tests/fixtures/compiled/fit.npz, Keras' own run) as the
    box's x and y files, no validation, batches of 4, seed 0: the run Keras made."""
    from helpers import FIXTURES

    npz = np.load(FIXTURES / "compiled" / "fit.npz")
    np.save(tmp_path / "x.npy", npz["x"])
    np.save(tmp_path / "y.npy", npz["y"])
    box.set_file("x", tmp_path / "x.npy")
    box.set_file("y", tmp_path / "y.npy")
    box.split_spin.setValue(0.0)
    panel.batch_spin.setValue(4)
    panel.epochs_spin.setValue(epochs)
    panel.seed_spin.setValue(0)
    return npz


def test_a_compiled_models_loss_and_optimizer_are_the_boxs_defaults_and_say_where_from(make_window, tmp_path):
    """A .keras file compiled with MeanAbsoluteError and RMSprop(0.005, rho=0.8,
    clipnorm=1.0): the box's loss is mae, the line under it says so and where from, and
    the run "Train the stack's model" starts updates with that optimizer, as lstmviz.fit
    of the model with no optimizer given does (the same weights after the same updates)."""
    import lstmviz
    from helpers import FIXTURES
    from lstmviz.engine.optimizers import RMSprop

    path = FIXTURES / "compiled" / "rmsprop_mae.keras"
    w = make_window()
    panel = w.train_panel
    assert not panel.user_box.compiled_label.isVisibleTo(panel)
    assert w.open_file(path)
    box = panel.user_box
    assert box.loss_combo.currentText() == "mae"
    assert box.compiled_label.isVisibleTo(panel)
    assert box.compiled_label.text() == (  # (Keras' defaults left out: they are in the tooltip)
        "From rmsprop_mae.keras's compile_config: loss mae, optimizer RMSprop(learning_rate=0.005, clipnorm=1.0, "
        "rho=0.8) (the optimizer for the run Train starts)")
    assert box.compiled_label.toolTip() == (
        "loss mae, optimizer RMSprop(learning_rate=0.005, clipnorm=1.0, rho=0.8, momentum=0.0, epsilon=1e-07, "
        "centered=False)")
    npz = _compiled_fit_data(panel, box, tmp_path, epochs=2)
    assert box.train(), box.message.text()
    opt = panel.session.trainer.optimizer
    assert isinstance(opt, RMSprop) and (opt.rho, opt.clipnorm) == (0.8, 1.0)
    assert np.isclose(opt.learning_rate, 0.005) and panel.opt_combo.currentText() == "rmsprop"
    assert "loss mae, optimizer RMSprop(learning_rate=0.005" in box.message.text()
    assert "from the file's compile_config" in box.message.text()
    for _ in range(3):  # (the first epoch: batches of 4, 4 and 2)
        panel.session.step()
    assert panel.session.trainer.shuffle  # (the tab shuffles, seed 0: fit without shuffling in that order)
    order = np.random.default_rng(0).permutation(10)
    alone = lstmviz.load(path)
    lstmviz.fit(alone, npz["x"][order], npz["y"][order], batch_size=4, epochs=1, shuffle=False)
    for a, b in zip(trainable_arrays(panel.session.model), trainable_arrays(alone)):
        np.testing.assert_allclose(a, b, atol=1e-6)
    # another optimizer picked: its own settings, none of RMSprop's
    panel.opt_combo.setCurrentText("adam")
    assert type(panel.session.trainer.optimizer).__name__ == "Adam"
    panel.stop()


def test_a_keras_trained_models_run_goes_on_from_the_optimizer_state_its_file_saved(make_window, tmp_path):
    """A .keras file Keras trained 2 updates with Adam(0.01) and saved: the run "Train the
    stack's model" starts goes on from that state (its first update is Keras' third, as
    lstmviz.fit of the file, which equals Keras' load_model + fit), says so, and Reset goes
    back to it; the same model with other weights put on the stack starts afresh, and says why."""
    import lstmviz
    from helpers import FIXTURES

    path = FIXTURES / "compiled" / "trained_adam.keras"
    w = make_window()
    panel = w.train_panel
    assert w.open_file(path)
    box = panel.user_box
    assert box.compiled_label.text() == ("From trained_adam.keras's compile_config: loss mse, optimizer "
                                         "Adam(learning_rate=0.01), its state saved after 2 updates (the optimizer "
                                         "for the run Train starts)")
    npz = _compiled_fit_data(panel, box, tmp_path, epochs=1)
    assert box.train(), box.message.text()
    assert ("loss mse, optimizer Adam(learning_rate=0.01) from the file's compile_config, continuing from update 2 "
            "of the file") in box.message.text()
    order = np.random.default_rng(0).permutation(10)  # (the tab shuffles, seed 0)

    def keras_like(updates):
        alone = lstmviz.load(path)
        lstmviz.fit(alone, npz["x"][order][:4 * updates], npz["y"][order][:4 * updates], batch_size=4, epochs=1,
                    shuffle=False)
        return trainable_arrays(alone)

    panel.session.step()
    for a, b in zip(trainable_arrays(panel.session.model), keras_like(1)):
        np.testing.assert_allclose(a, b, atol=1e-6)
    afresh = lstmviz.load(path)
    lstmviz.fit(afresh, npz["x"][order][:4], npz["y"][order][:4], optimizer="adam", learning_rate=0.01,
                batch_size=4, shuffle=False)
    assert not np.allclose(trainable_arrays(panel.session.model)[0], trainable_arrays(afresh)[0], atol=1e-6)
    assert panel.session.view().iteration == 1  # (the run counts its own updates)
    panel.session.reset()
    assert panel.session.resumed == 2
    for _ in range(2):
        panel.session.step()
    for a, b in zip(trainable_arrays(panel.session.model), keras_like(2)):
        np.testing.assert_allclose(a, b, atol=1e-6)
    w.state.model.layers[-1].weights[0][0, 0] += 1.0  # (other weights than the file's on the stack)
    assert box.train(), box.message.text()
    assert panel.session.resumed == 0 and "continuing" not in box.message.text()
    assert box.message.text().endswith("\nNote: the optimizer's state saved after 2 updates is not taken: the model's "
                                       "weights are no longer the file's; the optimizer starts afresh.")
    panel.stop()


def test_a_compiled_model_of_a_loss_not_computed_here_says_so_under_the_loss(make_window):
    from helpers import FIXTURES

    path = FIXTURES / "compiled" / "adamw_huber.keras"
    w = make_window()
    panel = w.train_panel
    before = panel.user_box.loss_combo.currentText()
    assert w.open_file(path)
    box = panel.user_box
    assert box.loss_combo.currentText() == before  # (huber is no loss here: the box keeps its own)
    assert box.compiled_label.text() == ("From adamw_huber.keras's compile_config: loss 'huber' is not one lstmviz "
                                         "computes; optimizer 'AdamW' is not one lstmviz computes")
    panel.stop()


def test_the_compiled_line_says_the_optimizer_starts_afresh_once_other_weights_are_on_the_stack(make_window, tmp_path):
    """trained_adam.keras opened: "its state saved after 2 updates". Other weights put on the
    stack (a weights-only file opened onto it, an edit that draws new ones) make the run start
    its optimizer afresh, but the line went on saying the saved state: it now says what the run will do,
    as the run's own note does; Undo brings the file's weights and the state back. A loss
    picked in the box stays through the edit."""
    import lstmviz
    from helpers import FIXTURES
    from lstmviz.io.keras_writer import save_keras

    path = FIXTURES / "compiled" / "trained_adam.keras"
    other = lstmviz.load(path)
    trainable_arrays(other)[0][0, 0] += 1.0
    save_keras(other, tmp_path / "other.keras")
    w = make_window()
    panel = w.train_panel
    assert w.open_file(path)
    box = panel.user_box
    taken = "its state saved after 2 updates"
    afresh = ("The optimizer's state saved after 2 updates is not taken: the model's weights are no longer "
              "the file's; the optimizer starts afresh")
    assert taken in box.compiled_label.text() and "afresh" not in box.compiled_label.text()
    w.state.load_weights_file(tmp_path / "other.keras")
    assert box.compiled_label.text().endswith("\n" + afresh)
    # (the compile info is still the opened file's, not the weights file's: named so)
    assert box.compiled_label.text().startswith("From trained_adam.keras's compile_config: ")
    box.loss_combo.setCurrentText("mae")  # (a loss picked, then other weights: it stays)
    w.state.load_weights_file(tmp_path / "other.keras")
    assert box.loss_combo.currentText() == "mae"
    assert taken not in box.compiled_label.text()
    w.state.undo()
    w.state.undo()
    assert taken in box.compiled_label.text() and "afresh" not in box.compiled_label.text()
    box.loss_combo.setCurrentText("mae")
    w.state.set_layer_option(1, "kernel_initializer", "zeros")  # (new weights drawn)
    assert box.compiled_label.text().endswith("\n" + afresh)
    assert box.loss_combo.currentText() == "mae"
    _compiled_fit_data(panel, box, tmp_path, epochs=1)
    assert box.train(), box.message.text()
    assert panel.session.resumed == 0 and box.message.text().endswith(f"\nNote: {afresh[:1].lower()}{afresh[1:]}.")
    panel.stop()


def test_a_session_of_a_compiled_model_keeps_its_compile_and_the_train_tab_says_where_from(make_window, tmp_path):
    """Open a Keras-trained compiled .keras, save a session, reopen it: the Train tab's
    loss and optimizer defaults, and the optimizer state the file saved, were lost (a session
    kept no compile info). They come back, and the line says the file and the session that
    kept them; an edit of the stack's weights starts the optimizer afresh (said), Undo of it
    takes the state again, Undo of the opening takes them away, Redo brings them back."""
    from helpers import FIXTURES

    path = FIXTURES / "compiled" / "trained_adam.keras"
    w = make_window()
    assert w.open_file(path)
    kept = tmp_path / "work.lstmviz"
    w.sessions.save_to(kept)
    other = make_window()
    panel = other.train_panel
    box = panel.user_box
    box.loss_combo.setCurrentText("mae")
    assert other.open_file(kept)
    assert box.loss_combo.currentText() == "mse"
    said = ("From trained_adam.keras's compile_config, kept in work.lstmviz: loss mse, optimizer "
            "Adam(learning_rate=0.01), its state saved after 2 updates (the optimizer for the run Train starts)")
    assert box.compiled_label.text() == said
    other.state.set_layer_option(0, "units", 4)  # (new weights for the LSTM)
    assert "is not taken" in box.compiled_label.text() and "kept in work.lstmviz" in box.compiled_label.text()
    assert other.sessions.undo()
    assert box.compiled_label.text() == said
    assert other.sessions.undo()  # (the opening of the session: the built-in stack, compiled with nothing)
    assert not box.compiled_label.isVisibleTo(panel)
    assert other.sessions.redo()
    assert box.compiled_label.text() == said


def test_training_a_model_with_batch_normalization_says_how_it_trains(make_window, tmp_path):
    """The box says the layer trains by each batch's statistics, as Keras' fit, and that the
    views and the validation loss take the moving ones; the run moves them."""
    from lstmviz.engine import LayerSpec, Model

    w = make_window()
    box = _setup(w, tmp_path)
    w.state.set_model(Model.sequential((None, 10, 1), [
        LayerSpec("LSTM", {"units": 3}), LayerSpec("BatchNormalization", {}, name="bn"),
        LayerSpec("Dense", {"units": 1})], seed=0))
    assert box.train()
    first, note = box.message.text().split("\n")
    assert first.startswith("Training a copy of")
    assert note == ("Note: BatchNormalization layer 'bn' trains as in Keras' fit, by each batch's mean and variance, "
                    "the moving statistics moved after each update; the views and the validation loss use the "
                    "moving statistics (inference, as predict).")
    session = w.train_panel.session
    before = session.model.get_layer("bn").named_weights()["moving_mean"].copy()
    session.step()
    assert not np.array_equal(session.model.get_layer("bn").named_weights()["moving_mean"], before)
    w.train_panel.stop()


def test_a_run_put_on_the_stack_is_gone_on_with_by_the_next_run_and_the_tab_says_so(make_window, tmp_path):
    """After "Put on the stack" the next run restarted Adam; Keras' next fit goes on with the
    compiled optimizer. The box says where the optimizer comes from and that it continues,
    and the next run's optimizer holds the first run's slots and count."""
    w = make_window()
    panel = w.train_panel
    box = _setup(w, tmp_path)
    assert box.train()
    first = panel.session
    for _ in range(5):
        first.step()
    first.keep_current()  # (as a pause does)
    panel.refresh(force=True)
    assert panel.show_in_views(5) == 5
    assert not box.compiled_label.isHidden()
    assert box.compiled_label.text() == ("From the Train tab's run put on the stack: loss mse, optimizer Adam(), its "
                                         "state saved after 5 updates (the optimizer for the run Train starts)")
    assert box.train(), box.message.text()
    assert "loss mse, optimizer Adam() from the run put on the stack, continuing from update 5\n" in \
        box.message.text() + "\n"
    second = panel.session
    assert second is not first and second.resumed == 5
    mine, theirs = second.trainer.optimizer, first.trainer.optimizer
    assert mine.restored_iterations == theirs.iterations == 5
    assert sorted(mine._slots) == sorted(theirs._slots)
    for k in theirs._slots:
        for name in theirs._slots[k]:
            np.testing.assert_array_equal(mine._slots[k][name], theirs._slots[k][name])
    w.state.undo()  # (the user's model as it was: its next run starts afresh, as before)
    assert box.train() and panel.session.resumed == 0 and "continuing" not in box.message.text()
    panel.stop()


def test_the_train_tabs_own_data_are_kept_in_a_session_and_train_after_their_files_are_gone(make_window, tmp_path):
    """Inputs and targets opened in the Train tab, a session saved (File > Save session),
    the files deleted: the session reopened in another window gave the tab no data ("no
    inputs", "no targets"). Now the box names them as kept in the session, with the loss and
    validation split picked, and Train runs on the same arrays (the run's data equal
    them to the bit); a session written without them leaves the box none."""
    w = make_window()
    box = _setup(w, tmp_path)
    x, y = np.load(tmp_path / "x.npy"), np.load(tmp_path / "y.npy")
    held = w.state.train_data  # (read once both were picked: saved even before Train is pressed)
    assert held is not None and held.loss == "mse" and held.input_name == "x.npy"
    np.testing.assert_array_equal(held.inputs, x)
    box.loss_combo.setCurrentText("mae")
    box.split_spin.setValue(0.25)
    assert box.train()  # (read again with the loss and split now picked)
    kept = tmp_path / "work.lstmviz"
    w.sessions.save_to(kept)
    (tmp_path / "x.npy").unlink()
    (tmp_path / "y.npy").unlink()
    other = make_window()
    panel = other.train_panel
    obox = panel.user_box
    assert other.open_file(kept)
    assert obox.x_label.text() == "x.npy (in the session)" and obox.y_label.text() == "y.npy (in the session)"
    assert obox.loss_combo.currentText() == "mae" and obox.split_spin.value() == 0.25
    assert obox.train(), obox.message.text()
    d = panel.session.data
    np.testing.assert_array_equal(np.concatenate([d.x_train, d.x_val]), x)
    np.testing.assert_array_equal(np.concatenate([d.y_train, d.y_val]), y)
    assert len(d.x_val) == 10 and panel.session.loss == "mae"
    assert obox.message.text().startswith("Training a copy of")
    panel.stop()
    # the window's own session (the built-in stack, no Train data): the box holds none
    plain = tmp_path / "plain.lstmviz"
    third = make_window()
    third.sessions.save_to(plain)
    assert other.open_file(plain)
    assert obox.held is None and obox.x_label.text() == "no inputs" and obox.y_label.text() == "no targets"
    assert not obox.train() and obox.message.text() == "open the inputs and the targets first"
    w.train_panel.stop()
