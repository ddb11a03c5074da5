"""The Train tab's own-model parts, without Qt: the user's model trained on their own inputs
and targets, and the views scrubbed through training time.

``user_data`` reads inputs and targets (``.npy``/``.csv``, with the command line's readers
in ``cli_inputs``), checks their shapes against the model and the loss (one line saying what
is wrong and what is expected) and splits off the last ``validation_split`` of the samples
for validation, as Keras' ``fit(validation_split=...)`` does. ``user_session`` trains a
*copy* of the model: the app's model is untouched until the user puts a snapshot on it.

``Scrubber`` shows the model as it was at a snapshot in every view, through the app state:
the first scrub of a burst pushes one undo entry (what was there: Edit > Undo brings it
back), the following ones only swap the weights and re-trace (no flood of undo entries). A
snapshot whose model is not the one shown (a task's model) is opened in its place once.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from lstmviz.app import tasks as T
from lstmviz.app.grad_stats import (
    MAX_GATE_SAMPLES,
    Probe,
    ProbeRun,
    ProbeView,
    RnnRef,
    recurrent_layers,
    squashed_gates,
)
from lstmviz.app.input_edits import frozen
from lstmviz.app.stack import ShownWeights, TrainData
from lstmviz.app.training import Settings, TrainingSession
from lstmviz.app.views import GRADIENT_PICTURES
from lstmviz.engine import Model
from lstmviz.engine.gradients import check_trainable, output_shape, targets
from lstmviz.engine.layers import fmt_shape, model_arrays
from lstmviz.engine.losses import NAMES, canonical, target_refusal
from lstmviz.engine.model import check_finite, check_float32
from lstmviz.engine.train import evaluate, split_at, split_share, take_rows
from lstmviz.errors import LstmvizError
from lstmviz.text import dtype_words, numbered, plural, safe_name


def copy_model(model: Model) -> Model:
    """An independent copy of ``model`` with the same weights."""
    twin = Model.from_spec(model.to_spec())
    for a, w in zip(model_arrays(twin), model_arrays(model)):
        a[...] = w
    return twin


def _name(path) -> str:
    return safe_name(str(path).replace("\\", "/").rsplit("/", 1)[-1])


def _by_name(path, read):
    """``read()``, its refusal naming the file as the tab's others do (its name, escaped),
    not by the whole path the command line's readers quote."""
    try:
        return read()
    except LstmvizError as err:
        text = str(err)
        if text.startswith(f"{path}: "):
            raise LstmvizError(f"{_name(path)}: {text[len(str(path)) + 2:]}") from None
        raise


def _fits(shape, want) -> bool:
    return len(shape) == len(want) and all(d is None or d == s for s, d in zip(shape, want))


