"""``lstmviz grad`` and ``lstmviz train``: exact gradients and Keras-like training from the
command line (the parsers and commands; ``cli.py`` registers them)."""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Any

from lstmviz.errors import LstmvizError
from lstmviz.text import plural, safe_text

LOSSES = ("mse", "mae", "binary_crossentropy", "categorical_crossentropy",
          "sparse_categorical_crossentropy")
OPTIMIZERS = ("sgd", "adam", "rmsprop", "adagrad")
MODEL_HELP = ("a Keras model or weights file (.keras, .h5, .hdf5, .weights.h5), a PyTorch "
              "state_dict (.pt, .pth, .bin, .safetensors) or an lstmviz session (.lstmviz) of "
              "one; not ONNX (run forward only)")
TARGET_HELP = ("the targets, .npy or .csv (class ids for sparse_categorical_crossentropy); a .csv "
               "is read as the model's output is shaped: a row per sample for (batch, units), a "
               "column of class ids, or one sample with a row per step for a sequence output")


def _loss(text: str) -> str:
    """``--loss``: a loss by any name Keras 3 gives it ("mse", "MSE", "mean_squared_error",
    "MeanSquaredError", ...), as the name used here (``engine.losses.canonical``)."""
    from lstmviz.engine.losses import canonical

    try:
        return canonical(text)
    except LstmvizError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


LOSS_HELP = f"the Keras loss: {', '.join(LOSSES)}, or another of Keras' names for one (MSE, MeanSquaredError, ...)"


def _positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, not {text!r}") from None
    if not math.isfinite(v) or v <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, not {text!r}")
    return v


