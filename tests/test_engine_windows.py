"""Long sequences by keyframes: every window equals the same steps of a full trace, to the bit;
the batch on several threads gives the numbers of one thread."""

import numpy as np
import pytest

from lstmviz import limits
from lstmviz.engine import LayerSpec, Model, recurrent
from lstmviz.engine.windows import (
    BUDGET_ENV,
    Cancelled,
    WindowedTrace,
    choose_every,
    input_reversed,
    keyframe_pass,
    reads_backwards,
    recurrent_halves,
    steps_reversed,
    trace_auto,
    trace_budget,
)
from lstmviz.errors import LstmvizError
from tests.helpers import FIXTURES, onnx_recurrent_model

T = 203  # not a multiple of the chunk (32) nor of K


def _rnn(kind, units, **cfg):
    return {"class_name": kind, "config": {"units": units, **cfg}}


def _bidi(kind, units, name, merge="concat", **cfg):
    return LayerSpec("Bidirectional", {"layer": _rnn(kind, units, **cfg), "merge_mode": merge}, name=name)


MODELS = {
    "lstm": lambda: [LayerSpec("LSTM", {"units": 7, "return_sequences": True}, name="l")],
    "gru_reset_before": lambda: [LayerSpec("GRU", {"units": 6, "return_sequences": True,
                                                   "reset_after": False}, name="g")],
    "simple_rnn": lambda: [LayerSpec("SimpleRNN", {"units": 5, "return_sequences": True}, name="s")],
    "stacked_last_step": lambda: [
        LayerSpec("LSTM", {"units": 8, "return_sequences": True}, name="l1"),
        LayerSpec("GRU", {"units": 6, "return_sequences": True}, name="g2"),
        LayerSpec("LSTM", {"units": 5}, name="l3"),
        LayerSpec("Dense", {"units": 2}, name="out")],
    "go_backwards_stack": lambda: [
        LayerSpec("LSTM", {"units": 6, "return_sequences": True, "go_backwards": True}, name="back"),
        LayerSpec("SimpleRNN", {"units": 4, "return_sequences": True}, name="fwd"),
        LayerSpec("Dense", {"units": 3}, name="td")],
    "bidirectional": lambda: [
        _bidi("LSTM", 5, "bi", return_sequences=True),
        _bidi("GRU", 4, "bi2", merge="sum", return_sequences=True),
        LayerSpec("Dense", {"units": 2}, name="out")],
    "bidirectional_last_step_merge_none": lambda: [
        _bidi("SimpleRNN", 4, "bi", merge=None)],
    "masked": lambda: [
        LayerSpec("Masking", {"mask_value": 0.0}, name="m"),
        LayerSpec("LSTM", {"units": 6, "return_sequences": True}, name="l"),
        _bidi("GRU", 3, "bi", return_sequences=True),
        LayerSpec("SimpleRNN", {"units": 4, "go_backwards": True}, name="s")],
    "return_state": lambda: [
        LayerSpec("LSTM", {"units": 5, "return_sequences": True, "return_state": True}, name="l")],
    # each step normalised and activated alone (engine/layers_more.py's ``timewise``)
    "normalised_activations": lambda: [
        LayerSpec("LSTM", {"units": 6, "return_sequences": True}, name="l"),
        LayerSpec("LayerNormalization", {}, name="ln"),
        LayerSpec("BatchNormalization", {}, name="bn"),
        LayerSpec("ReLU", {"max_value": 0.5, "negative_slope": 0.1, "threshold": 0.1}, name="relu"),
        LayerSpec("LeakyReLU", {}, name="leaky"), LayerSpec("ELU", {}, name="elu"),
        LayerSpec("Softmax", {}, name="softmax"), LayerSpec("Dense", {"units": 2}, name="out")],
    # step t reads steps around t (engine/conv.py's ``keeps_steps``): strides 1, same or causal
    "conv_pool_same_causal": lambda: [
        LayerSpec("Conv1D", {"filters": 6, "kernel_size": 3, "padding": "causal", "activation": "tanh"}, name="c"),
        LayerSpec("Conv1D", {"filters": 4, "kernel_size": 4, "padding": "same", "dilation_rate": 2,
                             "groups": 2}, name="c2"),
        LayerSpec("MaxPooling1D", {"pool_size": 3, "strides": 1, "padding": "same"}, name="mp"),
        LayerSpec("AveragePooling1D", {"pool_size": 4, "strides": 1, "padding": "same"}, name="ap"),
        LayerSpec("LSTM", {"units": 5, "return_sequences": True}, name="l"),
        LayerSpec("Conv1D", {"filters": 3, "kernel_size": 5, "padding": "same"}, name="c3"),
        LayerSpec("Conv1D", {"filters": 2, "kernel_size": 1}, name="pointwise")],
    # a same Conv1D reading a go_backwards layer's sequence (its processing order) under a
    # mask it stops, a Bidirectional and a pooling after it
    "conv_masked_backwards": lambda: [
        LayerSpec("Masking", {"mask_value": 0.0}, name="m"),
        LayerSpec("LSTM", {"units": 5, "return_sequences": True, "go_backwards": True}, name="back"),
        LayerSpec("Conv1D", {"filters": 4, "kernel_size": 5, "padding": "same"}, name="c"),
        _bidi("GRU", 3, "bi", return_sequences=True),
        LayerSpec("AveragePooling1D", {"pool_size": 3, "strides": 1, "padding": "same"}, name="p"),
        LayerSpec("SimpleRNN", {"units": 2, "go_backwards": True}, name="s")],
    # a text classifier's head, pooled over the steps: no steps left, computed once by the
    # pass from the whole sequence (as a last step's), the Dense after it too
    "global_max_pooled": lambda: [
        LayerSpec("LSTM", {"units": 6, "return_sequences": True}, name="l"),
        LayerSpec("GlobalMaxPooling1D", {}, name="gmp"),
        LayerSpec("Dense", {"units": 2}, name="out")],
    # the mean over the unmasked steps only, keepdims: (batch, 1, units)
    "masked_global_average": lambda: [
        LayerSpec("Masking", {"mask_value": 0.0}, name="m"),
        _bidi("LSTM", 4, "bi", return_sequences=True),
        LayerSpec("GlobalAveragePooling1D", {"keepdims": True}, name="gap"),
        LayerSpec("Dense", {"units": 2}, name="out")],
    # channels_first on (batch, steps, units) pools each step's units: the steps stay
    "pooled_per_step": lambda: [
        LayerSpec("GRU", {"units": 5, "return_sequences": True}, name="g"),
        LayerSpec("GlobalAveragePooling1D", {"data_format": "channels_first", "keepdims": True}, name="gap"),
        LayerSpec("LSTM", {"units": 3, "return_sequences": True}, name="l"),
        LayerSpec("GlobalMaxPooling1D", {"data_format": "channels_first"}, name="gmp")],
    # issue 13: a MaxPooling1D / AveragePooling1D of channels_first on (batch, steps, units), no
    # Permute before it, pools each step's units ('valid' or 'same', any strides): the steps
    # stay (its ``stepwise``), on the input's clock, the GRU reads its pooled units a step
    "pool_cf_per_step": lambda: [
        LayerSpec("LSTM", {"units": 7, "return_sequences": True}, name="l"),
        LayerSpec("AveragePooling1D", {"pool_size": 3, "strides": 2, "data_format": "channels_first"}, name="avg"),
        LayerSpec("GRU", {"units": 5, "return_sequences": True}, name="g"),
        LayerSpec("MaxPooling1D", {"pool_size": 2, "padding": "same", "data_format": "channels_first"}, name="max")],
    # ... under a mask (which a pooling stops, as Keras), a mean of 'same' padding of strides 1
    # (its ends divided by the units read), a max of 'valid' strides 3
    "masked_pool_cf_per_step": lambda: [
        LayerSpec("Masking", {"mask_value": 0.0}, name="m"),
        LayerSpec("GRU", {"units": 8, "return_sequences": True}, name="g"),
        LayerSpec("AveragePooling1D", {"pool_size": 3, "strides": 1, "padding": "same",
                                       "data_format": "channels_first"}, name="avg"),
        LayerSpec("MaxPooling1D", {"pool_size": 2, "strides": 3, "data_format": "channels_first"}, name="max"),
        LayerSpec("LSTM", {"units": 3, "return_sequences": True}, name="l")],
    # a ZeroPadding1D of channels_first on (batch, steps, units) pads each step's units: the
    # steps stay (its ``timewise``), the GRU reads 2 + 5 + 1 features a step; a Cropping1D of
    # nothing keeps them too
    "padded_per_step": lambda: [
        LayerSpec("LSTM", {"units": 5, "return_sequences": True}, name="l"),
        LayerSpec("ZeroPadding1D", {"padding": [2, 1], "data_format": "channels_first"}, name="pad"),
        LayerSpec("Cropping1D", {"cropping": [0, 0]}, name="crop"),
        LayerSpec("GRU", {"units": 3, "return_sequences": True}, name="g")],
    # layers acting along the steps (attention weights over time, a norm over steps and
    # features): their whole output computed once by the pass and held, a window's steps
    # sliced from it; a go_backwards LSTM reading it, a Dense after that
    "held_along_steps": lambda: [
        LayerSpec("LSTM", {"units": 6, "return_sequences": True}, name="l"),
        LayerSpec("Softmax", {"axis": 1}, name="over_time"),
        LayerSpec("LayerNormalization", {"axis": [1, 2], "center": False, "scale": False}, name="ln"),
        LayerSpec("LSTM", {"units": 4, "return_sequences": True, "go_backwards": True}, name="back"),
        LayerSpec("Dense", {"units": 2}, name="out")],
    # held under a mask (the norm takes no mask, as Keras'; the GRU after it does)
    "masked_held": lambda: [
        LayerSpec("Masking", {"mask_value": 0.0}, name="m"),
        LayerSpec("GRU", {"units": 5, "return_sequences": True, "go_backwards": True}, name="g"),
        LayerSpec("LayerNormalization", {"axis": [1, 2], "center": False, "scale": False}, name="ln"),
        LayerSpec("LSTM", {"units": 3, "return_sequences": True}, name="l")],
    # RNN([cells]) (StackedRNNCells): each cell's states keyframed, a window's cells from them
    "stacked_cells": lambda: [
        LayerSpec("RNN", {"cell": [_rnn("LSTMCell", 5), _rnn("GRUCell", 4)], "return_sequences": True}, name="r"),
        LayerSpec("Dense", {"units": 2}, name="out")],
    # backwards, masked (the later cells read the first's output and the mask turned around),
    # then one to its last step
    "masked_stacked_cells_backwards": lambda: [
        LayerSpec("Masking", {"mask_value": 0.0}, name="m"),
        LayerSpec("RNN", {"cell": [_rnn("GRUCell", 4), _rnn("SimpleRNNCell", 3), _rnn("LSTMCell", 3)],
                          "return_sequences": True, "go_backwards": True}, name="back"),
        LayerSpec("RNN", {"cell": [_rnn("LSTMCell", 4), _rnn("GRUCell", 2, reset_after=False)]}, name="last"),
        LayerSpec("Dense", {"units": 2}, name="out")],
    # a Reshape keeping the batch and time axes (target_shape[0] -1: each step's features
    # reshaped) and a Permute leaving axis 1 in place: each step alone
    "reshaped_steps": lambda: [
        LayerSpec("LSTM", {"units": 4, "return_sequences": True}, name="l"),
        LayerSpec("Reshape", {"target_shape": [-1, 2, 2]}, name="r"),
        LayerSpec("Permute", {"dims": [1, 3, 2]}, name="p"),
        LayerSpec("Reshape", {"target_shape": [-1, 4]}, name="back"),
        LayerSpec("GRU", {"units": 3, "return_sequences": True}, name="g"),
        LayerSpec("Reshape", {"target_shape": [-1, 3, 1]}, name="r2")],
}

#: the models whose input has masked runs of steps (``_data(mask_runs=True)``)
MASKED = ("masked", "conv_masked_backwards", "masked_global_average", "masked_stacked_cells_backwards",
          "masked_held", "masked_pool_cf_per_step")


def _data(batch, d=3, seed=0, mask_runs=False):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, T, d)).astype(np.float32)
    if mask_runs:  # whole masked steps: at the start, in the middle, at the end
        x[0, :40] = 0.0
        x[1 % batch, 100:170] = 0.0
        x[-1, 180:] = 0.0
    return x


def _per_step(flat, full_t):
    """The flat keys of a trace whose arrays have the sequence's time axis (axis 1)."""
    return {k: v for k, v in flat.items()
            if not k.startswith("output") and "/initial_" not in k and v.ndim >= 2
            and v.shape[1] == full_t}


WINDOWS = [(0, 1), (0, 50), (31, 33), (64, 65), (77, 160), (150, T), (T - 1, T), (0, T)]


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_window_equals_the_same_steps_of_the_full_trace_to_the_bit(name):
    model = Model.sequential((None, None, 3), MODELS[name](), seed=4)
    x = _data(3, mask_runs=name in MASKED)
    full = model.trace(x)
    ref = _per_step(full.flat(), T)
    assert ref  # there is something per step to compare
    # (the tensors without steps: a last step's, a pooling's over the whole sequence and the
    # layers after it, computed once by the pass; every window holds them as the trace does)
    whole = {k: v for k, v in full.flat().items() if k not in ref and "/initial_" not in k}
    wt = keyframe_pass(model, x, every=64)
    assert isinstance(wt, WindowedTrace) and wt.timesteps == T
    for o, want in zip(wt.outputs, full.outputs):
        assert np.array_equal(o, want)
    for a, b in WINDOWS:
        win = wt.window(a, b)
        assert (win.start, win.total_steps) == (a, T)
        flat = win.flat()
        for key, arr in ref.items():
            assert key in flat, key
            assert np.array_equal(flat[key], arr[:, a:b]), f"{name} {key} steps {a}:{b}"
        for key, arr in whole.items():
            assert np.array_equal(flat[key], arr), f"{name} {key} (no steps) in window {a}:{b}"


@pytest.mark.parametrize("batch", [1, 2, 9, 15, 16, 64])
def test_windows_equal_the_trace_at_every_batch_width(batch):
    # the LSTM kernel steps one column, a few (states-only steps grouped into fewer calls),
    # a block below JOINT_BATCH (input products a chunk at a time), one from it on (one joint
    # product a step) and two blocks: each to the bit
    assert recurrent.SMALL_BATCH < 9 < 15 < recurrent.JOINT_BATCH == 16
    model = Model.sequential((None, None, 3), [LayerSpec("LSTM", {"units": 12, "return_sequences": True}, name="l")],
                             seed=7)
    x = _data(batch, seed=batch)
    ref = _per_step(model.trace(x).flat(), T)
    wt = keyframe_pass(model, x, every=32)
    for a, b in [(0, 33), (64, 100), (T - 5, T)]:
        flat = wt.window(a, b).flat()
        for key, arr in ref.items():
            assert np.array_equal(flat[key], arr[:, a:b]), f"batch {batch} {key} steps {a}:{b}"


@pytest.mark.parametrize("cfg", [{}, {"reset_after": False}, {"use_bias": False},
                                 {"reset_after": False, "use_bias": False}])
@pytest.mark.parametrize("sequences", [True, False])
def test_a_grus_states_only_steps_at_batch_one_give_the_traces_bits(cfg, sequences):
    # batch 1 without a mask, sigmoid and tanh: the keyframe pass steps the GRU through
    # recurrent._gru_states_column (the z and r gates' weights held negated); its keyframes,
    # output and windows are the full trace's to the bit, with inputs large enough to
    # saturate gates (exp of the negated sums overflowing to inf) and 13 units (no multiple of
    # a SIMD width: the products' tails too)
    spec = [LayerSpec("GRU", {"units": 13, "return_sequences": sequences, **cfg}, name="g")]
    model = Model.sequential((None, None, 5), spec, seed=11)
    x = _data(1, d=5, seed=12) * np.float32(200.0)
    full = model.trace(x)
    gates = full["g"].steps["z"]
    assert gates.min() == 0.0 and gates.max() == 1.0  # saturated both ways
    wt = keyframe_pass(model, x, every=16)
    assert np.array_equal(wt.output, full.output)
    ref = _per_step(full.flat(), T)
    for a, b in [(0, 5), (16, 32), (13, 14), (97, 130), (T - 3, T)]:
        flat = wt.window(a, b).flat()
        for key, arr in ref.items():
            assert np.array_equal(flat[key], arr[:, a:b]), f"{cfg} {key} steps {a}:{b}"


@pytest.mark.parametrize("every", [16, 48])
@pytest.mark.parametrize("name", ["stacked_last_step", "masked", "bidirectional", "simple_rnn",
                                  "conv_pool_same_causal", "global_max_pooled", "masked_global_average",
                                  "pooled_per_step", "pool_cf_per_step", "masked_pool_cf_per_step",
                                  "stacked_cells", "masked_stacked_cells_backwards",
                                  "reshaped_steps", "padded_per_step", "held_along_steps", "masked_held"])
@pytest.mark.parametrize("batch", [1, 3, 16])
def test_keyframes_every_few_steps_give_windows_equal_to_the_trace(every, name, batch):
    # K a multiple of CUT (16) but not of CHUNK (32): a window starts mid-chunk, at a cut of
    # the input products, and is still the trace's numbers to the bit (13 inputs: BLAS sums
    # a row of such a product differently in products of different heights)
    model = Model.sequential((None, None, 13), MODELS[name](), seed=6)
    x = _data(batch, d=13, seed=every + batch, mask_runs=name in MASKED and batch > 1)
    ref = _per_step(model.trace(x).flat(), T)
    wt = keyframe_pass(model, x, every=every)
    for a, b in [(0, 5), (16, 32), (13, 14), (40, 57), (97, 130), (T - 3, T)]:
        flat = wt.window(a, b).flat()
        for key, arr in ref.items():
            assert np.array_equal(flat[key], arr[:, a:b]), f"K={every} {name} {key} steps {a}:{b}"


def test_a_window_starts_from_the_states_entering_its_first_step():
    model = Model.sequential((None, None, 3), MODELS["stacked_last_step"](), seed=1)
    x = _data(2)
    full = model.trace(x)
    wt = keyframe_pass(model, x, every=32)
    for a in (0, 32, 45):
        rec = wt.window(a, a + 10)["l1"]
        want_h = full["l1"].steps["h"][:, a - 1] if a else full["l1"].initial_state["h"]
        want_c = full["l1"].steps["c"][:, a - 1] if a else full["l1"].initial_state["c"]
        assert np.array_equal(rec.initial_state["h"], want_h)
        assert np.array_equal(rec.initial_state["c"], want_c)


def test_embedding_ids_with_mask_zero_and_a_wide_batch_of_several_column_blocks():
    specs = [LayerSpec("Embedding", {"input_dim": 20, "output_dim": 4, "mask_zero": True}, name="e"),
             LayerSpec("LSTM", {"units": 9, "return_sequences": True}, name="l"),
             LayerSpec("GRU", {"units": 5}, name="g")]
    model = Model.sequential((None, None), specs, seed=2)
    rng = np.random.default_rng(3)
    ids = rng.integers(0, 20, size=(70, T)).astype(np.float32)  # 70: blocks 35 + 35
    ids[:5, :60] = 0
    assert len(recurrent.batch_blocks(70)) == 2
    full = model.trace(ids)
    ref = _per_step(full.flat(), T)
    wt = keyframe_pass(model, ids, every=32)
    for a, b in [(0, 40), (50, 130), (190, T)]:
        flat = wt.window(a, b).flat()
        for key, arr in ref.items():
            assert np.array_equal(flat[key], arr[:, a:b]), key


def test_several_threads_give_the_numbers_of_one_thread():
    specs = [_bidi("LSTM", 24, "bi", return_sequences=True),
             LayerSpec("LSTM", {"units": 16, "return_sequences": True}, name="l")]
    model = Model.sequential((None, None, 5), specs, seed=5)
    x = np.random.default_rng(6).normal(size=(35, 70, 5)).astype(np.float32)
    before = recurrent.threads()
    try:
        recurrent.set_threads(1)
        one = {k: np.array(v) for k, v in model.trace(x).flat().items()}
        recurrent.set_threads(3)
        many = model.trace(x).flat()
    finally:
        recurrent.set_threads(before)
    assert one.keys() == many.keys()
    for key in one:
        assert np.array_equal(one[key], many[key]), key


@pytest.mark.parametrize("batch", [17, 32, 33, 64, 97, 128])
def test_column_blocks_give_the_same_bits_on_one_thread_and_two(batch):
    # blocks come from the batch size only (below 64: one block; 64: 32 + 32; 97: 32 + 32
    # + 33; 128: four of 32); one thread steps them together (a product per block, the
    # elementwise calls over all), two take a run of blocks each: traces, keyframe passes
    # and windows are equal to the bit either way
    assert [b1 - b0 for b0, b1 in recurrent.batch_blocks(batch)] == {
        17: [17], 32: [32], 33: [33], 64: [32, 32], 97: [32, 32, 33], 128: [32] * 4}[batch]
    model = Model.sequential((None, None, 3), [
        LayerSpec("LSTM", {"units": 20, "return_sequences": True}, name="l"),
        LayerSpec("LSTM", {"units": 9, "return_sequences": True}, name="l2")], seed=8)
    x = _data(batch, seed=batch, mask_runs=False)
    before = recurrent.threads()
    got = {}
    try:
        for n in (1, 2):
            recurrent.set_threads(n)
            full = {k: np.array(v) for k, v in model.trace(x).flat().items()}
            wt = keyframe_pass(model, x, every=32)
            wins = {(a, b): wt.window(a, b).flat() for a, b in [(0, 33), (70, 130), (T - 5, T)]}
            got[n] = full, wt, wins
    finally:
        recurrent.set_threads(before)
    (full1, wt1, wins1), (full2, wt2, wins2) = got[1], got[2]
    assert full1.keys() == full2.keys()
    for key in full1:
        assert np.array_equal(full1[key], full2[key]), f"batch {batch} {key}: 1 vs 2 threads"
    for k, kf in wt1.keyframes.items():
        for name, arr in kf.states.items():
            assert np.array_equal(arr, wt2.keyframes[k].states[name]), (k, name)
    ref = _per_step(full1, T)
    for (a, b), flat1 in wins1.items():
        for key, arr in ref.items():
            assert np.array_equal(flat1[key], arr[:, a:b]), f"batch {batch} {key} steps {a}:{b}"
            assert np.array_equal(wins2[(a, b)][key], arr[:, a:b]), f"batch {batch} {key} 2 threads"


def test_the_keyframe_pass_keeps_no_per_step_record():
    model = Model.sequential((None, None, 3), MODELS["stacked_last_step"](), seed=1)
    x = np.random.default_rng(0).normal(size=(2, 4000, 3)).astype(np.float32)
    wt = keyframe_pass(model, x, every=256)
    full_bytes = model.trace(x).flat()
    full_bytes = sum(v.nbytes for v in full_bytes.values())
    # keyframes, outputs: a small fraction of the trace's per-step records
    assert wt.nbytes < full_bytes / 50
    assert np.array_equal(wt.output, model.trace(x).output)


def test_trace_auto_keeps_full_traces_within_the_budget_and_windows_beyond(monkeypatch):
    model = Model.sequential((None, None, 3), MODELS["lstm"](), seed=0)
    x = _data(2)
    assert not isinstance(trace_auto(model, x), WindowedTrace)
    got = trace_auto(model, x, budget=10 << 10)  # 10 KiB: this trace is ~100 KiB
    assert isinstance(got, WindowedTrace)
    assert np.array_equal(got.window(10, 20)["l"].steps["h"], model.trace(x)["l"].steps["h"][:, 10:20])


def test_the_trace_budget_is_half_the_one_memory_limit(monkeypatch):
    monkeypatch.delenv(BUDGET_ENV, raising=False)
    assert BUDGET_ENV == "LSTMVIZ_MAX_MEMORY"
    assert trace_budget() == 1 << 30  # default limit 2 GB: 1 GiB of trace (an 8 GB laptop)
    monkeypatch.setenv(BUDGET_ENV, "512M")
    assert trace_budget() == 256 << 20
    model = Model.sequential((None, None, 3), MODELS["lstm"](), seed=0)
    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-5)  # ~5 KiB of the 512M: windows beyond it
    assert isinstance(trace_auto(model, _data(2)), WindowedTrace)


@pytest.mark.parametrize("raw", ["lots", "-5", "0"])
def test_a_bad_budget_setting_is_one_clear_line(monkeypatch, raw):
    monkeypatch.setenv(BUDGET_ENV, raw)
    with pytest.raises(LstmvizError, match=BUDGET_ENV):
        trace_budget()