def user_data(model: Model, input_path, target_path, loss: str,
              validation_split: float = 0.2, held: TrainData | None = None) -> tuple[T.Data, str]:
    """The user's inputs and targets as a task's ``Data`` and the canonical loss name.
    Every refusal is one line naming the file, what it holds and what is expected. A path
    that is None takes ``held``'s array of that side instead (the Train tab's data kept in a
    session, ``StateBase.train_data``: its files may be gone), checked alike."""
    from lstmviz.cli_inputs import input_specs, read_input, read_target

    loss = canonical(loss)
    check_trainable(model)
    split_share(validation_split)  # (its range, before the files are read)
    specs = input_specs(model)
    if len(specs) != 1:
        raise LstmvizError(f"the Train tab trains models with one input; this one takes {len(specs)} "
                           "(train it with `lstmviz train MODEL --input X1 --input X2 ...`)")
    if (input_path is None or target_path is None) and held is None:
        raise LstmvizError("open the inputs and the targets first")
    want, integer = specs[0]
    if input_path is not None:
        x_what = _name(input_path)
        x = np.asarray(_by_name(input_path, lambda: read_input(input_path, want, None, integer)))
    else:
        assert held is not None
        x_what, x = safe_name(held.input_name), held.inputs
    x = _inputs(model, x, want, integer, x_what)
    n = x.shape[0]
    if target_path is not None:
        y_what = _name(target_path)
        y = np.asarray(_by_name(target_path, lambda: read_target(target_path, model, loss)))
    else:
        assert held is not None
        y_what, y = safe_name(held.target_name), held.targets
    if not np.issubdtype(y.dtype, np.number) and y.dtype != bool:
        raise LstmvizError(f"{y_what}: holds {dtype_words(y.dtype)}, not numbers")
    y = y.astype(np.float32)
    if y.ndim == 0 or y.shape[0] != n:
        from lstmviz.cli_inputs import sequence_csv_note

        raise LstmvizError(f"{y_what}: {plural(y.shape[0] if y.ndim else 0, 'target')}, but "
                           f"the inputs have {plural(n, 'sample')}; expected one target per sample"
                           + (sequence_csv_note(target_path, model, n) if target_path is not None else ""))
    _check_targets(model, x, y, loss, x_what, y_what)
    cut = split_at(n, validation_split)  # Keras: the last samples validate, before any shuffling
    return T.Data(x[:cut], y[:cut], x[cut:], y[cut:]), loss


def kept_data(data: T.Data, input_name: str, target_name: str, loss: str,
              validation_split: float) -> TrainData:
    """What the state keeps of the user's data a run was made of (``StateBase.train_data``,
    saved in a session): the whole inputs and targets again, read-only, with their names."""
    return TrainData(frozen(np.concatenate([data.x_train, data.x_val])),  # (copies: the run's stay its own)
                     frozen(np.concatenate([data.y_train, data.y_val])),
                     input_name, target_name, loss, float(validation_split))


def _inputs(model: Model, x: np.ndarray, want: tuple, integer: bool, what: str) -> np.ndarray:
    """The user's inputs as the model is trained on them (token ids int32, else float32),
    refused in one line beginning with ``what`` (the file's name, or ``x``) where they are
    not numbers, not finite, or not of the shape ``want`` the model takes: of its rank, a
    shape the model runs on as ``Model.check_inputs`` (``model.trace``, ``lstmviz grad``
    and ``trace``) takes it and in its words. Keras 3.15 runs a Sequential stack declared
    of 5 steps on 8 (predict, fit) and refuses them to a functional model ("expected
    shape=(None, 5, 3), found shape=(3, 8, 3)"); the gradient pictures and the Train tab
    refused both, where the views and the command line took the Sequential's."""
    if not np.issubdtype(x.dtype, np.number) and x.dtype != bool:
        raise LstmvizError(f"{what}: holds {dtype_words(x.dtype)}, not numbers")
    # as ``lstmviz grad`` refuses them: a NaN input made the run's loss NaN (said to be the
    # weights overflowing), a float64 past float32's range became infinity in the cast
    check_float32(x, f"{what}: holds")
    check_finite(x, f"{what}: the input holds")
    if integer and np.all(x == np.round(x)):  # (finite: check_finite above)
        x = x.astype(np.int32)
    elif not integer:
        x = x.astype(np.float32)
    if not _fits(x.shape, want):
        if x.ndim == len(want):
            try:
                model.check_inputs(x)
            except LstmvizError as err:
                raise LstmvizError(f"{what}: {err}") from None
            return x
        raise LstmvizError(f"{what}: inputs of shape {x.shape}, but the model takes "
                           f"{fmt_shape(want)} (samples first)")
    return x