def add_parsers(sub) -> None:
    from lstmviz.cli_inputs import CSV_HELP, parse_shape, whole_arg

    p = sub.add_parser(
        "grad", help="the loss and its exact gradients for a model, inputs and targets",
        description="Run MODEL on the input(s), take the Keras loss against the target and write "
                    "its exact gradients (backpropagation through time, float32, as Keras' "
                    "GradientTape gives them) to OUT.npz: 'loss'; '<layer>/<weight>' for every "
                    "trainable weight in its Keras shape (kernel, recurrent_kernel, bias, "
                    "embeddings; '<layer>/forward/kernel', '<layer>/backward/kernel', ... in a "
                    "Bidirectional); 'input' ('input0', 'input1', ... for several) for float "
                    "inputs; and per step of each recurrent layer, in processing order, "
                    "'<layer>/dh' (dL/dh_t), '<layer>/dc' (dL/dc_t, LSTM) and '<layer>/dpre' "
                    "(dL/d pre-activation of each gate, fused in Keras' gate order). In training "
                    "mode, as fit's update takes them (GradientTape over model(x, training=True): "
                    "a BatchNormalization by the batch's mean and variance); --inference for "
                    "model(x, training=False), by its moving statistics.",
        epilog=CSV_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", metavar="MODEL", help=MODEL_HELP)
    p.add_argument("--input", "-i", dest="inputs", action="append", required=True, metavar="X",
                   help="an input file, .npy or .csv (repeat for a model with several inputs)")
    p.add_argument("--target", "-y", required=True, metavar="Y",
                   help=TARGET_HELP)
    p.add_argument("--loss", default=None, type=_loss, metavar="LOSS",
                   help=LOSS_HELP + " (default: the loss MODEL was compiled with)")
    p.add_argument("--out", "-o", required=True, metavar="OUT.npz", help="where to write the arrays")
    p.add_argument("--shape", action="append", type=parse_shape, default=[], metavar="B,T,F",
                   help="reshape an input's numbers (a .csv's, or a .npy's) to this shape")
    p.add_argument("--inference", action="store_true",
                   help="the gradients of model(x, training=False), as predict computes: a "
                        "BatchNormalization by its moving statistics (default: training mode, as fit)")

    p = sub.add_parser(
        "train", help="train a model (or a built-in task) as Keras' model.fit and save it",
        description="Train MODEL on inputs and targets (or a built-in --task with its own data "
                    "and suggested model) the way Keras' model.fit does: one update per batch from "
                    "that batch's mean loss, the optimizers' Keras 3 rules and defaults; with "
                    "--no-shuffle the weights equal Keras' fit(shuffle=False). Writes a Keras 3 "
                    ".keras file that keras.saving.load_model opens. Progress on stderr.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", metavar="MODEL", nargs="?", default=None,
                   help=MODEL_HELP + " (or use --task)")
    p.add_argument("--task", default=None, metavar="NAME",
                   help="a built-in task instead of MODEL and data: delay, adding, parity, sine, "
                        "brackets, next_char")
    p.add_argument("--input", "-i", dest="inputs", action="append", default=[], metavar="X",
                   help="an input file, .npy or .csv")
    p.add_argument("--target", "-y", default=None, metavar="Y", help=TARGET_HELP)
    p.add_argument("--loss", default=None, type=_loss, metavar="LOSS",
                   help=LOSS_HELP + " (default: the loss MODEL was compiled with; a task has its own)")
    p.add_argument("--optimizer", default=None, choices=OPTIMIZERS,
                   help="the Keras optimizer, with Keras 3's defaults (default: the one MODEL was compiled "
                        "with, its settings and the state it saved after training, as Keras' load_model "
                        "and fit; else adam)")
    p.add_argument("--lr", type=_positive_float, default=None,
                   help="learning rate (default: the compiled optimizer's, Keras' default of the optimizer, "
                        "or the task's)")
    p.add_argument("--momentum", type=float, default=None, help="momentum (sgd, rmsprop)")
    p.add_argument("--nesterov", action="store_true", help="Nesterov momentum (sgd)")
    p.add_argument("--clipnorm", type=_positive_float, default=None, help="clip each gradient to this norm")
    p.add_argument("--clipvalue", type=_positive_float, default=None, help="clip each gradient element")
    p.add_argument("--batch-size", type=whole_arg(1), default=None,
                   help="samples per update (default 32, or the task's)")
    p.add_argument("--epochs", type=whole_arg(1), default=None, help="passes over the data (default 1, or the task's)")
    p.add_argument("--no-shuffle", action="store_true", help="keep the samples' order (as fit(shuffle=False))")
    p.add_argument("--seed", type=whole_arg(0), default=0,
                   help="seed of the shuffling (and of a task's data and weights)")
    p.add_argument("--shape", action="append", type=parse_shape, default=[], metavar="B,T,F",
                   help="reshape an input's numbers (a .csv's, or a .npy's) to this shape")
    p.add_argument("--out", "-o", required=True, metavar="TRAINED.keras", help="where to save the trained model")


def _read_target(path, model, loss: str):
    from lstmviz.cli_inputs import read_target

    return read_target(path, model, loss)


def _check_count(args, model, x, y) -> None:
    """One target per sample of the inputs, else refused naming the files (the Train tab's
    words), before the engine's "y: 39 targets, but x has 40 samples" names neither."""
    n = len(x[0] if isinstance(x, list) else x)
    if len(y) != n:
        from lstmviz.cli_inputs import sequence_csv_note

        raise LstmvizError(f"{args.target}: {plural(len(y), 'target')}, but the inputs "
                           f"({', '.join(args.inputs)}) have {plural(n, 'sample')}; expected one target per sample"
                           + sequence_csv_note(args.target, model, n))


def _check_shape(args, model, arrays, y, loss: str) -> None:
    """Targets shaped as the model's output under ``loss``, else refused in one line naming
    the targets' file, their shape and the one to give: the Train tab's words
    (``losses.target_refusal``; a .csv of a sequence output's targets: how to give them)."""
    import numpy as np

    from lstmviz.cli_inputs import name_input, sequence_csv_note
    from lstmviz.engine.gradients import output_shape
    from lstmviz.engine.losses import target_refusal

    try:  # (the whole inputs first: their own fault said of their shape, not the first sample's)
        model.check_inputs(arrays if len(arrays) > 1 else arrays[0])
        out = output_shape(model, arrays if len(arrays) > 1 else arrays[0])
    except LstmvizError as err:  # (the inputs' own fault, named by their files)
        raise LstmvizError(name_input(str(err), args.inputs)) from None
    why = target_refusal(np.shape(y), out, loss)
    if why is not None:
        raise LstmvizError(f"{args.target}: {why}" + sequence_csv_note(args.target, model, len(arrays[0])))


def cmd_grad(args) -> int:
    import numpy as np

    import lstmviz
    from lstmviz.cli_inputs import (
        check_npz_name,
        check_out_file,
        load_inputs,
        name_input,
        refuse_to_replace,
        write_npz,
    )
    from lstmviz.engine.gradients import check_trainable, gradients, mode_note, needed_loss

    refuse_to_replace(args.out, [("model file", args.model), ("target file", args.target)]
                      + [("input file", p) for p in args.inputs])
    check_npz_name(args.out, "grad")
    check_out_file(args.out)
    model = lstmviz.load(args.model)
    training = not args.inference
    check_trainable(model, training)  # (before its inputs: a model that cannot be differentiated says so first)
    compiled = args.loss is None
    if compiled:  # (what the model was compiled with, as fit and train take it)
        args.loss = needed_loss(model, "grad", "give --loss")
    arrays = load_inputs(model, args.inputs, args.shape)
    y = _read_target(args.target, model, args.loss)
    _check_count(args, model, arrays, y)
    _check_shape(args, model, arrays, y, args.loss)
    try:  # (targets of the wrong shape refused above in the same words, ``_check_shape``:
        # gradients' own check of them, ``check_targets``, then passes, its output's shape
        # the same after every sample as after the first)
        g = gradients(model, arrays if len(arrays) > 1 else arrays[0], y, args.loss, training)
    except LstmvizError as err:
        raise LstmvizError(name_input(str(err), args.inputs, args.target)) from None
    from lstmviz.app.export_data import grad_arrays

    flat = grad_arrays(g, model)  # with its index ('lstmviz:keys'), as a trace file's
    write_npz(Path(args.out), flat)
    weights = g.weight_grads(model)
    norm = float(np.sqrt(sum(float(np.sum(np.square(a, dtype=np.float64))) for a in weights.values())))
    from lstmviz.cli_inputs import read_as

    csv = read_as(model, args.inputs, arrays)
    mode = mode_note(model, training)
    print(f"wrote {safe_text(str(args.out))}: loss {g.loss:.6g} ({args.loss}{', as compiled' if compiled else ''}), "
          f"gradients of {len(weights)} weight arrays" + (f" in {mode}" if mode else "") + " "
          f"(global norm {norm:.4g}), {len(flat)} arrays in all" + (f" ({safe_text(csv)})" if csv else ""))
    from lstmviz.engine.train import frozen_note

    if frozen_note(model):
        print(f"note: {frozen_note(model, gradients=True)}")
    return 0


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def cmd_train(args) -> int:
    import numpy as np

    import lstmviz
    from lstmviz.cli_inputs import check_named, name_input, read_as
    from lstmviz.engine.compiled import compiled_loss, compiled_optimizer, of, restore, state_of
    from lstmviz.engine.optimizers import make
    from lstmviz.engine.train import Trainer, batch_norm_note, evaluate, frozen_note, left_out_note, overflowed
    from lstmviz.io.keras_writer import keras3_caveat, model_config, save_keras

    check_named(args.out, "--out")
    out = Path(args.out)
    if out.name == ".keras":  # (Path('.keras').suffix is '': a hidden file without a name)
        raise LstmvizError(f"{out}: nothing before .keras; give the file a name, e.g. trained.keras")
    if out.suffix != ".keras":
        raise LstmvizError(f"{out}: the trained model is saved as Keras 3 .keras; give a name ending in .keras")
    from lstmviz.cli_inputs import check_out_file

    check_out_file(out)  # (before training: it trained every epoch, then could not save)
    x_val = y_val = None
    x: Any  # (an array, or a list of arrays for a model of several inputs)
    if args.task:
        from lstmviz.app import tasks

        if args.model or args.inputs or args.target or args.shape:
            raise LstmvizError("--task brings its own model and data; "
                               "give either --task or MODEL with --input/--target (and --shape)")
        task = tasks.get(args.task)
        data = task.data(seed=args.seed)
        model = task.model(seed=args.seed)
        x, y, x_val, y_val = data.x_train, data.y_train, data.x_val, data.y_val
        loss = args.loss or task.loss
        lr = args.lr or task.learning_rate
        batch, epochs = args.batch_size or task.batch_size, args.epochs or task.epochs
    else:
        from lstmviz.cli_inputs import load_inputs, refuse_to_replace

        if not args.model or not args.inputs or not args.target:
            missing = [what for what, given in (("MODEL", args.model), ("--input", args.inputs),
                                                ("--target", args.target)) if not given]
            raise LstmvizError(f"train needs MODEL, --input and --target (and --loss where MODEL was not "
                               f"compiled with one), or --task NAME: {', '.join(missing)} not given")
        # (the model file may be replaced by its trained self: a run continued in place)
        refuse_to_replace(args.out, [("target file", args.target)] + [("input file", p) for p in args.inputs])
        from lstmviz.engine.gradients import check_trainable

        model = lstmviz.load(args.model)
        check_trainable(model)  # (before its inputs: a model that cannot be trained says so first)
        if args.loss is None:  # (what the model was compiled with, as fit takes it)
            args.loss = compiled_loss(model, give="give --loss")
            if args.loss is None:
                raise LstmvizError("train needs --loss: this model was not compiled with one (give --loss "
                                   f"{', '.join(LOSSES[:3])}, ...)")
        arrays = load_inputs(model, args.inputs, args.shape)
        try:  # the whole arrays, named by their files (not the first sample's check below)
            model.check_inputs(arrays)
        except LstmvizError as err:
            raise LstmvizError(name_input(str(err), args.inputs)) from None
        x = arrays if len(arrays) > 1 else arrays[0]
        y = _read_target(args.target, model, args.loss)
        loss, lr = args.loss, args.lr
        batch, epochs = args.batch_size or 32, args.epochs or 1
    model_config(model)  # refuse an unsaveable model before training, not after
    caveat = keras3_caveat(model)
    if caveat:
        _say(f"note: {caveat}")
    for note in (left_out_note(model), batch_norm_note(model), frozen_note(model)):
        if note:
            _say(f"note: {note}")
    compiled = None if args.task or args.optimizer else compiled_optimizer(model, lr, give="give --optimizer")
    name = args.optimizer or (type(compiled).__name__.lower() if compiled is not None else "adam")
    options = {"clipnorm": args.clipnorm, "clipvalue": args.clipvalue}
    if args.momentum is not None:
        if name not in ("sgd", "rmsprop"):
            raise LstmvizError(f"--momentum applies to sgd and rmsprop, not {name}")
        options["momentum"] = args.momentum
    if args.nesterov:
        if name != "sgd":
            raise LstmvizError("--nesterov applies to sgd only")
        options["nesterov"] = True
    given = {k: v for k, v in options.items() if v is not None}
    resumed, why = 0, ""
    if compiled is not None and given:  # (the compiled optimizer with these settings in place of its own)
        settings = {**(of(model) or {})["optimizer"]["options"], **({"learning_rate": lr} if lr else {}), **given}
        compiled = make(name, settings.pop("learning_rate", None), **settings)
        resumed, why = restore(compiled, model)  # (where it still fits: the compiled settings)
    elif compiled is not None:  # (from the state the file saved where it fits, else afresh: why)
        resumed = compiled.restored_iterations
        why = "" if resumed else state_of(model)[1]
    opt = compiled if compiled is not None else make(name, lr, **options)
    if not args.task:
        _check_count(args, model, x, y)
    from lstmviz.engine.compiled import compiled_metrics
    from lstmviz.engine.metrics import Tracker
    from lstmviz.engine.metrics import given as given_metrics

    # (Keras' compiled metrics; a task's own, as the Train tab computes them: parity's accuracy)
    trainer = Trainer(model, x, y, loss, opt, batch, epochs, not args.no_shuffle, args.seed,
                      metrics=given_metrics(list(task.metrics)) if args.task else compiled_metrics(model))
    from lstmviz.engine.train import take_rows

    try:  # shapes fit, before any output
        if not args.task:  # (the targets' file: what to give, as grad and the Train tab say it)
            _check_shape(args, model, [x] if not isinstance(x, list) else x, y, loss)
        evaluate(model, take_rows(x, slice(0, 1)), np.asarray(y)[:1], loss)
    except LstmvizError as err:
        msg = str(err)
        if msg.startswith("the target has shape"):  # (a task's own targets, of the first sample alone)
            from lstmviz.engine.gradients import output_shape
            from lstmviz.engine.losses import target_refusal

            msg = target_refusal(np.shape(y), output_shape(model, x), loss) or msg
        if args.task and loss != task.loss:  # (--loss in place of the task's own)
            msg += f"; task {task.name} trains with --loss {task.loss}"
        raise LstmvizError(name_input(msg, args.inputs or [], args.target)) from None
    csv = "" if args.task else read_as(model, args.inputs, [x] if not isinstance(x, list) else x)
    read = f" ({safe_text(csv)})" if csv else ""
    _say(f"training {model.name}: {plural(trainer.n, 'sample')}{read}, batch {trainer.batch_size} -> "
         f"{plural(trainer.batches_per_epoch, 'update')} per epoch, "
         f"{plural(trainer.epochs, 'epoch')}, "
         f"{name} lr {opt.learning_rate:g}, loss {loss}"
         + (f" (as compiled, from update {resumed:,} of the file)" if resumed else
            " (as compiled)" if compiled is not None else ""))
    if why:
        _say(f"note: {why}")
    start = time.perf_counter()
    while not trainer.done:
        with np.errstate(over="ignore", invalid="ignore"):  # (said below, in one line)
            upd = trainer.step()
        bad = overflowed(upd.loss, upd.grad_norm)
        if bad is not None:
            what, value = bad
            if upd.iteration == 1:  # (its loss and gradients are of the weights it started from)
                raise LstmvizError(
                    f"the {what} is {value} at the first update, before any weight moved: the "
                    "model's weights or outputs, or the targets, are past float32's range; "
                    f"{out} not written. Give targets (and weights) of finite float32 size")
            raise LstmvizError(
                f"the {what} became {value} at update {upd.iteration} "
                f"(epoch {upd.epoch + 1}): the weights overflowed ({name}, learning rate "
                f"{opt.learning_rate:g}); {out} not written. Lower --lr (or clip with --clipnorm)")
        if upd.epoch_end:
            line = (f"epoch {upd.epoch + 1}/{trainer.epochs}: loss {upd.epoch_loss:.6g}, "
                    + "".join(f"{safe_text(k, 40)} {v:.6g}, " for k, v in upd.metrics.items())
                    + f"gradient norm {upd.grad_norm:.3g}")
            if x_val is not None:  # (and Keras' val_ metrics, over the same batches)
                tracker = Tracker(trainer.metrics.metrics)
                line += f", validation loss {evaluate(model, x_val, y_val, loss, trainer.batch_size, tracker):.6g}"
                line += "".join(f", validation {safe_text(k, 40)} {v:.6g}" for k, v in tracker.result().items())
            _say(line + f" ({time.perf_counter() - start:.1f} s)")
    from lstmviz.engine.compiled import for_keras

    training = for_keras(model, loss, trainer.optimizer,  # (its compile_config and optimizer state)
                         metrics=trainer.metrics.metrics)
    save_keras(model, out, training)
    _say(f"saved {safe_text(str(out))} ({plural(trainer.optimizer.iterations, 'update')})")
    if training.variables is not None:
        _say(f"the file keeps {name}'s state after update {int(training.variables[0]):,} and loss {loss}: "
             "Keras' load_model and fit go on from it, as this run would")
    if training.note:
        _say(f"note: {training.note}")
    return 0