def test_keyframes_thin_out_to_stay_within_a_quarter_of_the_budget():
    model = Model.sequential((None, None, 3), [LayerSpec("LSTM", {"units": 100}, name="l")])
    small = choose_every(model, 1, 10_000, budget=1 << 30)
    assert small == recurrent.CUT
    every = choose_every(model, 8, 1_000_000, budget=64 << 20)
    assert every % recurrent.CUT == 0 and every > small
    n = -(-1_000_000 // every)
    assert n * 8 * 100 * 3 * 4 <= (64 << 20) // 4


def test_progress_is_reported_and_cancel_stops_the_pass():
    model = Model.sequential((None, None, 3), MODELS["stacked_last_step"](), seed=1)
    x = _data(1)
    seen = []
    keyframe_pass(model, x, progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1][1] == 3 * T and all(a <= b for (a, _), (b, _) in zip(seen, seen[1:]))
    with pytest.raises(Cancelled):
        keyframe_pass(model, x, cancel=lambda: True)


def pass_peak(model, x) -> int:
    """The peak of the memory Python allocates (``tracemalloc``) during a keyframe pass of
    ``x``, the engine's reused blocks dropped before it."""
    import tracemalloc

    from lstmviz.engine import workspace

    workspace._blocks.clear()
    tracemalloc.start()
    try:
        keyframe_pass(model, x)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _same_pass(got, want):
    """Two keyframe passes hold the very same keyframes and outputs (``np.array_equal``)."""
    assert got.keyframes.keys() == want.keyframes.keys()
    for key, kf in want.keyframes.items():
        for n, arr in kf.states.items():
            assert np.array_equal(got.keyframes[key].states[n], arr), (key, n)
        assert (kf.prev_out is None) == (got.keyframes[key].prev_out is None)
        if kf.prev_out is not None:
            assert np.array_equal(got.keyframes[key].prev_out, kf.prev_out), key
    assert len(got.outputs) == len(want.outputs)
    for o, w in zip(got.outputs, want.outputs):
        assert np.array_equal(o, w)


@pytest.mark.parametrize("name", ["lstm", "gru_reset_before", "simple_rnn", "stacked_last_step",
                                  "go_backwards_stack", "bidirectional", "masked", "conv_pool_same_causal",
                                  "global_max_pooled", "masked_global_average", "stacked_cells",
                                  "masked_stacked_cells_backwards", "held_along_steps", "masked_held"])
@pytest.mark.parametrize("batch", [1, 3])
def test_a_cancelled_pass_resumes_from_its_last_keyframes_to_the_same_bits(monkeypatch, name, batch):
    """'Trace all' after a Cancel ran the pass again from step 0. A cancelled pass now hands
    on where it stopped (``Cancelled.partial``) and ``resume=`` goes on from the keyframe
    starting the stretch each half stopped in: keyframes and outputs equal those of a pass
    never cancelled, whatever the stretch and however often it is cancelled, and the
    progress goes on from where it stopped."""
    from lstmviz.engine import windows

    model = Model.sequential((None, None, 3), MODELS[name](), seed=5)
    x = _data(batch, mask_runs=name in MASKED and batch > 1)
    whole = keyframe_pass(model, x, every=16)  # one stretch: T < SEGMENT
    monkeypatch.setattr(windows, "SEGMENT", 32)
    want = keyframe_pass(model, x, every=16)  # stretches of 32 steps: the same bits
    _same_pass(want, whole)
    halves = sum(len(windows.recurrent_halves(n.layer)) for n in model.nodes)
    calls, seen = [0, 0], []

    def cancel():  # set once asked, as the app's Cancel (calls: asked so far, when to say yes)
        calls[0] += 1
        return calls[0] >= calls[1] > 0

    def kept(partial):  # steps the pass keeps, summed over halves: whole stretches
        return sum(T if key not in partial.halves else partial.halves[key].done for key in partial.parts)

    partial = None
    for stops in ([3], [2, 2, 2], [halves * T // 32 - 2]):  # (chunk calls before each Cancel)
        partial, done = None, 0
        for stop in stops:
            calls[:] = [0, stop]
            before = len(seen)
            with pytest.raises(Cancelled) as err:
                keyframe_pass(model, x, every=16, cancel=cancel, progress=lambda d, t: seen.append(d),
                              resume=partial)
            if partial is not None:  # the bar starts where the pass stopped, not at 0
                assert seen[before] == done > 0
            partial = err.value.partial
            done = kept(partial)
        before = len(seen)
        calls[:] = [0, 0]
        got = keyframe_pass(model, x, every=16, cancel=cancel, progress=lambda d, t: seen.append(d),
                            resume=partial)
        assert seen[before] == done > 0 and seen[-1] == halves * T
        _same_pass(got, want)
    other = Model.sequential((None, None, 3), MODELS[name](), seed=5)
    with pytest.raises(LstmvizError, match="resumes only for the model and the input it was cancelled on"):
        keyframe_pass(other, x, resume=partial)


@pytest.mark.parametrize("spec, steps_axis", [
    (LayerSpec("LayerNormalization", {"axis": [1, 2]}, name="n"), 1),
    (LayerSpec("Softmax", {"axis": 1}, name="n"), 1), (LayerSpec("Softmax", {"axis": [1, 2]}, name="n"), 1),
    (LayerSpec("BatchNormalization", {"axis": 1}, name="n"), 1),
    # after a Permute((2, 1)): (batch, features, steps), the steps on axis 2
    (LayerSpec("Softmax", {"axis": 2}, name="n"), 2), (LayerSpec("Softmax", {}, name="n"), 2),
    (LayerSpec("Softmax", {"axis": [1, 2]}, name="n"), 2),
    (LayerSpec("LayerNormalization", {"axis": 2}, name="n"), 2),
    (LayerSpec("LayerNormalization", {"axis": [1, 2]}, name="n"), 2),
    (LayerSpec("BatchNormalization", {"axis": 2}, name="n"), 2),
    # (a softmax of the last axis, the steps' there: as a Softmax() of it)
    (LayerSpec("Activation", {"activation": "softmax"}, name="n"), 2),
    (LayerSpec("Activation", {"activation": "log_softmax"}, name="n"), 2)])
def test_a_layer_acting_along_the_steps_is_held_whole_and_every_window_takes_its_steps(spec, steps_axis):
    """Issue 13: k3_around_rnn's LayerNormalization over steps and features, a Softmax over the
    steps (attention weights over time) or a BatchNormalization on axis 1 (a statistic per
    step position) keeps its input's shape but needs the steps together: windows were refused
    ("acts along the time axis"). The pass computes its whole output once, by the call a whole
    trace makes, and holds it; every window (batch 2, the GRU after it from its keyframes)
    takes its steps from it: the full trace's to the bit. So after a Permute((2, 1)), the steps
    on axis 2 (a Softmax(axis=2) of (batch, features, steps) was refused: "reads a sequence
    whose steps are on axis 2"), an Activation('softmax') or ('log_softmax') there too: held,
    each window's steps sliced on axis 2, as the views draw them (``cell_ref.steps_axes``)."""
    from lstmviz.app.cell_ref import steps_axes

    turn = [LayerSpec("Permute", {"dims": [2, 1]}, name=f"p{k}") for k in range(2)] if steps_axis == 2 else []
    model = Model.sequential((None, 40, 3), [LayerSpec("LSTM", {"units": 3, "return_sequences": True}, name="l")]
                             + turn[:1] + [spec] + turn[1:]
                             + [LayerSpec("GRU", {"units": 2, "return_sequences": True}, name="g")], seed=1)
    x = _data(2)[:, :40]
    full = model.trace(x)
    wt = keyframe_pass(model, x, every=16)
    assert list(wt._held) == ["n"] and np.array_equal(wt._held["n"][0], full["n"].output)
    # (what each step reads of every step, the Cell view's step page: a Softmax's m and S, a
    # LayerNormalization's mean and variance, over the steps on axis 1 (over axis 2 alone after
    # a Permute((2, 1)): none recorded, the page keeps its message); a BatchNormalization's are
    # its weights)
    keys = {"Softmax": ["S", "m"], "LayerNormalization": ["mean", "var"]}.get(spec.class_name, [])
    keys = keys if model.get_layer("n").along_steps(1) else []
    assert sorted(full["n"].stats) == keys
    assert wt._axes["n"] == steps_axes(model)["n"] == [steps_axis]
    for a, b in [(0, 1), (3, 19), (16, 32), (39, 40), (0, 40)]:
        win = wt.window(a, b)
        assert _same_own_steps(full, win, wt, a, b) >= 6
        assert sorted(win["n"].stats) == keys and all(np.array_equal(win["n"].stats[k], full["n"].stats[k])
                                                      for k in keys)


@pytest.mark.parametrize("act", ["softmax", "log_softmax"])
def test_a_softmax_activation_of_a_sequence_of_numbers_is_held_whole(act):
    """An Activation('softmax') of a (batch, steps) input (its last axis the steps') was
    followed as a per-step layer: each window took the softmax of its own steps, other numbers
    than the whole trace's (0.09 off over a window of 40 of 300 steps). It acts along the
    steps (``Activation.along_steps``): held whole, every window the trace's to the bit."""
    model = Model.sequential((None, None), [LayerSpec("Activation", {"activation": act}, name="a")])
    x = np.random.default_rng(0).normal(size=(2, 300)).astype(np.float32)
    full = model.trace(x)
    wt = keyframe_pass(model, x, every=16)
    assert list(wt._held) == ["a"] and wt._axes["a"] == [1]
    for a, b in [(0, 1), (10, 50), (0, 300)]:
        np.testing.assert_array_equal(wt.window(a, b)["a"].output, full["a"].output[:, a:b])


@pytest.mark.parametrize("flat", [LayerSpec("Flatten", {}, name="f"),
                                  LayerSpec("Reshape", {"target_shape": [-1]}, name="f"),
                                  LayerSpec("Reshape", {"target_shape": [T * 4]}, name="f")])
@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("turned", [False, True])
def test_a_flatten_of_a_long_sequence_is_computed_once_and_every_window_holds_it_and_the_head(flat, batch, turned):
    """Issue 13: a Flatten (or a Reshape to one axis) of an LSTM's sequence, then a Dense head,
    was refused ("reshapes the time axis"). Its output has no steps left, as a pooling's over
    them: the pass computes it once from the whole sequence (under a mask the Flatten drops,
    as Keras'), the Dense layers after it too, and every window holds them, the full
    trace's to the bit, beside the LSTM's steps. So of (batch, features, steps) after a
    Permute((2, 1)) (``turned``: it was refused, "reads a sequence whose steps are on axis 2")."""
    turn = [LayerSpec("Permute", {"dims": [2, 1]}, name="p")] if turned else []
    model = Model.sequential((None, T, 3), [
        LayerSpec("Masking", {}, name="m"), LayerSpec("LSTM", {"units": 4, "return_sequences": True}, name="l"),
        *turn, flat, LayerSpec("Dense", {"units": 3, "activation": "relu"}, name="d"),
        LayerSpec("Dense", {"units": 2}, name="out")], seed=2)
    x = _data(batch, mask_runs=True)
    full = model.trace(x)
    assert full["f"].output.shape == (batch, T * 4)
    wt = keyframe_pass(model, x, every=32)
    assert np.array_equal(wt.output, full.output) and not wt._held
    assert [wt._axes[n] for n in ("l", "f", "d", "out")] == [[1], [None], [None], [None]]
    for a, b in [(0, 1), (31, 33), (64, 65), (150, T), (0, T)]:
        win = wt.window(a, b)
        for name in ("f", "d", "out"):
            assert np.array_equal(win[name].output, full[name].output), (name, a, b)
        assert _same_own_steps(full, win, wt, a, b) >= 10


#: issue 13: a layer whose weights read a long input's steps as its features or channels (no
#: axis of them in its output), each refused before ("reads its steps on axis 2
#: (channels_first) ...", "reads a sequence whose steps are on axis 2 ...", a recurrent
#: layer's "steps over axis 1 of a sequence whose steps are on axis 2"): (the layers, the
#: layer reading every step at once)
READS_WHOLE_STEPS = {
    # no Permute before: a channels_first Conv1D over (batch, steps, features), the steps its
    # channels (its output (batch, filters, features - 1)), a Dense head after it
    "conv_cf_over_steps": [LayerSpec("Conv1D", {"filters": 3, "kernel_size": 2, "data_format": "channels_first",
                                                "activation": "relu"}, name="w"),
                           LayerSpec("Flatten", {}, name="f"), LayerSpec("Dense", {"units": 2}, name="out")],
    # an LSTM's sequence turned (batch, units, steps), a Dense over its last axis, the steps'
    "dense_over_axis_two": [LayerSpec("LSTM", {"units": 4, "return_sequences": True}, name="l"),
                            LayerSpec("Permute", {"dims": [2, 1]}, name="p"),
                            LayerSpec("Dense", {"units": 5, "activation": "tanh"}, name="w"),
                            LayerSpec("GlobalAveragePooling1D", {}, name="out")],
    # a channels_last Conv1D over (batch, features, steps): the steps its channels
    "conv_over_axis_two": [LayerSpec("Permute", {"dims": [2, 1]}, name="p"),
                           LayerSpec("Conv1D", {"filters": 4, "kernel_size": 2, "padding": "same"}, name="w"),
                           LayerSpec("GlobalMaxPooling1D", {}, name="out")],
    # a recurrent layer over (batch, features, steps) (a "feature-wise" LSTM): it steps over
    # the features, each step reading every input step as its inputs, its output (batch,
    # features, units) or (batch, units); its record the whole trace's in every window
    "lstm_last_step_over_axis_two": [
        LayerSpec("Permute", {"dims": [2, 1]}, name="p1"),
        LayerSpec("Conv1D", {"filters": 3, "kernel_size": 2, "data_format": "channels_first"}, name="c"),
        LayerSpec("LSTM", {"units": 4}, name="w"), LayerSpec("Dense", {"units": 2}, name="out")],
    "lstm_sequences_over_axis_two": [LayerSpec("LSTM", {"units": 4, "return_sequences": True}, name="l"),
                                     LayerSpec("Permute", {"dims": [2, 1]}, name="p"),
                                     LayerSpec("LSTM", {"units": 5, "return_sequences": True}, name="w"),
                                     LayerSpec("GlobalAveragePooling1D", {}, name="out")],
    "gru_backwards_over_axis_two": [LayerSpec("Permute", {"dims": [2, 1]}, name="p"),
                                    LayerSpec("GRU", {"units": 3, "go_backwards": True, "return_sequences": True},
                                              name="w"),
                                    LayerSpec("Flatten", {}, name="out")],
    "simple_rnn_over_axis_two": [LayerSpec("Permute", {"dims": [2, 1]}, name="p"),
                                 LayerSpec("SimpleRNN", {"units": 3}, name="w"),
                                 LayerSpec("Dense", {"units": 2}, name="out")],
    "bidirectional_over_axis_two": [
        LayerSpec("LSTM", {"units": 4, "return_sequences": True}, name="l"),
        LayerSpec("Permute", {"dims": [2, 1]}, name="p"),
        LayerSpec("Bidirectional", {"layer": {"class_name": "LSTM", "config": {
            "units": 3, "return_sequences": True}}}, name="w"),
        LayerSpec("Dense", {"units": 2}, name="out")],
    "bidirectional_gru_last_step_over_axis_two": [
        LayerSpec("Permute", {"dims": [2, 1]}, name="p"),
        LayerSpec("Bidirectional", {"layer": {"class_name": "GRU", "config": {"units": 3}},
                                    "merge_mode": "sum"}, name="w"),
        LayerSpec("Dense", {"units": 2}, name="out")],
    # a Masking after the Permute masks each feature's row by all its steps (held whole by the
    # pass): the mask (batch, features) of the feature-wise LSTM's steps (feature 1 of sample 0
    # all zeros, ``_masked_row``)
    "masked_lstm_over_axis_two": [LayerSpec("Permute", {"dims": [2, 1]}, name="p"),
                                  LayerSpec("Masking", {"mask_value": 0.0}, name="m"),
                                  LayerSpec("LSTM", {"units": 4, "return_sequences": True}, name="w"),
                                  LayerSpec("Flatten", {}, name="out")],
    "masked_bidirectional_gru_over_axis_two": [
        LayerSpec("Permute", {"dims": [2, 1]}, name="p"), LayerSpec("Masking", {"mask_value": 0.0}, name="m"),
        LayerSpec("Bidirectional", {"layer": _rnn("GRU", 3, go_backwards=True)}, name="w"),
        LayerSpec("Dense", {"units": 2}, name="out")],
    "rnn_cells_over_axis_two": [LayerSpec("Permute", {"dims": [2, 1]}, name="p"),
                                LayerSpec("RNN", {"cell": [_rnn("LSTMCell", 3), _rnn("GRUCell", 2)]}, name="w"),
                                LayerSpec("Dense", {"units": 2}, name="out")],
}


@pytest.mark.parametrize("case", sorted(READS_WHOLE_STEPS))
@pytest.mark.parametrize("batch", [1, 3])
def test_a_layer_reading_every_step_as_its_features_is_computed_once_and_every_window_holds_it(case, batch):
    """Issue 13: a channels_first Conv1D over (batch, steps, features), a Dense, a Conv1D or a
    recurrent layer (LSTM, GRU, SimpleRNN, Bidirectional, RNN([cells]), of return_sequences
    or not) over (batch, features, steps) after a Permute((2, 1)): their weights read the steps
    as features or channels, their output has no axis of them (``Layer.reads_whole_axis``). They
    were refused in one line; the pass computes each once from the whole sequence, as a whole
    trace calls it, the layers after it too, and every window holds them, the full trace's to
    the bit, beside the steps of the layers before it, its columns counted from 0 (a (batch,
    features, units) output's own axis, not steps). The app shows no step of the input
    before the pass (``whole_sequence_layer``: a trace of its first steps is no part of the
    whole's). A recurrent one steps over its own few steps (the features), with no keyframes,
    its record (every half's, every key) the whole trace's in every window; the pass's
    progress counts the steps of the layers over the input's steps alone."""
    from lstmviz.engine.trace import steps_first
    from lstmviz.engine.windows import recurrent_halves, whole_sequence_layer

    model = Model.sequential((None, T, 3), READS_WHOLE_STEPS[case], seed=3)
    x = _data(batch)
    if "masked" in case:  # (a feature of sample 0 all zeros: its row masked, the LSTM's step 1)
        x[0, :, 1] = 0
    full = model.trace(x)
    half = full["w"].children.get("forward", full["w"])
    assert "masked" not in case or not half.mask[0, 1] and half.mask[0].sum() == 2
    told = []
    wt = keyframe_pass(model, x, every=32, progress=lambda done, total: told.append((done, total)))
    assert np.array_equal(wt.output, full.output) and set(wt._held) == ({"m"} if "masked" in case else set())
    assert wt._axes["w"] == [None] and wt._axes["out"] == [None]
    assert whole_sequence_layer(model, [x]).name == ("m" if "masked" in case else "w")
    stepping = sum(len(recurrent_halves(n.layer)) for n in model.nodes if n.layer.name != "w")
    assert told[-1] == (T * stepping,) * 2 if stepping else told[-1] == (1, 1), told[-1]
    assert not [k for k in wt.keyframes if k[0] == "w"] and wt._clocks["w"] is None
    assert wt.once("w")
    for a, b in [(0, 1), (31, 33), (64, 65), (150, T), (0, T)]:
        win = wt.window(a, b)
        for name in [n for n in full.layers if wt._axes[n] == [None]]:
            assert np.array_equal(win[name].output, full[name].output), (name, a, b)
            # (the views count its columns from 0, as a whole trace's: they counted a Dense's
            # features over (batch, features, steps) from the window's first input step)
            assert steps_first(win, name) == 0, (name, a, b)
        assert _same_own_steps(full, win, wt, a, b) >= 2


@pytest.mark.parametrize("head", ["dense", "lstm", "bidirectional_gru"])
def test_a_layer_reading_every_step_is_counted_by_its_output_and_a_pass_it_would_not_fit_is_refused(
        monkeypatch, head):
    """A Dense(4096) over an LSTM(64)'s 3,000 steps turned (batch, 64, steps): its output
    (8 samples x 64 x 4096 floats, 8 MB) has no steps, held by the pass to its end:
    ``pass_bytes`` counts it by its size (what NumPy allocates within it), and under a limit
    it would not fit the pass is refused before it starts, in one line. So of a recurrent
    layer stepping over those 64 features (an LSTM(512) of return_sequences, a Bidirectional
    GRU(256)): its whole record (every key, 18 x 512 floats a step and sample for an LSTM:
    9.4 MB) and the sequence it read (the Cell view's x_t), held to the end."""
    from lstmviz.engine import windows

    top = {"dense": LayerSpec("Dense", {"units": 4096}, name="w"),
           "lstm": LayerSpec("LSTM", {"units": 512, "return_sequences": True}, name="w"),
           "bidirectional_gru": LayerSpec("Bidirectional", {"layer": _rnn("GRU", 256)}, name="w")}[head]
    model = Model.sequential((None, 3000, 2), [
        LayerSpec("LSTM", {"units": 64, "return_sequences": True}, name="l"),
        LayerSpec("Permute", {"dims": [2, 1]}, name="p"), top], seed=0)
    x = np.random.default_rng(0).normal(size=(8, 3000, 2)).astype(np.float32)
    _pass_within_its_estimate(model, x)
    est = windows.pass_bytes(model, [x])
    with monkeypatch.context() as m:  # (a tensor without steps counted as nothing: the
        # LSTM's node, not the Dense's, its peak; a record as nothing, and not the input it read)
        m.setattr(windows, "_floats", lambda shape: 0)
        m.setattr(windows, "record_bytes", lambda layer, batch, steps: -8 * 3000 * 64 * 4)
        without = windows.pass_bytes(model, [x])
    assert est > without + 4_000_000, (est, without)
    monkeypatch.setenv("LSTMVIZ_MAX_MEMORY", str((est + without) // 2))
    with pytest.raises(LstmvizError) as err:
        keyframe_pass(model, x)
    assert "\n" not in str(err.value) and "over the memory limit of" in str(err.value)


def test_a_flattened_sequences_memory_is_counted_and_a_pass_it_would_not_fit_is_refused(monkeypatch):
    """A Flatten of an LSTM(64)'s 20,000 steps (3 samples: 15 MB, as big as the sequence it
    reads) is held by the pass to its end, a tensor without steps: ``pass_bytes`` counts it
    (it counted a tensor without steps as nothing, a last step's few floats), what NumPy
    allocates is within it, and under a limit it would not fit the pass is refused before it
    starts, in one line."""
    from lstmviz.engine import windows

    model = Model.sequential((None, 20_000, 3), [
        LayerSpec("LSTM", {"units": 64, "return_sequences": True}, name="l"),
        LayerSpec("Flatten", {}, name="f"), LayerSpec("Dense", {"units": 2}, name="out")], seed=0)
    x = np.random.default_rng(0).normal(size=(3, 20_000, 3)).astype(np.float32)
    _pass_within_its_estimate(model, x)
    est = windows.pass_bytes(model, [x])
    with monkeypatch.context() as m:  # (the Flatten's output counted as nothing: as it was)
        m.setattr(windows, "_floats", lambda shape: 0)
        assert windows.pass_bytes(model, [x]) < est - 10_000_000
    monkeypatch.setenv("LSTMVIZ_MAX_MEMORY", "28M")  # (between the two: 18 MB and 32 MB)
    with pytest.raises(LstmvizError) as err:
        keyframe_pass(model, x)
    assert "\n" not in str(err.value) and "over the memory limit of 28 MiB" in str(err.value)


def _merged_with_stepless(case, keras="3", masked=False, units=6, steps=None):
    """A functional model (input (batch, steps, 3), a Masking first where ``masked``) whose
    sequence is merged with a tensor without steps (issue 13, part B), by ``case``:
    ``excitation`` squeeze-and-excitation over time (LSTM -> GlobalAveragePooling1D -> Dense
    sigmoid -> Reshape((1, F)) -> Multiply with the LSTM's sequence -> GRU -> Dense);
    ``context_<op>`` an encoder's last step through a Dense, (batch, F), merged into every
    step of another LSTM's sequence by ``op`` (Keras 3 broadcasts it, ``Merge``); ``decoder``
    a decoder LSTM over the input started from an encoder's last states (``initial_state=``);
    ``repeat_<reader>`` an encoder's last step repeated onto the model's ``steps`` (a
    RepeatVector, "ctx") joined to another LSTM's sequence by a Concatenate or an Add, or read
    by a decoder LSTM (an LSTM autoencoder's)."""
    from lstmviz.engine import ModelSpec, TensorRef

    def spec(cls, cfg, name, *ins, **kw):
        return LayerSpec(cls, cfg, name, inbound=[TensorRef(i) if isinstance(i, str) else TensorRef(*i)
                                                 for i in ins], **kw)

    src = "m" if masked else "x"
    layers = [LayerSpec("InputLayer", {"batch_shape": [None, steps, 3]}, "x")]
    layers += [spec("Masking", {"mask_value": 0.0}, "m", "x")] if masked else []
    if case == "excitation":
        layers += [spec("LSTM", {"units": units, "return_sequences": True}, "l", src),
                   spec("GlobalAveragePooling1D", {}, "gap", "l"),
                   spec("Dense", {"units": units, "activation": "sigmoid"}, "se", "gap"),
                   spec("Reshape", {"target_shape": [1, units]}, "r", "se"),
                   spec("Multiply", {}, "merged", "l", "r"),
                   spec("GRU", {"units": 4, "return_sequences": True}, "g", "merged"),
                   spec("Dense", {"units": 2}, "out", "g")]
    elif case.startswith("context_"):
        layers += [spec("LSTM", {"units": 5}, "enc", src),
                   spec("Dense", {"units": units, "activation": "tanh"}, "ctx", "enc"),
                   spec("LSTM", {"units": units, "return_sequences": True}, "l", src),
                   spec(case[len("context_"):], {}, "merged", "l", "ctx"),
                   spec("Dense", {"units": 2}, "out", "merged")]
    elif case.startswith("repeat_"):
        reader = case[len("repeat_"):]
        layers += [spec("LSTM", {"units": units}, "enc", src), spec("RepeatVector", {"n": steps}, "ctx", "enc")]
        layers += ([spec("LSTM", {"units": 3, "return_sequences": True}, "merged", "ctx")] if reader == "LSTM" else
                   [spec("LSTM", {"units": units, "return_sequences": True}, "l", src),
                    spec(reader, {}, "merged", "l", "ctx")])
        layers += [spec("GRU", {"units": 2, "return_sequences": True}, "out", "merged")]
    else:
        layers += [spec("LSTM", {"units": units, "return_state": True}, "enc", src),
                   spec("LSTM", {"units": units, "return_sequences": True}, "merged", src,
                        initial_state=[TensorRef("enc", 1), TensorRef("enc", 2)]),
                   spec("Dense", {"units": 2}, "out", "merged")]
    return Model.from_spec(ModelSpec(layers, [TensorRef("x")], [TensorRef("out")], keras_version=keras), seed=5)


MERGED_STEPLESS = [("excitation", "3"), ("excitation", "2"), ("context_Add", "3"), ("context_Multiply", "3"),
                   ("context_Subtract", "3"), ("context_Maximum", "2"), ("context_Average", "3"), ("decoder", "3")]


def _steps_opened_with_masked_runs(model, x=None):
    """A fixture's model of 6 steps with its steps left open, and 3 x 2,000 steps of input
    with masked runs (zeros: sample 0's first 100 steps, sample 2's last 500). A model
    repeating a vector onto its 6 steps (a RepeatVector(6)) is made one of 2,000 steps,
    repeating it 2,000 times: the same weights, as Keras builds it for that length. A model
    whose weights fix its steps (a Dense of a weight per step, the attention block) is kept,
    with its file's input ``x``."""
    if x is not None and any(n.layer.class_name == "Dense" and n.layer.config["units"] == x.shape[1]
                             for n in model.nodes):
        return model, x
    spec = model.to_spec()
    first = spec.layers[0]
    assert first.class_name == "InputLayer" and first.config["batch_shape"][1] == 6
    repeats = [layer for layer in spec.layers if layer.class_name == "RepeatVector"]
    first.config["batch_shape"][1] = 2_000 if repeats else None
    for layer in repeats:
        assert layer.config["n"] == 6
        layer.config["n"] = 2_000
    x = np.random.default_rng(3).normal(size=(3, 2_000, 3)).astype(np.float32)
    x[0, :100] = 0.0  # (masked runs: the mean is over the other steps)
    x[2, 1_500:] = 0.0
    return Model.from_spec(spec), x


@pytest.mark.parametrize("case, keras", MERGED_STEPLESS)
@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("masked", [False, True])
def test_a_sequence_merged_with_a_tensor_without_steps_is_merged_in_every_window_to_the_bit(case, keras, batch,
                                                                                           masked):
    """Issue 13, part B: a Merge of a sequence with a tensor without steps (squeeze-and-
    excitation over time, a context vector added to every step) was refused ("merges a
    sequence with a tensor without steps"). The pass computes that tensor once over the whole
    sequence (the GlobalAveragePooling1D of the very LSTM it multiplies: its node runs first,
    a masked mean over the unmasked steps), and every window merges its steps with those very
    numbers, each number alone: every output and record of every layer of a window equals the
    same steps of the full trace to the bit, under a mask too (Keras 3's merge hands on no
    mask where an input has none, Keras 2's the sequence's). A decoder started from an
    encoder's last states likewise. Neither shows a step before the pass (the first steps
    alone would pool, or end the encoder, elsewhere): ``whole_sequence_layer`` names it."""
    from lstmviz.engine.windows import whole_sequence_layer

    model = _merged_with_stepless(case, keras, masked)
    x = _data(batch, mask_runs=masked and batch > 1)
    if masked and batch == 1:
        x[0, 100:170] = 0.0
    full = model.trace(x)
    wt = keyframe_pass(model, x, every=32)
    assert np.array_equal(wt.output, full.output)
    assert wt._axes["merged"] == [1] and not wt._held
    assert whole_sequence_layer(model, [x]).name == "merged"
    _windows_are_the_full_trace(model, wt, full, [(0, 1), (31, 33), (64, 65), (77, 160), (T - 1, T), (0, T)])


def test_a_merge_with_a_tensor_without_steps_holds_what_pass_bytes_says():
    """Squeeze-and-excitation over 20,000 steps of an LSTM(64): the LSTM's sequence is held
    from its node to the Multiply (its last reader, after the pooling of it), the excitation
    (a few floats a sample) to the end; NumPy's peak is within ``pass_bytes``' estimate."""
    model = _merged_with_stepless("excitation", units=64)
    x = np.random.default_rng(0).normal(size=(3, 20_000, 3)).astype(np.float32)
    _pass_within_its_estimate(model, x)


#: Keras files of 6 masked steps whose steps a window follows (scripts/make_fixtures.py): the
#: layers checked against Keras, the layers of steps on axis 1 after the pass
OPENED_KERAS = {
    # squeeze-and-excitation over time: Masking -> LSTM -> GlobalAveragePooling1D ->
    # Dense(sigmoid) -> Reshape((1, 4)) -> Multiply with the LSTM's sequence -> GRU -> Dense
    "masked_excitation": (("lstm", "gap", "excite", "reshape", "scale", "gru", "dense"), ("scale",)),
    # channels_first poolings over (batch, steps, features), no Permute before them (issue 13):
    # Masking -> LSTM -> AveragePooling1D(3, strides 2) -> GRU -> MaxPooling1D(2, same) ->
    # AveragePooling1D(3, strides 1, same) -> LSTM, each pooling a step's features
    "pool_cf_per_step": (("lstm", "avg", "gru", "max", "avg_same", "lstm_after"),
                         ("avg", "gru", "max", "avg_same", "lstm_after")),
    # a context on every step (issue 13): Masking -> LSTM (an encoder's last step) ->
    # RepeatVector(6), the model's length, joined by a Concatenate onto each step of another
    # LSTM's sequence -> LSTM, and read by a decoder LSTM (an LSTM autoencoder's) ->
    # Concatenate of the two -> Dense
    "context_repeat": (("encoder", "repeat", "lstm", "joined", "after", "decoder", "both", "dense"),
                       ("repeat", "joined", "after", "decoder", "both", "dense")),
    # a channels_first CNN's head over the steps (issue 13): LSTM -> Permute((2, 1)) ->
    # MaxPooling1D(2, channels_first) -> GlobalAveragePooling1D of channels_first, and a
    # GlobalMaxPooling1D of channels_first of the Permute's, each pooling the steps on axis 2
    # (computed once) -> Concatenate -> Dense
    "cf_global_pooling": (("lstm", "permute", "pool", "gap", "gmp", "pooled", "dense"), ("lstm",)),
    # its twin of channels_last there (issue 13): LSTM -> Permute((2, 1)) -> GlobalAveragePooling1D
    # (keepdims) of each step's features, (batch, 1, steps) -> Concatenate(axis=1) with the
    # Permute's -> Permute((2, 1)) -> GRU -> Dense, and a GlobalMaxPooling1D of each step's, (batch,
    # steps): Keras' numbers each a step's mean / max over axis 1, windowed on the steps' axis
    "features_pooled_per_step": (("lstm", "permute", "gap", "joined", "back", "gru", "dense", "gmp"),
                                 ("lstm", "back", "gru", "dense", "gmp")),
    # the attention block of blog-era Keras LSTM models (issue 13), of the model's 32 steps:
    # Permute((2, 1)) -> Dense(32, softmax), a weight per step (held whole, its axis 2 the
    # steps) -> Permute((2, 1)) -> Multiply with the input -> LSTM, and again after it ->
    # Flatten -> Dense, and -> GRU
    "attention_steps": (("before_turn", "before_weights", "before_probs", "before_mul", "lstm", "after_turn",
                         "after_weights", "after_probs", "after_mul", "flatten", "dense", "gru"),
                        ("before_probs", "before_mul", "lstm", "after_probs", "after_mul", "gru")),
}


@pytest.mark.parametrize("case", [f"k{v}_{c}" for c in OPENED_KERAS for v in "32"])
def test_a_keras_files_layers_over_time_take_a_long_input_by_windows_to_the_bit(case):
    """Squeeze-and-excitation over time, channels_first poolings of each step's features, a
    context repeated onto every step, a channels_first CNN's global poolings (and channels_last
    ones of each step's features after a Permute((2, 1)), issue 13) and the attention
    block's weight per step, saved by Keras 3.15 and tf_keras 2.21 (``OPENED_KERAS``): the
    engine is Keras' numbers on the file's 6 masked steps (each layer, atol 1e-5); its steps
    left open (a RepeatVector's model made one of 2,000 steps), 2,000 masked steps go by
    windows, every layer of every window the full trace's to the bit. The attention block's
    Dense fixes its model's 32 steps: the file's own input goes by windows of 16-step
    keyframes (it was refused: "merges a sequence with a tensor of 32 steps of its own")."""
    names, on_one = OPENED_KERAS[case[3:]]
    model, x, _ = _keras_fixture_traced(case, names)
    model, x = _steps_opened_with_masked_runs(model, x)
    full = model.trace(x)
    wt = keyframe_pass(model, x, every=16)
    assert all(np.array_equal(a, b) for a, b in zip(wt.outputs, full.outputs, strict=True))
    assert all(wt._axes[name] == [1] for name in on_one), {name: wt._axes[name] for name in on_one}
    T = x.shape[1]
    _windows_are_the_full_trace(model, wt, full, [(0, min(40, T)), (T // 2 + 3, min(T // 2 + 130, T)), (T - 10, T)])


@pytest.mark.parametrize("case", [f"k{v}_{c}" for c in ("featurewise_rnn", "featurewise_masked_rnn") for v in "32"])
def test_a_keras_files_recurrent_layers_over_the_features_are_keras_and_held_by_every_window(case):
    """Recurrent layers over (batch, features, steps) after a Permute((2, 1)) saved by Keras
    3.15 and tf_keras 2.21 (issue 13; scripts/make_fixtures.py: an LSTM of its last step and a
    Dense, a GRU and a Bidirectional LSTM of sequences, a go_backwards LSTM's sequence turned
    and read by an LSTM; a Masking of each feature's row (Keras 3 saves its mask as NotEqual
    and Any ops over the steps), an LSTM and a Bidirectional GRU after it): the engine is
    Keras' numbers (each layer, atol 1e-5); their weights fix the 6 steps, each read by every
    one of the layers' 4 steps, so the pass computes each once, and every window of the 6
    steps holds it, the full trace's to the bit."""
    import lstmviz

    d = FIXTURES / case
    model = lstmviz.load(d / ("model.keras" if case.startswith("k3") else "model.h5"), isolate=False)
    names = [n.layer.name for n in model.nodes if n.layer.class_name not in ("InputLayer", "NotEqual", "Any")]
    model, x, full = _keras_fixture_traced(case, names)
    wt = keyframe_pass(model, x, every=16)
    assert np.array_equal(wt.outputs[-1], full.outputs[-1])
    once = [n.layer.name for n in model.nodes if recurrent_halves(n.layer) and n.layer.name != "backwards"]
    assert len(once) == (2 if "masked" in case else 4) and all(wt.once(name) for name in once), once
    for a, b in [(0, 1), (2, 5), (5, 6), (0, 6)]:
        _same_own_steps(full, wt.window(a, b), wt, a, b)


@pytest.mark.parametrize("reader", ["Concatenate", "Add", "LSTM"])
@pytest.mark.parametrize("batch", [1, 3])
def test_a_repeat_vector_of_the_inputs_steps_is_a_sequence_every_window_holds_to_the_bit(reader, batch):
    """Issue 13: a RepeatVector(T) of an encoder's last step, T the model's own length (a
    context on every step, joined by a Concatenate or an Add onto each step of another LSTM's
    sequence; an LSTM autoencoder's decoder stepping over it), was refused for windows ("joins
    a sequence with a tensor without the input's steps", "steps over a sequence made inside
    the model"). Its step t is the same copy for every t, so it is a sequence on the input's
    time axis (its clock the input's): every layer and record of a window equals the same
    steps of the full trace to the bit, and the app traces no first steps alone (the encoder
    ends at the last step: ``whole_sequence_layer`` names the RepeatVector). A RepeatVector
    of another length is still refused (``test_windows_out_of_range_and_...``), and one of
    a window's length is no sequence of it (``test_views_over_time_outputs``' head)."""
    from lstmviz.engine.windows import whole_sequence_layer, window_axes

    model = _merged_with_stepless(f"repeat_{reader}", units=4, steps=T)
    x = _data(batch)
    full = model.trace(x)
    wt = keyframe_pass(model, x, every=32)
    assert np.array_equal(wt.output, full.output)
    assert wt._axes["ctx"] == [1] and wt._clocks["ctx"] == (T, 1) and not wt._held
    assert whole_sequence_layer(model, [x]).name == "ctx"
    # (the views ask a window's own inputs: the model's length, not theirs, says it repeats them)
    assert window_axes(model, [x[:, 31:33]])["ctx"] == [1]
    _windows_are_the_full_trace(model, wt, full, [(0, 1), (31, 33), (64, 65), (77, 160), (T - 1, T), (0, T)])


def test_windows_out_of_range_and_time_reshaping_models_are_refused():
    model = Model.sequential((None, None, 3), MODELS["lstm"](), seed=0)
    wt = keyframe_pass(model, _data(1))
    for a, b in [(-1, 3), (5, 5), (0, T + 1)]:
        with pytest.raises(LstmvizError, match="not a window"):
            wt.window(a, b)
    # the steps reshaped (not merged into one axis, as a Flatten's: followed): one line
    # naming what windows go through (a Cropping1D, ZeroPadding1D or UpSampling1D is
    # followed, a Permute((2, 1)) and the channels_first layers after it too: ``STRIDED``)
    for spec in (LayerSpec("Reshape", {"target_shape": [-1, 2]}, name="p"),
                 LayerSpec("Reshape", {"target_shape": [2, -1]}, name="p")):
        model = Model.sequential((None, None, 4), [spec])
        with pytest.raises(LstmvizError) as err:
            keyframe_pass(model, _data(1, d=4))
        said = str(err.value)
        assert "\n" not in said and said.startswith(f"layer 'p' ({spec.class_name}) reshapes the time axis; ")
        assert said.endswith("only through recurrent layers (RNN([cells]) too), per-step layers (a Reshape or "
                             "Permute keeping the batch and time axes), Permute((2, 1)), Conv1D and pooling "
                             "layers (channels_first after a Permute((2, 1)); a channels_first pooling of each "
                             "step's features), Cropping1D, ZeroPadding1D, "
                             "UpSampling1D, GlobalMaxPooling1D, GlobalAveragePooling1D, Flatten and Reshape "
                             "to one axis, a Dense, Conv1D or recurrent layer reading the steps as features "
                             "(after a Permute((2, 1)), or a channels_first Conv1D: no steps left), and a Softmax, "
                             "LayerNormalization or "
                             "BatchNormalization over the steps (axis 1, or 2 after a Permute((2, 1))) of one "
                             "sequence"), said
    # a decoder stepping over a RepeatVector's steps: the message says why and what windows take
    repeat = Model.sequential((None, T, 3), [LayerSpec("LSTM", {"units": 4}), LayerSpec("RepeatVector", {"n": 5}),
                                             LayerSpec("LSTM", {"units": 2}, name="decoder")])
    with pytest.raises(LstmvizError, match="'decoder' .* steps over a sequence made inside the model "
                                           ".*only where each recurrent layer steps over the input's"):
        keyframe_pass(repeat, _data(1))
    # a RepeatVector of the length a model fixes, given an input of fewer steps (Keras runs
    # it, the decoder over its n): its n steps of its own, 10^7 of them (2.4 GiB of a decoder's
    # 64 units) allocated by a pass that counted the input's steps, MemoryError; refused at once
    n = 10 ** 7
    fixed = Model.sequential((None, n, 3), [LayerSpec("LSTM", {"units": 64}), LayerSpec("RepeatVector", {"n": n}),
                                            LayerSpec("LSTM", {"units": 64, "return_sequences": True},
                                                      name="decoder")])
    with pytest.raises(LstmvizError) as err:
        keyframe_pass(fixed, np.zeros((1, 5000, 3), np.float32))
    assert str(err.value) == ("layer 'repeat_vector' (RepeatVector) repeats onto the 10,000,000 steps the model "
                              "fixes its input to, and the input has 5,000; a long sequence is traced by windows "
                              "through a RepeatVector only where the input has the model's length (give it "
                              "10,000,000 steps)")
    # the attention block's Dense of a weight per step in a model of an open length: no length
    # to weigh (Keras builds none either): one line
    with pytest.raises(LstmvizError) as err:
        Model.sequential((None, None, 3), [LayerSpec("Permute", {"dims": [2, 1]}),
                                           LayerSpec("Dense", {"units": T, "activation": "softmax"}, name="w")])
    assert str(err.value) == "layer 'w' (Dense) needs a known last input dimension"
    # ... and one of a fixed length given another (a Sequential model runs on any length):
    # NumPy's "matmul: Input operand 1 has a mismatch in its core dimension 0" before, raw
    weighs = Model.sequential((None, 4500, 3), [LayerSpec("LSTM", {"units": 2, "return_sequences": True}),
                                                LayerSpec("Permute", {"dims": [2, 1]}),
                                                LayerSpec("Dense", {"units": 4500, "activation": "softmax"}, name="w")])
    for run, steps in ((weighs.trace, 100), (keyframe_pass, 5000)):
        with pytest.raises(LstmvizError) as err:
            run(*([weighs] if run is keyframe_pass else []), np.zeros((1, steps, 3), np.float32))
        assert str(err.value) == (f"layer 'w' (Dense) reads {steps:,} numbers along its last axis where its kernel "
                                  "takes 4,500 (a Dense over the steps, after a Permute((2, 1)), takes as many "
                                  "steps as the model fixes)")
    # ... where no Permute is involved, none is named (a Flatten of 12 steps of 2 into a Dense of 10 x 2)
    flat = Model.sequential((None, 10, 3), [LayerSpec("LSTM", {"units": 2, "return_sequences": True}),
                                            LayerSpec("Flatten", {}), LayerSpec("Dense", {"units": 4}, name="d")])
    with pytest.raises(LstmvizError) as err:
        flat.trace(np.zeros((1, 12, 3), np.float32))
    assert str(err.value) == "layer 'd' (Dense) reads 24 numbers along its last axis where its kernel takes 20"


def test_a_reshape_to_the_models_own_length_is_per_step_in_a_window():
    """A model of a fixed length whose Reshape names it (``target_shape`` (T, 2, 2), not
    (-1, 2, 2)): each step's features reshaped alone, so a window of fewer steps is those
    steps of the whole trace (the Reshape's target length was the whole's: it refused a
    window of fewer steps)."""
    model = Model.sequential((None, T, 3), [
        LayerSpec("LSTM", {"units": 4, "return_sequences": True}, name="l"),
        LayerSpec("Reshape", {"target_shape": [T, 2, 2]}, name="r"),
        LayerSpec("Reshape", {"target_shape": [T, 4, 1]}, name="r2")], seed=0)
    x = _data(2)
    full = model.trace(x)
    assert full["r2"].output.shape == (2, T, 4, 1)
    wt = keyframe_pass(model, x, every=32)
    assert np.array_equal(wt.output, full.output)
    for a, b in [(0, 5), (40, 77), (T - 3, T)]:
        win = wt.window(a, b)
        for name in ("l", "r", "r2"):
            assert np.array_equal(win[name].output, full[name].output[:, a:b]), (name, a, b)


@pytest.mark.parametrize("name", ["stacked_last_step", "go_backwards_stack",  # (Model._later: no Bidirectional)
                                  "conv_pool_same_causal", "held_along_steps"])
def test_a_window_of_the_needed_layers_runs_the_later_ones_when_asked_with_the_same_bits(name):
    from lstmviz.engine.trace import LaterTrace

    model = Model.sequential((None, None, 3), MODELS[name](), seed=4)
    x = _data(3)
    wt = keyframe_pass(model, x, every=64)
    names = [layer.name for layer in model.layers]
    first = names[0]
    for a, b in ((0, 16), (77, 160), (T - 1, T)):
        whole = wt.window(a, b)
        win = wt.window(a, b, needed={first})
        assert isinstance(win, LaterTrace) and win.layers.pending
        assert list(win.layers) == list(whole.layers) and (win.start, win.total_steps) == (a, T)
        made = [r.name for r in win.layers.made()]
        assert first in made and names[-1] not in made  # the later layers have not run
        ref = whole.flat()
        assert win.layers[first].timesteps == whole.layers[first].timesteps
        assert win.layers.pending  # a needed layer's record runs nothing more
        flat = win.flat()  # every layer: the later ones run now
        assert not win.layers.pending and flat.keys() == ref.keys()
        for key, arr in ref.items():
            assert np.array_equal(flat[key], arr), f"{name} {key} steps {a}:{b}"
        for o, want in zip(win.outputs, whole.outputs):
            assert np.array_equal(o, want)
    # every layer needed: nothing waits, a plain trace
    assert not isinstance(wt.window(0, 16, needed=set(names)), LaterTrace)


@pytest.mark.parametrize("name, needed", [
    ("stacked_last_step", "l3"), ("stacked_last_step", "g2"), ("go_backwards_stack", "fwd"),
    ("bidirectional", "bi2"), ("masked", "s"), ("masked", "bi")])
def test_a_window_records_the_recurrent_layers_before_a_needed_one_when_asked(monkeypatch, name, needed):
    """A window of the layers needed (a summary's one layer, the layer on screen) ran every
    recurrent layer before it with every record; they now run states only (their outputs
    feed the needed layer) and are recorded when first asked for, to the same bits."""
    from lstmviz.engine import windows
    from lstmviz.engine.trace import LaterTrace

    model = Model.sequential((None, None, 3), MODELS[name](), seed=4)
    x = _data(3, mask_runs=name == "masked")
    wt = keyframe_pass(model, x, every=64)
    names = [layer.name for layer in model.layers]
    before = [n for n in names[:names.index(needed)]
              if windows.recurrent_halves(model.get_layer(n))]
    assert before
    runs = []
    real = windows._Window.run

    def run(self, node, side, rnn, lo, hi, record):
        runs.append((node.layer.name, record))
        return real(self, node, side, rnn, lo, hi, record)

    monkeypatch.setattr(windows._Window, "run", run)
    for a, b in ((0, 16), (77, 160), (T - 1, T)):
        whole = wt.window(a, b)
        runs.clear()
        win = wt.window(a, b, needed={needed})
        assert isinstance(win, LaterTrace) and win.layers.pending
        assert list(win.layers) == list(whole.layers)
        made = [r.name for r in win.layers.made()]
        assert needed in made and not set(before) & set(made)
        assert not [n for n, rec in runs if n in before and rec]  # states only, so far
        got, want = win.layers[needed], whole.layers[needed]
        for part in (got.children or {"": got}):
            g, w = (got.children[part], want.children[part]) if part else (got, want)
            for key in ("h", "pre", "x_proj", "h_proj"):
                assert np.array_equal(g.steps[key], w.steps[key]), (part, key)
        assert win.layers.pending  # the needed layer's record ran nothing more
        ref = whole.flat()
        flat = win.flat()  # every layer: those waiting run now
        assert not win.layers.pending and list(flat) == list(ref)
        for key, arr in ref.items():
            assert np.array_equal(flat[key], arr), f"{name} {key} steps {a}:{b}"
        assert [n for n, rec in runs if n in before and rec]  # recorded when asked for
        # a name the model does not have (a stale choice): every layer at once, as Model.trace
        assert not isinstance(wt.window(a, b, needed={needed, "no such layer"}), LaterTrace)
        assert list(dict(win.layers)) == list(whole.layers)
        for o, want in zip(win.outputs, whole.outputs):
            assert np.array_equal(o, want)


@pytest.mark.parametrize("name", ["go_backwards_stack", "bidirectional", "masked"])
def test_a_backward_halfs_window_holds_the_input_steps_it_read(name):
    """A window of steps a..b-1 of a half that runs backwards reads input steps T-b ..
    T-a-1, not the window's a..b-1: the Cell view showed x_t (and wrote 'input step 764')
    from the window's own input steps, 'input step 29228' being the one read at step 771
    of 30,000. The window's record of such a half holds the input steps it read.

    So does a half reading a sequence turned around (the SimpleRNN after the go_backwards
    LSTM: its input's steps a..b-1 are the model's input steps T-b .. T-a-1, held in the
    input's order; it held none, and the views said its step t read input step t)."""
    model = Model.sequential((None, None, 3), MODELS[name](), seed=4)
    x = _data(3, mask_runs=name in MASKED)
    full = model.trace(x)
    wt = keyframe_pass(model, x, every=64)
    turned = 0
    for a, b in WINDOWS:
        win = wt.window(a, b)
        for node in model.nodes:
            rec = win.layers.get(node.layer.name)
            if rec is None:
                continue
            below = node.inbound[0].layer if node.inbound else None
            given = x if below in [r.layer for r in model.inputs] else None
            if given is None and below in full.layers:
                given = full[below].output
            rev_in = input_reversed(model, node.layer.name)
            turned += rev_in
            for half in (rec.children.values() if rec.children else [rec]):
                back = bool(half.go_backwards)
                if not half.steps:  # (a Dense: no half)
                    continue
                if (back or rev_in) and given is not None:
                    lo, hi = (T - b, T - a) if back else (a, b)  # (the steps of its input it read)
                    assert half.input_start == (T - hi if rev_in else lo)
                    want = given[:, lo:hi]
                    np.testing.assert_array_equal(half.input_window, want[:, ::-1] if rev_in else want)
                elif not back and not rev_in:
                    assert half.input_window is None
    assert turned > 0 or name != "go_backwards_stack"


@pytest.mark.parametrize("name", ["go_backwards_stack", "bidirectional", "masked", "lstm",
                                  "conv_masked_backwards", "masked_stacked_cells_backwards", "masked_held"])
def test_a_window_by_input_steps_holds_every_half_under_the_same_input_steps(name):
    """``window(a, b, by_input=True)``: a half that runs backwards records its processing
    steps T-b .. T-a-1, the ones that read input steps a .. b-1 (its ``start`` says so), so
    every record of the window stands under the window's input steps (the Unrolled view drew
    a backward row's cells under columns a .. b-1 holding input steps T-b .. T-a-1). Each
    record equals those steps of the full trace to the bit; the layers' outputs are the
    window's steps a .. b-1, as in a window by processing steps, but a sequence standing
    over the input turned around (a go_backwards layer's, the SimpleRNN's and Dense's after
    it: ``steps_reversed``), whose steps T-b .. T-a-1 stand over those input steps; a half
    reading such a sequence (the SimpleRNN) records its processing steps T-b .. T-a-1 too."""
    model = Model.sequential((None, None, 3), MODELS[name](), seed=4)
    x = _data(3, mask_runs=name in MASKED)
    full = model.trace(x)
    wt = keyframe_pass(model, x, every=64)
    halves = 0
    for a, b in WINDOWS:
        win = wt.window(a, b, by_input=True)
        plain = wt.window(a, b)
        assert (win.start, win.total_steps) == (a, T)
        for name_, rec in win.layers.items():
            for side, half in ([(s, h) for s, h in rec.children.items()] or [("", rec)]):
                whole = full[name_].children[side] if side else full[name_]
                if not half.steps:
                    continue
                # (every cell of an RNN([cells]) of go_backwards: the later ones read the first's
                # output in its processing order)
                back = reads_backwards(model.get_layer(name_), dict(recurrent_halves(model.get_layer(name_)))[side]) \
                    != input_reversed(model, name_)
                lo, hi = (T - b, T - a) if back else (a, b)
                halves += back
                assert half.start == lo and half.input_start == a, (name_, side, a, b)
                for key, arr in whole.steps.items():
                    assert np.array_equal(half.steps[key], arr[:, lo:hi]), (name_, side, key, a, b)
                if whole.mask is not None:
                    assert np.array_equal(half.mask, whole.mask[:, lo:hi])
                first = whole.initial_state if lo == 0 else {k: whole.steps[k][:, lo - 1] for k in half.initial_state}
                for k, v in half.initial_state.items():
                    assert np.array_equal(v, first[k]), (name_, side, k, a, b)
            over = wt.window(T - b, T - a) if steps_reversed(model)[name_] else plain
            for o, want in zip(rec.outputs, over[name_].outputs):
                assert np.array_equal(o, want), (name_, a, b)
    assert halves > 0 or name == "lstm"


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("batch", [1, 3])
def test_a_keyframe_pass_holds_about_what_pass_bytes_says(name, batch):
    """What NumPy allocates during a pass (tracemalloc, the workspace's pooled blocks let go
    first) is never much more than ``pass_bytes`` estimates, and the estimate is never far
    above it (a pass that fits is not refused)."""

    from lstmviz.engine.windows import pass_bytes

    steps = 4000
    layers = MODELS[name]()
    for spec in layers:  # eight times the units: the sequences, not the overheads, dominate
        cfg = spec.config["layer"]["config"] if spec.class_name == "Bidirectional" else spec.config
        for c in [cfg] + [cell["config"] for cell in cfg.get("cell", [])]:  # (an RNN([cells])'s)
            if "units" in c and spec.class_name != "Dense":
                c["units"] *= 8
        if spec.class_name == "Reshape":  # (each step's features, eight times as many)
            cfg["target_shape"][-1] *= 8
    model = Model.sequential((None, None, 3), layers, seed=0)
    x = np.random.default_rng(0).normal(size=(batch, steps, 3)).astype(np.float32)
    if name in MASKED:
        x[:, :40] = 0.0
    est, peak = pass_bytes(model, [x]), pass_peak(model, x)
    # (a Bidirectional's halves counted as running at once: one after the other, half of it)
    assert peak / 3 < est < (2.1 if name.startswith("bidirectional") else 1.25) * peak, (est, peak)


@pytest.mark.parametrize("head", [{"units": 1}, {"units": 60, "activation": "softmax"},
                                  {"units": 60, "activation": "log_softmax"}])
def test_a_dense_after_a_long_sequence_holds_no_more_than_pass_bytes_says(head):
    """A Dense after a recurrent layer copied its whole input sequence (``astype`` without
    ``copy=False``) and a softmax held three temporaries of its output's size: a keyframe
    pass of the demo character model over a 6.9 MB book peaked at 3.2 GB under the 2 GB
    memory limit that ``pass_bytes`` had checked (1.9 GB). Now what NumPy allocates is
    within what it said (tracemalloc), and the numbers are a full trace's, bit for bit."""


    model = Model.sequential((None, None, 3), [
        LayerSpec("LSTM", {"units": 64, "return_sequences": True}, name="l"),
        LayerSpec("Dense", head, name="p")], seed=0)
    x = np.random.default_rng(0).normal(size=(1, 20_000, 3)).astype(np.float32)  # (sequences dominate)
    _pass_within_its_estimate(model, x)


@pytest.mark.parametrize("case", ["k3_masked_pooling", "k2_masked_pooling"])
def test_a_keras_files_pooled_classifier_takes_a_long_input_by_windows(case):
    """Masking -> LSTM(return_sequences) -> LayerNormalization -> ReLU ->
    GlobalAveragePooling1D -> Dense -> Softmax, saved by Keras 3.15 (and tf_keras 2.21),
    its steps left open (its file fixes 6): a long input was refused ("reshapes the time
    axis"). Its pass computes the pooled mean over the unmasked steps of the whole
    sequence once, the Dense and Softmax after it too, the same bits as a full trace, and
    every window holds the LSTM's steps and the pooled tensor as the trace does."""
    import lstmviz
    from tests.helpers import FIXTURES

    path = next(p for p in (FIXTURES / case).iterdir() if p.name.startswith("model."))
    model, x = _steps_opened_with_masked_runs(lstmviz.load(path))
    full = model.trace(x)
    wt = keyframe_pass(model, x, every=32)
    assert np.array_equal(wt.output, full.output)
    steps = [n.layer.name for n in model.nodes if n.layer.class_name == "LSTM"]
    pooled = [n.layer.name for n in model.nodes if n.layer.class_name == "GlobalAveragePooling1D"]
    assert len(steps) == len(pooled) == 1
    for a, b in [(0, 40), (1_003, 1_130), (1_990, 2_000)]:
        win = wt.window(a, b)
        for k in ("h", "c", "i"):
            assert np.array_equal(win[steps[0]].steps[k], full[steps[0]].steps[k][:, a:b]), (k, a, b)
        for name in pooled + ["dense", "softmax"]:
            assert np.array_equal(win[name].outputs[0], full[name].outputs[0]), (name, a, b)
            assert np.ndim(win[name].outputs[0]) == 2  # (batch, units): no steps


@pytest.mark.parametrize("pool, masked", [("GlobalMaxPooling1D", False), ("GlobalAveragePooling1D", False),
                                          ("GlobalAveragePooling1D", True)])
def test_a_pooling_over_a_long_sequence_holds_no_more_than_pass_bytes_says(pool, masked):
    """A pooling over the steps reads its input's whole sequence once, in the pass (held
    while it runs); a masked GlobalAveragePooling1D makes a copy of it with 0 at the masked
    steps and the mask as floats: 1.9x ``pass_bytes``' estimate (batch 3, LSTM(64) over
    20,000 steps) until it counted them. Within 1.1x it now, and the outputs a full trace's."""
    model = Model.sequential((None, None, 3), [LayerSpec("Masking", {}, name="m")] * masked + [
        LayerSpec("LSTM", {"units": 64, "return_sequences": True}, name="l"),
        LayerSpec(pool, {}, name="pool"), LayerSpec("Dense", {"units": 2}, name="out")], seed=0)
    x = np.random.default_rng(0).normal(size=(3, 20_000, 3)).astype(np.float32)  # (sequences dominate)
    x[:, :40] = 0.0
    x[1, 15_000:] = 0.0
    _pass_within_its_estimate(model, x)


@pytest.mark.parametrize("cls, cfg, masked", [("LayerNormalization", {}, False),
                                               ("LayerNormalization", {"rms_scaling": True}, False),
                                               ("GlobalAveragePooling1D", {}, True), ("Softmax", {}, False)])
def test_a_layer_holds_while_it_runs_what_its_running_bytes_says(cls, cfg, masked):
    """``pass_bytes`` counts, for each layer but a recurrent one, what the layer says it holds
    while it runs (``Layer.running_bytes``: its output and a temporary; a LayerNormalization's
    two temporaries more, a masked GlobalAveragePooling1D's copy of its input and the mask as
    floats). What NumPy allocates in its call (tracemalloc) is within 5% of it, and it is not
    far above (a pass that fits is not refused)."""
    import tracemalloc

    model = Model.sequential((None, None, 32), [LayerSpec(cls, cfg, name="x")], seed=0)
    layer = model.get_layer("x")
    x = np.random.default_rng(0).normal(size=(3, 30_000, 32)).astype(np.float32)  # (11.5 MB)
    mask = np.ones(x.shape[:2], bool) if masked else None
    if masked:
        mask[:, :40] = False
    model._infer_shapes([x.shape])
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        out = layer.call([x], [mask])[0][0]
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    said = layer.running_bytes(out.nbytes if out.ndim == 3 else 0, x.nbytes, mask.size * 4 if masked else 0)
    assert peak < 1.05 * said < 1.6 * peak, (peak, said)


@pytest.mark.parametrize("stop", [0.3, 0.8])  # in the first layer, in the second
def test_a_cancelled_passs_nbytes_is_what_its_partial_holds(stop):
    """``PassState.nbytes`` (what a cancelled pass keeps for ``resume=``; the app counts it
    against the trace budget) is what NumPy allocated for it and still holds (tracemalloc,
    after the pass is gone but the partial kept), within 10%, the input not counted."""
    import gc
    import tracemalloc

    from lstmviz.engine import workspace

    model = Model.sequential((None, None, 3), [
        LayerSpec("LSTM", {"units": 48, "return_sequences": True}, name="a"),
        LayerSpec("GRU", {"units": 40, "return_sequences": True}, name="b"),
        LayerSpec("Dense", {"units": 2}, name="d")], seed=0)
    steps = 6000
    x = np.random.default_rng(0).normal(size=(2, steps, 3)).astype(np.float32)
    workspace._blocks.clear()
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        with pytest.raises(Cancelled) as err:
            keyframe_pass(model, x, every=16, cancel=lambda: False,
                          progress=lambda d, t: (_ for _ in ()).throw(Cancelled("stop")) if d > stop * t else None)
        partial = err.value.partial
        err = None  # (the traceback and its frames let go)
        workspace._blocks.clear()
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    assert partial.nbytes > steps * 2 * 40 * 4  # at least a layer's sequence or its keyframes
    assert abs(partial.nbytes - held) < 0.1 * held, (partial.nbytes, held)


def test_a_pass_over_the_memory_limit_is_refused_before_it_starts(monkeypatch, tmp_path, capsys):
    """A long input's own size is checked when it is read; a layer of 64 units over it made
    64 floats a step, and a pass under a 16 MB limit held 20 MB (3 GB for LSTM(512) over
    3 million steps, under the default 2 GB). Now refused in one line by the pass, the
    app's long input and `lstmviz trace --steps`."""
    from lstmviz import cli
    from lstmviz.app.long_sequence import trace_or_window
    from lstmviz.engine.windows import trace_steps

    monkeypatch.setenv("LSTMVIZ_MAX_MEMORY", "16M")
    model = Model.sequential((None, None, 1), [LayerSpec("LSTM", {"units": 64, "return_sequences": True})], seed=0)
    x = np.zeros((2, 40_000, 1), np.float32)
    said = (r"^the model's sequences over 40,000 steps \(a long input's keyframe pass\) would need "
            r"2\d\.\d MiB, over the memory limit of 16 MiB; to allow more, use --max-memory")
    for run in (lambda: keyframe_pass(model, x), lambda: trace_steps(model, x, 100, 200),
                lambda: trace_or_window(model, [x])):
        with pytest.raises(LstmvizError, match=said):
            run()
    np.save(tmp_path / "x.npy", x)
    monkeypatch.setattr("lstmviz.load", lambda path, seed=0: model)
    assert cli.main(["trace", "m", "-i", str(tmp_path / "x.npy"), "-o", str(tmp_path / "t.npz"),
                     "--steps", "100:200"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "would need" in err and not (tmp_path / "t.npz").exists()
    monkeypatch.setenv("LSTMVIZ_MAX_MEMORY", "64M")  # room enough: the same window is written
    assert trace_steps(model, x, 100, 200)["lstm"].steps["h"].shape == (2, 100, 64)


def test_a_held_outputs_memory_is_counted_and_a_pass_it_would_not_fit_is_refused(monkeypatch):
    """A Softmax(axis=1) over 128 features a step is held whole by the pass to its end (2 x
    20,000 x 128 floats, 20 MB), past its last reader (a GRU) while the Dense after that runs:
    ``pass_bytes`` counts it, what NumPy allocates is within it (``_pass_within_its_estimate``),
    and under a limit it would not fit the pass is refused before it starts, in one line. A
    masked input to a Softmax over the steps is refused by the pass in the whole trace's one
    line."""
    model = Model.sequential((None, None, 3), [
        LayerSpec("LSTM", {"units": 4, "return_sequences": True}, name="l"),
        LayerSpec("Dense", {"units": 128}, name="e"), LayerSpec("Softmax", {"axis": 1}, name="a"),
        LayerSpec("GRU", {"units": 4, "return_sequences": True}, name="g"),
        LayerSpec("Dense", {"units": 192}, name="out")], seed=0)
    x = np.random.default_rng(0).normal(size=(2, 20_000, 3)).astype(np.float32)
    _pass_within_its_estimate(model, x)
    monkeypatch.setenv("LSTMVIZ_MAX_MEMORY", "48M")
    with pytest.raises(LstmvizError) as err:
        keyframe_pass(model, x)
    assert "\n" not in str(err.value) and "over the memory limit of 48 MiB" in str(err.value)
    monkeypatch.delenv("LSTMVIZ_MAX_MEMORY")
    masked = Model.sequential((None, None, 3), [LayerSpec("Masking", {}, name="m")] + [
        LayerSpec("LSTM", {"units": 4, "return_sequences": True}, name="l"),
        LayerSpec("Dense", {"units": 1}, name="e"), LayerSpec("Softmax", {"axis": 1}, name="a")], seed=0)
    said = []
    for run in (lambda: masked.trace(x[:, :300]), lambda: keyframe_pass(masked, x[:, :300], every=16)):
        with pytest.raises(LstmvizError) as err:
            run()
        said.append(str(err.value))
    assert said[0] == said[1] and "\n" not in said[0] and said[0].startswith("layer 'a' (Softmax) gets the mask")


def test_a_masked_softmax_over_the_steps_is_refused_before_the_pass_runs_a_recurrent_layer(monkeypatch):
    """Issue 13: the pass refused a Softmax(axis=1) over a masked sequence only when it
    reached it, after the LSTM before it ran over the whole sequence (2 s for these 20,000
    steps, minutes for a long recording). ``check_pass`` refuses it first, in the whole
    trace's line (``check_masks``: a trace of the first steps up to the held layers), no
    recurrent layer run; a held LayerNormalization over a masked sequence (it takes no mask,
    as Keras'; its gamma of 20,000 steps refuses the first steps alone: left to the pass)
    still goes through, the model's shapes those of the whole input after it."""
    from lstmviz.engine import windows

    def masked(held):  # (a LayerNormalization(axis=1)'s gamma a step: the length fixed)
        return Model.sequential((None, 20_000, 3), [
            LayerSpec("Masking", {}, name="m"), LayerSpec("LSTM", {"units": 4, "return_sequences": True}, name="l"),
            LayerSpec("Dense", {"units": 1}, name="e"), held], seed=0)

    x = np.random.default_rng(0).normal(size=(2, 20_000, 3)).astype(np.float32)
    model = masked(LayerSpec("Softmax", {"axis": 1}, name="a"))
    with pytest.raises(LstmvizError) as whole:
        model.trace(x[:, :300])
    with monkeypatch.context() as m:
        m.setattr(windows, "_pass_recurrent", lambda *a, **k: pytest.fail("the pass ran the LSTM"))
        for check in (lambda: windows.check_pass(model, [x]), lambda: keyframe_pass(model, x)):
            with pytest.raises(LstmvizError) as err:
                check()
            assert str(err.value) == str(whole.value)
    norm = masked(LayerSpec("LayerNormalization", {"axis": 1}, name="a"))
    norm._infer_shapes([x.shape])
    before = [n.layer.output_shapes for n in norm.nodes]
    windows.check_pass(norm, [x])
    assert [n.layer.output_shapes for n in norm.nodes] == before


# -- ONNX recurrent nodes ---------------------------------------------------------------
ONNX_T = 150
ONNX_CASES = [  # (op, layout, direction, extras)
    ("LSTM", 0, "forward", {}), ("LSTM", 1, "forward", {}), ("LSTM", 0, "reverse", {}),
    ("LSTM", 1, "bidirectional", {}), ("LSTM", 0, "bidirectional", {"clip": 0.7}),
    ("LSTM", 0, "forward", {"peepholes": True}), ("LSTM", 1, "reverse", {"seq_lens": True}),
    ("LSTM", 0, "bidirectional", {"seq_lens": True, "initial": True}),
    ("GRU", 0, "forward", {}), ("GRU", 1, "bidirectional", {"linear_before_reset": 0}),
    ("GRU", 0, "reverse", {"clip": 0.5, "seq_lens": True}),
    ("RNN", 1, "forward", {"clip": 0.9}), ("RNN", 0, "bidirectional", {}),
]


def _onnx_model(tmp_path, op, layout, direction, extras):
    pytest.importorskip("onnx")
    return onnx_recurrent_model(tmp_path, op, layout, direction, extras, steps=ONNX_T)


@pytest.mark.parametrize("case", ONNX_CASES, ids=["-".join([c[0], f"layout{c[1]}", c[2], *c[3]]) for c in ONNX_CASES])
@pytest.mark.parametrize("every", [32, 48])
def test_an_onnx_recurrent_nodes_windows_equal_the_full_trace_to_the_bit(tmp_path, case, every):
    """ONNX LSTM/GRU/RNN nodes were refused by the keyframe pass (their layout 0,
    (time, batch, features), read on the wrong axis), so a long input through them was
    traced whole or not at all. Every record of a window, by processing or by input steps,
    equals the same steps of the full trace to the bit: each half's steps, states, mask,
    the node's Y (sliced on its own time axis) and Y_h / Y_c; the inputs too."""
    op, layout, direction, extras = case
    model, xs = _onnx_model(tmp_path, op, layout, direction, extras)
    full = model.trace(xs)
    wt = keyframe_pass(model, xs, every=every)
    assert wt.timesteps == ONNX_T
    for o, want in zip(wt.outputs, full.outputs):
        assert np.array_equal(o, want)
    name = next(n.layer.name for n in model.nodes if n.layer.class_name == f"onnx.{op}")
    axis = 0 if layout == 0 else 1
    T = ONNX_T
    for a, b in [(0, 1), (0, 40), (31, 33), (64, 65), (77, 150), (T - 1, T), (0, T)]:
        for by_input in (False, True):
            win = wt.window(a, b, by_input=by_input)
            assert (win.start, win.total_steps) == (a, T)
            xin = (xs if isinstance(xs, list) else [xs])[0]
            assert np.array_equal(win.inputs[0], xin[a:b] if axis == 0 else xin[:, a:b])
            rec, whole_rec = win[name], full[name]
            y, want = rec.outputs[0], whole_rec.outputs[0]
            assert np.array_equal(y, want[a:b] if axis == 0 else want[:, a:b]), (a, b, by_input)
            for o, w in zip(rec.outputs[1:], whole_rec.outputs[1:]):
                assert np.array_equal(o, w)
            for side, half in ([(s, h) for s, h in rec.children.items()] or [("", rec)]):
                whole = whole_rec.children[side] if side else whole_rec
                lo, hi = (T - b, T - a) if half.go_backwards and by_input else (a, b)
                assert half.go_backwards == whole.go_backwards == (
                    direction == "reverse" or side == "backward")
                assert set(half.steps) == set(whole.steps)
                for key, arr in whole.steps.items():
                    assert np.array_equal(half.steps[key], arr[:, lo:hi]), (side, key, a, b, by_input)
                if whole.mask is not None:
                    assert np.array_equal(half.mask, whole.mask[:, lo:hi])
                first = whole.initial_state if lo == 0 else {k: whole.steps[k][:, lo - 1] for k in half.initial_state}
                assert set(half.initial_state) == set(first)
                for k, v in half.initial_state.items():
                    assert np.array_equal(v, first[k]), (side, k, a, b)
                if half.go_backwards:  # the input steps it read, (batch, steps, features)
                    x_bm = xin.transpose(1, 0, 2) if axis == 0 else xin
                    np.testing.assert_array_equal(half.input_window, x_bm[:, T - hi:T - lo])


@pytest.mark.parametrize("case", [ONNX_CASES[7], ONNX_CASES[10]], ids=["lstm-bidi-seqlens", "gru-reverse-clip"])
def test_a_cancelled_pass_through_an_onnx_node_resumes_to_the_same_bits(tmp_path, monkeypatch, case):
    """A pass through an ONNX node cancelled mid-way goes on from where it stopped to the
    keyframes and outputs of a pass never cancelled (its halves are a Keras layer's)."""
    from lstmviz.engine import windows

    model, xs = _onnx_model(tmp_path, *case)
    monkeypatch.setattr(windows, "SEGMENT", 32)
    want = keyframe_pass(model, xs, every=16)
    calls = [0]

    def cancel():
        calls[0] += 1
        return calls[0] == 3

    with pytest.raises(Cancelled) as err:
        keyframe_pass(model, xs, every=16, cancel=cancel)
    assert err.value.partial.halves  # (stopped inside the node)
    _same_pass(keyframe_pass(model, xs, every=16, resume=err.value.partial), want)


@pytest.mark.parametrize("case", [ONNX_CASES[4], ONNX_CASES[5], ONNX_CASES[10], ONNX_CASES[11]],
                         ids=["lstm-bidi-clip", "lstm-peepholes", "gru-reverse-clip", "rnn-clip"])
def test_a_pass_through_an_onnx_node_holds_about_what_pass_bytes_says(tmp_path, case):
    """ONNX's own runners (clip, peepholes, ...) in a keyframe pass keep one step of their
    intermediates, not every step's (a stretch of 1,024 steps of a wide batch would be
    gigabytes beside what ``pass_bytes`` said), and hold about what it says."""

    from lstmviz.engine.windows import pass_bytes

    op, layout, direction, extras = case
    pytest.importorskip("onnx")
    model, xs = onnx_recurrent_model(tmp_path, op, layout, direction, extras, steps=3000, u=48, batch=4)
    est, peak = pass_bytes(model, xs if isinstance(xs, list) else [xs]), pass_peak(model, xs)
    assert peak / 3 < est < 2.1 * peak, (est, peak)


# -- real exports: the ops around the recurrent node ------------------------------------
EXPORTS = ["onnx_torch_classic_lstm", "onnx_torch_classic_gru_bidir", "onnx_torch_classic_lstm_bidir_2layer",
           "onnx_torch_classic_rnn_2layer", "onnx_torch_dynamo_lstm", "onnx_torch_dynamo_gru_bidir",
           "onnx_torch_dynamo_lstm_bidir_2layer", "onnx_torch_classic_lstm_timemajor_seq",
           "onnx_torch_classic_gru_bidir_timemajor_seq", "onnx_keras_lstm_dense", "onnx_keras_lstm_stacked",
           "onnx_keras_lstm_backwards", "onnx_keras_bidi_lstm_seq",
           # a Softmax / LogSoftmax of opset 12 over (N, T, 2) after the node, of axis 1: each sample's
           # T x 2 numbers flattened (issue 13: held whole; scripts/make_onnx_window_fixtures.py)
           "onnx_hand_lstm_softmax_opset12", "onnx_hand_lstm_logsoftmax_opset12",
           # x.permute(1, 0, 2) -> nn.LSTM -> out.permute(1, 0, 2) -> Linear (issue 13), graphs that fix
           # their length (FIXED_LENGTH): dynamo's Reshape of Y naming its 40 steps ([40, -1, 4]), an
           # export without dynamic axes (the input (2, 40, 3)), the last step of one
           "onnx_torch_dynamo_permute_lstm", "onnx_torch_classic_fixed_permute_lstm",
           "onnx_torch_dynamo_fixed_permute_lstm_last",
           # positional terms sliced to the steps, x * scale[:, :T] + pe[:, :T] joined with pe2[:, :T],
           # folded into constants of the 40 steps by an export without dynamic axes (issue 13)
           "onnx_torch_classic_fixed_position_lstm", "onnx_torch_dynamo_fixed_position_lstm"]
#: the steps a graph fixes (scripts/make_onnx_fixtures.py's permute and position cases: the steps traced on)
FIXED_LENGTH = {"onnx_torch_dynamo_permute_lstm": 40, "onnx_torch_classic_fixed_permute_lstm": 40,
                "onnx_torch_dynamo_fixed_permute_lstm_last": 40, "onnx_torch_classic_fixed_position_lstm": 40,
                "onnx_torch_dynamo_fixed_position_lstm": 40}


def _export(case, steps):
    """A committed real export and a random input of ``steps`` steps in its own layout."""
    import lstmviz
    from lstmviz.engine.windows import input_axes
    from tests.helpers import FIXTURES

    model = lstmviz.load(FIXTURES / case / "model.onnx")
    shape = list(np.load(FIXTURES / case / "x.npy").shape)
    shape[input_axes(model)[0]] = steps
    return model, np.random.default_rng(len(case)).normal(size=shape).astype(np.float32)


@pytest.mark.parametrize("case", EXPORTS)
def test_a_real_exports_windows_equal_the_full_trace_to_the_bit(case):
    """torch.onnx.export (classic and dynamo) and tf2onnx put Shape, Gather, Unsqueeze,
    Concat, ConstantOfShape / Expand (initial states of the input's batch size), Transpose
    (batch_first), Squeeze / Reshape (Y's direction axis), Slice / Gather (the last step)
    around the recurrent node: a window refused them all ("reshapes the time axis"), so a
    practitioner's ONNX file was traced whole or not at all. Every record of a window, by
    processing or by input steps, now equals the same steps of the full trace to the bit:
    each op's outputs (sliced on the axis holding the steps, whole where it holds none,
    the Shape of the input the whole sequence's), each recurrent half's steps. tf2onnx's
    go_backwards (a ReverseSequence of the input by lengths Expanded from its Shape) too:
    a window of it is the input's mirrored steps turned around; and its Dense over every
    step (a Reshape to (batch x steps, units), a MatMul, a Reshape back: one Dense over
    the 3-D sequence since it is read). An opset-12 Softmax / LogSoftmax over (N, T, F) of
    axis 1 (hand-built, onnxruntime's numbers in ``test_io_onnx``) is held whole by the pass.
    A graph that fixes its sequence length (issue 13: torch's permute -> nn.LSTM, dynamo naming
    the steps in a Reshape of Y, or exported without dynamic axes) was refused for windows
    ("fixes its sequence length"): over its own length each window computes each op over its
    steps, the Reshape's constant naming the length given the window's, a constant of its steps
    (a positional term folded by the export: Mul, Add, Concat along the features) its window's."""
    T = FIXED_LENGTH.get(case, ONNX_T)
    model, x = _export(case, T)
    full = model.trace(x)
    wt = keyframe_pass(model, x, every=16 if case in FIXED_LENGTH else 32)
    for o, want in zip(wt.outputs, full.outputs):
        assert np.array_equal(o, want)
    followed = [n.layer.name for n in model.nodes if n.layer.class_name.startswith("onnx.")
                and any(a is not None for a in wt._axes[n.layer.name])]
    assert len(followed) >= 2  # (the node and an op around it)
    shares = {n.layer.name for n in model.nodes if n.layer.class_name in ("onnx.Softmax", "onnx.LogSoftmax")}
    assert len(shares) == ("opset12" in case) and shares <= set(wt._held), (shares, set(wt._held))
    _windows_are_the_full_trace(model, wt, full, [(a, b) for a, b in [(0, 1), (0, 40), (15, 17), (31, 33), (64, 65),
                                                                      (77, 150), (T - 1, T), (0, T)] if b <= T])


def _windows_are_the_full_trace(model, wt, full, spans, of=None) -> None:
    """Each window ``(a, b)`` of ``spans`` of the pass ``wt`` (steps of the input, or of
    layer ``of``), by processing and by input steps: every output of every layer the same
    steps of the full trace ``full`` to the bit (sliced on the axis holding its steps, in
    the layer's own steps, ``steps_for``: fewer after a Conv or pool of strides; whole where
    it holds none), and every recurrent half's records, start and total."""
    for a, b in spans:
        for by_input in (False, True):
            win = wt.window(a, b, by_input=by_input, of=of)
            for name in full.layers:
                rec, whole = win[name], full[name]
                lo, hi = wt.steps_for(name, a, b, of)  # (its own steps)
                n = wt.steps_of(name)
                assert len(rec.outputs) == len(whole.outputs)
                for k, (o, w) in enumerate(zip(rec.outputs, whole.outputs)):
                    axis = wt._axes[name][k]
                    if axis is not None:
                        assert np.shape(w)[axis] == n, (name, k)
                    want = w if axis is None else np.take(w, np.arange(lo, hi), axis=axis)
                    assert np.shape(o) == np.shape(want) and np.array_equal(o, want), (name, k, a, b, by_input)
                node = model.get_layer(name)
                for side, half in (list(rec.children.items()) or [("", rec)]):
                    ref = whole.children[side] if side else whole
                    # (by input: a half that reads the input from its last step, go_backwards
                    # or a node behind tf2onnx's ReverseSequence, the steps reading a..b-1)
                    rnn = dict(recurrent_halves(node)).get(side)
                    back = rnn is not None and reads_backwards(node, rnn)
                    h0, h1 = (n - hi, n - lo) if back and by_input else (lo, hi)
                    assert rnn is None or (half.start, half.total) == (h0, n)
                    assert set(half.steps) == set(ref.steps)
                    for key, arr in ref.steps.items():
                        assert arr.shape[1] == n
                        assert np.array_equal(half.steps[key], arr[:, h0:h1]), (name, side, key, a, b)


def _graph_around_lstm(tmp_path, after, inits=(), steps=ONNX_T, batch=3, units=5, opset=14):
    """An ONNX graph (of ``opset``): the input (batch, steps, 4) made time-major by a
    Transpose, an LSTM node of ``units`` units whose initial states are sized by the input's
    Shape, then ``after`` (nodes reading "Y", the node's output, and writing "out"), read by
    lstmviz."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    import lstmviz

    rng = np.random.default_rng(7)
    u, d = units, 4

    def arr(*shape):
        return (rng.normal(size=shape) * 0.5).astype(np.float32)

    def i64(*v):
        return np.array(v, np.int64)

    consts = {"W": arr(1, 4 * u, d), "R": arr(1, 4 * u, u), "B": arr(1, 8 * u), "zero": i64(0),
              "one": i64(1), "units": i64(u), "last": i64(-1), "big": i64(2 ** 62), **dict(inits)}
    nodes = [helper.make_node("Transpose", ["x"], ["xt"], perm=[1, 0, 2]),
             helper.make_node("Shape", ["x"], ["shape"]),
             helper.make_node("Gather", ["shape", "zero"], ["batch"], axis=0),
             helper.make_node("Concat", ["one", "batch", "units"], ["state_shape"], axis=0),
             helper.make_node("ConstantOfShape", ["state_shape"], ["h0"],
                              value=numpy_helper.from_array(np.zeros(1, np.float32))),
             helper.make_node("LSTM", ["xt", "W", "R", "B", "", "h0", "h0"], ["Y"], hidden_size=u)] + list(after)
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "seq", d])],
                          [helper.make_tensor_value_info("out", TensorProto.FLOAT, None)],
                          initializer=[numpy_helper.from_array(v, k) for k, v in consts.items()])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    onnx.save(m, str(tmp_path / "m.onnx"))
    return lstmviz.load(tmp_path / "m.onnx"), arr(batch, steps, d)


def _node(op, ins, out, **attrs):
    from onnx import helper
    return helper.make_node(op, ins, [out], **attrs)


FOLLOWED = {  # ops a window follows, after Y (steps, 1, batch, 5)
    "squeeze-transpose-softmax": [_node("Squeeze", ["Y", "one"], "s"), _node("Transpose", ["s"], "t", perm=[1, 2, 0]),
                                  _node("Sigmoid", ["t"], "g"), _node("Softmax", ["g"], "out", axis=1)],
    "reshape-by-shape": [_node("Shape", ["Y"], "ys"), _node("Slice", ["ys", "zero", "one"], "steps_"),
                         _node("Concat", ["steps_", "last"], "flat", axis=0),
                         _node("Reshape", ["Y", "flat"], "r"), _node("Relu", ["r"], "out")],
    "concat-gather-unsqueeze": [_node("Tanh", ["Y"], "a"), _node("Concat", ["Y", "a"], "c", axis=3),
                                _node("Gather", ["c", "one"], "g", axis=3), _node("Unsqueeze", ["g", "zero"], "u"),
                                _node("Slice", ["u", "zero", "one", "two"], "sl"), _node("Mul", ["sl", "half"], "out")],
    "last-step": [_node("Slice", ["Y", "last", "big", "zero"], "l"), _node("Squeeze", ["l", "zero"], "out")],
    "time-major-dense": [_node("Squeeze", ["Y", "one"], "s"), _node("MatMul", ["s", "M"], "m"),
                         _node("Add", ["m", "bias"], "d"), _node("Tanh", ["d"], "out")],
    # a Softmax over the steps (attention weights over time; of Y's time axis 0, and a
    # LogSoftmax of the batch-major sequence's axis 1): held whole by the pass, as Keras' are
    "softmax-over-steps": [_node("Softmax", ["Y"], "a", axis=0), _node("Squeeze", ["a", "one"], "s"),
                           _node("Transpose", ["s"], "t", perm=[1, 0, 2]), _node("LogSoftmax", ["t"], "out", axis=1)],
    # a tensor made of the whole sequence (the last step; a mean over the steps with keepdims,
    # of size 1 on the time axis) merged into every step by an elementwise op (issue 13, part B):
    # computed once by the pass before it, each window's steps merged with those very numbers
    "the-last-step-beside-every-step": [_node("Slice", ["Y", "last", "big", "zero"], "l"),
                                        _node("Sub", ["Y", "l"], "out")],
    "the-last-step-through-a-dense": [_node("Slice", ["Y", "last", "big", "zero"], "l"),
                                      _node("Squeeze", ["l", "zero"], "q"), _node("MatMul", ["q", "M2"], "d"),
                                      _node("Add", ["Y", "d"], "out")],
    "mean-over-steps-subtracted": [_node("Squeeze", ["Y", "one"], "s"), _node("Transpose", ["s"], "t", perm=[1, 0, 2]),
                                   _node("ReduceMean", ["t"], "m", axes=[1]), _node("Sub", ["t", "m"], "out")],
    "excitation-over-steps": [_node("Squeeze", ["Y", "one"], "s"), _node("Transpose", ["s"], "t", perm=[1, 0, 2]),
                              _node("ReduceMean", ["t"], "m", axes=[1]), _node("Sigmoid", ["m"], "e"),
                              _node("Mul", ["t", "e"], "out")],
}
#: the op of each FOLLOWED case reading a tensor made of the whole sequence beside the steps
#: (no step shown before the pass: ``whole_sequence_layer``)
WHOLE_BESIDE = {"the-last-step-beside-every-step": "onnx.Sub", "the-last-step-through-a-dense": "onnx.Add",
                "mean-over-steps-subtracted": "onnx.Sub", "excitation-over-steps": "onnx.Mul"}
REFUSED = {  # (the op named in the refusal, what it does to the steps)
    "concat-along-steps": ([_node("Concat", ["Y", "Y"], "out", axis=0)], "onnx.Concat"),
    "steps-into-batch": ([_node("Reshape", ["Y", "flat2"], "out")], "onnx.Reshape"),
    "a-size-of-the-length": ([_node("Shape", ["Y"], "ys"), _node("Cast", ["ys"], "f", to=1),
                              _node("Gather", ["f", "zero"], "n"), _node("Add", ["Y", "n"], "out")], "onnx.Add"),
    "the-last-step-appended": ([_node("Slice", ["Y", "last", "big", "zero"], "l"),
                                _node("Concat", ["Y", "l"], "out", axis=0)], "onnx.Concat"),
    "a-product-after-a-mean-over-the-batch": ([_node("Squeeze", ["Y", "one"], "s"),  # ((steps, units))
                                               _node("ReduceMean", ["s"], "r", axes=[1], keepdims=0),
                                               _node("MatMul", ["r", "M"], "out")], "Dense"),
}
#: words of a refusal: an op reading, beside the steps, a tensor made of them; a product of
#: (steps, units), no batch axis (said "(time, batch, ...)" before)
BESIDE = {"a-size-of-the-length": "reads, beside its steps, the sequence's length",
          "the-last-step-appended": "reads, beside its steps, a tensor made of the whole sequence (some of its "
                                    "steps), other than by an elementwise op",
          "a-product-after-a-mean-over-the-batch": "reads a sequence whose steps are on its first axis (time, 5);"}
EXTRA = {"two": np.array([2], np.int64), "half": np.full((1, 1, 1, 1), 0.5, np.float32),
         "flat2": np.array([-1, 5], np.int64), "M": np.linspace(-1, 1, 10, dtype=np.float32).reshape(5, 2),
         "bias": np.array([0.25, -0.5], np.float32), "M2": np.eye(5, dtype=np.float32) * 0.5}


@pytest.mark.parametrize("case", list(FOLLOWED))
def test_windows_follow_the_ops_around_an_onnx_node_to_the_bit(tmp_path, case):
    """Each pattern of ops after the node (Squeeze, Transpose moving the steps to the last
    axis, a Softmax over units, a Reshape whose shape holds the length read by a Shape, Concat
    and Gather off the time axis, Unsqueeze, a Slice of units, the last step picked, a Dense
    (MatMul + Add) over every step of the time-major Y, one product per step): every
    output of every op of a window equals the same steps of the full trace to the bit (whole
    where it has no steps), and the Shape of Y holds the whole sequence's length. A tensor
    made of the whole sequence (the last step, a mean over the steps) merged into every step
    by an elementwise op (refused before, "reads, beside its steps, a tensor made of the whole
    sequence") is the pass's, and the op shows no step before it."""
    from lstmviz.engine.windows import whole_sequence_layer

    model, x = _graph_around_lstm(tmp_path, FOLLOWED[case], EXTRA.items())
    T = ONNX_T
    full = model.trace(x)
    wt = keyframe_pass(model, x, every=32)
    assert np.array_equal(wt.outputs[0], full.outputs[0])
    for a, b in [(0, 1), (31, 33), (64, 65), (77, 150), (0, T)]:
        win = wt.window(a, b)
        for name in full.layers:
            for k, (o, w) in enumerate(zip(win[name].outputs, full[name].outputs)):
                axis = wt._axes[name][k]
                want = w if axis is None else np.take(w, np.arange(a, b), axis=axis)
                assert np.shape(o) == np.shape(want) and np.array_equal(o, want), (name, a, b)
    first = whole_sequence_layer(model, [x])
    assert (first and first.class_name) == WHOLE_BESIDE.get(case, "onnx.Softmax" if "softmax-over" in case else None)
    if case == "time-major-dense":  # (torch's Linear over every step of a time-major LSTM)
        dense = next(n.layer for n in model.nodes if n.layer.class_name == "Dense")
        assert dense.steps_first and wt._axes[dense.name] == [0]
    if case == "softmax-over-steps":
        assert [(k, wt._axes[k]) for k in wt._held] == [("softmax", [0]), ("logsoftmax", [1])]
    if case == "reshape-by-shape":
        assert list(wt.window(3, 5)["shape_1"].outputs[0]) == [T, 1, 3, 5]
        assert wt.window(3, 5)["reshape"].outputs[0].shape == (2, 15)


#: a Softmax or LogSoftmax before opset 13 (its input flattened to two axes at its ``axis``,
#: 1 by default, each share over every axis from it) after Y (steps, 1, batch, 5): held whole
#: where the steps are among the flattened axes, each step alone where they are before them
#: (the layer named, and whether it is held)
OLD_SOFTMAX = {
    "of-every-axis": ([_node("Softmax", ["Y"], "out", axis=0)], True),
    "of-each-step (default axis 1)": ([_node("LogSoftmax", ["Y"], "out")], False),
    "batch-major, default axis 1: over steps x units": ([
        _node("Squeeze", ["Y", "one"], "s"), _node("Transpose", ["s"], "t", perm=[1, 0, 2]),
        _node("Softmax", ["t"], "out")], True),
    "batch-major, axis 2: each step's units": ([
        _node("Squeeze", ["Y", "one"], "s"), _node("Transpose", ["s"], "t", perm=[1, 0, 2]),
        _node("Softmax", ["t"], "sm", axis=2), _node("ReduceMean", ["sm"], "out", axes=[1])], False),
}


@pytest.mark.parametrize("case", list(OLD_SOFTMAX))
def test_an_onnx_softmax_before_opset_13_is_held_over_the_steps_or_followed_step_by_step(tmp_path, case):
    """Issue 13: a Softmax / LogSoftmax of opset < 13 was refused for windows ("flattens its
    input to two axes"). Over (N, T, F) of its default axis 1 it shares over T*F numbers, every
    step's: held whole by the pass, as a Keras Softmax(axis=1) (``OnnxOp.along_steps``), each
    window's steps a slice of it; over the time-major Y of axis 1, or of axis 2 of (N, T, F),
    each share is one step's numbers: followed step by step. Every window equals the whole
    trace to the bit, whose shares sum to 1 over the axes flattened (ONNX's opset-12 rule)."""
    after, held = OLD_SOFTMAX[case]
    model, x = _graph_around_lstm(tmp_path, after, EXTRA.items(), opset=12)
    full = model.trace(x)
    op = next(n.layer for n in model.nodes if n.layer.class_name in ("onnx.Softmax", "onnx.LogSoftmax"))
    got = full[op.name].outputs[0]
    axis = int((op.config.get("attrs") or {}).get("axis", 1))
    p = np.exp(got) if op.class_name == "onnx.LogSoftmax" else got
    np.testing.assert_allclose(p.reshape(int(np.prod(p.shape[:axis])), -1).sum(axis=1), 1.0, rtol=1e-5)
    wt = keyframe_pass(model, x, every=32)
    assert (op.name in wt._held) == held
    assert np.array_equal(wt.outputs[0], full.outputs[0])
    _windows_are_the_full_trace(model, wt, full, [(0, 1), (31, 33), (64, 65), (77, 150), (ONNX_T - 1, ONNX_T),
                                                  (0, ONNX_T)])


@pytest.mark.parametrize("case", list(REFUSED))
def test_an_op_that_mixes_the_steps_is_refused_for_windows_in_one_line(tmp_path, case):
    """An op over the steps (a Concat along them, a Reshape folding them
    into the batch, a size made of the length added to every step: a window's length is not it;
    the last step appended after them, a tensor made of the steps read by no elementwise op):
    refused for windows in one line naming it, before the pass (a window would compute it,
    the app's plain trace of the first steps could not); the model still traces whole."""
    after, op = REFUSED[case]
    model, x = _graph_around_lstm(tmp_path, after, EXTRA.items(), steps=40)
    model.trace(x)
    with pytest.raises(LstmvizError) as err:
        keyframe_pass(model, x, every=16)
    msg = str(err.value)
    assert "\n" not in msg and f"({op})" in msg and "traced by windows only" in msg, msg
    assert BESIDE.get(case, "") in msg, msg


# -- a LayerNormalization after the recurrent node: of the features, whole or decomposed --
def _ln(ins, outs, **attrs):
    from onnx import helper
    return helper.make_node("LayerNormalization", ins, outs, **attrs)


#: the steps made (batch, steps, 48) as torch's batch_first output is ("t")
_BATCH_FIRST = [_node("Squeeze", ["Y", "one"], "s"), _node("Transpose", ["s"], "t", perm=[1, 0, 2])]
NORMS = {  # (after Y (steps, 1, batch, 48), opset 17)
    "layernorm-of-units-then-mean-over-steps": _BATCH_FIRST + [
        _ln(["t", "gamma", "beta"], ["n"], axis=-1, epsilon=1e-5),
        _node("ReduceMean", ["n"], "out", axes=[1], keepdims=0)],
    "layernorm-with-mean-and-invstddev": [  # (over batch and units: each step still alone)
        _ln(["Y", "gamma", "beta"], ["n", "mean", "inv"], axis=2),
        _node("Mul", ["n", "inv"], "ni"), _node("Add", ["ni", "mean"], "out")],
    "decomposed-over-units": _BATCH_FIRST + [  # (torch's LayerNorm at opset 16)
        _node("ReduceMean", ["t"], "m", axes=[-1]), _node("Sub", ["t", "m"], "d"),
        _node("Pow", ["d", "two_f"], "p"), _node("ReduceMean", ["p"], "v", axes=[-1]),
        _node("Add", ["v", "eps"], "ve"), _node("Sqrt", ["ve"], "sd"), _node("Div", ["d", "sd"], "nrm"),
        _node("Mul", ["nrm", "gamma"], "g"), _node("Add", ["g", "beta"], "out")],
}
NORMS_REFUSED = {  # (the op named in the refusal)
    "layernorm-over-steps": ([_node("Squeeze", ["Y", "one"], "s"), _node("Transpose", ["s"], "t", perm=[1, 2, 0]),
                              _ln(["t", "gamma_t"], ["out"], axis=-1)], "onnx.LayerNormalization"),
    "layernorm-of-every-axis": ([_ln(["Y", "gamma"], ["out"], axis=0)], "onnx.LayerNormalization"),
}
NORM_EXTRA = {"gamma": np.linspace(0.5, 1.5, 48, dtype=np.float32),
              "beta": np.linspace(-0.25, 0.25, 48, dtype=np.float32),
              "gamma_t": np.ones(1, np.float32), "two_f": np.array(2.0, np.float32),
              "eps": np.array(1e-5, np.float32)}


@pytest.mark.parametrize("case", list(NORMS))
def test_windows_follow_a_layernorm_of_the_features_to_the_bit(tmp_path, case):
    """A LayerNormalization whose normalised axes leave the steps out (torch's LayerNorm
    after its LSTM; over the batch and units of Y, its Mean and InvStdDev read after it),
    and the same decomposed (ReduceMean over the units with keepdims, Sub, Pow, Sqrt, Div:
    torch's export at opset 16), over 48 units (sums of more than 8 numbers, which NumPy
    adds pairwise): every output of a window equals the same steps of the full trace to the
    bit, a mean over the steps after it the whole trace's (computed once by the pass)."""
    model, x = _graph_around_lstm(tmp_path, NORMS[case], NORM_EXTRA.items(), units=48, opset=17)
    full = model.trace(x)
    wt = keyframe_pass(model, x, every=32)
    assert np.array_equal(wt.outputs[0], full.outputs[0])
    followed = {n.layer.class_name[5:] for n in model.nodes if n.layer.class_name.startswith("onnx.")
                and wt._axes[n.layer.name][0] is not None}
    assert followed >= ({"LayerNormalization"} if "layernorm" in case else {"ReduceMean", "Pow", "Sqrt", "Div"})
    if case == "layernorm-with-mean-and-invstddev":
        ln = next(n.layer.name for n in model.nodes if n.layer.class_name == "onnx.LayerNormalization")
        assert wt._axes[ln] == [0, 0, 0]  # (a mean and a spread a step: windows of them too)
    _windows_are_the_full_trace(model, wt, full, [(0, 1), (31, 33), (64, 65), (77, 150), (ONNX_T - 1, ONNX_T),
                                                  (0, ONNX_T)])


@pytest.mark.parametrize("case", list(NORMS_REFUSED))
def test_a_norm_that_reads_across_the_steps_is_refused_for_windows_in_one_line(tmp_path, case):
    """A LayerNormalization whose normalised axes hold the steps (the steps made last, or
    axis 0 of Y: every axis): each step's numbers are the whole sequence's, refused for
    windows in one line naming the op and what it does; the model still traces whole. (A
    decomposed one whose ReduceMean is over the steps, subtracted from each step, is followed:
    FOLLOWED's ``mean-over-steps-subtracted``.)"""
    after, op = NORMS_REFUSED[case]
    model, x = _graph_around_lstm(tmp_path, after, NORM_EXTRA.items(), steps=40, units=48, opset=17)
    model.trace(x)
    with pytest.raises(LstmvizError) as err:
        keyframe_pass(model, x, every=16)
    msg = str(err.value)
    assert "\n" not in msg and f"({op})" in msg and "traced by windows only" in msg, msg
    assert BESIDE.get(case, "") in msg, msg
    assert "the time axis" in msg and "whole sequence's" in msg, msg


#: torch's LSTM -> LayerNorm of the features -> mean over the steps, exported to ONNX
NORMED = ["onnx_torch_classic_lstm_layernorm_mean", "onnx_torch_dynamo_lstm_layernorm_mean",
          "onnx_torch_classic_opset16_layernorm_mean"]


def _export_passed(case: str, batch: int, every: int):
    """ONNX fixture ``case`` over 3,000 steps of ``batch`` samples: (model, x, its full
    trace, its keyframe pass every ``every`` steps), the pass's outputs the full trace's."""
    model, x = _export(case, 3000)
    x = np.ascontiguousarray(np.concatenate([x] * batch)[:batch]) if batch != x.shape[0] else x
    full = model.trace(x)
    wt = keyframe_pass(model, x, every=every)
    for o, want in zip(wt.outputs, full.outputs):
        assert np.array_equal(o, want)
    return model, x, full, wt


@pytest.mark.parametrize("case", NORMED)
@pytest.mark.parametrize("every", [16, 48])
@pytest.mark.parametrize("batch", [1, 3])
def test_a_torch_lstm_layernorm_export_gets_windows_equal_to_the_full_trace(case, every, batch):
    """torch's LSTM -> LayerNorm -> ``out.mean(dim=1)`` -> Linear, exported classic, dynamo
    and at opset 16 (the LayerNorm decomposed into ReduceMean, Sub, Pow, Add, Sqrt, Div, Mul,
    Add): a long input was refused at the LayerNormalization ("is not followed step by
    step"), at opset 16 at its Pow. Over 3,000 steps now every output and record of a
    window, at the start, the middle and the end, by processing and by input steps, equals
    the same steps of the full trace to the bit, and the mean over the steps (computed once
    by the pass) and the model's output the whole trace's."""
    model, x, full, wt = _export_passed(case, batch, every)
    norm = [wt._axes[n.layer.name][0] for n in model.nodes
            if n.layer.class_name in ("onnx.LayerNormalization", "onnx.Pow", "onnx.Sqrt")]
    assert norm and set(norm) == {1}  # (followed: its steps on axis 1, as the LSTM's batch_first output)
    mean = [n.layer.name for n in model.nodes if n.layer.class_name == "onnx.ReduceMean"][-1]
    assert wt._axes[mean] == [None]  # (over the steps)
    T = 3000
    _windows_are_the_full_trace(model, wt, full, [(0, 1), (0, 37), (1, 2), (1499, 1601), (T - 3, T),
                                                  (T - 1, T), (0, T)])


# -- an ONNX CNN before the recurrent node: Conv / MaxPool / AveragePool keeping the steps --
CNN = "onnx_hand_cnn_lstm_same_causal"  # (scripts/make_onnx_window_fixtures.py)
WINDOW_NODES = ("onnx.Conv", "onnx.MaxPool", "onnx.AveragePool")


def _cnn_variant(tmp_path, nodes=None, weights=None):
    """The CNN-LSTM fixture with its nodes' attributes (by node name: {attribute: value})
    and its weights (by name: a shape, drawn anew; the BatchNormalization's as the first
    Conv's filters) changed, saved under ``tmp_path`` and read by lstmviz."""
    import onnx
    from onnx import helper, numpy_helper

    import lstmviz
    from tests.helpers import FIXTURES

    m = onnx.load(str(FIXTURES / CNN / "model.onnx"))
    for node in m.graph.node:
        for key, value in ((nodes or {}).get(node.name) or {}).items():
            kept = [a for a in node.attribute if a.name != key]
            del node.attribute[:]
            node.attribute.extend(kept + ([helper.make_attribute(key, value)] if value is not None else []))
    rng = np.random.default_rng(5)
    weights = dict(weights or {})
    if "W1" in weights:  # (the BatchNormalization after the first Conv: a parameter a filter)
        weights.update({n: weights["W1"][:1] for n in ("bn_scale", "bn_b", "bn_mean", "bn_var")})
    for t in m.graph.initializer:
        if t.name in weights:
            w = rng.normal(size=weights[t.name]) * 0.3
            t.CopyFrom(numpy_helper.from_array((np.abs(w) + 0.5 if t.name == "bn_var" else w).astype(np.float32),
                                               t.name))
    onnx.save(m, str(tmp_path / "cnn.onnx"))
    return lstmviz.load(tmp_path / "cnn.onnx")


#: the CNN-LSTM fixture's weights widened: 16 filters (its own 4 over a batch of 2 make
#: products whose rows BLAS sums alike whatever their number: misaligned chunks still agreed)
WIDER = {"W1": (16, 3, 3), "B1": (16,), "W2": (16, 8, 3), "W": (1, 20, 16)}


@pytest.mark.parametrize("chunk", [16, 4], ids=["conv-chunks-of-16", "conv-chunks-of-4"])
@pytest.mark.parametrize("every", [32, 48])
@pytest.mark.parametrize("wide", [False, True], ids=["4-filters", "16-filters"])
def test_an_onnx_cnn_before_an_lstm_gets_windows_equal_to_the_full_trace_to_the_bit(
        tmp_path, monkeypatch, wide, every, chunk):
    """A CNN-LSTM as torch exports it (Transpose to (N, C, L), Conv, Relu, ..., Transpose,
    LSTM) over a long input was refused ('is not followed step by step'). Its Conv,
    MaxPool and AveragePool nodes that keep the steps (pads [1, 1]; a grouped, dilated
    causal Conv of pads [4, 0]; SAME_UPPER, SAME_LOWER; pads [2, 1] counting the pads)
    and the BatchNormalization between them (per channel) are followed on axis 2 now:
    every output of every node of a window, at the start, in the middle, at the end and
    across a Conv's chunks of output steps (16, or 4 for the widest Conv where a chunk's
    windows hold fewer floats: ``conv.CHUNK``), by processing and by input steps, equals
    the same steps of the full trace to the bit, and so do the LSTM's records (a window
    computing its Convs' chunks from its own first step instead gave other bits with 16
    filters)."""
    from lstmviz.engine import conv

    model, x = _export(CNN, ONNX_T)
    if wide:
        model = _cnn_variant(tmp_path, weights=WIDER)
    if chunk != 16:  # (the widest Conv row: batch x channels of a group x taps)
        width = max(int(np.prod(n.layer.weights[0].shape[1:])) for n in model.nodes
                    if n.layer.class_name == "onnx.Conv")
        monkeypatch.setattr(conv, "CHUNK", chunk * x.shape[0] * width)
    full = model.trace(x)
    wt = keyframe_pass(model, x, every=every)
    for o, want in zip(wt.outputs, full.outputs):
        assert np.array_equal(o, want)
    convs = [n.layer.name for n in model.nodes if n.layer.class_name in WINDOW_NODES + ("onnx.BatchNormalization",)]
    assert len(convs) == 6 and all(wt._axes[name] == [2] for name in convs)
    T = ONNX_T
    _windows_are_the_full_trace(model, wt, full, [(0, 1), (0, 40), (1, 2), (3, 5), (5, 6), (15, 17), (31, 33),
                                                  (47, 50), (64, 65), (77, 150), (T - 3, T), (T - 1, T), (0, T)])


def test_an_all_causal_onnx_cnns_first_steps_traced_alone_are_the_whole_sequences(tmp_path):
    """Where every Conv and pooling node is causal (pads [k-1, 0], SAME_LOWER of 2: each
    ``reach`` reads no later step), a long input's first steps are traced alone (the app's
    first view, ``LongSequence._head``): a Conv's chunks counted from step 0 and each
    window padded at the sequence's start only give them the whole trace's bits."""
    model = _cnn_variant(tmp_path, {"c1": {"pads": [2, 0]}, "m": {"auto_pad": "SAME_LOWER"}, "f": {"pads": [3, 0]}},
                         WIDER)
    convs = [n.layer for n in model.nodes if n.layer.class_name in WINDOW_NODES]
    assert [c.reach() for c in convs] == [(2, 0), (4, 0), (1, 0), (1, 0), (3, 0)]
    x = np.random.default_rng(4).normal(size=(2, 300, 3)).astype(np.float32)
    full = model.trace(x)
    for n in (16, 48, 256):
        head = model.trace(np.ascontiguousarray(x[:, :n]))
        for c in convs:
            assert np.array_equal(head[c.name].outputs[0], full[c.name].outputs[0][:, :, :n]), (c.name, n)
        assert np.array_equal(head["lstm"].steps["h"], full["lstm"].steps["h"][:, :n])


#: the CNN-LSTM fixture's nodes changed so that they change the steps (refused for windows
#: before: "gives one step of every 2 (strides 2)"): the LSTM steps over steps of its own
CHANGED = {
    "conv-strides-2": {"c1": {"strides": [2]}},
    "conv-without-pads": {"c1": {"pads": None}},
    "pool-of-more-steps": {"f": {"pads": [2, 2]}},
    "maxpool-of-strides-2": {"m": {"strides": [2]}},
    # strides 3 over pads [2, 0], a MaxPool of strides 2 and ceil_mode, SAME_UPPER of strides
    # 2, a VALID pool: 300 steps -> 100 -> 51 -> 26 -> 23
    "strides-ceil-same-valid": {"c1": {"strides": [3], "pads": [2, 0]},
                                "m": {"auto_pad": None, "strides": [2], "pads": [1, 0], "ceil_mode": 1},
                                "a1": {"strides": [2]}, "f": {"auto_pad": "VALID", "pads": None}},
}


@pytest.mark.parametrize("case", sorted(CHANGED))
@pytest.mark.parametrize("every", [16, 48])
@pytest.mark.parametrize("wide", [False, True], ids=["4-filters", "16-filters"])
def test_an_onnx_conv_or_pool_that_changes_the_steps_gets_windows_of_its_own_steps(tmp_path, case, every, wide):
    """A Conv / MaxPool / AveragePool node that changes the number of steps (strides > 1,
    pads short of or beyond its window less one, ceil_mode, VALID, SAME of strides 2) was
    refused for windows in one line. It has its own steps now, as Keras' strided Conv1D
    has (``steps_out``, its scale times its stride), the LSTM after it its keyframes in its
    own steps: every output and record of a window, by input steps and of the LSTM's own,
    at the start, the middle and the end, equals the same steps of the full trace to the
    bit (a Conv's chunks of output steps the whole trace's, 16 filters too)."""
    model = _cnn_variant(tmp_path, CHANGED[case], WIDER if wide else None)
    T = 300
    x = np.random.default_rng(every).normal(size=(2, T, 3)).astype(np.float32)
    full = model.trace(x)
    wt = keyframe_pass(model, x, every=every)
    for o, want in zip(wt.outputs, full.outputs):
        assert np.array_equal(o, want)
    n = wt.steps_of("lstm")
    assert n == full["lstm"].steps["h"].shape[1] and wt.keyframes[("lstm", "")].every == every
    assert (n < T) == (case != "pool-of-more-steps") and (n > T) == (case == "pool-of-more-steps")
    if case == "strides-ceil-same-valid":
        assert [wt.steps_of(name) for name in ("c1", "m", "a1", "f")] == [100, 51, 26, 23]
        assert [wt.scale_of(name) for name in ("c1", "m", "a1", "f", "lstm")] == [3, 6, 12, 12, 12]
    assert wt.steps_for("lstm", T - 1, T)[1] == n  # (a window to the input's end: the LSTM's to its end)
    _windows_are_the_full_trace(model, wt, full, [(0, 1), (0, 40), (1, 2), (15, 17), (31, 35), (77, 150),
                                                  (T - 3, T), (T - 1, T), (0, T)])
    _windows_are_the_full_trace(model, wt, full, [(0, 1), (n // 3, n // 2 + 1), (n - 1, n), (0, n)], of="lstm")


#: torch's CNN-LSTMs exported to ONNX whose pool halves the steps (its graph's length open)
POOLED = ["onnx_torch_classic_cnn_lstm_max", "onnx_torch_classic_cnn_avgpool_lstm",
          "onnx_torch_dynamo_cnn_avgpool_lstm", "onnx_hand_cnn_lstm_strided"]


@pytest.mark.parametrize("case", POOLED)
@pytest.mark.parametrize("every", [16, 48])
@pytest.mark.parametrize("batch", [1, 3])
def test_a_torch_cnn_lstm_whose_pool_halves_the_steps_gets_windows_equal_to_the_full_trace(case, every, batch):
    """torch's Conv1d -> ReLU -> BatchNorm1d -> MaxPool1d(2) (or a dilated Conv1d then an
    AvgPool1d(3, stride 2, padding 1, ceil_mode)) -> LSTM, exported to ONNX (classic and
    dynamo), then ``out.max(dim=1)`` (a ReduceMax over the steps) or the last step: a long
    input was refused at the pool ("gives one step of every 2"). Over 3,000 steps now the
    LSTM node steps over the pool's 1,500 (or 1,501) steps, its keyframes every K of them;
    every output and record of a window, at the start, the middle and the end, by input
    steps and of the LSTM's own, equals the same steps of the full trace to the bit, and the
    ReduceMax over the steps (computed once by the pass) the whole trace's. The hand-built
    graph (scripts/make_onnx_window_fixtures.py: strides 2 with pads [2, 1], ceil_mode,
    VALID, SAME_UPPER of strides 2; onnxruntime's numbers, ``test_io_onnx``) steps over one
    of every 8."""
    model, x, full, wt = _export_passed(case, batch, every)
    rnn = next(n.layer.name for n in model.nodes if recurrent_halves(n.layer))
    n = wt.steps_of(rnn)
    assert n == full[rnn].steps["h"].shape[1] == {"onnx_hand_cnn_lstm_strided": 375}.get(case, n)
    assert n in (1500, 1501, 375) and wt.scale_of(rnn) == (8 if n == 375 else 2)
    T = 3000
    # (AvgPool1d(3, 2, padding 1, ceil_mode) gives 1,501 steps of 3,000: its last stands for input
    # step 3,000, past the input's last; a window to the input's end holds it)
    assert wt.steps_for(rnn, T - 1, T) == (n - 1, n)
    _windows_are_the_full_trace(model, wt, full, [(0, 1), (0, 37), (1, 2), (5, 9), (1499, 1601), (T - 3, T),
                                                  (T - 1, T), (0, T)])
    _windows_are_the_full_trace(model, wt, full, [(0, 1), (n // 3, n // 2 + 1), (n - 1, n)], of=rnn)


def test_a_cancelled_pass_through_a_torch_cnn_lstms_pool_resumes_to_the_same_bits(monkeypatch):
    """A pass through the pooled torch export cancelled mid-way (inside the LSTM node, over
    its own 1,500 steps) goes on from where it stopped to the keyframes and outputs of a
    pass never cancelled; its progress counts the node's own steps."""
    from lstmviz.engine import windows

    model, x = _export("onnx_torch_classic_cnn_lstm_max", 3000)
    monkeypatch.setattr(windows, "SEGMENT", 64)
    want = keyframe_pass(model, x, every=32)
    calls, seen = [0], []

    def cancel():
        calls[0] += 1
        return calls[0] == 5

    with pytest.raises(Cancelled) as err:
        keyframe_pass(model, x, every=32, cancel=cancel)
    assert err.value.partial.halves and 0 < err.value.partial.done < 1500
    got = keyframe_pass(model, x, every=32, resume=err.value.partial, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (1500, 1500)
    _same_pass(got, want)


@pytest.mark.parametrize("case", ["onnx_torch_classic_cnn_lstm_max", "onnx_hand_cnn_lstm_strided"])
def test_a_pass_and_a_trace_through_an_onnx_pool_of_strides_hold_about_what_their_estimates_say(case):
    """After a pool of strides the LSTM node and the nodes after it hold their own steps
    (half the input's, or an eighth): ``pass_bytes`` and ``full_trace_bytes`` count those
    (``strides_of``, the clocks), within the memory NumPy allocates."""
    from lstmviz.engine.windows import full_trace_bytes, pass_bytes

    model, x = _export(case, 30_000)
    x = np.concatenate([x, x])  # (4 samples)
    est, peak = pass_bytes(model, [x]), pass_peak(model, x)
    assert 0.9 * peak < est < 1.5 * peak, (est, peak)
    held = sum(a.nbytes for a in model.trace(x[:, :8000]).flat().values())
    est = full_trace_bytes(model, 4, 8000)
    assert 0.9 * held < est < 1.2 * held, (est, held)


def _names_length_twice(tmp_path, n=40):
    """dynamo's permute -> nn.LSTM -> permute of an LSTM of ``n`` units over its ``n`` steps,
    by hand: x (1, T, 3) made time-major, Y squeezed to (T, 1, n), reshaped to the constant
    ``[n, -1, n]`` (the length named twice, the units too) and made batch-major again."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    import lstmviz

    rng = np.random.default_rng(3)
    consts = {"W": rng.normal(size=(1, 4 * n, 3)), "R": rng.normal(size=(1, 4 * n, n)) * 0.1,
              "one": np.array([1], np.int64), "shape": np.array([n, -1, n], np.int64)}
    nodes = [_node("Transpose", ["x"], "xt", perm=[1, 0, 2]), _node("LSTM", ["xt", "W", "R"], "Y", hidden_size=n),
             _node("Squeeze", ["Y", "one"], "s"), _node("Reshape", ["s", "shape"], "r"),
             _node("Transpose", ["r"], "out", perm=[1, 0, 2])]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, "seq", 3])],
                          [helper.make_tensor_value_info("out", TensorProto.FLOAT, None)],
                          initializer=[numpy_helper.from_array(v.astype(np.float32) if v.dtype == np.float64 else v, k)
                                       for k, v in consts.items()])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), str(tmp_path / "m.onnx"))
    return lstmviz.load(tmp_path / "m.onnx"), rng.normal(size=(1, n, 3)).astype(np.float32)


@pytest.mark.parametrize("case", ["onnx_torch_dynamo_cnn_lstm_max", "onnx_torch_dynamo_permute_lstm",
                                  "names_length_twice"])
def test_a_graph_that_fixes_its_sequence_length_gets_windows_of_that_length_and_refuses_others(case, tmp_path):
    """torch's dynamo export fixes its length to the steps it was traced on (a Reshape's
    constant: 5 steps of the max-pooled CNN-LSTM, its Reshape after the pool of stride 2;
    40 of permute -> nn.LSTM). It runs on those only, as onnxruntime does; windows of it were
    refused ("fixes its sequence length"): over its own length they equal the whole trace to
    the bit (the pooled ops declare their own 2 steps), and another length is refused in one
    line naming the graph's, by the pass as by a whole trace. Where the Reshape's constant
    names the length twice (``[40, -1, 40]``: an LSTM of 40 units over 40 steps), windows
    were refused ("reshapes its input to a shape that does not keep the time axis apart",
    untrue): the element at its data's time axis is the steps (``onnx_time.names_length``)."""
    n = {"onnx_torch_dynamo_cnn_lstm_max": 5}.get(case, 40)
    model, x = _names_length_twice(tmp_path) if case == "names_length_twice" else _export(case, n)
    full = model.trace(x)
    wt = keyframe_pass(model, x, every=16)
    assert all(np.array_equal(o, w) for o, w in zip(wt.outputs, full.outputs))
    _windows_are_the_full_trace(model, wt, full, [(0, 1), (1, 3), (n - 1, n), (0, n)])
    longer = np.zeros((1, 3000, 3), np.float32)
    want = (f"the graph fixes its sequence length to {n} steps and the input has 3,000: give it {n} steps, "
            "or export the model with a dynamic sequence axis")
    for run in (model.trace, lambda a: keyframe_pass(model, a, every=16)):
        with pytest.raises(LstmvizError) as err:
            run(longer)
        assert str(err.value) == want


def test_lstmviz_trace_steps_through_an_onnx_cnn_writes_those_steps_of_the_full_trace(tmp_path, capsys):
    """`lstmviz trace MODEL --input X --out W.npz --steps 100:200` through a CNN-LSTM ONNX
    graph: refused before; now every array written is that window of a full trace, to the
    bit (each sliced on the axis holding its steps: a Conv's (N, C, L) on its last)."""
    from lstmviz import cli
    from tests.helpers import FIXTURES

    path = FIXTURES / CNN / "model.onnx"
    model, x = _export(CNN, 300)
    np.save(tmp_path / "x.npy", x)
    assert cli.main(["trace", str(path), "-i", str(tmp_path / "x.npy"), "-o", str(tmp_path / "w.npz"),
                     "--steps", "100:200"]) == 0, capsys.readouterr().err
    full = model.trace(x).flat()
    with np.load(tmp_path / "w.npz") as npz:
        assert npz["lstmviz:steps"].tolist() == [100, 200, 300]
        for key, want in full.items():
            got = npz[key]
            if "/initial_" in key:  # (the states entering step 100: those step 99 left)
                want = full[key.replace("initial_", "")][:, 99]
            axes = [i for i, (g, w) in enumerate(zip(got.shape, want.shape)) if g != w]
            if axes:  # (the one axis of 300 steps, written as 100)
                assert axes == [want.shape.index(300)] and got.shape[axes[0]] == 100, key
                want = np.take(want, np.arange(100, 200), axis=axes[0])
            assert np.array_equal(got, want), key
        assert npz["c2"].shape == (2, 4, 100)


def test_a_pass_and_a_trace_through_onnx_convs_hold_about_what_pass_bytes_and_full_trace_bytes_say(tmp_path):
    """A Conv's output (N, C, L) holds C floats a step: ``pass_bytes`` and
    ``full_trace_bytes`` counted one (the dimensions after the second, as of (batch,
    steps, features)), so through Convs of 128 channels a pass held more than it said
    and its check against the memory limit (12.4 MB said of an 18.6 MB peak), and a whole
    trace four times what the budget's choice of a whole trace or windows read (11 MB
    said of 48 MB). Each ONNX op's output is counted by its steps' axis now."""
    from lstmviz.engine.windows import full_trace_bytes, pass_bytes

    model = _cnn_variant(tmp_path, weights={"W1": (128, 3, 3), "B1": (128,), "W2": (128, 64, 3),
                                            "W": (1, 20, 128)})
    x = np.random.default_rng(2).normal(size=(4, 3000, 3)).astype(np.float32)
    est, peak = pass_bytes(model, [x]), pass_peak(model, x)
    assert 0.8 * peak < est < 1.5 * peak, (est, peak)
    held = sum(a.nbytes for a in model.trace(x).flat().values())
    est = full_trace_bytes(model, 4, 3000)
    assert 0.8 * held < est < 1.5 * held, (est, held)


# -- a stack of layers on two cores: a pipelined pass ---------------------------------------
def _pipelined_case(monkeypatch, name="stacked_last_step", batch=1, mask=False):
    from lstmviz.engine import windows

    monkeypatch.setattr(windows, "SEGMENT", 32)  # stretches of 32 steps: T holds seven
    before = recurrent.threads()
    monkeypatch.setattr(recurrent, "_threads", before)  # (put back after the test)
    specs = MODELS[name]() if name in MODELS else [  # "masked_stack"
        LayerSpec("Masking", {"mask_value": 0.0}, name="m"),
        LayerSpec("LSTM", {"units": 6, "return_sequences": True}, name="l"),
        LayerSpec("GRU", {"units": 5, "return_sequences": True}, name="g"),
        LayerSpec("Dense", {"units": 2}, name="out")]
    model = Model.sequential((None, None, 3), specs, seed=7)
    return model, _data(batch, mask_runs=mask)


@pytest.mark.parametrize("name,batch", [("stacked_last_step", 1), ("go_backwards_stack", 1),
                                        ("stacked_last_step", 3), ("masked_stack", 3)])
def test_a_stack_runs_its_layers_at_once_on_two_threads_to_the_same_bits(monkeypatch, name, batch):
    """At batch 1 a layer has no batch to split over the cores: a keyframe pass through two
    recurrent layers ran them one after the other on one core. With two threads the first
    layer runs on a thread of its own while the second reads its output stretch by
    stretch: both threads report progress, and the keyframes, outputs and windows are
    those of one thread to the bit."""
    model, x = _pipelined_case(monkeypatch, name, batch, mask=name == "masked_stack")
    recurrent.set_threads(1)
    one = keyframe_pass(model, x, every=16)
    recurrent.set_threads(2)
    who, seen = set(), []

    def progress(done, total):
        import threading
        who.add(threading.current_thread().name)
        seen.append(done)

    two = keyframe_pass(model, x, every=16, progress=progress)
    _same_pass(two, one)
    assert who == {"MainThread", "lstmviz-pass"}, who
    assert seen == sorted(seen) and seen[-1] == sum(
        len(recurrent_halves(n.layer)) for n in model.nodes) * T
    for a, b in [(0, 40), (90, 150)]:
        w1, w2 = one.window(a, b).flat(), two.window(a, b).flat()
        for key in w1:
            assert np.array_equal(w1[key], w2[key]), key


def test_one_thread_or_a_layer_that_does_not_fit_runs_the_stack_one_layer_after_the_other(monkeypatch):
    """No second thread where the engine has one thread, or where the next layer reads
    the sequence from its end (it needs all of it first)."""
    import threading

    from lstmviz.engine import windows

    started = []
    real = windows._Feed.start
    monkeypatch.setattr(windows._Feed, "start", lambda self, run: (started.append(1), real(self, run))[1])
    model, x = _pipelined_case(monkeypatch)
    recurrent.set_threads(1)
    keyframe_pass(model, x, every=16)
    assert not started
    recurrent.set_threads(2)
    back = Model.sequential((None, None, 3), [
        LayerSpec("LSTM", {"units": 5, "return_sequences": True}, name="a"),
        LayerSpec("GRU", {"units": 4, "go_backwards": True}, name="b")], seed=1)
    keyframe_pass(back, x, every=16)
    assert not started
    keyframe_pass(model, x, every=16)
    assert started == [1]  # (l1 beside g2; l3 after them)
    assert not [t for t in threading.enumerate() if t.name == "lstmviz-pass"]


@pytest.mark.parametrize("fails", ["l1", "g2"])
def test_an_error_in_either_layer_of_a_pipelined_pass_is_raised_and_stops_the_other(monkeypatch, fails):
    """The first layer failing (on its own thread) raises its error in the caller, the
    second waiting for it; the second failing stops the first: no thread left running."""
    import threading

    model, x = _pipelined_case(monkeypatch)
    recurrent.set_threads(2)
    layer = model.get_layer(fails)
    real, calls = layer._run, [0]

    def run(*a, **kw):
        calls[0] += 1
        if calls[0] == 3:
            raise ValueError(f"{fails} broke")
        return real(*a, **kw)

    monkeypatch.setattr(layer, "_run", run)
    with pytest.raises(ValueError, match=f"{fails} broke"):
        keyframe_pass(model, x, every=16)
    assert not [t for t in threading.enumerate() if t.name == "lstmviz-pass"]


def test_a_pipelined_pass_cancelled_anywhere_resumes_to_the_same_bits(monkeypatch):
    """A Cancel while both layers run stops both (no thread left), at whole stretches of
    each; resuming, however often, gives the keyframes and outputs of a pass never
    cancelled."""
    import threading

    model, x = _pipelined_case(monkeypatch)
    recurrent.set_threads(2)
    want = keyframe_pass(model, x, every=16)
    both = 0
    for stop in (2, 5, 9):
        calls, partial, cancels = [0], None, 0
        while True:
            calls[0] = 0

            def cancel(calls=calls, stop=stop):
                calls[0] += 1
                return calls[0] >= stop

            try:
                got = keyframe_pass(model, x, every=16, cancel=cancel, resume=partial)
            except Cancelled as err:
                assert not [t for t in threading.enumerate() if t.name == "lstmviz-pass"]
                partial, cancels = err.partial, cancels + 1
                both += {("l1", ""), ("g2", "")} <= partial.halves.keys()  # (stopped while both ran)
                continue
            break
        assert cancels >= 2, stop
        _same_pass(got, want)
    assert both


@pytest.mark.parametrize("chunk", [None, 4 * 13 * 3 * 3, 13 * 3 * 5])  # CUT steps a chunk, 4, 1 (batch 3)
def test_a_conv1d_window_makes_the_whole_traces_chunks_to_the_bit(monkeypatch, chunk):
    """A Conv1D makes one product per chunk of output steps (``conv.chunk_steps``), and BLAS
    sums a row of a product differently in products of different heights: a window computes
    the whole chunks its steps are in, counted from step 0 (windows starting and ending
    anywhere, at the sequence's ends, across chunk boundaries), and its padding at the
    sequence's own ends only. The first steps of a causal one traced alone are the whole
    sequence's too (what the app draws at once: ``LongSequence.first_steps``)."""
    from lstmviz.engine import conv

    if chunk is not None:  # (fewer floats a chunk: chunks of fewer steps than CUT)
        monkeypatch.setattr(conv, "CHUNK", chunk)
    model = Model.sequential((None, None, 13), [
        LayerSpec("Conv1D", {"filters": 8, "kernel_size": 3, "padding": "causal", "dilation_rate": 3}, name="c"),
        LayerSpec("LSTM", {"units": 4, "return_sequences": True}, name="l"),
        LayerSpec("Conv1D", {"filters": 5, "kernel_size": 5, "padding": "same", "activation": "relu"}, name="s")],
        seed=2)
    x = _data(3, d=13, seed=5)
    every = model.layers[0].chunk_steps(3)
    assert every == {None: 16, 4 * 13 * 3 * 3: 4, 13 * 3 * 5: 1}[chunk]
    full = model.trace(x)
    ref = _per_step(full.flat(), T)
    wt = keyframe_pass(model, x, every=32)
    for a, b in [(0, 1), (0, 7), (1, 17), (5, 6), (15, 18), (33, 47), (100, 101), (131, 190), (T - 9, T - 1),
                 (T - 1, T), (0, T)]:
        flat = wt.window(a, b).flat()
        for key, arr in ref.items():
            assert np.array_equal(flat[key], arr[:, a:b]), f"{key} steps {a}:{b}"
    head = Model.sequential((None, None, 13), [LayerSpec("Conv1D", model.layers[0].config, name="c")])
    head.layers[0].set_weights(model.layers[0].weights)
    assert np.array_equal(head.trace(x[:, :48])["c"].outputs[0], full["c"].outputs[0][:, :48])


def test_a_mask_stops_at_a_conv1d_in_a_window_as_in_the_whole_trace():
    # (Keras drops it there: the LSTM after it sees every step, conv.py)
    model = Model.sequential((None, None), [
        LayerSpec("Embedding", {"input_dim": 6, "output_dim": 3, "mask_zero": True}, name="e"),
        LayerSpec("LSTM", {"units": 4, "return_sequences": True}, name="masked"),
        LayerSpec("Conv1D", {"filters": 3, "kernel_size": 3, "padding": "same"}, name="c"),
        LayerSpec("GRU", {"units": 3, "return_sequences": True}, name="g")], seed=3)
    ids = np.random.default_rng(0).integers(1, 6, size=(2, T))
    ids[0, 50:90] = 0
    full = model.trace(ids)
    assert full["masked"].mask is not None and full["g"].mask is None
    ref = _per_step(full.flat(), T)
    wt = keyframe_pass(model, ids, every=16)
    for a, b in [(40, 60), (88, 120), (T - 4, T)]:
        win = wt.window(a, b)
        assert np.array_equal(win["masked"].mask, full["masked"].mask[:, a:b]) and win["g"].mask is None
        flat = win.flat()
        for key, arr in ref.items():
            assert np.array_equal(flat[key], arr[:, a:b]), f"{key} steps {a}:{b}"


def test_a_conv1d_before_a_long_lstm_holds_no_more_than_pass_bytes_says():
    """A keyframe pass through a causal Conv1D and a same pooling: each in chunks, its
    input never copied padded whole (tracemalloc within ``pass_bytes``), the model's
    outputs a full trace's, bit for bit."""


    model = Model.sequential((None, None, 8), [
        LayerSpec("Conv1D", {"filters": 32, "kernel_size": 7, "padding": "causal"}, name="c"),
        LayerSpec("MaxPooling1D", {"pool_size": 5, "strides": 1, "padding": "same"}, name="p"),
        LayerSpec("LSTM", {"units": 16, "return_sequences": True}, name="l")], seed=0)
    x = np.random.default_rng(0).normal(size=(1, 30_000, 8)).astype(np.float32)
    _pass_within_its_estimate(model, x)


def _keras_fixture_traced(case: str, names):
    """A Keras fixture's model (tests/fixtures/CASE), its input and its full trace, whose
    layers ``names`` are checked against Keras' own outputs (the fixture's expected)."""
    import lstmviz
    from tests.helpers import FIXTURES

    d = FIXTURES / case
    model = lstmviz.load(d / ("model.keras" if case.startswith("k3") else "model.h5"), isolate=False)
    x = np.load(d / "x.npy")
    full = model.trace(x)
    with np.load(d / "expected.npz") as want:
        for name in names:
            np.testing.assert_allclose(full[name].outputs[0], want[f"layer:{name}"], atol=1e-5, err_msg=name)
    return model, x, full


@pytest.mark.parametrize("case", ["k3_conv_steps_lstm", "k2_conv_steps_lstm"])
def test_a_keras_cnn_lstms_windows_equal_its_full_trace_which_equals_keras(case):
    """Real Keras' CNN-LSTM of every Conv1D and pooling option a window follows (causal and
    dilated, same and grouped, max and average pools of strides 1, a Conv1D after the LSTM;
    scripts/make_fixtures.py): the full trace is Keras' numbers (atol 1e-5, each layer), and
    every window of it, from keyframes every 16 steps, is the full trace's to the bit."""
    model, x, full = _keras_fixture_traced(case, ("causal", "same", "max", "avg", "lstm", "head"))
    steps = x.shape[1]
    ref = _per_step(full.flat(), steps)
    assert {"causal", "same", "max", "avg", "lstm/h", "head"} <= set(ref)
    wt = keyframe_pass(model, x, every=16)
    for a, b in [(0, 1), (0, 5), (3, 19), (16, 32), (17, 18), (30, steps), (steps - 1, steps), (0, steps)]:
        flat = wt.window(a, b).flat()
        for key, arr in ref.items():
            assert np.array_equal(flat[key], arr[:, a:b]), f"{case} {key} steps {a}:{b}"


def _pass_within_its_estimate(model, x) -> None:
    """A keyframe pass of ``model`` over ``x`` peaks within 1.1x ``pass_bytes``' estimate
    (tracemalloc) and returns the full trace's outputs."""
    import tracemalloc

    from lstmviz.engine import workspace
    from lstmviz.engine.windows import pass_bytes

    est = pass_bytes(model, [x])
    workspace._blocks.clear()
    tracemalloc.start()
    try:
        wt = keyframe_pass(model, x)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1.1 * est, (est, peak)
    assert np.array_equal(wt.output, model.trace(x).output)


# -- layers of their own steps: strided or 'valid' Conv1D and pooling (a CNN-LSTM) -------
#: models whose later layers have fewer steps than the input (engine/windows.py's clocks)
STRIDED = {
    # the usual CNN-LSTM: a causal Conv1D, MaxPooling1D(2), an LSTM over half the steps
    "conv_maxpool_lstm": lambda: [
        LayerSpec("Conv1D", {"filters": 6, "kernel_size": 3, "padding": "causal", "activation": "relu"}, name="c"),
        LayerSpec("MaxPooling1D", {"pool_size": 2}, name="p"),
        LayerSpec("LSTM", {"units": 5, "return_sequences": True}, name="l"),
        LayerSpec("Dense", {"units": 2}, name="d")],
    # strides 2 'same', a same pooling of strides 2, a Bidirectional, a 'valid' Conv1D, an
    # overlapping pool of strides 3 and a go_backwards layer over 15 of 203 steps
    "strides_valid_backwards": lambda: [
        LayerSpec("Conv1D", {"filters": 4, "kernel_size": 5, "strides": 2, "padding": "same"}, name="c"),
        LayerSpec("AveragePooling1D", {"pool_size": 3, "strides": 2, "padding": "same"}, name="p"),
        _bidi("GRU", 3, "bi", return_sequences=True),
        LayerSpec("Conv1D", {"filters": 3, "kernel_size": 4, "padding": "valid", "groups": 3}, name="v"),
        LayerSpec("MaxPooling1D", {"pool_size": 4, "strides": 3}, name="p2"),
        LayerSpec("SimpleRNN", {"units": 2, "go_backwards": True, "return_sequences": True}, name="s"),
        LayerSpec("LSTM", {"units": 3}, name="last")],
    # a mask stops at the pooling (Keras drops it): the GRU after it sees every step
    "masked_then_pooled": lambda: [
        LayerSpec("Masking", {"mask_value": 0.0}, name="m"),
        LayerSpec("LSTM", {"units": 4, "return_sequences": True}, name="masked"),
        LayerSpec("AveragePooling1D", {"pool_size": 3}, name="p"),
        LayerSpec("GRU", {"units": 3, "return_sequences": True}, name="g")],
    # a Cropping1D before an LSTM (its step t reads input step t+3), one between two
    # recurrent layers, a Dense over the LSTM's cropped steps
    "cropped": lambda: [
        LayerSpec("Cropping1D", {"cropping": [3, 5]}, name="crop"),
        LayerSpec("LSTM", {"units": 5, "return_sequences": True}, name="l"),
        LayerSpec("Cropping1D", {"cropping": [0, 7]}, name="crop2"),
        LayerSpec("GRU", {"units": 3, "return_sequences": True, "go_backwards": True}, name="g"),
        LayerSpec("Dense", {"units": 2}, name="d")],
    # zeros padded before an LSTM, between two (the second running backwards over the
    # padding's zeros first) and after the last one returning its sequence
    "zero_padded": lambda: [
        LayerSpec("ZeroPadding1D", {"padding": [4, 2]}, name="pad"),
        LayerSpec("LSTM", {"units": 4, "return_sequences": True}, name="l"),
        LayerSpec("ZeroPadding1D", {"padding": [0, 9]}, name="pad2"),
        _bidi("SimpleRNN", 3, "bi", return_sequences=True),
        LayerSpec("ZeroPadding1D", {"padding": 1}, name="pad3")],
    # every step repeated: an LSTM over 3 steps a step (its scale 1/3), pooled back to the
    # input's, repeated after a recurrent layer and cropped, padded after the last one
    "upsampled": lambda: [
        LayerSpec("UpSampling1D", {"size": 3}, name="up"),
        LayerSpec("LSTM", {"units": 5, "return_sequences": True}, name="l"),
        LayerSpec("MaxPooling1D", {"pool_size": 3}, name="p"),
        LayerSpec("GRU", {"units": 3, "return_sequences": True}, name="g"),
        LayerSpec("UpSampling1D", {"size": 2}, name="up2"),
        LayerSpec("Cropping1D", {"cropping": [1, 0]}, name="crop"),
        LayerSpec("SimpleRNN", {"units": 3, "return_sequences": True, "go_backwards": True}, name="s"),
        LayerSpec("ZeroPadding1D", {"padding": [2, 3]}, name="pad")],
    # a mask stops at them as Keras drops it (``passes_mask``): the layers after see every step
    "masked_then_cropped": lambda: [
        LayerSpec("Masking", {"mask_value": 0.0}, name="m"),
        LayerSpec("LSTM", {"units": 4, "return_sequences": True}, name="masked"),
        LayerSpec("Cropping1D", {"cropping": [2, 1]}, name="crop"),
        LayerSpec("GRU", {"units": 3, "return_sequences": True}, name="g"),
        LayerSpec("UpSampling1D", {"size": 2}, name="up"),
        LayerSpec("LSTM", {"units": 2, "return_sequences": True}, name="l")],
    # Keras' usual channels_first CNN: a Permute((2, 1)) puts the steps on axis 2, the
    # Conv1D ('valid', Keras' default) reads them there, a Permute((2, 1)) puts them back
    "permuted_conv_cf": lambda: [
        LayerSpec("Permute", {"dims": [2, 1]}, name="p1"),
        LayerSpec("Conv1D", {"filters": 6, "kernel_size": 3, "data_format": "channels_first",
                             "activation": "relu"}, name="c"),
        LayerSpec("Permute", {"dims": [2, 1]}, name="p2"),
        LayerSpec("LSTM", {"units": 5, "return_sequences": True}, name="l")],
    "permuted_maxpool_cf": lambda: [
        LayerSpec("Permute", {"dims": [2, 1]}, name="p1"),
        LayerSpec("MaxPooling1D", {"pool_size": 2, "data_format": "channels_first"}, name="p"),
        LayerSpec("Permute", {"dims": [2, 1]}, name="p2"),
        LayerSpec("LSTM", {"units": 4, "return_sequences": True}, name="l")],
    # between two recurrent layers: strides 2 'same', a same mean of strides 1 on axis 2 too
    "lstm_permuted_strided_conv_cf_gru": lambda: [
        LayerSpec("LSTM", {"units": 5, "return_sequences": True}, name="l"),
        LayerSpec("Permute", {"dims": [2, 1]}, name="p1"),
        LayerSpec("Conv1D", {"filters": 4, "kernel_size": 5, "strides": 2, "padding": "same",
                             "data_format": "channels_first"}, name="c"),
        LayerSpec("AveragePooling1D", {"pool_size": 3, "strides": 1, "padding": "same",
                                       "data_format": "channels_first"}, name="ap"),
        LayerSpec("Permute", {"dims": [2, 1]}, name="p2"),
        LayerSpec("GRU", {"units": 3, "return_sequences": True}, name="g")],
    # layers acting on each number alone between channels_first ones: their steps on axis 2
    # too (Keras' Conv1D -> BatchNormalization(axis=1) -> ReLU of (batch, features, steps))
    "permuted_conv_cf_elementwise": lambda: [
        LayerSpec("Permute", {"dims": [2, 1]}, name="p1"),
        LayerSpec("Conv1D", {"filters": 6, "kernel_size": 3, "data_format": "channels_first"}, name="c"),
        LayerSpec("BatchNormalization", {"axis": 1}, name="bn", weights=[
            np.linspace(0.5, 2, 6, dtype=np.float32), np.linspace(-1, 1, 6, dtype=np.float32),
            np.linspace(-0.3, 0.4, 6, dtype=np.float32), np.linspace(0.2, 3, 6, dtype=np.float32)]),
        LayerSpec("Activation", {"activation": "relu"}, name="act"),
        LayerSpec("Dropout", {"rate": 0.5}, name="drop"),
        LayerSpec("Conv1D", {"filters": 5, "kernel_size": 4, "strides": 2, "padding": "same",
                             "data_format": "channels_first"}, name="c2"),
        LayerSpec("Activation", {"activation": "gelu"}, name="gelu"),
        LayerSpec("LeakyReLU", {"negative_slope": 0.2}, name="leaky"),
        LayerSpec("ELU", {}, name="elu"),
        LayerSpec("Activation", {"activation": "tanh"}, name="tanh"),
        LayerSpec("MaxPooling1D", {"pool_size": 2, "data_format": "channels_first"}, name="pool"),
        LayerSpec("ReLU", {"max_value": 0.5}, name="relu"),
        LayerSpec("SpatialDropout1D", {"rate": 0.5}, name="sdrop"),
        LayerSpec("Permute", {"dims": [2, 1]}, name="p2"),
        LayerSpec("LSTM", {"units": 4, "return_sequences": True}, name="l")],
}


def _same_own_steps(full, win, wt, a, b, of=None):
    """Every record and output of window ``win`` (steps a..b-1 of the input, or of layer
    ``of``) equals the same steps of the full trace to the bit, each layer in its own steps
    (``steps_for``); returns how many arrays were compared."""
    compared = 0
    for name, rec in full.layers.items():
        got = win[name]
        n = wt.steps_of(name)
        lo, hi = wt.steps_for(name, a, b, of)
        pairs = list(zip(rec.outputs, got.outputs))
        for side, half in (rec.children.items() if rec.children else [("", rec)]):
            mine = got.children[side] if side else got
            if half.steps:  # (a recurrent layer computed once: the whole trace's record, its
                # own steps from 0, every window's, ``WindowedTrace.once``)
                assert (mine.start, mine.total) == ((0, None) if wt.once(name) else (lo, n)), (name, side)
                assert set(mine.steps) == set(half.steps), (name, side)
            pairs += [(half.steps[k], mine.steps[k]) for k in half.steps]
            assert (half.mask is None) == (mine.mask is None), name
            if half.mask is not None:
                pairs.append((half.mask, mine.mask))
        for whole, part in pairs:
            whole, part = np.asarray(whole), np.asarray(part)
            if whole.shape != part.shape:  # (a sequence: the window's steps of it, on axis 1,
                # or on axis 2 after a Permute((2, 1)))
                ax = 1 if whole.shape[2:] == part.shape[2:] else 2
                assert whole.shape[ax] == n and part.shape[ax] == hi - lo, (name, a, b)
                whole = whole[:, lo:hi] if ax == 1 else whole[:, :, lo:hi]
            assert np.array_equal(whole, part), f"{name} steps {a}:{b} (its own {lo}:{hi})"
            compared += 1
    return compared


@pytest.mark.parametrize("name", sorted(STRIDED))
@pytest.mark.parametrize("every", [16, 48])
@pytest.mark.parametrize("batch", [1, 3, 16])
def test_windows_through_strided_and_valid_conv_and_pooling_equal_the_full_trace_in_each_layers_steps(
        name, every, batch):
    """After a Conv1D or pooling of strides s (or padding 'valid') a layer has its own
    steps (T/s): its keyframes and windows count them. A window of input steps a..b-1 holds
    each layer's steps those stand for (``steps_for``), every record and output the full
    trace's to the bit (13 features: a Conv1D's chunks of products as the whole trace's);
    a window of a layer's own steps (``of=``) holds exactly them."""
    model = Model.sequential((None, None, 13), STRIDED[name](), seed=6)
    x = _data(batch, d=13, seed=every + batch, mask_runs=name.startswith("masked") and batch > 1)
    full = model.trace(x)
    wt = keyframe_pass(model, x, every=every)
    between = False  # (the steps on axis 2 from the first Permute's output to the second's)
    for layer in model.layers:
        rec = full[layer.name]
        between = layer.name == "p1" or (between and layer.name != "p2")
        ax = 2 if between else 1
        assert wt.steps_of(layer.name) == (rec.timesteps or rec.output.shape[ax]), layer.name
    assert wt.steps_of(model.layers[-1].name) != T  # (its own steps, not the input's)
    for o, want in zip(wt.outputs, full.outputs):
        assert np.array_equal(o, want)
    for a, b in WINDOWS + [(1, 2), (5, 9), (100, 103)]:
        win = wt.window(a, b)
        assert (win.start, win.total_steps) == (a, T) and np.array_equal(win.inputs[0], x[:, a:b])
        assert _same_own_steps(full, win, wt, a, b) > 0
    rnn = [n.layer.name for n in model.nodes if recurrent_halves(n.layer)][-1]
    n = wt.steps_of(rnn)
    for a, b in [(0, 1), (0, n), (n // 3, n // 2 + 1), (n - 1, n)]:
        win = wt.window(a, b, of=rnn)
        assert wt.steps_for(rnn, a, b, rnn) == (a, b) and win[rnn].start == a
        _same_own_steps(full, win, wt, a, b, of=rnn)
    with pytest.raises(LstmvizError, match=f"not a window of 0:{n} of layer '{rnn}'"):
        wt.window(0, n + 1, of=rnn)


@pytest.mark.parametrize("name", sorted(STRIDED))
def test_a_window_by_input_steps_and_of_the_needed_layers_through_a_pooling_are_the_trace(name):
    """By input steps, a half running backwards over its own n steps records its processing
    steps n-hi .. n-lo-1 (its own window lo..hi-1 turned around); a window of the needed
    layers runs the rest when asked: both the full trace's numbers."""
    model = Model.sequential((None, None, 3), STRIDED[name](), seed=4)
    x = _data(3, mask_runs=name.startswith("masked"))
    full = model.trace(x)
    wt = keyframe_pass(model, x, every=16)
    for a, b in [(0, 40), (77, 160), (T - 1, T)]:
        win = wt.window(a, b, by_input=True)
        for lname, rec in win.layers.items():
            for side, half in (rec.children.items() if rec.children else [("", rec)]):
                if not half.steps:
                    continue
                whole = full[lname].children[side] if side else full[lname]
                n = wt.steps_of(lname)
                lo, hi = wt.steps_for(lname, a, b)
                # (the LSTM after the go_backwards SimpleRNN's sequence runs over the input
                # turned around: by input steps its processing steps turned too)
                if bool(half.go_backwards) != input_reversed(model, lname):
                    lo, hi = n - hi, n - lo
                assert half.start == lo, (lname, side)
                for key, arr in whole.steps.items():
                    assert np.array_equal(half.steps[key], arr[:, lo:hi]), (lname, side, key, a, b)
        first = model.layers[0].name
        later = wt.window(a, b, needed={first})
        _same_own_steps(full, later, wt, a, b)


def test_a_cancelled_pass_through_a_pooling_resumes_to_the_same_bits(monkeypatch):
    """Each half after the pooling runs and reports its own steps (the progress' total is
    theirs summed); a pass cancelled mid-way resumes to the keyframes and outputs of one
    never cancelled."""
    from lstmviz.engine import windows

    model = Model.sequential((None, None, 3), STRIDED["strides_valid_backwards"](), seed=5)
    x = np.random.default_rng(1).normal(size=(2, 5000, 3)).astype(np.float32)
    monkeypatch.setattr(windows, "SEGMENT", 64)
    want = keyframe_pass(model, x, every=32)
    own = sum(len(recurrent_halves(n.layer)) * want.steps_of(n.layer.name) for n in model.nodes)
    assert own < 5000  # (4 halves: 1,250 steps each of the GRU's, fewer after)
    seen = []
    calls = [0]

    def cancel():  # (asked as each half goes: stopped in the first, the Bidirectional)
        calls[0] += 1
        return calls[0] == 3

    with pytest.raises(Cancelled) as err:
        keyframe_pass(model, x, every=32, cancel=cancel)
    assert err.value.partial.done < own
    got = keyframe_pass(model, x, every=32, resume=err.value.partial, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (own, own)
    _same_pass(got, want)


@pytest.mark.parametrize("name", ["cropped", "zero_padded", "upsampled"])
def test_a_cancelled_pass_through_cropping_padding_and_upsampling_resumes_to_the_same_bits(monkeypatch, name):
    """Each half after a Cropping1D, ZeroPadding1D or UpSampling1D runs and reports its own
    steps (fewer, more, three times as many); a pass cancelled mid-way resumes to the
    keyframes and outputs of one never cancelled, and its windows are the full trace's."""
    from lstmviz.engine import windows

    model = Model.sequential((None, None, 3), STRIDED[name](), seed=5)
    x = np.random.default_rng(2).normal(size=(2, 1500, 3)).astype(np.float32)
    monkeypatch.setattr(windows, "SEGMENT", 64)
    want = keyframe_pass(model, x, every=32)
    own = sum(len(recurrent_halves(n.layer)) * want.steps_of(n.layer.name) for n in model.nodes)
    seen = []
    calls = [0]

    def cancel():
        calls[0] += 1
        return calls[0] == 5

    with pytest.raises(Cancelled) as err:
        keyframe_pass(model, x, every=32, cancel=cancel)
    assert 0 < err.value.partial.done < own
    got = keyframe_pass(model, x, every=32, resume=err.value.partial, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (own, own)
    _same_pass(got, want)
    full = model.trace(x)
    for a, b in [(0, 40), (700, 813), (1490, 1500)]:
        assert _same_own_steps(full, got.window(a, b), got, a, b) > 0


@pytest.mark.parametrize("moves", [("Cropping1D", {"cropping": [3, 5]}), ("ZeroPadding1D", {"padding": [4, 9]}),
                                   ("UpSampling1D", {"size": 3})])
def test_a_pass_through_cropping_padding_and_upsampling_holds_about_what_pass_bytes_says(moves):
    """A long input through a Cropping1D, ZeroPadding1D or UpSampling1D before, between and
    after recurrent layers: each layer holds its own steps (an UpSampling1D(3)'s LSTM three
    times the input's, nine times after the second), what NumPy allocates within
    ``pass_bytes``, the estimate not far above it."""
    from lstmviz.engine.windows import pass_bytes

    kind, cfg = moves
    model = Model.sequential((None, None, 3), [
        LayerSpec(kind, cfg, name="m1"), LayerSpec("LSTM", {"units": 32, "return_sequences": True}, name="l"),
        LayerSpec(kind, cfg, name="m2"), LayerSpec("GRU", {"units": 24, "return_sequences": True}, name="g"),
        LayerSpec(kind, cfg, name="m3")], seed=0)
    x = np.random.default_rng(0).normal(size=(1, 3000, 3)).astype(np.float32)
    est, peak = pass_bytes(model, [x]), pass_peak(model, x)
    # (as the MODELS' bounds, tighter: a Dense in their place measures 1.18 x its estimate
    # here, an LSTM, a layer and a GRU at batch 1; a ZeroPadding1D the same)
    assert peak < 1.25 * est and est < 1.5 * peak, (est, peak)
    assert np.array_equal(keyframe_pass(model, x).output, model.trace(x).output)


def test_a_pooled_cnn_lstm_pass_holds_about_what_pass_bytes_says():
    """A long input through Conv1D -> MaxPooling1D(2) -> LSTM: each layer holds its own
    steps (the LSTM's half the input's), what NumPy allocates within ``pass_bytes``, the
    estimate not far above it, the outputs a full trace's."""
    from lstmviz.engine.windows import pass_bytes

    model = Model.sequential((None, None, 8), [
        LayerSpec("Conv1D", {"filters": 32, "kernel_size": 7, "padding": "causal"}, name="c"),
        LayerSpec("MaxPooling1D", {"pool_size": 4}, name="p"),
        LayerSpec("LSTM", {"units": 16, "return_sequences": True}, name="l")], seed=0)
    x = np.random.default_rng(0).normal(size=(1, 30_000, 8)).astype(np.float32)
    _pass_within_its_estimate(model, x)
    assert pass_bytes(model, [x]) < 2 * pass_peak(model, x)


#: a channels_first layer or a reader of steps on axis 2 where windows cannot follow: (the
#: layers, the refused layer, what its one line says)
AXIS_TWO_REFUSED = {
    # (no Permute before: a channels_first pooling over (batch, steps, features) pools each
    # step's features, its output keeps the steps on axis 1 as its channels: followed, issue 13,
    # MODELS' ``pool_cf_per_step``; a Conv1D's contracts them: computed once, ``READS_WHOLE_STEPS``)
    # (a recurrent layer with no Permute back steps over the features, each step reading every
    # input step: computed once, ``READS_WHOLE_STEPS``)
    # (a channels_last pooling of (batch, features, steps) pools each step's features, keeping
    # the steps: followed, issue 13, ``_axis_two_stepwise``)
    # a Reshape of (batch, features, steps) to (batch, steps, features) reads its numbers in
    # their order: a step's features are no step's
    "reshape_over_axis_two": ([LayerSpec("Permute", {"dims": [2, 1]}, name="p1"),
                               LayerSpec("Reshape", {"target_shape": [T, 3]}, name="g")],
                              "g", "reads a sequence whose steps are on axis 2 (after a Permute((2, 1))); "),
    # (a Softmax layer, a LayerNormalization or a BatchNormalization over the last axis there,
    # the steps', or over both axes, an Activation('softmax') or ('log_softmax'): held whole,
    # ``test_a_layer_acting_along_the_steps_is_held_whole_and_every_window_takes_its_steps``)
}


@pytest.mark.parametrize("case", sorted(AXIS_TWO_REFUSED))
def test_a_layer_reading_the_steps_on_an_axis_it_does_not_step_over_is_refused_for_windows_in_one_line(case):
    """A pooling of the features over steps on axis 2 (no Permute((2, 1)) back; its output
    keeps the steps): refused in one line naming the layer and what windows take; the whole
    trace of a short input still runs."""
    specs, refused, says = AXIS_TWO_REFUSED[case]
    model = Model.sequential((None, T, 3), specs, seed=1)  # (the steps known: the LSTM's features)
    x = _data(2)
    with pytest.raises(LstmvizError) as err:
        keyframe_pass(model, x, every=16)
    said = str(err.value)
    assert "\n" not in said and said.startswith(f"layer '{refused}' (") and says in said, said
    assert "Permute((2, 1))" in said.split("; ", 1)[1], said
    model.trace(x)


#: each layer the refusal of a reader of steps on axis 2 names as acting on each number alone
#: (what its line says of it, the layer as a model holds it)
ELEMENTWISE_ON_AXIS_TWO = {
    "Dropout": LayerSpec("Dropout", {"rate": 0.5}, name="e"),
    "Activation but softmax and log_softmax": LayerSpec("Activation", {"activation": "swish"}, name="e"),
    "ReLU": LayerSpec("ReLU", {"negative_slope": 0.1, "threshold": 0.2}, name="e"),
    "LeakyReLU": LayerSpec("LeakyReLU", {"negative_slope": 0.3}, name="e"),
    "ELU": LayerSpec("ELU", {"alpha": 0.7}, name="e"),
    "BatchNormalization(axis=1)": LayerSpec("BatchNormalization", {"axis": 1}, name="e", weights=[
        np.array([0.5, 2, 1.5], np.float32), np.array([0.1, -1, 0], np.float32),
        np.array([0.3, 0, -0.2], np.float32), np.array([2, 0.5, 1], np.float32)]),
}
#: the merges it names: of two such sequences, a channels_first Conv1D's and a ReLU of it
MERGES_ON_AXIS_TWO = ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum")


def _axis_two_merge(merge: str, config: dict | None = None) -> Model:
    """x -> Permute((2, 1)) -> Conv1D(channels_first, causal) -> [ReLU of it, and it] ->
    ``merge`` of the two (batch, features, steps) sequences -> Permute((2, 1)) -> LSTM."""
    from lstmviz.engine import ModelSpec, TensorRef

    layers = [LayerSpec("InputLayer", {"batch_shape": [None, None, 3]}, "x"),
              LayerSpec("Permute", {"dims": [2, 1]}, "p1", inbound=[TensorRef("x")]),
              LayerSpec("Conv1D", {"filters": 4, "kernel_size": 3, "padding": "causal",
                                   "data_format": "channels_first"}, "c", inbound=[TensorRef("p1")]),
              LayerSpec("ReLU", {}, "r", inbound=[TensorRef("c")]),
              LayerSpec(merge, config or {}, "m", inbound=[TensorRef("r"), TensorRef("c")]),
              LayerSpec("Permute", {"dims": [2, 1]}, "p2", inbound=[TensorRef("m")]),
              LayerSpec("LSTM", {"units": 3, "return_sequences": True}, "l", inbound=[TensorRef("p2")])]
    return Model.from_spec(ModelSpec(layers, [TensorRef("x")], [TensorRef("l")]), seed=2)


def test_the_refusal_of_a_reader_of_steps_on_axis_two_names_what_windows_follow_there():
    """The one line refusing a pooling over (batch, features, steps) names the layers acting on
    each number alone that windows follow there, and each of them is: between Permute((2, 1))
    and a channels_first Conv1D, and a Permute((2, 1)) back before an LSTM, every window of a
    long input is the full trace's to the bit, the layer's output holding its steps on axis
    2 (as the views draw it: ``cell_ref.steps_axes``); so is each merge it names of two such
    sequences, not a Concatenate of their steps."""
    from lstmviz.app.cell_ref import steps_axes

    specs, refused, _ = AXIS_TWO_REFUSED["reshape_over_axis_two"]
    with pytest.raises(LstmvizError) as err:
        keyframe_pass(Model.sequential((None, T, 3), specs, seed=1), _data(2), every=16)
    supported = str(err.value).split("; ", 1)[1]
    x = _data(2, seed=5)
    for said, spec in ELEMENTWISE_ON_AXIS_TWO.items():
        assert said in supported, (said, supported)
        model = Model.sequential((None, None, 3), [
            LayerSpec("Permute", {"dims": [2, 1]}, name="p1"), spec,
            LayerSpec("Conv1D", {"filters": 4, "kernel_size": 3, "data_format": "channels_first"}, name="c"),
            LayerSpec("Permute", {"dims": [2, 1]}, name="p2"),
            LayerSpec("LSTM", {"units": 3, "return_sequences": True}, name="l")], seed=2)
        full = model.trace(x)
        wt = keyframe_pass(model, x, every=16)
        assert wt._axes["e"] == [2] and steps_axes(model)["e"] == [2], said
        for a, b in [(0, 1), (10, 40), (150, T), (0, T)]:
            win = wt.window(a, b)
            assert np.array_equal(win["e"].output, full["e"].output[:, :, a:b]), (said, a, b)
            assert _same_own_steps(full, win, wt, a, b) > 0
    assert f"{', '.join(MERGES_ON_AXIS_TWO)} of two such sequences" in supported, supported
    for merge in MERGES_ON_AXIS_TWO:
        model = _axis_two_merge(merge)
        full = model.trace(x)
        wt = keyframe_pass(model, x, every=16)
        assert steps_axes(model)["m"] == [2] and full["m"].output.shape == (2, 4, T), merge
        for a, b in [(0, 1), (31, 33), (64, 65), (77, 160), (T - 1, T)]:
            assert _same_own_steps(full, wt.window(a, b), wt, a, b) > 0
    # (a Concatenate of their last axis (2 or -1) joins their steps: one sequence's steps, then
    # the other's, no window of the input's steps; refused, one line; of axis 1: followed)
    for axis in (-1, 2):
        with pytest.raises(LstmvizError) as err:
            keyframe_pass(_axis_two_merge("Concatenate", {"axis": axis}), x, every=16)
        said = str(err.value)
        assert "\n" not in said and said == (
            "layer 'm' (Concatenate) joins its inputs' steps one after the other (axis 2, where a Permute((2, 1)) "
            "put them); a long sequence is traced by windows only through a Concatenate of each step's features "
            "(axis 1 of (batch, features, steps), axis -1 of (batch, steps, features))"), said


@pytest.mark.parametrize("features", [8, 9, 17, 128, 130, 300])
def test_a_softmax_and_a_layer_normalization_of_axis_one_give_any_window_of_steps_on_axis_two_the_same_bits(
        features):
    """NumPy sums more than 8 numbers pairwise only along its innermost loop: over axis 1 of
    (batch, features, steps) that depends on the steps' count and strides (a window of one
    step summed its features pairwise, the whole sequence one by one: other last bits). A
    Softmax(axis=1) and LayerNormalization(axis=1) (rms_scaling too) of a window of steps,
    a contiguous copy or a slice, of one sample or three, give the whole's numbers at those
    steps to the bit (``layers_more._reduced``)."""
    rng = np.random.default_rng(features)
    x = (rng.standard_normal((3, features, 97)) * 4).astype(np.float32)
    model = Model.sequential((None, None, features), [
        LayerSpec("Permute", {"dims": [2, 1]}, name="p1"),
        LayerSpec("Softmax", {"axis": 1}, name="sm"),
        LayerSpec("LayerNormalization", {"axis": 1}, name="ln", weights=[
            np.linspace(0.5, 2, features, dtype=np.float32), np.linspace(-1, 1, features, dtype=np.float32)]),
        LayerSpec("LayerNormalization", {"axis": -2, "rms_scaling": True}, name="rms"),
        LayerSpec("GlobalAveragePooling1D", {"keepdims": True}, name="gap")], seed=3)
    for name in ("sm", "ln", "rms", "gap"):  # (the mean of each step's features too, issue 13)
        layer = next(lay for lay in model.layers if lay.name == name)
        assert layer.stepwise(2) and not layer.stepwise(1), name
        whole = layer.call([x], [None])[0][0]
        for a, b in [(0, 1), (5, 6), (96, 97), (0, 16), (3, 40), (50, 97), (0, 97)]:
            for part in (x[:, :, a:b], np.ascontiguousarray(x[:, :, a:b]), x[1:2, :, a:b]):
                want = whole[1:2, :, a:b] if part.shape[0] == 1 else whole[:, :, a:b]
                got = layer.call([part], [None])[0][0]
                assert np.array_equal(got, want), (name, a, b, part.shape, part.flags.c_contiguous)


def _axis_two_stepwise() -> Model:
    """x -> Permute((2, 1)) -> Conv1D(130, channels_first) -> LayerNormalization(axis=1) ->
    Softmax(axis=1); beside it Conv1D(9, channels_first) -> LayerNormalization(axis=-2,
    rms_scaling); their Concatenate(axis=1) -> Softmax(axis=-2), its GlobalAveragePooling1D
    (channels_last, keepdims: each step's mean, (batch, 1, steps)) and GlobalMaxPooling1D
    (each step's max, (batch, steps), an output), Concatenate(axis=-2) of the Softmax, the
    mean and the first Conv1D -> MaxPooling1D(2, channels_first) -> Permute((2, 1)) -> LSTM:
    every layer between the Permutes over (batch, features, steps), the sums over more than
    128 features (NumPy's pairwise blocks)."""
    from lstmviz.engine import ModelSpec, TensorRef

    def spec(cls, config, name, *inbound, **kw):
        return LayerSpec(cls, config, name, inbound=[TensorRef(r) for r in inbound], **kw)

    cf = {"padding": "causal", "data_format": "channels_first"}
    layers = [LayerSpec("InputLayer", {"batch_shape": [None, None, 3]}, "x"),
              spec("Permute", {"dims": [2, 1]}, "p1", "x"),
              spec("Conv1D", {"filters": 130, "kernel_size": 3, **cf}, "c", "p1"),
              spec("LayerNormalization", {"axis": 1}, "ln", "c", weights=[
                  np.linspace(0.5, 2, 130, dtype=np.float32), np.linspace(-1, 1, 130, dtype=np.float32)]),
              spec("Softmax", {"axis": 1}, "sm", "ln"),
              spec("Conv1D", {"filters": 9, "kernel_size": 2, **cf}, "c2", "p1"),
              spec("LayerNormalization", {"axis": -2, "rms_scaling": True}, "rms", "c2"),
              spec("Concatenate", {"axis": 1}, "cat", "sm", "rms"),
              spec("Softmax", {"axis": -2}, "sm2", "cat"),
              spec("GlobalAveragePooling1D", {"keepdims": True}, "gap", "sm2"),
              spec("GlobalMaxPooling1D", {}, "gmp", "sm2"),
              spec("Concatenate", {"axis": -2}, "cat2", "sm2", "gap", "c"),
              spec("MaxPooling1D", {"pool_size": 2, "data_format": "channels_first"}, "pool", "cat2"),
              spec("Permute", {"dims": [2, 1]}, "p2", "pool"),
              spec("LSTM", {"units": 3, "return_sequences": True}, "l", "p2")]
    return Model.from_spec(ModelSpec(layers, [TensorRef("x")], [TensorRef("l"), TensorRef("gmp")]), seed=4)


@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("every", [16, 48])
def test_windows_through_layers_acting_on_each_steps_features_over_axis_two_equal_the_full_trace(batch, every):
    """A Softmax(axis=1), LayerNormalization(axis=1), Concatenate(axis=1) and channels_last
    GlobalAveragePooling1D / GlobalMaxPooling1D (issue 13) of (batch, features, steps) act on
    each step's features alone: windows follow them (their steps on
    axis 2, as the views draw them: ``cell_ref.steps_axes``), and every window, of one step
    or many, inside a keyframe interval or across keyframes, by input steps or by the LSTM's
    own, is the whole trace's to the bit, every record of every layer."""
    from lstmviz.app.cell_ref import steps_axes

    model = _axis_two_stepwise()
    x = _data(batch, seed=every + batch)
    full = model.trace(x)
    wt = keyframe_pass(model, x, every=every)
    between = ["p1", "c", "ln", "sm", "c2", "rms", "cat", "sm2", "gap", "cat2", "pool"]
    assert [k for k in wt._axes if wt._axes[k] == [2]] == between
    assert {k: v for k, v in steps_axes(model).items() if v == [2]} == {k: [2] for k in between}
    assert full["cat2"].output.shape == (batch, 270, T) and full["gmp"].output.shape == (batch, T)
    assert wt._axes["gmp"] == [1] and np.array_equal(wt.outputs[1], full.outputs[1])
    wins = [(0, 1), (15, 16), (16, 17), (every - 1, every + 1), (47, 50), (64, 65), (5, 100), (100, T),
            (T - 1, T), (0, T), (2 * every - 3, 2 * every + 5)]
    for a, b in wins:
        assert _same_own_steps(full, wt.window(a, b), wt, a, b) > 0, (a, b)
    n = wt.steps_of("l")
    for a, b in [(0, 1), (7, 9), (n - 1, n), (20, 60)]:
        assert _same_own_steps(full, wt.window(a, b, of="l"), wt, a, b, of="l") > 0, (a, b)


def test_the_views_hold_the_steps_where_windows_do_after_a_permute_of_four_axes():
    """A Permute((2, 1, 3)) of (batch, steps, 10, 3) puts the steps on axis 2, and a Softmax(axis=1)
    and a ReLU after it keep them there in a long input's windows (each window the trace's to the
    bit); ``cell_ref.steps_axes`` says the same axes for every layer (it took a 4-D output's
    steps on axis 1 after the Permute: the Softmax's 10 rows as steps, and the Permute back's
    steps on axis 2)."""
    from lstmviz.app.cell_ref import steps_axes

    model = Model.sequential((None, None, 10, 3), [
        LayerSpec("Permute", {"dims": [2, 1, 3]}, name="p1"), LayerSpec("Softmax", {"axis": 1}, name="sm"),
        LayerSpec("ReLU", {}, name="r"), LayerSpec("Permute", {"dims": [2, 1, 3]}, name="p2")], seed=0)
    x = np.random.default_rng(0).standard_normal((2, T, 10, 3)).astype(np.float32)
    full = model.trace(x)
    wt = keyframe_pass(model, x, every=16)
    assert {k: wt._axes[k] for k in ("p1", "sm", "r", "p2")} == {"p1": [2], "sm": [2], "r": [2], "p2": [1]}
    assert steps_axes(model) == wt._axes
    for a, b in [(0, 1), (15, 17), (3, 140)]:
        win = wt.window(a, b)
        for name in ("p1", "sm", "r"):
            assert np.array_equal(win[name].output, full[name].output[:, :, a:b]), (name, a, b)


def test_the_refusal_of_a_reader_of_steps_on_axis_two_names_the_layers_of_each_steps_features():
    """The one line refusing a pooling over (batch, features, steps) names the layers acting on
    each step's features that windows follow there (Softmax(axis=1), LayerNormalization(axis=1),
    a Concatenate(axis=1) of two such sequences), those acting along the steps (held whole: an
    Activation('softmax') too, a Masking), a Flatten, a global pooling of 'channels_first' (over
    the steps there, issue 13) and the layers reading the steps as their features (a recurrent
    one too); a Concatenate joining the steps is still refused
    (``AXIS_TWO_REFUSED``,
    ``test_the_refusal_of_a_reader_of_steps_on_axis_two_names_...``)."""
    specs, _, _ = AXIS_TWO_REFUSED["reshape_over_axis_two"]
    with pytest.raises(LstmvizError) as err:
        keyframe_pass(Model.sequential((None, T, 3), specs, seed=1), _data(2), every=16)
    said = str(err.value)
    assert "\n" not in said
    assert ("one acting on each step's features (Softmax(axis=1), LayerNormalization(axis=1), "
            "GlobalMaxPooling1D and GlobalAveragePooling1D of data_format 'channels_last'; Concatenate(axis=1) "
            "of two such sequences), one acting along the steps (a Softmax, "
            "LayerNormalization or BatchNormalization over axis 2, an Activation softmax or log_softmax, a "
            "Masking of each feature's row), a Flatten or Reshape to one axis, a GlobalMaxPooling1D or "
            "GlobalAveragePooling1D of data_format 'channels_first' (pooling the steps), a Dense, a channels_last "
            "Conv1D or a recurrent layer (LSTM, GRU, SimpleRNN, Bidirectional, RNN([cells])) reading the steps as its "
            "features (no steps left)") in said.split("; ", 1)[1], said


@pytest.mark.parametrize("between", [[], [LayerSpec("BatchNormalization", {"axis": 1}, name="bn"),
                                          LayerSpec("Activation", {"activation": "relu"}, name="act")],
                                     [LayerSpec("LayerNormalization", {"axis": 1}, name="ln"),
                                      LayerSpec("Softmax", {"axis": 1}, name="sm")]])
def test_a_permuted_channels_first_cnn_lstm_pass_holds_about_what_pass_bytes_says(between):
    """A long input through Permute((2, 1)) -> Conv1D(channels_first) (-> BatchNormalization(axis=1)
    -> Activation('relu')) -> MaxPooling1D(2, channels_first) -> Permute((2, 1)) -> LSTM: a step
    of the (batch, features, steps) outputs counts its features, not the sequence's steps
    (``full_trace_bytes`` of one step is the same over 1,000 steps as over 30,000), the pass
    within ``pass_bytes``, the estimate not far above it, the outputs a full trace's."""
    from lstmviz.engine.windows import full_trace_bytes, pass_bytes

    model = Model.sequential((None, None, 8), [
        LayerSpec("Permute", {"dims": [2, 1]}, name="p1"),
        LayerSpec("Conv1D", {"filters": 32, "kernel_size": 7, "padding": "causal",
                             "data_format": "channels_first"}, name="c"), *between,
        LayerSpec("MaxPooling1D", {"pool_size": 4, "data_format": "channels_first"}, name="p"),
        LayerSpec("Permute", {"dims": [2, 1]}, name="p2"),
        LayerSpec("LSTM", {"units": 16, "return_sequences": True}, name="l")], seed=0)
    per_step = []
    for steps in (1000, 30_000):
        model._infer_shapes([(1, steps, 8)])
        per_step.append(full_trace_bytes(model, 1, 1))
    assert per_step[0] == per_step[1] < 2000, per_step
    x = np.random.default_rng(0).normal(size=(1, 30_000, 8)).astype(np.float32)
    _pass_within_its_estimate(model, x)
    assert pass_bytes(model, [x]) < 2 * pass_peak(model, x)


def test_keras_around_rnns_every_layer_windows_to_the_full_trace_which_equals_keras():
    """tests/fixtures/k3_around_rnn: every layer Keras users put around an LSTM's sequence is
    followed by windows now: its Permute((2, 1)) (the steps on axis 2), the poolings over the
    steps, and (issue 13) the layers acting along them, held whole by the pass (a
    LayerNormalization over steps and features, where the model was refused in one line, a
    BatchNormalization and a Softmax over the steps). The full trace is Keras' numbers, every
    window of every layer the full trace's to the bit."""
    model, x, full = _keras_fixture_traced("k3_around_rnn", ("permute", "ln_steps_features", "bn_steps",
                                                            "softmax_steps", "gap", "up"))
    wt = keyframe_pass(model, x, every=16)
    assert sorted(wt._held) == ["bn_steps", "ln_steps_features", "softmax_steps"]
    steps = x.shape[1]
    for a, b in [(0, 1), (0, 4), (2, 5), (steps - 1, steps), (0, steps)]:
        win = wt.window(a, b)
        assert np.array_equal(win["permute"].output, full["permute"].output[:, :, a:b]), (a, b)
        assert _same_own_steps(full, win, wt, a, b) >= 20


def test_a_keras_attention_pooling_classifier_takes_a_long_input_by_windows_to_the_bit():
    """Issue 13's target, tests/fixtures/k3_attention_pooling (scripts/make_attention_fixture.py,
    real Keras 3): LSTM(16, return_sequences) -> Dense(1, tanh) -> Softmax(axis=1) (attention
    weights over time) -> Multiply of the LSTM's sequence by them (broadcast (b, T, 16) by (b,
    T, 1), as Keras 3) -> GlobalAveragePooling1D -> Dense(2, softmax). The full trace is
    Keras' numbers (atol 1e-5); the pass holds the weights' whole sequence; every window of
    batch 2 is the full trace's to the bit, the pooled head the whole's; ``trace_auto`` takes
    the windows under a small budget, its outputs the full trace's. The Softmax's record holds
    what each step's share reads of every step (the Cell view's step page): m, the largest
    score over the steps, and S, the sum of exp(score - m), NumPy's over its input; each
    window's record the pass's, the full trace's to the bit."""
    model, x, full = _keras_fixture_traced("k3_attention_pooling", ("a", "ctx"))
    with np.load(FIXTURES / "k3_attention_pooling" / "expected.npz") as want:
        np.testing.assert_allclose(full.output, want["output"], atol=1e-5)
    e = full["e"].output  # (the scores the Softmax takes, (batch, steps, 1))
    m = e.max(axis=1, keepdims=True)
    assert sorted(full["a"].stats) == ["S", "m"] and np.array_equal(full["a"].stats["m"], m)
    np.testing.assert_allclose(full["a"].stats["S"], np.exp(e - m).sum(axis=1, keepdims=True), rtol=1e-6)
    assert np.array_equal(full["a"].output, np.exp(e - m) / full["a"].stats["S"])
    assert not full["e"].stats and not full["ctx"].stats  # (only a layer acting along the steps)
    steps = x.shape[1]
    wt = trace_auto(model, x, budget=16 << 10, every=16)  # (16 KiB: the trace is ~150 KiB)
    assert isinstance(wt, WindowedTrace) and list(wt._held) == ["a"]
    assert np.array_equal(wt.output, full.output)
    for a, b in [(0, 1), (0, 17), (5, 77), (16, 48), (100, 101), (150, steps), (steps - 1, steps), (0, steps)]:
        win = wt.window(a, b)
        assert np.array_equal(win["a"].output, full["a"].output[:, a:b]), (a, b)
        assert all(np.array_equal(win["a"].stats[k], full["a"].stats[k]) for k in ("m", "S")), (a, b)
        assert np.array_equal(win["y"].output, full["y"].output), (a, b)
        assert _same_own_steps(full, win, wt, a, b) >= 12


@pytest.mark.parametrize("case", ["k3_conv_lstm", "k2_conv_lstm"])
def test_a_keras_conv_pool_lstms_windows_equal_its_full_trace_which_equals_keras(case):
    """Real Keras' Conv1D -> MaxPooling1D(2) -> LSTM (Keras 3: padding 'valid'; Keras 2:
    causal): the full trace is Keras' numbers, and every window, from keyframes every 16
    steps, the full trace's to the bit in each layer's own steps."""
    model, x, full = _keras_fixture_traced(case, ("conv", "pool", "lstm", "dense"))
    steps = x.shape[1]
    wt = keyframe_pass(model, x, every=16)
    assert wt.steps_of("lstm") == full["pool"].output.shape[1] < steps
    for a, b in [(0, 1), (0, 5), (3, 7), (1, 2), (steps - 1, steps), (0, steps)]:
        _same_own_steps(full, wt.window(a, b), wt, a, b)


def test_keras_strided_and_valid_layers_and_channels_first_ones_window_to_keras():
    """Every Conv1D and pooling of tests/fixtures/k3_conv_pool_options (strides 2 'same',
    dilated causal, grouped 'valid', pools of strides 2 'same' and 1 'valid'), each alone over
    the fixture's input: its full trace is Keras' numbers, its windows the full trace's to
    the bit; so is its channels_first Conv1D over (batch, steps, features) (issue 13: it
    reads the 9 steps as its channels, no steps left: computed once by the pass), and its
    channels_first poolings over the steps' axis (issue 13: each pools a step's features, its
    output keeping the steps as its channels: a per-step layer, ``Layer.stepwise``; they were
    refused, 'avg_cf' the fixture's first). The whole fixture, its nine outputs, is windowed
    too, every window the whole trace's to the bit."""
    import lstmviz
    from lstmviz.engine.windows import strides_of
    from tests.helpers import FIXTURES

    d = FIXTURES / "k3_conv_pool_options"
    model = lstmviz.load(d / "model.keras", isolate=False)
    x = np.load(d / "x.npy")
    full, wt = model.trace(x), keyframe_pass(model, x, every=16)
    for a, b in [(0, 1), (0, 4), (2, 5), (x.shape[1] - 1, x.shape[1]), (0, x.shape[1])]:
        _same_own_steps(full, wt.window(a, b), wt, a, b)
    want = np.load(d / "expected.npz")
    done = 0
    for layer in model.layers:
        if layer.class_name == "InputLayer":
            continue
        one = Model.sequential((None, *x.shape[1:]), [LayerSpec(layer.class_name, dict(layer.config),
                                                               name=layer.name)])
        one.layers[0].set_weights(layer.weights)
        full = one.trace(x)
        np.testing.assert_allclose(full[layer.name].output, want[f"layer:{layer.name}"], atol=1e-5)
        wt = keyframe_pass(one, x, every=16)
        for a, b in [(0, 1), (0, 4), (2, 5), (x.shape[1] - 1, x.shape[1]), (0, x.shape[1])]:
            _same_own_steps(full, wt.window(a, b), wt, a, b)
        cf_conv = layer.channels_first and layer.class_name == "Conv1D"
        assert wt._axes[layer.name] == [None if cf_conv else 1], layer.name
        if layer.channels_first and not cf_conv:  # (the input's clock: its 9 steps, not its pool's)
            assert wt.steps_of(layer.name) == x.shape[1] and strides_of(one)[layer.name] == 1, layer.name
        done += 1
    assert done == 9


def test_a_window_through_the_mask_ops_keras_3_saves_for_a_concatenate():
    """A Concatenate of masked sequences as Keras 3 saves it (its mask as ExpandDims,
    ZerosLike, LogicalOr, ... ops: ``MaskOp``, each step alone): a long input's window of
    steps gives the whole trace's numbers there (an ExpandDims was refused as reshaping the
    time axis)."""
    from lstmviz.engine.windows import trace_steps
    from tests.helpers import keras3_masked_concatenate

    model = keras3_masked_concatenate(None)
    rng = np.random.default_rng(5)
    x = [rng.normal(size=(2, 300, 2)).astype(np.float32) for _ in range(2)]
    x[0][:, 100:130], x[1][:, 120:140] = 0.0, 0.0
    whole, part = model.trace(x), trace_steps(model, x, 110, 150)
    for name in ("a_expand", "a_or", "masks", "mask", "merged"):
        np.testing.assert_array_equal(part[name].outputs[0], whole[name].outputs[0][:, 110:150], err_msg=name)
    assert not part["mask"].outputs[0][:, 10:20].any() and part["mask"].outputs[0][:, :10].all()
    np.testing.assert_array_equal(part["after"].outputs[0], whole["after"].outputs[0])


def test_a_merge_of_a_pooled_and_an_unpooled_sequence_is_refused_for_windows_in_one_line():
    """A Concatenate of a MaxPooling1D(2)'s 100 steps and a 'valid' Conv1D(kernel 101)'s 100
    steps over 200 input steps has one length but two time scales: no window of input steps
    is a window of both, refused in one line naming the layer; a merge of two sequences of
    one scale (two pools) is traced by windows, to the bit."""
    from lstmviz.engine import ModelSpec, TensorRef

    def model(second):
        layers = [LayerSpec("InputLayer", {"batch_shape": [None, None, 3]}, "x"),
                  LayerSpec("MaxPooling1D", {"pool_size": 2}, "pool", inbound=[TensorRef("x")]),
                  LayerSpec(*second, inbound=[TensorRef("x")]),
                  LayerSpec("Concatenate", {"axis": -1}, "both", inbound=[TensorRef("pool"), TensorRef(second[2])]),
                  LayerSpec("LSTM", {"units": 3, "return_sequences": True}, "l", inbound=[TensorRef("both")])]
        return Model.from_spec(ModelSpec(layers, [TensorRef("x")], [TensorRef("l")]), seed=1)

    x = np.random.default_rng(0).normal(size=(1, 200, 3)).astype(np.float32)
    mixed = model(("Conv1D", {"filters": 2, "kernel_size": 101}, "conv"))
    assert mixed.trace(x)["both"].output.shape[1] == 100  # (Keras concatenates them)
    with pytest.raises(LstmvizError) as err:
        keyframe_pass(mixed, x, every=16)
    said = str(err.value)
    assert "\n" not in said and said.startswith("layer 'both' (Concatenate) reads sequences of different time scales")
    alike = model(("AveragePooling1D", {"pool_size": 2}, "avg"))
    full = alike.trace(x)
    wt = keyframe_pass(alike, x, every=16)
    for a, b in [(0, 7), (33, 150), (199, 200)]:
        win = wt.window(a, b)
        lo, hi = wt.steps_for("l", a, b)
        assert np.array_equal(win["l"].steps["h"], full["l"].steps["h"][:, lo:hi])


@pytest.mark.parametrize("axis", [1, -2])
def test_a_concatenate_of_two_sequences_steps_is_refused_for_windows_in_one_line(axis):
    """A Concatenate(axis=1) of an LSTM's and a GRU's sequences over 200 steps holds 400
    steps, the LSTM's then the GRU's: no window of input steps is a window of them. Its
    keyframe pass stopped with an IndexError ('index 13 is out of bounds'); now refused in
    one line naming the layer and what windows take. A Concatenate of their features (axis
    -1) is traced by windows, to the bit."""
    from lstmviz.engine import ModelSpec, TensorRef

    def model(along):
        layers = [LayerSpec("InputLayer", {"batch_shape": [None, None, 3]}, "x"),
                  LayerSpec("LSTM", {"units": 3, "return_sequences": True}, "a", inbound=[TensorRef("x")]),
                  LayerSpec("GRU", {"units": 3, "return_sequences": True}, "b", inbound=[TensorRef("x")]),
                  LayerSpec("Concatenate", {"axis": along}, "both", inbound=[TensorRef("a"), TensorRef("b")]),
                  LayerSpec("LSTM", {"units": 2, "return_sequences": True}, "l", inbound=[TensorRef("both")])]
        return Model.from_spec(ModelSpec(layers, [TensorRef("x")], [TensorRef("l")]), seed=1)

    x = np.random.default_rng(0).normal(size=(2, 200, 3)).astype(np.float32)
    joined = model(axis)
    assert joined.trace(x)["both"].output.shape == (2, 400, 3)  # (Keras joins them)
    with pytest.raises(LstmvizError) as err:
        keyframe_pass(joined, x, every=16)
    said = str(err.value)
    assert "\n" not in said and said == (
        "layer 'both' (Concatenate) joins its inputs' steps one after the other (axis 1); a long sequence "
        "is traced by windows only through a Concatenate of sequences' features (axis -1)")
    beside = model(-1)
    full = beside.trace(x)
    wt = keyframe_pass(beside, x, every=16)
    for a, b in [(0, 7), (31, 33), (77, 160), (199, 200)]:
        assert _same_own_steps(full, wt.window(a, b), wt, a, b) > 0


def test_a_merge_through_cropping_padding_and_upsampling_steps_alike_or_is_refused_in_one_line():
    """A Concatenate of a Cropping1D((100, 0))'s 100 steps and a MaxPooling1D(2)'s 100 steps
    of 200 input steps: two time scales, refused in one line; the pooled steps repeated by an
    UpSampling1D(2) (scale 2 x 1/2: the input's again) and concatenated with the input
    padded and cropped back to its steps: one scale, traced by windows to the bit."""
    from lstmviz.engine import ModelSpec, TensorRef

    def model(first, second):
        layers = [LayerSpec("InputLayer", {"batch_shape": [None, None, 3]}, "x"),
                  LayerSpec(*first[:2], "one", inbound=[TensorRef(first[2])]),
                  LayerSpec(*second[:2], "two", inbound=[TensorRef(second[2])]),
                  LayerSpec("Concatenate", {"axis": -1}, "both", inbound=[TensorRef("one"), TensorRef("two")]),
                  LayerSpec("LSTM", {"units": 3, "return_sequences": True}, "l", inbound=[TensorRef("both")])]
        if first[2] != "x":
            layers.insert(1, LayerSpec(*first[3:], inbound=[TensorRef("x")]))
        return Model.from_spec(ModelSpec(layers, [TensorRef("x")], [TensorRef("l")]), seed=1)

    x = np.random.default_rng(0).normal(size=(2, 200, 3)).astype(np.float32)
    mixed = model(("Cropping1D", {"cropping": [100, 0]}, "x"), ("MaxPooling1D", {"pool_size": 2}, "x"))
    assert mixed.trace(x)["both"].output.shape[1] == 100
    with pytest.raises(LstmvizError) as err:
        keyframe_pass(mixed, x, every=16)
    said = str(err.value)
    assert "\n" not in said and said.startswith("layer 'both' (Concatenate) reads sequences of different time scales")
    alike = model(("UpSampling1D", {"size": 2}, "pool", "MaxPooling1D", {"pool_size": 2}, "pool"),
                  ("Cropping1D", {"cropping": [0, 0]}, "x"))
    full = alike.trace(x)
    wt = keyframe_pass(alike, x, every=16)
    assert wt.scale_of("one") == 1 and wt.scale_of("pool") == 2 and wt.steps_of("l") == 200
    for a, b in [(0, 7), (33, 150), (199, 200)]:
        assert _same_own_steps(full, wt.window(a, b), wt, a, b) > 0