def _check_targets(model: Model, x, y: np.ndarray, loss: str, x_what: str, y_what: str) -> None:
    """Targets ``y`` (one per sample of ``x``) fit the model's output under ``loss``, else
    refused in one line beginning with ``y_what`` (or ``x_what``, of the inputs: "the input
    is empty", an Embedding's token id outside its vocabulary)."""
    try:
        out = output_shape(model, x)
    except LstmvizError as err:  # (named by their file, as the command line names it)
        raise LstmvizError(f"{x_what}: {err}") from None
    why = target_refusal(y.shape, out, loss)  # (as ``lstmviz grad`` and ``train`` say it)
    if why is not None:
        raise LstmvizError(f"{y_what}: {why}")
    try:
        evaluate(model, take_rows(x, slice(0, 1)), y[:1], loss)
    except LstmvizError as err:
        raise LstmvizError(f"{y_what}: {err}") from None


#: the gradient pages a model's own probe draws (``probe_model``): "updates" needs a run
MODEL_PARTS = GRADIENT_PICTURES


def probe_model(model: Model, x, y=None, loss: str | None = None, part: str = "dh", layer: str | None = None,
                sample: int | None = None) -> ProbeView:
    """The Train tab's numbers for gradient page ``part`` (``MODEL_PARTS``) of ``model`` on
    the user's own inputs ``x`` (an array: samples first), at its weights, without a run
    (``lstmviz.picture(model, x, view="dh")``): a ``grad_stats.Probe`` computes them as the
    Train tab's does, on these samples (no validation split), nothing at update 0 beside
    them (``ProbeView.run`` False). dL/dh needs targets ``y`` (one per sample, shaped as the
    model's output, as Keras' ``fit`` takes them) and a Keras ``loss``; connectivity and the
    gates need neither (given, they are checked all the same). ``layer``: a recurrent
    layer's name (a Bidirectional's half or a stacked cell by its label, "bi / backward"),
    None the first (connectivity is the model's, of no one layer); ``sample``: the sample of
    ``x`` dL/dh and connectivity are measured on, None the first (the gates are over every
    sample, the first ``MAX_GATE_SAMPLES``). Every refusal is one line saying what is wrong
    and what is supported."""
    from lstmviz.cli_inputs import input_specs

    if part not in MODEL_PARTS:
        if part == "updates":
            raise LstmvizError("view='updates' draws the size of a training update, and a model's own "
                               f"weights have none (the Train tab shows it); use one of {', '.join(MODEL_PARTS)}")
        raise LstmvizError(f"unknown gradient page {part!r}; use one of {', '.join(MODEL_PARTS)}")
    if part != "gates":  # (a backward pass: no ONNX node, no stateful layer, one output; inference
        check_trainable(model, training=False)  # mode, ``grad_stats.Probe``: one sample's own loss)
    specs = input_specs(model)
    if len(specs) != 1:
        raise LstmvizError(f"the gradient pictures take a model of one input; this one takes {len(specs)}")
    if x is None:
        raise LstmvizError(f"view={part!r} draws the model on your inputs: give x (samples first, "
                           f"{fmt_shape(specs[0][0])})")
    want, integer = specs[0]
    x = _inputs(model, np.asarray(x), want, integer, "x")
    n = int(x.shape[0])
    if n == 0:
        raise LstmvizError("x holds no sample")
    refs = recurrent_layers(model)
    if not refs and part != "connectivity":
        raise LstmvizError(f"view={part!r} draws a recurrent layer (LSTM, GRU, SimpleRNN, a Bidirectional "
                           "or RNN of them), and the model has none; view='connectivity' draws any model")
    if part == "connectivity" and layer is not None:
        raise LstmvizError(f"layer={layer!r}: connectivity is how much the model's output depends on each "
                           "input step, of no one layer; leave layer out (dh and gates draw a layer)")
    index = _rnn_index(refs, layer)
    if part == "gates" and not squashed_gates(refs[index].cell):
        raise LstmvizError(f"view='gates': layer {refs[index].label!r} is a {refs[index].cell.name}, which has no "
                           "gates (nothing saturates but h itself); view='dh' and 'connectivity' draw it")
    if part == "gates" and sample is not None:
        raise LstmvizError(f"sample={sample}: the gates are drawn over every sample of x (the first "
                           f"{MAX_GATE_SAMPLES}); leave sample out (dh and connectivity draw one sample)")
    sample = 0 if sample is None else int(sample)
    if not 0 <= sample < n:
        raise LstmvizError(f"sample={sample}: x has {numbered(n, 'sample')}")
    if part == "dh" and (y is None or loss is None):
        missing = " and ".join(k for k, v in (("y", y), ("loss", loss)) if v is None)
        raise LstmvizError(f"view='dh' draws dL/dh, the gradient of a loss: give {missing} (y: one target per "
                           f"sample of x, shaped as the model's output; loss: one of {', '.join(NAMES)})")
    if (y is None) != (loss is None):
        missing = "loss" if loss is None else "y"
        raise LstmvizError(f"y and loss go together: give {missing} too (loss: one of {', '.join(NAMES)})")
    if y is not None and loss is not None:
        loss = canonical(loss)
        y = targets(model, y, loss, n)  # ((n,) of a one-unit output: (n, 1), as Keras' fit)
        _check_targets(model, x, y, loss, "x", "y")
    probe = Probe()
    probe.set_weights(model, model_arrays(model))
    view = probe.compute_on(ProbeRun(0, None, None, x, y, loss, kind=""), index, sample, (part,))
    if view.connectivity_error:
        raise LstmvizError(view.connectivity_error)
    return view


def _rnn_index(refs: list[RnnRef], layer: str | None) -> int:
    """The index in ``refs`` of the recurrent layer named ``layer`` (its label, or a layer's
    name: its first half or cell), else refused naming the ones there are."""
    if layer is None or not refs:
        return 0
    for k, ref in enumerate(refs):
        if layer == ref.label:
            return k
    for k, ref in enumerate(refs):
        if layer == ref.layer:
            return k
    shown = ", ".join(repr(r.label) for r in refs[:8]) + (f", ... ({len(refs)} in all)" if len(refs) > 8 else "")
    which = "one of its recurrent layers" if len(refs) > 1 else "its recurrent layer"
    raise LstmvizError(f"layer={layer!r}: not a recurrent layer of the model; give {which}: {shown}")


def compiled_settings(model: Model, settings: Settings) -> tuple[Settings, str]:
    """``settings`` with the optimizer ``model`` was compiled with (its name, learning rate
    and other settings: ``engine.compiled``), and what the tab says of it ("optimizer
    RMSprop(learning_rate=0.005, rho=0.8) from the file's compile_config": its settings that
    differ from Keras' defaults); ``settings`` and "" for a model compiled with no optimizer
    lstmviz computes. The run's optimizer goes on from the state the file saved where it fits
    (``TrainingSession.resumed``)."""
    from dataclasses import replace

    from lstmviz.engine.compiled import describe, of

    compiled = of(model)
    opt = (compiled or {}).get("optimizer")
    if not opt:
        return settings, ""
    options = {k: v for k, v in opt["options"].items() if k != "learning_rate"}
    name = opt["class"].lower()
    said = describe({"optimizer": opt}, short=True)
    where = ("the run put on the stack" if (compiled or {}).get("run")
             else f"the file's {(compiled or {}).get('config', 'compile_config')}")
    return (replace(settings, optimizer=name, learning_rate=opt["options"].get("learning_rate"),
                    optimizer_options=options or None), f"{said} from {where}")


def user_session(model: Model, data: T.Data, loss: str, settings: Settings | None = None,
                 snapshot_every: int = 10) -> TrainingSession:
    """A run training a copy of ``model`` (the app's stays as it is)."""
    return TrainingSession(settings or Settings(), snapshot_every, model=copy_model(model), data=data,
                           loss=loss)


def snapshot_model(session: TrainingSession, iteration: int) -> Model:
    """The session's model with the weights of the snapshot at or before ``iteration``."""
    model = Model.from_spec(session.model.to_spec())  # the structure (its weights are replaced)
    for a, w in zip(model_arrays(model), session.weights_at(iteration)):
        a[...] = w
    return model


def save_snapshot(session: TrainingSession, iteration: int, path) -> tuple[int, str, str]:
    """The run's model with the weights of the snapshot at or before ``iteration`` saved as
    a Keras 3 ``.keras`` file (as ``lstmviz train`` saves one: the run's loss and optimizer as
    its compile_config, and the optimizer's state where the run is at that update, so Keras'
    ``fit`` of it goes on as the run would; ``engine.compiled.for_keras``); returns that snapshot's
    update, what the file leaves out or computes otherwise in Keras ("" when nothing), and
    where its weights hold NaN or infinity (``Model.nonfinite_weights``; "" when every one
    is a number): a diverged run is saved all the same (the user's work is never lost), and
    said."""
    from lstmviz.engine.compiled import for_keras
    from lstmviz.io.keras_writer import keras3_caveat, save_keras

    with session.data_lock:
        it = max((k for k, _ in session.snapshots if k <= iteration), default=0)
    model = snapshot_model(session, it)
    # the run's loss and optimizer; its state is the snapshot's where the run is at that update
    # (read between updates: an update under way on a thread is not waited for, the window never waits)
    free = session.lock.acquire(blocking=False)
    try:
        opt = session.trainer.optimizer
        training = for_keras(model, session.loss, opt, state=(opt.iterations == it) if free else
                             "an update was under way", metrics=session.compiled_metrics())
    finally:
        if free:
            session.lock.release()
    save_keras(model, path, training)
    said = "; ".join(n for n in (keras3_caveat(model), training.note) if n)
    return it, said, model.nonfinite_weights() or ""


def run_compiled(session: TrainingSession, iteration: int, model: Model) -> dict:
    """What ``model`` (the run's snapshot at ``iteration``, put on the stack) is compiled with
    from now on (``engine.compiled.after_run``): the run's loss, optimizer and metrics, and
    where the run stands at that update its optimizer's state, which the next run goes on
    from (as Keras' next ``fit`` goes on with the compiled optimizer's); read between updates
    (one under way on a thread is not waited for: no state then)."""
    from lstmviz.engine.compiled import after_run

    free = session.lock.acquire(blocking=False)
    try:
        opt = session.trainer.optimizer
        return after_run(session.loss, opt, session.compiled_metrics(), model,
                         state=free and opt.iterations == iteration)
    finally:
        if free:
            session.lock.release()


def unkept_update(session: TrainingSession, model: Model | None) -> int:
    """The update a run has trained to when ``model`` (the stack's) holds none of its
    weights: neither its latest nor any snapshot's (what a saved session would leave out);
    0 when nothing was trained or the stack holds them."""
    it = session.iteration
    if it == 0:
        return 0
    if same_structure(model, session.model):
        ours = model_arrays(model)
        with session.data_lock:
            kept = [w for _, w in session.snapshots] + [[a.copy() for a in model_arrays(session.model)]]
        if any(all(np.array_equal(a, b) for a, b in zip(ours, w)) for w in kept):
            return 0
    return it


def same_structure(a: Model | None, b: Model | None) -> bool:
    """The same layers (names, kinds and options) with the same weight shapes: weights of
    one are the other's model with them. A layer's option changed since (an activation, a
    direction: the weights still fit) is another model: the trained weights in it compute
    what was never trained. Initializers aside (they make no weights here)."""
    if a is None or b is None or [l.name for l in a.layers] != [l.name for l in b.layers]:
        return False
    if [_options(l) for l in a.layers] != [_options(l) for l in b.layers]:
        return False
    return [w.shape for w in model_arrays(a)] == [w.shape for w in model_arrays(b)]


def _options(layer) -> tuple[str, str]:
    """A layer's kind and its options (as its spec holds them, NaN equal to NaN), but its
    name and initializers."""
    import json

    from lstmviz.engine.model import spec_config

    def kept(cfg):
        if isinstance(cfg, dict):
            return {k: kept(v) for k, v in cfg.items() if k != "name" and not str(k).endswith("_initializer")}
        if isinstance(cfg, (list, tuple)):
            return [kept(v) for v in cfg]
        return cfg

    cfg = kept(spec_config(layer))
    try:
        return layer.class_name, json.dumps(cfg, sort_keys=True, default=repr)
    except (TypeError, ValueError):  # (keys of several types)
        return layer.class_name, repr(cfg)


class Scrubber:
    """Shows training snapshots in the app's views, undo-safe (see the module's doc)."""

    def __init__(self, state):
        self.state = state
        self._mark = None  # the undo entry this burst of scrubbing pushed
        #: the last ``show`` opened the snapshot's model in place of the stack's (another
        #: structure: a task's), not only its weights
        self.replaced = False

    def _ours(self) -> bool:
        st = self.state
        return bool(self._mark is not None and st.undo_stack and st.undo_stack[-1] is self._mark
                    and not st.redo_stack)

    def show(self, session: TrainingSession, iteration: int, keep: bool = False) -> int:
        """The model at the snapshot at or before ``iteration`` in every view; returns that
        snapshot's update. ``keep``: an explicit "put these weights on the stack", after
        which the next scrub starts a new undo entry."""
        st = self.state
        with session.data_lock:
            it = max((k for k, _ in session.snapshots if k <= iteration), default=0)
        model = snapshot_model(session, it)
        data = session.data
        x_val = np.asarray(data.x_val) if data is not None else np.zeros((0,), np.float32)
        self.replaced = not same_structure(st.model, model)
        shown: ShownWeights | None = ShownWeights(int(it), session.run_id, self.replaced)
        if not self.replaced:
            ours = self._ours()
            # the weights the stack held before this burst of scrubbing, its own (not another
            # snapshot's): a snapshot equal to them (update 0 of a run on it) is not said
            before = st.undo_stack[-1] if ours else None
            if (before.shown if before is not None else st.shown_weights) is None and _same_weights(
                    model, _held(before) if before is not None else [list(ly.weights) for ly in st.model.layers]):
                shown = None
            st.show_weights(model, undoable=not ours, shown=shown,
                            compiled=run_compiled(session, it, model) if keep else None)
        else:
            # a task's model: opened once, on its validation inputs, as one edit (one undo
            # brings back the work)
            spec = None
            if len(x_val) and np.issubdtype(x_val.dtype, np.floating) and x_val.ndim == 3:
                x = frozen(np.asarray(x_val[:4], np.float32))
                spec = dataclasses.replace(st.input, source="data", data=x, batch_size=x.shape[0],
                                           timesteps=x.shape[1], input_dim=x.shape[2])
            st.set_model(model, spec=spec, shown=shown)
        self._mark = None if keep else (st.undo_stack[-1] if st.undo_stack else None)
        return it


def _held(snap) -> list[list]:
    """The weights of the stack an undo snapshot holds, layer by layer."""
    if snap.model is not None:
        return [list(layer.weights) for layer in snap.model.layers]
    return [list(w or ()) for _c, _cfg, _n, w in snap.layers]


def _same_weights(model, held: list[list]) -> bool:
    """Whether ``model``'s weights are ``held`` (the stack's before a burst of scrubbing) to
    the bit, layer for layer: a snapshot that shows the user's model as it was (a run on
    it, at update 0) is its own weights, not a training snapshot's to be said."""
    mine = [list(layer.weights) for layer in model.layers]
    return len(held) == len(mine) and all(
        len(a) == len(b) and all(np.shape(x) == np.shape(y) and np.array_equal(x, y) for x, y in zip(a, b))
        for a, b in zip(held, mine))
