"""Long sequences in the app, without Qt: overviews, units at scale, long data files."""

import json
import re

import numpy as np
import pytest

from lstmviz import limits
from lstmviz.app import inputs as gen
from lstmviz.app import long_data, scale
from lstmviz.app.long_sequence import QUICK_STEPS
from lstmviz.engine import LayerSpec, Model
from lstmviz.engine.windows import keyframe_pass
from lstmviz.errors import LstmvizError

T = 1500


@pytest.fixture(scope="module")
def traced():
    model = Model.sequential((None, None, 2), [
        LayerSpec("LSTM", {"units": 6, "return_sequences": True}, name="l"),
        LayerSpec("Bidirectional", {"layer": {"class_name": "GRU", "config": {
            "units": 3, "return_sequences": True}}}, name="bi")], seed=3)
    t = np.arange(T)
    x = np.stack([np.sin(t / 37.0), np.sign(np.sin(t / 101.0))], -1)[None].repeat(2, 0)
    x = (x + np.random.default_rng(0).normal(scale=0.1, size=x.shape)).astype(np.float32)
    return model, x, model.trace(x), keyframe_pass(model, x, every=64)


def _edges(n, bins):
    """k * n / bins rounded half up (an odd number of bins: none falls half-way)."""
    return (2 * np.arange(bins + 1) * n + bins) // (2 * bins)


def _brute_minmax(arr, bins):
    edges = _edges(len(arr), bins)
    lo = np.array([arr[a:b].min(axis=0) for a, b in zip(edges[:-1], edges[1:])])
    hi = np.array([arr[a:b].max(axis=0) for a, b in zip(edges[:-1], edges[1:])])
    return lo, hi


@pytest.mark.parametrize("key", ["h", "f", "c"])
def test_overview_is_the_min_and_max_of_every_bin_from_a_trace_or_from_keyframes(traced, key):
    _, _, full, wt = traced
    want = full["l"].steps[key][1]
    for source in (full, wt):
        ov, _ = scale.summarize(source, "l", key, sample=1, bins=97)
        lo, hi = _brute_minmax(want, 97)
        np.testing.assert_array_equal(ov.lo, lo)
        np.testing.assert_array_equal(ov.hi, hi)
        assert ov.edges()[0] == 0 and ov.edges()[-1] == T
        ext = np.where(np.abs(hi) >= np.abs(lo), hi, lo)  # what one colour per bin shows
        np.testing.assert_array_equal(ov.extreme(), ext)
        for unit in range(ext.shape[1]):
            np.testing.assert_array_equal(ov.extreme_of(unit), ext[:, unit])
        rows = scale.unit_rows({("l", key): ov, ("m", key): ov}, [("l", key), ("m", key)], 99)
        np.testing.assert_array_equal(rows, [ext[:, -1], ext[:, -1]])  # a unit past the end: the last


@pytest.mark.parametrize("bins", [50, 97, 512])
def test_a_backward_rows_bins_turned_around_are_its_bins_of_input_steps(traced, bins):
    """The Unrolled strip shows a backward half's overview (bins of processing steps)
    turned around, under the columns of input steps. Its bins were ceil(k T / bins) from
    the start of processing, so turned around their edges fell a step off a forward row's
    wherever k T / bins is not whole (T = 1500, 512 bins: 508 of the 511 inner edges), and a
    value at an edge was shown in the neighbouring bin. Now each bin turned around holds exactly
    the input steps of the forward row's bin above it."""
    _, _, full, wt = traced
    got = scale.overviews(wt, sample=1, bins=bins)
    fwd, back = got[("bi", "forward/h")], got[("bi", "backward/h")]
    assert fwd.bins == back.bins == (bins if bins % 2 else bins - 1)
    np.testing.assert_array_equal(back.edges(), fwd.edges())
    in_input_order = full["bi"].children["backward"].steps["h"][1][::-1]  # processing step T-1-t reads t
    lo, hi = _brute_minmax(in_input_order, fwd.bins)  # the forward row's bins, over input steps
    for unit in range(3):
        rows = scale.unit_rows(got, [("bi", "forward/h"), ("bi", "backward/h")], unit, backwards=(False, True))
        want = np.where(np.abs(hi[:, unit]) >= np.abs(lo[:, unit]), hi[:, unit], lo[:, unit])
        np.testing.assert_array_equal(rows[1], want)
    for T in (1, 2, 7, 1500, 20000, 19999, 100001):  # the same edges from either end, every step in one bin
        for asked in (1, 2, 50, 512, 1024):
            ov = scale.Overview(T, 1, asked)
            e = ov.edges()
            np.testing.assert_array_equal(T - e[::-1], e)
            np.testing.assert_array_equal(ov.bin_of(np.arange(T)), np.repeat(np.arange(ov.bins), np.diff(e)))


def test_unit_statistics_equal_numpy_over_the_whole_sequence(traced):
    _, x, full, wt = traced
    h = full["l"].steps["h"][0].astype(np.float64)
    f = full["l"].steps["f"][0].astype(np.float64)
    _, st = scale.summarize(wt, "l", "h", feature=0)
    np.testing.assert_allclose(st.variance, h.var(axis=0), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(st.saturation, (np.abs(h) > 0.9).mean(axis=0))
    r = [np.corrcoef(x[0, :, 0], h[:, u])[0, 1] for u in range(h.shape[1])]
    np.testing.assert_allclose(st.correlation, r, atol=1e-6)
    _, sf = scale.summarize(full, "l", "f")
    np.testing.assert_allclose(sf.saturation, ((f < 0.1) | (f > 0.9)).mean(axis=0))
    order = scale.rank_units(st, "variance")
    assert list(order) == list(np.argsort(-h.var(axis=0), kind="stable"))
    top = scale.rank_units(st, "correlation", minimum=0.5)
    assert all(abs(r[u]) >= 0.5 for u in top) and len(top) == sum(abs(v) >= 0.5 for v in r)
    with pytest.raises(LstmvizError, match="ranked by"):
        scale.rank_units(st, "beauty")



def test_unit_statistics_stay_exact_for_near_constant_units_of_a_large_mean():
    """Variance was sum of squares / n - mean²: over 200,000 steps a unit stepping by one
    float32 ulp around 3000 had variance 0 (all of it lost to cancellation), one around
    -20000 4% too little, and the ranking put a constant unit above a moving one. Merged
    block by block (count, mean, M2; Chan et al.), they equal NumPy's float64 ``var`` (and
    ``corrcoef``), the constant unit exactly 0."""
    rng = np.random.default_rng(0)
    n = 200_000
    v = np.empty((n, 4), np.float32)
    v[:, 0] = 3000.0  # constant
    v[:, 1] = np.float32(3000.0) + rng.integers(0, 2, n).astype(np.float32) * np.float32(2.0 ** -12)
    v[:, 2] = rng.normal(0, 1e-4, n)  # small moves around 0
    v[:, 3] = np.float32(-20000.0) + rng.normal(0, 0.01, n).astype(np.float32)
    feature = (v[:, 1].astype(np.float64) - 3000.0) * 4096 + rng.normal(0, 0.1, n)
    st = scale.UnitStats(4, gate=False)
    for s in range(0, n, scale.BLOCK_STEPS):
        st.add(v[s:s + scale.BLOCK_STEPS], feature[s:s + scale.BLOCK_STEPS])
    want = v.astype(np.float64).var(axis=0)
    assert st.variance[0] == 0.0 and want[1] > 0
    np.testing.assert_allclose(st.variance, want, rtol=1e-9, atol=0)
    np.testing.assert_allclose(st.mean, v.astype(np.float64).mean(axis=0), rtol=1e-12)
    assert list(scale.rank_units(st, "variance")) == [3, 1, 2, 0]
    r = [0.0] + [np.corrcoef(feature, v[:, u].astype(np.float64))[0, 1] for u in (1, 2, 3)]
    assert r[1] > 0.8
    np.testing.assert_allclose(st.correlation, r, atol=1e-9)
    assert list(scale.rank_units(st, "correlation", top=1)) == [1]


def test_units_that_are_nan_rank_last_in_every_ranking_and_say_why():
    """A unit NaN at every step (a layer whose numbers overflowed) had 'variance nan',
    'saturation 0.0%' and 'r +0.000': last by variance (NaN sorts last) but among the
    least saturated and least correlated, ranked above units that move. Units NaN or
    infinite at any step have no score: last in every ranking, in unit order, not kept by
    a minimum, and ``unscored`` says why."""
    rng = np.random.default_rng(1)
    n = 3000
    v = rng.normal(0, 0.5, (n, 5)).astype(np.float32)
    v[:, 1] = np.nan  # NaN at every step
    v[:, 3] = np.float32(0.95)  # saturated, still
    v[2000:, 4] = np.nan  # overflowed after step 2,000
    v[1999, 4] = np.inf
    feature = rng.normal(0, 1, n)
    v[:, 0] = feature * 0.1  # correlated
    st = scale.UnitStats(5, gate=False)
    with np.errstate(invalid="ignore"):
        for s in range(0, n, 1000):
            st.add(v[s:s + 1000], feature[s:s + 1000])
    assert list(st.scored) == [True, False, True, True, False]
    for by in scale.RANKINGS:
        order = list(scale.rank_units(st, by))
        assert order[-2:] == [1, 4] and sorted(order) == [0, 1, 2, 3, 4], (by, order)
        assert 1 not in scale.rank_units(st, by, minimum=0.0) and 4 not in scale.rank_units(st, by, minimum=0.0)
    assert list(scale.rank_units(st, "saturation"))[0] == 3
    assert list(scale.rank_units(st, "correlation"))[0] == 0
    assert st.unscored(1, "h[1]") == ("h[1] is NaN at every step: the layer's numbers overflowed (or its "
                                      "weights are not numbers); nothing to plot or score")
    assert st.unscored(4, "h[4]") == ("h[4] is NaN or infinite at 1,001 of 3,000 steps (the layer's "
                                      "numbers overflowed): not scored, ranked last")
    assert st.unscored(0, "h[0]") == ""


def test_correlation_follows_the_processing_order_of_a_backward_half(traced):
    _, x, full, wt = traced
    hb = full["bi"].children["backward"].steps["h"][0].astype(np.float64)
    _, st = scale.summarize(wt, "bi", "backward/h", feature=1)
    feat = x[0, ::-1, 1]  # the backward half's step 0 is the last input step
    r = [np.corrcoef(feat, hb[:, u])[0, 1] for u in range(hb.shape[1])]
    np.testing.assert_allclose(st.correlation, r, atol=1e-6)


def test_threshold_crossings_over_the_whole_sequence_from_keyframes(traced):
    _, _, full, wt = traced
    col = full["l"].steps["c"][0, :, 2].astype(np.float64)
    thr = float(np.median(col))
    want_up = [t for t in range(1, T) if col[t - 1] < thr <= col[t]]
    want_down = [t for t in range(1, T) if col[t - 1] >= thr > col[t]]
    assert want_up and want_down
    np.testing.assert_array_equal(scale.find_crossings(wt, "l", "c", 2, thr, "up"), want_up)
    np.testing.assert_array_equal(scale.find_crossings(full, "l", "c", 2, thr, "down"), want_down)
    both = scale.find_crossings(wt, "l", "c", 2, thr, "both")
    assert sorted(want_up + want_down) == list(both)


@pytest.mark.parametrize("layer, key, unit", [("l", "c", 2), ("l", "h", 0), ("bi", "backward/h", 1)])
def test_crossings_by_an_overviews_bins_recompute_only_the_bins_that_may_cross_and_find_the_same_steps(
        traced, layer, key, unit):
    """With the record's overview (its exact min and max per bin, ``scale.overviews``), a first
    search recomputes only the steps of the bins where the unit may cross (``crossing_spans``:
    a threshold near its top or bottom, a few of them) and finds the very steps a search of
    every step finds, up, down and both, at thresholds at and between the unit's own values,
    past both ends, the edges of a bin of one side and of a span (a Bidirectional's backward
    half in its processing order); a threshold crossed in most bins is searched step by step."""
    _, _, full, wt = traced
    rec = full[layer]
    rec = rec.children[key.split("/")[0]] if "/" in key else rec
    col = rec.steps[key.split("/")[-1]][0, :, unit]
    ov = scale.overviews(wt, 0, bins=101)[(layer, key)]
    vals = np.sort(col)
    thresholds = [float(vals[0]), float(vals[3]), float(np.nextafter(vals[-2], np.inf)), float(vals[-1]),
                  float(vals[-1]) + 1, float(vals[0]) - 1, float(np.median(col)), -np.inf, np.inf, np.nan]
    binned = 0
    for thr in thresholds:
        _, spans = scale.crossing_spans(ov, unit, thr, wt.every)
        assert all(a % wt.every == 0 and (b % wt.every == 0 or b == T) for a, b in spans)
        read = sum(b - a for a, b in spans)
        for direction in ("up", "down", "both"):
            seen: list = []
            got = scale.find_crossings(wt, layer, key, unit, thr, direction, overview=ov,
                                       progress=lambda d, t, seen=seen: seen.append((d, t)))
            np.testing.assert_array_equal(got, scale.crossings(col, thr, direction), err_msg=f"{thr} {direction}")
            if read <= scale.BINNED_SHARE * T:  # (the bins' steps alone: fewer than the sequence's)
                binned += 1
                assert not seen or seen[-1] == (read, read), (thr, seen[-1:])
            else:
                assert seen[-1] == (T, T)
    assert binned >= 3 * 7, binned  # (every threshold but the median, NaN and one of the middle ones)
    if layer != "l" or key != "c":
        return
    # a long input's first search on a unit, once its overviews ran: the bins' steps alone, the
    # same steps; none of the unit's series kept (not read whole), of another sample every step
    from lstmviz.app.long_sequence import LongSequence

    model, x, _, _ = traced
    seq = LongSequence(model, x, window=256, every=64)
    assert seq.run_pass() and seq.run_overviews(bins=101)
    thr = float(np.nextafter(vals[-2], np.inf))
    told: list = []
    got = seq.crossings(layer, key, unit, thr, "both", progress=lambda d, t: told.append(t))
    np.testing.assert_array_equal(got, scale.crossings(col, thr, "both"))
    assert len(got) and told[-1] < T // 4 and not seq._series
    other = full[layer].steps[key][1, :, unit]
    np.testing.assert_array_equal(seq.crossings(layer, key, unit, thr, "both", sample=1),
                                  scale.crossings(other, thr, "both"))
    assert list(seq._series) == [(layer, key, 1, unit)]


# -- long data files ---------------------------------------------------------------------
def test_npy_is_memory_mapped_and_shaped_as_a_sequence(tmp_path):
    a = np.random.default_rng(0).normal(size=(200_000, 3)).astype(np.float32)
    np.save(tmp_path / "a.npy", a)
    seen = []
    got = long_data.open_npy(tmp_path / "a.npy", progress=lambda d, t: seen.append((d, t)))
    assert isinstance(got.base, np.memmap) or isinstance(got, np.memmap)
    assert got.shape == (1, 200_000, 3) and np.array_equal(got[0], a)
    assert seen[-1] == (600_000, 600_000)
    np.save(tmp_path / "b.npy", np.arange(10.0))
    assert long_data.open_npy(tmp_path / "b.npy").shape == (1, 10, 1)


def test_a_long_npy_of_token_ids_is_a_row_per_sample(tmp_path):
    """File > Open a long input, a (batch, timesteps) .npy of ids for a model with an
    Embedding first: it was one sample of `batch` steps of `timesteps` features."""
    model = Model.sequential((None, None), [LayerSpec("Embedding", {"input_dim": 30, "output_dim": 4}),
                                            LayerSpec("LSTM", {"units": 3})], seed=0)
    ids = np.random.default_rng(0).integers(1, 30, size=(2, 6000)).astype(np.int32)
    np.save(tmp_path / "ids.npy", ids)
    got = long_data.load_long_input(tmp_path / "ids.npy", model)
    assert got.shape == (2, 6000, 1) and np.array_equal(got[..., 0], ids)
    features = Model.sequential((None, None, 3), [LayerSpec("LSTM", {"units": 3})], seed=0)
    a = np.zeros((6000, 3), np.float32)
    np.save(tmp_path / "f.npy", a)
    assert long_data.load_long_input(tmp_path / "f.npy", features).shape == (1, 6000, 3)


def test_a_long_csv_of_token_ids_in_a_row_is_a_sample_not_one_step(tmp_path):
    """File > Open a long input, a .csv of 6,000 token ids in one row for a model with an
    Embedding first: it became one step of 6,000 values ("Opened ids.csv: 1 steps, traced
    whole"). Rows of ids are samples, as a (batch, timesteps) .npy of ids is, and as the
    command line reads such a CSV; a column of ids stays one sample, a row per step."""
    model = Model.sequential((None, None), [LayerSpec("Embedding", {"input_dim": 30, "output_dim": 4}),
                                            LayerSpec("LSTM", {"units": 3})], seed=0)
    ids = np.random.default_rng(0).integers(1, 30, size=(2, 6000))
    p = tmp_path / "ids.csv"
    for rows in (ids[:1], ids):
        p.write_text("\n".join(",".join(str(v) for v in row) for row in rows) + "\n")
        got = long_data.load_long_input(p, model)
        assert got.shape == (len(rows), 6000, 1) and np.array_equal(got[..., 0], rows)
    p.write_text("\n".join(str(v) for v in ids[0]) + "\n")
    got = long_data.load_long_input(p, model)
    assert got.shape == (1, 6000, 1) and np.array_equal(got[0, :, 0], ids[0])


@pytest.mark.parametrize("case,match", [
    ("nan", "NaN"), ("objects", "pickled"), ("truncated", "is truncated"),
    ("text", r"not a \.npy file \(no NumPy header\)"), ("rank4", "expected")])
def test_bad_npy_files_are_one_line_refusals(tmp_path, case, match):
    p = tmp_path / "x.npy"
    if case == "nan":
        a = np.zeros((50, 2), np.float32)
        a[30, 1] = np.nan
        np.save(p, a)
    elif case == "objects":
        np.save(p, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    elif case == "truncated":
        np.save(p, np.zeros((1000, 4), np.float32))
        p.write_bytes(p.read_bytes()[:500])
    elif case == "text":
        p.write_text("1,2,3\n")
    else:
        np.save(p, np.zeros((1, 2, 3, 4), np.float32))
    with pytest.raises(LstmvizError, match=match) as err:
        long_data.open_npy(p)
    assert "\n" not in str(err.value)


def test_a_long_npys_nan_or_number_beyond_float32_is_named_by_its_step_and_feature(tmp_path):
    """A (1, 6000, 3) .npy with a NaN at step 4,321, feature 1 was refused with "(value
    12,964 of 18,000)", a 0-based count over the flattened array; a float64 file holding
    1e39 opened into "the input holds NaN or infinity (first at index (0, 0, 0))" (and
    NumPy's overflow warning), the float32 the model takes, not what the file holds."""
    a = np.zeros((1, 6000, 3), np.float32)
    a[0, 4321, 1] = np.nan
    np.save(tmp_path / "nan.npy", a)
    with pytest.raises(LstmvizError) as err:
        long_data.open_npy(tmp_path / "nan.npy")
    assert str(err.value) == ("nan.npy: holds NaN or infinity (first at step 4,321, feature 1); "
                              "replace them with numbers")
    b = np.zeros((2, 6000, 3))
    b[1, 5000, 2] = -1e39
    np.save(tmp_path / "big.npy", b)
    with pytest.raises(LstmvizError) as err:
        long_data.open_npy(tmp_path / "big.npy")
    assert str(err.value) == ("big.npy: holds -1e+39 (first at sample 1, step 5,000, feature 2), beyond "
                              "float32's range (\u00b13.4e38), the numbers a model takes; scale it down")
    b[1, 5000, 2] = 3e38  # (within it)
    np.save(tmp_path / "big.npy", b)
    assert long_data.open_npy(tmp_path / "big.npy").shape == (2, 6000, 3)


def test_a_long_npy_cut_short_says_so(tmp_path):
    """A .npy cut short (a copy or download stopped) was refused with NumPy's words: "not
    a readable .npy file (mmap length is greater than file size)"."""
    np.save(tmp_path / "cut.npy", np.zeros((1000, 4), np.float32))
    whole = (tmp_path / "cut.npy").read_bytes()
    (tmp_path / "cut.npy").write_bytes(whole[:500])
    with pytest.raises(LstmvizError) as err:
        long_data.open_npy(tmp_path / "cut.npy")
    # (the wording of the other .npy reader, Import's and the command line's)
    assert str(err.value) == ("cut.npy: the .npy file is truncated (its header declares 16,000 bytes of "
                              f"data, the file holds {500 - (len(whole) - 16_000):,})")


def test_a_csv_of_hundreds_of_thousands_of_rows_in_blocks_with_progress(tmp_path, monkeypatch):
    monkeypatch.setattr(long_data, "BLOCK_BYTES", 1 << 20)  # several blocks
    a = np.round(np.random.default_rng(1).normal(size=(300_000, 2)), 4).astype(np.float32)
    p = tmp_path / "big.csv"
    with open(p, "w") as fh:
        fh.write("time,value\n# a comment\n")
        np.savetxt(fh, a, delimiter=",", fmt="%.4f")
    seen = []
    got = long_data.read_csv(p, progress=lambda d, t: seen.append((d, t)))
    assert got.shape == (1, 300_000, 2)
    np.testing.assert_array_equal(got[0], a)
    assert len(seen) > 3 and seen[-1][0] == seen[-1][1] == p.stat().st_size
    with pytest.raises(long_data.Cancelled):
        long_data.read_csv(p, cancel=lambda: True)


def test_a_ragged_or_wordy_csv_is_one_line_naming_the_row(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("1,2\n3,4\n5\n")
    with pytest.raises(LstmvizError, match="bad.csv: line 3 has 1 value ") as err:
        long_data.read_csv(p)
    assert "\n" not in str(err.value)
    p.write_text("1,2\n3,apple\n")
    with pytest.raises(LstmvizError, match="bad.csv"):
        long_data.read_csv(p)


def test_text_through_the_apps_vocabulary_is_what_the_text_input_gives():
    text = "Hello, world! Quotes \"inside\" and line\nbreaks. " * 50
    got = long_data.text_ids(text)
    np.testing.assert_array_equal(got, gen.text_ids(text))


def test_text_through_a_given_vocabulary(tmp_path):
    (tmp_path / "v.json").write_text(json.dumps(["<pad>", "a", "b", "c", " "]))
    vocab = long_data.read_vocabulary(tmp_path / "v.json")
    np.testing.assert_array_equal(long_data.text_ids("abc cab", vocab), [[1, 2, 3, 4, 3, 1, 2]])
    (tmp_path / "v.txt").write_text("x\ny\nz\n")
    assert long_data.read_vocabulary(tmp_path / "v.txt") == {"x": 0, "y": 1, "z": 2}
    with pytest.raises(LstmvizError, match="'d'"):
        long_data.text_ids("abd", vocab)
    np.testing.assert_array_equal(long_data.text_ids("abd", vocab, oov=0), [[1, 2, 0]])
    with pytest.raises(LstmvizError, match="outside the Embedding's vocabulary 0..2"):
        long_data.text_ids("abc", vocab, size=3)



def test_a_txt_is_numbers_only_when_its_lines_are_numbers(tmp_path, monkeypatch):
    """A book whose first line is a number ("1984") was read as a column of numbers (the
    reader looked at the first line only) and refused at its second line. A ``.txt`` is
    numbers only when its lines are (as the CSV reader takes them: a header of words,
    comments, blank lines, any separator); else text, read as characters."""
    vocab = len(gen.ALPHABET) + 1
    chars = Model.sequential((None, None), [LayerSpec("Embedding", {"input_dim": vocab, "output_dim": 3}),
                                            LayerSpec("LSTM", {"units": 2})], seed=0)
    feats = Model.sequential((None, None, 2), [LayerSpec("LSTM", {"units": 2})], seed=0)

    def file(name, text):
        p = tmp_path / name
        p.write_text(text)
        return p

    book = "1984\n\nGeorge Orwell\n\nIt was a bright cold day in April, and the clocks were striking thirteen.\n"
    for text in (book, "42\n7\nthe answer\n", "Infinity\nand beyond\n", "# 3\n3.5, and more\n",
                 "Nan the cat\n"):
        p = file("book.txt", text)
        assert long_data.reads_as_text(p), text
        np.testing.assert_array_equal(long_data.load_long_input(p, chars), gen.text_ids(text))
    assert long_data.not_numbers(file("book.txt", book)) == (3, "George Orwell")  # (why: that line)
    for text, want in (("1.5 2\n3 4\n", [[1.5, 2], [3, 4]]),
                       ("time;value\n# logged\n\n0;1,5e0\n1;2\n".replace(",5e0", ".5"), [[0, 1.5], [1, 2]]),
                       ("1984 2\n", [[1984, 2]]),
                       ("-1,2\n3,4e-2\n", [[-1, 2], [3, 0.04]])):
        p = file("readings.txt", text)
        assert not long_data.reads_as_text(p), text
        np.testing.assert_allclose(long_data.load_long_input(p, feats), [want])
    # numbers beyond what decides (the head ends inside a line): numbers still
    monkeypatch.setattr(long_data, "SNIFF_BYTES", 1000)
    rows = "".join(f"{i * 0.25:.2f}\t{i}\n" for i in range(2000))
    p = file("long.txt", rows)
    assert not long_data.reads_as_text(p)
    assert long_data.load_long_input(p, feats).shape == (1, 2000, 2)
    one = file("one.txt", " ".join(str(i) for i in range(1000)) + "\n")  # one line longer than the head
    assert not long_data.reads_as_text(one)
    # a typo past the head: numbers, refused in one line at the typo
    p = file("typo.txt", rows + "3.5\tn/a\n")
    with pytest.raises(LstmvizError) as err:
        long_data.load_long_input(p, feats)
    assert str(err.value) == "typo.txt: line 2,001, column 2: 'n/a' is not a number"


# -- the app's long sequence: first window at once, exact windows after the pass ---------
def test_a_long_sequence_shows_its_first_window_then_any_window_exactly(traced):
    import threading

    from lstmviz.app.long_sequence import LongSequence
    model, x, full, _ = traced
    ls = LongSequence(model, x, window=200, every=64)
    # a Bidirectional's backward half starts at the last step: no first window before the pass
    assert ls.window_at(900)[0] is None
    forward = Model.sequential((None, None, 2), [
        LayerSpec("LSTM", {"units": 5, "return_sequences": True}, name="f1"),
        LayerSpec("GRU", {"units": 5, "return_sequences": True}, name="g")], seed=1)
    early = LongSequence(forward, x, window=200)  # 192: whole chunks of 32 steps
    first, i = early.window_at(900)  # before the pass: the first window only
    assert not early.ready and i == 191 and first.start == 0 and first.total_steps == T
    whole = forward.trace(x)
    for name, key in (("f1", "c"), ("f1", "pre"), ("g", "h")):
        np.testing.assert_array_equal(first[name].steps[key], whole[name].steps[key][:, :192])
    seen = []
    worker = threading.Thread(target=ls.run_pass, args=(lambda d, t: seen.append(d),))
    worker.start()
    worker.join()
    assert ls.ready and ls.error is None and seen[-1] == ls.total
    for step in (0, 150, 777, 1001, T - 1):
        win, i = ls.window_at(step)
        assert win.start + i == step and 0 <= i < 192
        for key in ("i", "c", "h", "pre"):
            np.testing.assert_array_equal(win["l"].steps[key], full["l"].steps[key][:, win.start:win.start + 192])
        # (a window of input steps: the backward half's processing steps reading them)
        back = win["bi"].children["backward"]
        assert back.start == T - win.start - 192
        np.testing.assert_array_equal(back.steps["h"],
                                      full["bi"].children["backward"].steps["h"][:, back.start:back.start + 192])
    ov, st = ls.summary("l", "h")
    assert ov.lo.shape == (1023, 6) and st.n == T  # (an odd number of bins: Overview)


def test_the_next_window_is_computed_ahead_when_stepping_forward_not_after_a_seek():
    """Playing on prefetches the window ahead; a seek (and its whole window coming in)
    starts no thread for a window nobody asked for."""
    from lstmviz.app.long_sequence import LongSequence
    model = Model.sequential((None, None, 2), [LayerSpec("LSTM", {"units": 4, "return_sequences": True})], seed=2)
    x = np.random.default_rng(1).normal(size=(1, 3000, 2)).astype(np.float32)
    ls = LongSequence(model, x, window=256, every=64)
    assert ls.run_pass()
    hop = ls.window // 2
    step = 1500
    win, _ = ls.window_at(step)  # a seek: that window only
    ls.wait_prefetch()
    assert sorted(ls._cache) == [win.start]
    ls.window_at(step)  # the same step again (a refinement): still nothing ahead
    ls.wait_prefetch()
    assert sorted(ls._cache) == [win.start]
    ls.window_at(step + 1)  # one step on: the window ahead is computed on a thread
    ls.wait_prefetch()
    assert sorted(ls._cache) == [win.start, ls.start_of(step + 1 + hop)]
    ahead = ls._cache[ls.start_of(step + 1 + hop)]
    full = model.trace(x)
    name = model.layers[0].name
    np.testing.assert_array_equal(ahead[name].steps["c"], full[name].steps["c"][:, ahead.start:ahead.start + 256])
    ls.window_at(100)  # back: a seek, nothing ahead
    ls.wait_prefetch()
    assert ls.start_of(100 + hop) not in ls._cache



def test_the_step_into_a_window_starts_no_thread_the_next_one_does_and_next_window_names_it():
    """The step that enters a window (its views draw all of it anew) computes nothing ahead;
    the step after it does, and ``next_window`` gives that window once computed (None before,
    and at the last window)."""
    from lstmviz.app.long_sequence import LongSequence
    model = Model.sequential((None, None, 2), [LayerSpec("LSTM", {"units": 4, "return_sequences": True})], seed=2)
    x = np.random.default_rng(1).normal(size=(1, 3000, 2)).astype(np.float32)
    ls = LongSequence(model, x, window=256, every=64)
    assert ls.run_pass()
    hop = ls.window // 2
    a = ls.start_of(1500)
    enter = a + hop + hop // 2  # the first step shown in the window after a's
    ls.window_at(enter - 1)  # a seek
    ls.window_at(enter)  # a step forward into the next window
    ls.wait_prefetch()
    assert sorted(ls._cache) == [a, a + hop]
    assert ls.next_window(enter) is None  # not computed
    ls.window_at(enter + 1)  # the step after: the window after it, on a thread
    ls.wait_prefetch()
    assert sorted(ls._cache) == [a, a + hop, a + 2 * hop]
    nxt = ls.next_window(enter + 1)
    assert nxt is ls._cache[a + 2 * hop] and nxt.start == a + 2 * hop
    assert ls.window_at(a + 2 * hop + hop // 2)[0] is nxt  # what stepping on shows
    assert ls.next_window(2999) is None  # the last window


def test_a_layer_that_runs_backwards_plays_its_input_right_to_left_and_the_window_ahead_is_left():
    """A go_backwards layer played on: its processing steps read input steps right to left,
    so the window ahead (prefetched, ``next_window(step, -1)``) is the one to the left, and
    it holds that layer's steps exactly."""
    from lstmviz.app.long_sequence import LongSequence
    model = Model.sequential((None, None, 2), [LayerSpec("LSTM", {"units": 4, "return_sequences": True,
                                                                  "go_backwards": True}, name="back")], seed=2)
    x = np.random.default_rng(1).normal(size=(1, 3000, 2)).astype(np.float32)
    ls = LongSequence(model, x, window=256, every=64)
    assert ls.run_pass() and ls.runs_backwards("back") and not ls.runs_backwards("nothing")
    hop = ls.window // 2
    assert ls.input_step("back", None, 1000) == 1999
    a = ls.start_of(1999)
    leave = a + hop // 2  # the last input step shown in a's window, from the right
    ls.window_at(leave + 2)  # a seek
    ls.wait_prefetch()
    assert sorted(ls._cache) == [a]
    ls.window_at(leave + 1)  # a step on (processing step + 1 = input step - 1)
    ls.wait_prefetch()
    assert sorted(ls._cache) == [a - hop, a]
    nxt = ls.next_window(leave + 1, -1)
    assert nxt is ls._cache[a - hop] and ls.window_at(leave - 1)[0] is nxt  # what stepping on shows
    back = nxt["back"]
    assert back.start == 3000 - (nxt.start + 256)
    full = model.trace(x)["back"].steps["c"]
    np.testing.assert_array_equal(back.steps["c"], full[:, back.start:back.start + 256])
    assert ls.next_window(10, -1) is None  # the first window: nothing to its left


def test_an_rnn_of_cells_that_runs_backwards_reads_its_input_right_to_left_in_every_cell():
    """An RNN([cells]) of go_backwards on a long input: its later cells read the first's
    output in its processing order, so each cell's processing step t reads input step
    T-1-t. ``runs_backwards`` looked for a 'forward' half, found none among its cells and
    said it ran forwards: a seek to processing step 1,000 took the window of input step
    1,000 (processing steps 1,848 .. 2,103), and the views showed another step than the one
    asked for (a picture at step 12,000 of 30,000: 'step t = 17,936'). Now the window holds
    it, and each cell's steps are the whole trace's."""
    from lstmviz.app.long_sequence import LongSequence

    cells = [{"class_name": "GRUCell", "config": {"units": 3}}, {"class_name": "LSTMCell", "config": {"units": 4}}]
    model = Model.sequential((None, None, 2), [LayerSpec("RNN", {"cell": cells, "return_sequences": True,
                                                                 "go_backwards": True}, name="r")], seed=2)
    x = np.random.default_rng(1).normal(size=(1, 3000, 2)).astype(np.float32)
    ls = LongSequence(model, x, window=256, every=64)
    assert ls.run_pass()
    assert ls.runs_backwards("r") and ls.runs_backwards("r", "cell_1") and ls.input_step("r", None, 1000) == 1999
    win, _ = ls.window_at(ls.input_step("r", None, 1000))
    full = model.trace(x)["r"]
    for side in ("cell_0", "cell_1"):
        rec = win["r"].children[side]
        assert rec.start <= 1000 < rec.start + rec.timesteps
        np.testing.assert_array_equal(rec.steps["h"], full.children[side].steps["h"][:, rec.start:rec.start + 256])


def test_after_the_pass_the_first_window_holds_the_whole_sequences_output():
    """A long input's first window was a trace of its first steps alone, kept after the
    pass: the Dense after a last-step LSTM (the Unrolled view's "dense (once)") read 0.158,
    the output of a sequence ending at step 255, where the model gives 0.525, the number
    every other window showed. Its steps were right; what has no time axis was not."""
    from lstmviz.app.long_sequence import LongSequence
    model = Model.sequential((None, None, 2), [LayerSpec("LSTM", {"units": 4}, name="l"),
                                               LayerSpec("Dense", {"units": 1}, name="d")], seed=2)
    x = np.random.default_rng(1).normal(size=(1, 3000, 2)).astype(np.float32)
    ls = LongSequence(model, x, window=256, every=64)
    assert ls.run_pass()
    full = model.trace(x)
    for step in (0, 100, 1500, 2999):
        win, i = ls.window_at(step)
        assert win.start + i == step
        np.testing.assert_array_equal(win.output, full.output)
        np.testing.assert_array_equal(win["d"].outputs[0], full["d"].outputs[0])
        np.testing.assert_array_equal(win["l"].outputs[0], full["l"].outputs[0])
        np.testing.assert_array_equal(win["l"].steps["h"], full["l"].steps["h"][:, win.start:win.start + 256])


@pytest.mark.parametrize("between, said", [
    ([LayerSpec("Flatten", {}, name="w")], "layer 'w' (Flatten) holds every step side by side"),
    ([LayerSpec("Softmax", {"axis": 1}, name="w"), LayerSpec("GlobalAveragePooling1D", {}, name="g")],
     "layer 'w' (Softmax) acts along the whole sequence's steps"),
    # (the steps on axis 2 after a Permute((2, 1)): a Flatten of them, a softmax of its last axis)
    ([LayerSpec("Permute", {"dims": [2, 1]}, name="p"), LayerSpec("Flatten", {}, name="w")],
     "layer 'w' (Flatten) holds every step side by side"),
    ([LayerSpec("Permute", {"dims": [2, 1]}, name="p"), LayerSpec("Activation", {"activation": "softmax"}, name="w"),
      LayerSpec("Permute", {"dims": [2, 1]}, name="q"), LayerSpec("GlobalAveragePooling1D", {}, name="g")],
     "layer 'w' (Activation) acts along the whole sequence's steps"),
    # (issue 13, part B: squeeze-and-excitation over time, a decoder from an encoder's last
    # states: ``tests/test_engine_windows._merged_with_stepless``)
    ("excitation", "layer 'merged' (Multiply) merges each step with a tensor made of the whole sequence"),
    ("context_Add", "layer 'merged' (Add) merges each step with a tensor made of the whole sequence"),
    ("decoder", "layer 'merged' (LSTM) starts from states made of the whole sequence"),
    # (an encoder's last step repeated onto every step, a RepeatVector of the model's length)
    ("repeat_Concatenate", "layer 'ctx' (RepeatVector) repeats a tensor made of the whole sequence onto every step"),
    ("repeat_LSTM", "layer 'ctx' (RepeatVector) repeats a tensor made of the whole sequence onto every step"),
    # (issue 13: a Dense over the steps on axis 2, a channels_first Conv1D over them on axis 1:
    # the steps its features or channels, refused before)
    ([LayerSpec("Permute", {"dims": [2, 1]}, name="p"), LayerSpec("Dense", {"units": 3}, name="w")],
     "layer 'w' (Dense) reads every step at once (as its features or channels)"),
    ([LayerSpec("Conv1D", {"filters": 3, "kernel_size": 2, "data_format": "channels_first"}, name="w")],
     "layer 'w' (Conv1D) reads every step at once (as its features or channels)"),
    # (a recurrent layer over them on axis 2, stepping over the features: refused before)
    ([LayerSpec("Permute", {"dims": [2, 1]}, name="p"),
      LayerSpec("LSTM", {"units": 3, "return_sequences": True}, name="w")],
     "layer 'w' (LSTM) reads every step at once (as its features or channels)"),
    ([LayerSpec("Permute", {"dims": [2, 1]}, name="p"),
      LayerSpec("Bidirectional", {"layer": {"class_name": "GRU", "config": {"units": 3}}}, name="w")],
     "layer 'w' (Bidirectional) reads every step at once (as its features or channels)"),
    # (issue 13: an ONNX graph that fixes its length, a time-major LSTM whose Y is reshaped to
    # [3000, -1, 4] as torch's dynamo exporter writes it: it runs on no fewer steps)
    ("fixed_onnx", "the graph fixes its sequence length to 3,000 steps (it runs on no fewer)")])
def test_a_long_input_through_a_flatten_or_a_softmax_over_the_steps_shows_no_step_before_its_pass(
        between, said, tmp_path):
    """An LSTM -> Flatten -> Dense model of 3,000 steps (issue 13: followed by windows now) had
    its first steps traced alone: the Dense after the Flatten, of the whole length, raised
    NumPy's matmul error and the app could not open it. A Softmax over the steps of the first
    steps alone gave other shares than the whole sequence's at those steps. Such a model shows
    no step before the pass (``pass_first`` says which layer, as for a layer running
    backwards); then every window holds the whole trace's numbers. So of the steps on axis 2
    after a Permute((2, 1)), a Flatten's or an Activation('softmax')'s (refused before). So of
    a sequence merged with a pooling of it or an encoder's last step, a decoder started
    from an encoder's last states, and an encoder's last step repeated onto every step (a
    RepeatVector of the model's length): the first steps alone would pool or end it elsewhere.
    An ONNX graph fixing its length (refused for windows before) runs on no fewer steps: its
    first steps alone were refused as another length, and the app could not open it."""
    from lstmviz.app.long_sequence import LongSequence
    from lstmviz.engine.windows import window_axes
    if between == "fixed_onnx":
        pytest.importorskip("onnx")
        import lstmviz
        from tests.test_io_onnx import _fixed_length_lstm
        model = lstmviz.load(_fixed_length_lstm(tmp_path, 3000, [3000, -1, 4]), isolate=False)
        d, names = 3, ("node_view", "linear")
    elif isinstance(between, str):
        from tests.test_engine_windows import _merged_with_stepless
        model, d, names = _merged_with_stepless(between, units=4, steps=3000), 3, ("merged", "out")
    else:
        model = Model.sequential((None, 3000, 2), [LayerSpec("LSTM", {"units": 4, "return_sequences": True}, name="l")]
                                 + between + [LayerSpec("Dense", {"units": 2}, name="d")], seed=2)
        d, names = 2, ("w", "d")
    x = np.random.default_rng(1).normal(size=(1, 3000, d)).astype(np.float32)
    if between == "fixed_onnx":  # (time-major)
        x = x.transpose(1, 0, 2)
    ls = LongSequence(model, x, window=256, every=64)
    assert ls.pass_first == said and ls.first_steps() is None and ls.first_window() is None
    assert ls.run_pass() and ls.error is None
    full = model.trace(x)
    axes = window_axes(model, [x])
    for step in (0, 1500, 2999):
        win, i = ls.window_at(step)
        assert win.start + i == step
        for name in names:
            want = full[name].outputs[0]
            got = win[name].outputs[0]
            ax = axes[name][0]
            np.testing.assert_array_equal(
                got, want if ax is None else np.take(want, range(win.start, win.start + 256), axis=ax))


def test_cancelling_the_pass_keeps_the_first_window():
    from lstmviz.app.long_sequence import LongSequence
    model = Model.sequential((None, None, 2), [LayerSpec("LSTM", {"units": 4, "return_sequences": True})])
    ls = LongSequence(model, np.zeros((1, 5000, 2), np.float32))
    ls.cancel()
    assert ls.run_pass() is False and "cancelled" in ls.error and not ls.ready
    assert ls.window_at(4000)[0] is ls.first_window()


def test_a_cancelled_passs_stretches_count_against_the_trace_budget(monkeypatch):
    """A cancelled pass kept every stretch it ran (for Trace all) until the input changed,
    however large, beside any other trace. Now kept only while they fit the trace budget
    (``limits.trace_budget``) with the other sequences' kept ones, the oldest given up first,
    and freed when a trace or another pass needs the room; a pass resumed without them
    starts again and gives the same bits."""
    from lstmviz.app import long_sequence
    from lstmviz.app.long_sequence import LongSequence, kept_bytes, trace_or_window
    from lstmviz.engine.windows import keyframe_pass

    model = Model.sequential((None, None, 2), [LayerSpec("LSTM", {"units": 32, "return_sequences": True}),
                                               LayerSpec("LSTM", {"units": 32})], seed=0)
    x = np.random.default_rng(0).normal(size=(1, 20_000, 2)).astype(np.float32)
    monkeypatch.setattr(long_sequence, "_resumable", [])  # (no other test's sequence)

    def cancelled(seq):  # Cancel in the second layer's run
        def progress(done, total):
            if done > 0.7 * total:
                seq.cancel()
        assert not seq.run_pass(progress) and seq.error.startswith("cancelled")
        return seq

    a = cancelled(LongSequence(model, x))
    assert a.resumable and a.held == a._partial.nbytes > 20_000 * 32 * 4 and kept_bytes() == a.held
    held = a.held
    monkeypatch.setattr(long_sequence, "trace_budget", lambda: int(1.5 * held))
    b = cancelled(LongSequence(model, x.copy()))  # a second one: the oldest gives way
    assert not a.resumable and a.held == 0 and a.freed
    assert b.resumable and kept_bytes() == b.held
    # a full trace that needs the room frees it too
    small = np.zeros((1, 100, 2), np.float32)
    monkeypatch.setattr(long_sequence, "full_trace_bytes", lambda *args: int(0.6 * held))
    trace, seq = trace_or_window(model, [small])
    assert seq is None and not b.resumable and kept_bytes() == 0
    # alone over the budget: not kept at all; Trace all starts again, to the same bits
    monkeypatch.setattr(long_sequence, "trace_budget", lambda: held // 2)
    c = cancelled(LongSequence(model, x))
    assert not c.resumable and c.freed and kept_bytes() == 0
    assert c.resume() and c.done == 0 and c.run_pass()
    want = keyframe_pass(model, x)
    for key, kf in want.keyframes.items():
        for name, arr in kf.states.items():
            np.testing.assert_array_equal(c.windowed.keyframes[key].states[name], arr)
    # a sequence closed (the input changed) frees its kept stretches at once
    monkeypatch.setattr(long_sequence, "trace_budget", lambda: 10 * held)
    d = cancelled(LongSequence(model, x))
    assert d.resumable and kept_bytes() == d.held
    d.close()
    assert not d.resumable and kept_bytes() == 0


def test_units_at_scale_keeps_a_bounded_number_of_summaries(monkeypatch):
    """Every record, sample and feature Units at scale showed kept its summary (a record's
    overview and statistics: ~4 MiB at 512 units) for as long as the input was open, however
    many; now the latest ``CACHE_SUMMARIES``, the same numbers when asked again."""
    from lstmviz.app import long_sequence
    from lstmviz.app.long_sequence import LongSequence

    monkeypatch.setattr(long_sequence, "CACHE_SUMMARIES", 4)
    model = Model.sequential((None, None, 2), [LayerSpec("LSTM", {"units": 4, "return_sequences": True})],
                             seed=0, name="m")
    x = np.random.default_rng(0).normal(size=(1, 3000, 2)).astype(np.float32)
    ls = LongSequence(model, x)
    assert ls.run_pass()
    name = model.layers[0].name
    first = ls.summary(name, "h", bins=63)
    for bins in range(65, 85, 2):
        ls.summary(name, "c", bins=bins)
    assert len(ls._summaries) == 4
    again = ls.summary(name, "h", bins=63)
    assert again is not first
    np.testing.assert_array_equal(again[0].hi, first[0].hi)
    np.testing.assert_array_equal(again[1].variance, first[1].variance)


def test_cancelling_the_overviews_leaves_the_windows_exact_and_whole():
    """Cancel while the strips were made (the keyframes done): every far seek then showed
    16 exact steps for good ("exact steps 250,000-250,015"), since the thread that
    computes the whole window stopped at the cancel too. The cancel stops the pass or the
    overviews; the windows come as before (a sequence dropped stops them: ``close``)."""
    from lstmviz.app.long_sequence import QUICK_STEPS, LongSequence
    model = Model.sequential((None, None, 2), [LayerSpec("LSTM", {"units": 4, "return_sequences": True})],
                             seed=0)
    x = np.random.default_rng(0).normal(size=(1, 5000, 2)).astype(np.float32)
    ls = LongSequence(model, x, window=256)
    assert ls.run_pass()
    ls.cancel()  # (the status bar's Cancel, during the overviews)
    assert not ls.run_overviews() and ls.error == "cancelled: no overview"
    quick, k = ls.window_at(4000, quick=True)
    assert quick.layers[model.layers[0].name].timesteps == QUICK_STEPS
    ls.start_deferred()
    ls.wait_prefetch()
    assert ls.refinable(quick, 4000)
    trace, k = ls.window_at(4000)
    full = model.trace(x)[model.layers[0].name].steps["h"][0]
    h = trace.layers[model.layers[0].name].steps["h"][0]
    assert len(h) == ls.window
    np.testing.assert_array_equal(h, full[trace.start:trace.start + ls.window])
    ls.close()  # dropped: no window is computed any more
    ls.window_at(1000, quick=True)
    ls.start_deferred()
    ls.wait_prefetch()
    assert ls.start_of(1000) not in ls._cache


def test_a_long_input_opens_on_its_first_steps_exact_then_its_first_window():
    """Opening a long input draws its first QUICK_STEPS steps at once (the first window took
    59 ms of engine for two LSTM(512) on the fast machine, over 200 at half speed); the
    worker computes the first window before its keyframe pass. Both are the same numbers as
    those steps of a whole trace, every layer (one after another: records of the layers
    after the one asked for come when first read), a batch of several samples too."""
    from lstmviz.app.long_sequence import LONG_STEPS, trace_or_window
    model = Model.sequential((None, None, 3), [
        LayerSpec("LSTM", {"units": 6, "return_sequences": True}, name="a"),
        LayerSpec("GRU", {"units": 5, "return_sequences": True}, name="b"),
        LayerSpec("SimpleRNN", {"units": 4, "return_sequences": True}, name="c")], seed=3)
    x = np.random.default_rng(8).normal(size=(3, LONG_STEPS + 100, 3)).astype(np.float32)
    full = model.trace(x)
    first, seq = trace_or_window(model, [x], needed={"b"})
    assert seq is not None and seq.is_quick(first) and first.start == 0
    assert first.total_steps == LONG_STEPS + 100
    for name in ("a", "b", "c"):
        for key, got in first[name].steps.items():
            assert got.shape[1] == QUICK_STEPS
            np.testing.assert_array_equal(got, full[name].steps[key][:, :QUICK_STEPS], err_msg=f"{name}/{key}")
    assert seq.window_at(QUICK_STEPS - 1)[0] is first  # (before the first window: the same steps)
    assert not seq.refinable(first, 0)
    assert seq.run_pass()  # the worker: the first window, then the pass
    assert seq.refinable(first, 3)
    window, k = seq.window_at(3, quick=True)
    assert k == 3 and window is seq.first_window() and window["c"].timesteps == seq.window
    np.testing.assert_array_equal(window["c"].steps["h"], full["c"].steps["h"][:, :seq.window])
    # a cursor past the first steps (an edit at step 100 before the pass): the first window
    first, seq = trace_or_window(model, [x], step=100)
    assert not seq.is_quick(first) and first["a"].timesteps == seq.window
    seq.close()


def test_a_masked_long_inputs_mask_probe_runs_once_per_pass(monkeypatch):
    """Issue 13: ``check_masks``' probe (a trace of the first 64 steps up to the held layers)
    ran twice for a masked model: ``trace_or_window``'s ``check_pass`` on the main thread,
    then ``keyframe_pass``'s on the worker. It runs once; the pass still gives the whole
    trace's numbers, and a pass not told it was checked (the engine's own) still probes."""
    from lstmviz.app.long_sequence import LONG_STEPS, trace_or_window
    from lstmviz.engine import windows
    model = Model.sequential((None, None, 3), [
        LayerSpec("Masking", {}, name="m"), LayerSpec("LSTM", {"units": 4, "return_sequences": True}, name="l"),
        LayerSpec("LayerNormalization", {"axis": 1, "center": False, "scale": False}, name="n")], seed=0)
    x = np.random.default_rng(0).normal(size=(1, LONG_STEPS + 100, 3)).astype(np.float32)
    x[:, 50:60] = 0.0  # (masked steps)
    probes = []
    check = windows.check_masks
    monkeypatch.setattr(windows, "check_masks", lambda *a: (probes.append(1), check(*a))[1])
    first, seq = trace_or_window(model, [x])
    assert seq is not None and seq.windowed is not None and len(probes) == 1
    full = model.trace(x)
    np.testing.assert_array_equal(seq.windowed.window(0, 64)["n"].output, full["n"].output[:, :64])
    seq.close()
    keyframe_pass(model, x, every=256)
    assert len(probes) == 2


@pytest.mark.parametrize("threads,block", [(1, 4096), (1, 128), (2, 128), (3, 192)])
def test_overviews_are_every_records_min_and_max_per_bin_in_one_pass(monkeypatch, traced, threads, block):
    """Every record's min and max per bin, and its layer's input's: on several threads
    (n windows of a block's n-th at once) the same as on one, each bin's run of steps
    reduced by its own calls (``Overview.add``)."""
    _, _, full, wt = traced
    from lstmviz.app.cell_ref import layer_input
    from lstmviz.engine import recurrent

    monkeypatch.setattr(recurrent, "_threads", threads)
    got = scale.overviews(wt, sample=1, bins=50, block=block)
    assert ("l", "h") in got and ("bi", "backward/h") in got and ("l", "x_proj") not in got
    inputs = [r.layer for r in wt.model.inputs]
    assert {k for k in got if k[1] == "x"} == {(n, "x") for n in inputs + ["l", "bi"]}
    for (layer, key), ov in got.items():
        if key == "x":  # the sequence the layer takes (the model's input for an InputLayer)
            x = full.inputs[inputs.index(layer)] if layer in inputs else layer_input(wt.model, full, layer)
            lo, hi = _brute_minmax(x[1], ov.bins)  # (49: an odd number, Overview)
            np.testing.assert_array_equal(ov.lo, lo)
            np.testing.assert_array_equal(ov.hi, hi)
            continue
        side, _, name = key.rpartition("/")
        rec = full[layer].children[side] if side else full[layer]
        lo, hi = _brute_minmax(rec.steps[name][1], ov.bins)
        np.testing.assert_array_equal(ov.lo, lo)
        np.testing.assert_array_equal(ov.hi, hi)


def test_a_long_input_in_the_app_state_is_an_exact_window_around_the_cursor(monkeypatch):
    from lstmviz import limits
    from lstmviz.app.options import default_config
    from lstmviz.app.stack import InputSpec, LayerEntry
    from lstmviz.app.state import AppState

    x = np.random.default_rng(4).normal(size=(1, 2000, 2)).astype(np.float32)
    layers = [LayerEntry("LSTM", default_config("LSTM", None, units=5))]
    state = AppState(layers, InputSpec(input_dim=2))
    assert state.long is None  # a lecture's input: a whole trace
    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-5)  # ~20 KB of trace: this one is ~1.3 MB
    state.set_input_data(x)
    seq = state.long
    assert seq is not None and not seq.ready
    full = state.model.trace(x)
    name = state.model.layers[0].name
    # its first steps at once, exact, before the first window and the pass
    assert state.trace.start == 0 and state.trace.total_steps == 2000
    assert state.trace[name].timesteps == QUICK_STEPS and seq.is_quick(state.trace)
    np.testing.assert_array_equal(state.trace[name].steps["h"], full[name].steps["h"][:, :QUICK_STEPS])
    np.testing.assert_array_equal(state.trace[name].steps["c"], full[name].steps["c"][:, :QUICK_STEPS])
    assert not seq.refinable(state.trace, 0)
    state.set_cursor(step=QUICK_STEPS - 1)  # within them: they stay
    assert state.trace[name].timesteps == QUICK_STEPS
    seq.first_window()  # (the worker's first work, before its pass)
    assert seq.refinable(state.trace, QUICK_STEPS - 1)
    state.follow_long()  # the first window, exact
    assert state.trace.start == 0 and state.trace_cursor.step == QUICK_STEPS - 1
    np.testing.assert_array_equal(state.trace[name].steps["h"], full[name].steps["h"][:, :seq.window])
    state.set_cursor(step=1500)  # before the pass: the first window's last step is shown
    assert state.trace_cursor.step == seq.window - 1
    assert seq.run_pass() and seq.run_overviews(bins=64)
    state.follow_long()
    for step in (1500, 7, 1999, 1000):
        state.set_cursor(step=step)
        for refined in (False, True):  # a far step: its exact chunk at once, then the window
            if refined:
                seq.wait_prefetch()
                assert seq.refinable(state.trace, step) or state.trace.start == 0
                state.follow_long()
            t, cur = state.trace, state.trace_cursor
            n = t[name].timesteps
            assert n == (seq.window if refined or t.start == 0 else min(QUICK_STEPS, 2000 - t.start))
            assert t.start <= step < t.start + n and cur.step == step - t.start
            np.testing.assert_array_equal(t[name].steps["c"][0, cur.step], full[name].steps["c"][0, step])
            np.testing.assert_array_equal(t[name].steps["h"], full[name].steps["h"][:, t.start:t.start + n])
    lo, hi = _brute_minmax(full[name].steps["f"][0], seq.overviews[(name, "f")].bins)
    np.testing.assert_array_equal(seq.overviews[(name, "f")].hi, hi)
    np.testing.assert_array_equal(seq.overviews[(name, "f")].lo, lo)


def test_more_steps_than_a_plot_can_show_is_a_long_input_even_when_its_trace_fits():
    """A small model on a long input: its whole trace fits the budget, but a heatmap of more
    than LONG_STEPS steps would average or skip them, so it is shown as a long input (the
    whole sequence's overview beside the exact window); up to LONG_STEPS, a whole trace."""
    from lstmviz.app.long_sequence import LONG_STEPS, trace_or_window
    from lstmviz.engine.windows import full_trace_bytes, trace_budget

    model = Model.sequential((None, None, 1), [LayerSpec("LSTM", {"units": 3, "return_sequences": True})],
                             seed=2)
    rng = np.random.default_rng(5)
    short = rng.normal(size=(1, LONG_STEPS, 1)).astype(np.float32)
    long = rng.normal(size=(1, LONG_STEPS + 1, 1)).astype(np.float32)
    assert full_trace_bytes(model, 1, LONG_STEPS + 1) < trace_budget() / 100
    trace, seq = trace_or_window(model, [short])
    assert seq is None and trace[model.layers[0].name].timesteps == LONG_STEPS
    first, seq = trace_or_window(model, [long])
    assert seq is not None and seq.steps == LONG_STEPS + 1 and seq.is_quick(first)
    first = seq.first_window()  # (after the first steps, at once: see the test above)
    name = model.layers[0].name
    full = model.trace(long)
    assert first.start == 0 and first[name].timesteps == seq.window < LONG_STEPS
    np.testing.assert_array_equal(first[name].steps["h"], full[name].steps["h"][:, :seq.window])
    assert seq.run_pass()
    window, local = seq.window_at(LONG_STEPS)
    np.testing.assert_array_equal(window[name].steps["c"][0, local], full[name].steps["c"][0, LONG_STEPS])


@pytest.mark.parametrize("batch", [1, 3])
def test_a_full_trace_of_much_work_is_a_long_input_however_few_its_steps(batch):
    """The app traces at every edit and every other sample chosen: a whole trace of 4,000
    steps through 2 x LSTM(512) (fitting the budget, under LONG_STEPS) held the window still
    for 0.6-1.4 s at each. An input whose full trace is more than FULL_TRACE_WORK
    multiply-adds is a long input (its first steps at once, the rest on the worker); within
    it, a whole trace. The work counts the batch traced and both halves of a Bidirectional."""
    from lstmviz.app import long_sequence
    from lstmviz.app.long_sequence import FULL_TRACE_WORK, LONG_STEPS, trace_or_window
    from lstmviz.engine.windows import STEP_WORK, full_trace_bytes, full_trace_work, trace_budget

    # the figures the constant was set by: 2 x LSTM(512) over 4,000 steps is long, 3 x
    # LSTM(64) over 4,096 steps and 2 x LSTM(256) over 2,000 (0.1 s here) are not
    def stack(units, n, d):
        return Model.sequential((None, None, d), [LayerSpec("LSTM", {"units": units, "return_sequences": True})
                                                  for _ in range(n)], seed=0)
    assert full_trace_work(stack(512, 2, 64), 1, 4000) > FULL_TRACE_WORK
    assert full_trace_work(stack(64, 3, 8), 1, LONG_STEPS) < FULL_TRACE_WORK
    assert full_trace_work(stack(256, 2, 64), 1, 2000) < FULL_TRACE_WORK
    model = Model.sequential((None, None, 3), [
        LayerSpec("Bidirectional", {"layer": {"class_name": "GRU", "config": {"units": 6, "return_sequences": True}}}),
        LayerSpec("LSTM", {"units": 5, "return_sequences": True})], seed=2)
    model._infer_shapes([(batch, 10, 3)])
    per_step = batch * (2 * (3 * 18 + 6 * 18) + (12 * 20 + 5 * 20)) + 3 * STEP_WORK
    assert full_trace_work(model, batch, 10) == 10 * per_step
    model = Model.sequential((None, None, 3), [LayerSpec("GRU", {"units": 6, "return_sequences": True}),
                                               LayerSpec("LSTM", {"units": 5, "return_sequences": True})], seed=2)
    rng = np.random.default_rng(5)
    x = rng.normal(size=(batch, 300, 3)).astype(np.float32)
    assert full_trace_bytes(model, batch, 300) < trace_budget() / 100
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(long_sequence, "FULL_TRACE_WORK", full_trace_work(model, batch, 300))
        trace, seq = trace_or_window(model, [x])
        assert seq is None and trace.layers["lstm"].timesteps == 300
        x = rng.normal(size=(batch, 301, 3)).astype(np.float32)
        first, seq = trace_or_window(model, [x])
        assert seq is not None and seq.steps == 301 and seq.is_quick(first)
        full = model.trace(x)
        np.testing.assert_array_equal(first.layers["lstm"].steps["h"], full.layers["lstm"].steps["h"][:, :16])
        assert seq.run_pass()
        window, local = seq.window_at(250)
        np.testing.assert_array_equal(window.layers["lstm"].steps["c"][:, local],
                                      full.layers["lstm"].steps["c"][:, 250])
        seq.close()


def test_the_workers_let_the_windows_thread_have_turns(traced):
    """Stepping a small model, the pass let go of the GIL and took it back at every NumPy
    product, and CPython forces no switch then: the window's thread waited 0.2-0.7 s at a
    time (keys answered late). The pass (at each chunk of steps), the overviews and a
    summary (at each block) now give a turn, a system call without the GIL, once ``TURN``
    seconds of their clock have passed: here a clock of the test's that moves 6 ms at each
    reading, so a turn at every tick, whatever the machine's speed."""
    from lstmviz.app import long_sequence as ls_mod
    from lstmviz.app.long_sequence import LongSequence
    from lstmviz.engine.recurrent import CHUNK

    model, x, full, _ = traced
    made, slept = [], []

    def turns():
        now = [0.0]

        def clock():
            now[0] += 0.006
            return now[0]
        made.append(ls_mod.Turns(clock=clock, sleep=slept.append))
        return made[-1]

    seq = LongSequence(model, x)
    seq.turns = turns
    assert seq.run_pass() and seq.run_overviews()
    seq.summary("l", "h")
    assert len(made) == 3  # the pass, the overviews, the summary
    chunks = 3 * -(-T // CHUNK)  # the pass: three recurrent halves, a tick a chunk
    assert made[0].given >= chunks // 2, made[0].given
    assert made[1].given >= 1 and made[2].given >= 1
    assert set(slept) == {0}
    # the turns only wait: the same numbers
    trace, _ = seq.window_at(700)
    n = trace["l"].steps["h"].shape[1]
    np.testing.assert_array_equal(trace["l"].steps["h"], full["l"].steps["h"][:, trace.start:trace.start + n])


def test_a_csvs_refusal_names_the_files_line_and_column_in_any_block(tmp_path, monkeypatch):
    """A year of readings with one missing value at line 123,458 said "near row 1: could not
    convert string '' to float32 at row 123456, column 2" (two rows, neither the file's
    line); a timestamp column "near row 1 ... at row 0"; a decimal comma, a NaN, a ragged
    row alike. Each now names the file's line, the column (and its header) and what to do,
    in whichever block of the file it falls."""
    monkeypatch.setattr(long_data, "BLOCK_BYTES", 1 << 16)  # many blocks
    rows = [f"{i * 0.5:.3f},{i % 7},{1000 + i % 13}" for i in range(200_000)]
    p = tmp_path / "year.csv"

    def refused(lines):
        p.write_text("\n".join(lines) + "\n")
        with pytest.raises(LstmvizError) as err:
            long_data.read_csv(p)
        assert "\n" not in str(err.value)
        return str(err.value)

    body = ["temperature,humidity,pressure", "# station 7", *rows]
    missing = list(body)
    missing[123_457] = "14.2,,1012.1"  # line 123,458 of the file
    assert refused(missing) == ("year.csv: line 123,458, column 2 ('humidity') is empty (a missing "
                                "value); fill it in or remove the row")
    word = list(body)
    word[150_001] = "14.2,n/a,1012.1"
    assert refused(word) == "year.csv: line 150,002, column 2 ('humidity'): 'n/a' is not a number"
    nan = list(body)
    nan.insert(100, "")  # a blank line counts as a line of the file
    nan[170_000] = "14.2,3,nan"
    assert refused(nan) == ("year.csv: line 170,001, column 3 ('pressure'): 'nan' is not a number a "
                            "model takes (NaN or infinity); replace it")
    ragged = list(body)
    ragged[99_999] = "14.2,3"
    assert refused(ragged) == ("year.csv: line 100,000 has 2 values but the rows before have 3; "
                               "every row needs the same number of columns")
    stamped = ["timestamp,temperature", *(f"2025-01-01T{i % 24:02d}:00,{i}" for i in range(1000))]
    assert refused(stamped) == ("year.csv: line 2, column 1 ('timestamp'): '2025-01-01T00:00' is not a "
                                "number; lstmviz reads columns of numbers only: remove that column")
    european = ["temperature;humidity", *(f"{i},5;{i}" for i in range(1000))]
    assert refused(european) == ("year.csv: line 2, column 1 ('temperature'): '0,5' is not a number "
                                 "(a decimal comma: write 0.5)")
    # and the table itself is read as before: the header and the comment skipped
    p.write_text("\n".join(body) + "\n")
    got = long_data.read_csv(p)
    assert got.shape == (1, 200_000, 3) and got[0, 1234, 0] == np.float32(617.0)


def test_a_complex_or_turned_npy_is_refused_in_one_line(tmp_path):
    """A complex64 .npy opened as a long input: the imaginary parts were dropped without a
    word (NumPy's ComplexWarning); the command line refused it. A (features, steps) array:
    "has 262800 features per step" without a hint that it is turned."""
    model = Model.sequential((None, None, 3), [LayerSpec("LSTM", {"units": 2})], seed=0)
    a = np.random.default_rng(0).normal(size=(6000, 3)).astype(np.float32)
    np.save(tmp_path / "c.npy", a.astype(np.complex64))
    with pytest.raises(LstmvizError, match=r"^c\.npy: holds complex numbers \(their imaginary part "):
        long_data.load_long_input(tmp_path / "c.npy", model)
    np.save(tmp_path / "t.npy", np.ascontiguousarray(a.T))
    with pytest.raises(LstmvizError) as err:
        long_data.load_long_input(tmp_path / "t.npy", model)
    assert str(err.value) == ("t.npy: has 6000 features per step but the model takes 3 (shape "
                              "(3, 6000): a row per feature? save its transpose, a row per step)")


def test_both_csv_readers_split_a_line_alike(tmp_path):
    """The long-input reader chose ',' before ';' while the command line's and Import's
    reader (io/csv_numbers) chose ';' first: a headerless European file ('15,5;73') was
    cut at its decimal commas by one and not the other. One choice serves both."""
    p = tmp_path / "eu.csv"
    p.write_text("15,5;73\n16,25;74\n")
    with pytest.raises(LstmvizError) as err:
        long_data.read_csv(p)
    assert str(err.value) == "eu.csv: line 1, column 1: '15,5' is not a number (a decimal comma: write 15.5)"
    p.write_text("15.5;73\n16.25;74\n")
    np.testing.assert_array_equal(long_data.read_csv(p), [[[15.5, 73], [16.25, 74]]])


def test_both_csv_readers_take_a_trailing_comma(tmp_path):
    """A CSV whose every row ends in ',' (as some loggers and spreadsheets write it): Import
    and the command line (io/csv_numbers) read it, while File > Open a long input refused
    it with "line 2, column 4 is empty (a missing value); fill it in or remove the row"."""
    from lstmviz.io.csv_numbers import csv_numbers

    p = tmp_path / "logger.csv"
    p.write_text("temp,switch,\n" + "".join(f"{i * 0.5},{i % 2},\n" for i in range(3000)))
    with open(p) as fh:
        flat, width = csv_numbers(p, fh)
    names: list = []
    got = long_data.read_csv(p, names=names)
    assert got.shape == (1, 3000, width) == (1, 3000, 2)
    np.testing.assert_array_equal(got[0].ravel(), np.asarray(flat, np.float32))
    assert names == ["temp", "switch"]
    p.write_text("1,2,\n3,,\n")  # an empty cell before the trailing comma is still missing
    with pytest.raises(LstmvizError) as err:
        long_data.read_csv(p)
    assert str(err.value) == "logger.csv: line 2, column 2 is empty (a missing value); fill it in or remove the row"


def test_a_number_beyond_float32_is_named_as_the_file_writes_it(tmp_path):
    """1e39 in a CSV (float32, what a model takes, ends at 3.4e38) was refused as "inf is
    not a number a model takes (NaN or infinity)": a cell the file does not hold."""
    p = tmp_path / "big.csv"
    p.write_text("a,b\n" + "".join(f"{i},{i}\n" for i in range(3000)) + "1,1e39\n")
    with pytest.raises(LstmvizError) as err:
        long_data.read_csv(p)
    assert str(err.value) == ("big.csv: line 3,002, column 2 ('b'): '1e39' is beyond float32's "
                              "range (\u00b13.4e38), the numbers a model takes; scale it down")
    p.write_text("a,b\n1,2\n3,-inf\n")
    with pytest.raises(LstmvizError) as err:
        long_data.read_csv(p)
    assert str(err.value) == ("big.csv: line 3, column 2 ('b'): '-inf' is not a number a model "
                              "takes (NaN or infinity); replace it")


def test_both_csv_readers_say_a_decimal_comma_in_one_wording(tmp_path):
    """The long-input reader said "'15,5' is not a number; lstmviz reads decimal points,
    not decimal commas", the command line's and Import's reader "(a decimal comma: write
    15.063)": two wordings of one refusal. Both now take it from io/csv_numbers, with the
    number to write; a cell that is no decimal comma gets no such hint from either."""
    from lstmviz.io.csv_numbers import csv_numbers

    p = tmp_path / "eu.csv"
    for body, cell, said in (("15,5;73\n16,25;74\n", "'15,5'", " (a decimal comma: write 15.5)"),
                             ("1;2\n3;-0,25\n", "'-0,25'", " (a decimal comma: write -0.25)"),
                             ("1;2\n3;1,234,5\n", "'1,234,5'", "")):
        p.write_text(body)
        with pytest.raises(LstmvizError) as long_err:
            long_data.read_csv(p)
        with pytest.raises(LstmvizError) as cli_err, open(p) as fh:
            csv_numbers(p, fh)
        tails = [str(e.value).split(": ", 1)[1] for e in (long_err, cli_err)]
        line = "2" if body.startswith("1;") else "1"
        assert tails[0] == tails[1] == f"line {line}, column {2 if line == '2' else 1}: {cell} is not a number{said}"


def _both_csv_readers(p):
    """What each CSV reader makes of ``p``: its numbers as a (rows, columns) list, or its
    refusal after the file's name; (Import's and the CLI's reader, File > Open a long input's)."""
    from lstmviz.io.csv_numbers import csv_numbers

    got = []
    try:
        with open(p, encoding="utf-8-sig", newline="") as fh:
            flat, width = csv_numbers(p.name, fh)
        got.append(np.asarray(flat, np.float32).reshape(-1, width).tolist())
    except LstmvizError as err:
        got.append(str(err).split(": ", 1)[1])
    try:
        got.append(long_data.read_csv(p)[0].tolist())
    except LstmvizError as err:
        got.append(str(err).split(": ", 1)[1])
    return got


#: a row of ``test_csv_numbers_reads_blocks_at_once_and_refuses_as_line_by_line``'s file
#: (line 3,777) made something else, and what the CLI's reader says of it (None: the numbers)
BLOCK_CASES = [
    ("", None),
    ("14.2,,1012.1", "line 3,777, column 2 ('b') is empty (a missing value); fill it in or remove the row"),
    ("14.2,n/a,1012.1", "line 3,777, column 2 ('b'): 'n/a' is not a number"),
    ("14.2,3,nan", "line 3,777, column 3 ('c'): 'nan' is not a number a model takes (NaN or infinity); replace it"),
    ("14.2,3,-inf", "line 3,777, column 3 ('c'): '-inf' is not a number a model takes (NaN or infinity); replace it"),
    ("14.2,3,1e39", "line 3,777, column 3 ('c'): '1e39' is "),
    ("14.2,3", "line 3,777 has 2 values but the rows before have 3; every row needs the same number of columns"),
    ("1_0,2,3", "line 3,777, column 1 ('a'): '1_0' is not a number"),
    ("\u0661,2,3", "line 3,777, column 1 ('a'): '\u0661' is not a number"),
    ("1,2,3\x00", "line 3,777 holds NUL bytes: not a text file"),
    ("1,2#3,4", "line 3,777, column 2 ('b'): '2#3' is not a number"),
    ('"1.5",2,"3"', None),  # (a quoted cell is what its quotes hold)
    ('"1,5",2,3', "line 3,777, column 1 ('a'): '1,5' is not a number (a decimal comma: write 1.5)"),
    ("1,2,3,", None),  # (a separator ending a row is no cell)
    (",", "line 3,777 has 1 value but the rows before have 3; every row needs the same number of columns"),
    (",,", "line 3,777, column 1 ('a') is empty (a missing value); fill it in or remove the row"),
    ("   ", None),  # (a line of spaces is blank)
    ("  # a note", None),
    ("1,2,3\u2028", None),  # (U+2028 ends no row: whitespace around a cell)
    (" 1 ,\t2, 3 ", None),
]


@pytest.mark.parametrize("row, said", BLOCK_CASES)
def test_csv_numbers_reads_blocks_at_once_and_refuses_as_line_by_line(tmp_path, monkeypatch, row, said):
    """The CLI's and Import's reader read a line at a time (10 us a row: 2,000,000 rows
    took 20 s). It parses a block of lines at once now, by NumPy's C reader, and reads line
    by line only a block holding what that reader would not take as it does: a fault deep
    in a block is said as before (the same line, column and words as reading every line
    alone, and as File > Open a long input), a quoted cell, a trailing comma, a comment or a
    blank line of spaces read as before, at any line end, and the rest of the file still
    read a block at a time."""
    from lstmviz.io import csv_numbers as cn

    monkeypatch.setattr(cn, "BLOCK_CHARS", 4096)  # blocks of ~250 lines
    monkeypatch.setattr(long_data, "BLOCK_BYTES", 4096)
    lines = ["a,b,c", *(f"{i * 0.5:.3f},{i % 7},{1000 + i % 13}" for i in range(6000))]
    if row:
        lines[3776] = row
    real, real_parse = cn._Rows.line, long_data._parse
    alone, parsed = [], []
    monkeypatch.setattr(cn._Rows, "line", lambda self, k, line: alone.append(k) or real(self, k, line))
    monkeypatch.setattr(long_data, "_parse", lambda lines, delim: parsed.append(len(lines)) or real_parse(lines, delim))
    for end in ("\n", "\r\n", "\r"):
        p = tmp_path / "x.csv"
        p.write_bytes(end.join(lines).encode() + end.encode())

        def read(p=p):
            try:
                with open(p, encoding="utf-8-sig", errors="replace", newline="") as fh:
                    flat, width = cn.csv_numbers(p.name, fh)
                return np.frombuffer(flat, np.float64).reshape(-1, width)
            except LstmvizError as err:
                return str(err).split(": ", 1)[1]

        alone.clear()
        fast = read()
        by_lines = len(alone)
        with monkeypatch.context() as m:  # (every line alone: the reader before blocks)
            m.setattr(cn._Rows, "block", lambda self, text: None)
            slow = read()
        parsed.clear()
        if said is None:
            assert isinstance(fast, np.ndarray) and isinstance(slow, np.ndarray), (end, fast)
            assert fast.shape == (6000 - (row != "" and row.strip() in ("", "# a note")), 3)
            assert np.array_equal(fast, slow), end
            assert np.array_equal(fast.astype(np.float32)[None], long_data.read_csv(p)), end
        else:
            assert isinstance(fast, str) and fast == slow and fast.startswith(said), (end, fast, slow)
            long_said = _both_csv_readers(p)[1]
            assert long_said == fast, (end, long_said)
        assert by_lines < 600, (end, by_lines)  # (the first row, and the one block around line 3,777)
        assert len(parsed) <= 1, (end, parsed)  # (File > Open a long input: that block alone, ``_parse``)


@pytest.mark.parametrize("row", ["1 2 3,", "1\t2  3", "  1 2 3\u2028", "1\x0c2 3", "1 2 3 ;", "1 2\t3\t",
                                 "1 2", "1 2 3 4", "1_0 2 3", "1, 2 3"])
def test_both_csv_readers_read_a_file_split_at_spaces_a_block_at_once_as_line_by_line(tmp_path, monkeypatch, row):
    """A file split at spaces (``sep`` None: Python's ``str.split``, NumPy's whitespace):
    a block read at once holds the numbers, or says the refusal, of every line read alone,
    and of the long-input reader."""
    from lstmviz.io import csv_numbers as cn

    monkeypatch.setattr(cn, "BLOCK_CHARS", 4096)
    monkeypatch.setattr(long_data, "BLOCK_BYTES", 4096)
    lines = [f"{i * 0.5:.3f} {i % 7} {1000 + i % 13}" for i in range(3000)]
    lines[1777] = row
    p = tmp_path / "x.txt"
    p.write_text("\n".join(lines) + "\n")

    def read():
        try:
            with open(p, encoding="utf-8-sig", errors="replace", newline="") as fh:
                flat, width = cn.csv_numbers(p.name, fh)
            return np.asarray(flat, np.float32).reshape(-1, width).tolist()
        except LstmvizError as err:
            return str(err).split(": ", 1)[1]

    fast = read()
    with monkeypatch.context() as m:  # (every line alone: the reader before blocks)
        m.setattr(cn._Rows, "block", lambda self, text: None)
        slow = read()
    assert fast == slow == _both_csv_readers(p)[1]


@pytest.mark.parametrize("blank", ["   ", "\u2028", " \x85 \xa0"])
def test_both_csv_readers_read_blocks_of_blank_lines_in_a_file_split_at_spaces(tmp_path, monkeypatch, blank):
    """A file split at spaces with blocks of nothing but blank lines (spaces, or what
    ``str.strip`` takes for spaces): NumPy's reader gave such a block no rows, shape (0, 1),
    and File > Open a long input refused the file as 'near line 6,693: 1 column where the
    first rows have 3', printing NumPy's warning with the whole block on stderr."""
    import warnings

    monkeypatch.setattr(long_data, "BLOCK_BYTES", 1 << 12)
    p = tmp_path / "x.txt"
    p.write_text("1 2 3\n" * 1000 + f"{blank}\n" * 5000 + "4 5 6\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = _both_csv_readers(p)
    assert got[0] == got[1] == [[1.0, 2.0, 3.0]] * 1000 + [[4.0, 5.0, 6.0]]


def test_both_csv_readers_read_rows_led_by_a_separator_of_spaces_alike(tmp_path, monkeypatch):
    """A file split at tabs whose rows begin with one ('\t1\t2', indented): the CLI's reader
    strips each line and reads two numbers; File > Open a long input gave NumPy the line as
    it was, three cells, and refused the file 'near line 1: a row that does not read as
    numbers' (no cell found at fault, nor the right line)."""
    monkeypatch.setattr(long_data, "BLOCK_BYTES", 1 << 12)
    p = tmp_path / "x.tsv"
    p.write_text("t\tv\n" + "".join(f"\t{i}\t{i % 7}\n" for i in range(2000)) + "\t \t5\t6\n")
    got = _both_csv_readers(p)
    assert got[0] == got[1] == [[float(i), float(i % 7)] for i in range(2000)] + [[5.0, 6.0]]


def test_csv_numbers_refuses_at_the_cell_limit_in_a_block_as_line_by_line(tmp_path, monkeypatch):
    """The limit of a CSV's numbers (``limits.csv_number_limit``) is said at the line it is
    passed at, a block read at once or not, before that block is parsed."""
    from lstmviz.io import csv_numbers as cn

    monkeypatch.setenv("LSTMVIZ_MAX_MEMORY", "16M")  # 262,144 numbers: 87,381 rows of 3
    monkeypatch.setattr(cn, "BLOCK_CHARS", 1 << 14)
    p = tmp_path / "x.csv"
    p.write_text("a,b,c\n" + "1.5,2,3\n" * 90_000)
    with open(p, encoding="utf-8-sig", errors="replace", newline="") as fh:
        with pytest.raises(LstmvizError) as err:
            cn.csv_numbers(p.name, fh)
    assert str(err.value).startswith("x.csv: holds more than 262,144 numbers (stopped reading at line 87,383),")
    p.write_text("a,b,c\n" + "1.5,2,3\n" * 87_381)  # (as many as the limit: read)
    with open(p, encoding="utf-8-sig", errors="replace", newline="") as fh:
        assert cn.csv_numbers(p.name, fh)[1] == 3


def test_both_csv_readers_read_quoted_numbers_as_the_numbers(tmp_path):
    """An export that quotes every cell ("1.5","2"): both readers took its first row of
    numbers for a header of words and dropped it, then refused line 2 with "'"3"' is not a
    number", no word of the quotes. A cell in double quotes is now what they hold, in both
    (a separator inside them included, as Python's csv reads it)."""
    p = tmp_path / "q.csv"
    p.write_text('"1.5","2"\n"3",4\n')
    assert _both_csv_readers(p) == [[[1.5, 2.0], [3.0, 4.0]]] * 2
    p.write_text('"t";"v"\n"1.5";"2"\n"3"; 4\n')  # a quoted header is still a header
    assert _both_csv_readers(p) == [[[1.5, 2.0], [3.0, 4.0]]] * 2
    p.write_text('"1,5","2"\n')  # a decimal comma inside quotes is one cell, named as such
    assert _both_csv_readers(p) == ["line 1, column 1: '1,5' is not a number (a decimal comma: write 1.5)"] * 2
    p.write_text('1,2\n"3x",4\n')
    assert _both_csv_readers(p) == ["line 2, column 1: '3x' is not a number"] * 2


def test_both_csv_readers_skip_a_blank_line_and_count_it_in_line_numbers(tmp_path):
    """A blank line (or one of spaces) in the middle of a CSV is skipped by both readers,
    as pandas skips it, and still counted when a later line is named."""
    p = tmp_path / "b.csv"
    p.write_text("a,b\n1,2\n\n   \n3,4\n")
    assert _both_csv_readers(p) == [[[1.0, 2.0], [3.0, 4.0]]] * 2
    p.write_text("a,b\n1,2\n\n3,x\n")
    got = _both_csv_readers(p)
    assert [g.split(":")[0].split(" (")[0] for g in got] == ["line 4, column 2"] * 2


def test_both_csv_readers_take_the_same_numbers(tmp_path):
    """Python's float (the CLI's and Import's reader) reads '1_0' as 10 and '١' (an
    Arabic-Indic one) as 1, NumPy's C reader (File > Open a long input) refuses both: one
    file was two inputs. Both now refuse them in the same words."""
    p = tmp_path / "n.csv"
    for cell in ("1_0", "١", "１"):
        p.write_text(f"1,2\n{cell},4\n", encoding="utf-8")
        assert _both_csv_readers(p) == [f"line 2, column 1: {cell!r} is not a number"] * 2


def test_both_csv_readers_choose_the_separator_once_and_say_a_missing_value_alike(tmp_path):
    """Import and the CLI chose a separator line by line, so a comma file's row '3 4' was
    read as two numbers there and refused by Open a long input (one choice per file); an
    empty cell was "'' is not a number" there and "is empty (a missing value)" here."""
    p = tmp_path / "m.csv"
    p.write_text("1,2\n3 4\n")
    assert _both_csv_readers(p) == ["line 2 has 1 value but the rows before have 2; every row needs "
                                    "the same number of columns"] * 2
    p.write_text("1,2\n" + ",".join(["1"] * 12345) + "\n")  # (counts with their thousands)
    assert _both_csv_readers(p) == ["line 2 has 12,345 values but the rows before have 2; every row needs "
                                    "the same number of columns"] * 2
    p.write_text("1,2\n\n,4\n")
    assert _both_csv_readers(p) == ["line 3, column 1 is empty (a missing value); fill it in or "
                                    "remove the row"] * 2


def test_both_csv_readers_say_a_last_cell_left_empty_is_empty(tmp_path):
    """A 2-column file whose row is '3.5,' (its last cell left empty): its trailing ','
    was taken for a row's trailing comma, and the row said to "have 1 value but the rows
    before have 2"; it is column 2 of that line, empty. Rows that all end in ',' are still
    read, as is a row of one column more that ends in one."""
    p = tmp_path / "e.csv"
    p.write_text("1,2\n3.5,\n")
    missing = "line 2, column 2 is empty (a missing value); fill it in or remove the row"
    assert _both_csv_readers(p) == [missing] * 2
    p.write_text("1,2\n3.5 ,  \n")  # (spaces around it: still that cell, empty)
    assert _both_csv_readers(p) == [missing] * 2
    p.write_text("a,b\n1,2\n3.5,\n")  # (with a header: the column named)
    assert _both_csv_readers(p) == [missing.replace("line 2, column 2", "line 3, column 2 ('b')")] * 2
    p.write_text("1,2,\n3.5,,\n")  # every row ends in ',': its cell before it is empty
    assert _both_csv_readers(p) == [missing] * 2
    p.write_text("1,2\n3,4,\n5,6\n")  # one row ends in ',': read
    assert _both_csv_readers(p) == [[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]] * 2
    p.write_text("1,\n3.5,\n")  # (one column, every row ending in ',')
    assert _both_csv_readers(p) == [[[1.0], [3.5]]] * 2


def test_both_csv_readers_read_a_trailing_comma_in_a_column_split_at_spaces(tmp_path):
    """A file of one column whose first line has no separator (so its rows split at
    spaces) and a later line '3.5,': refused as "line 3 has 2 values but the rows before
    have 1", though a file whose first line is '1.5,' reads '3.5,' as 3.5 (untrail: a
    separator that ends a row of one column more is no cell). The same column is read
    either way; two numbers on a line are still a row of 2."""
    p = tmp_path / "c.csv"
    for text in ("1.5\n2.5\n3.5,\n4.5\n", "1.5\n2.5\n3.5;\n4.5\n", "1.5,\n2.5\n3.5,\n4.5\n",
                 "x\n1.5\n2.5\n3.5,\n4.5\n"):
        p.write_text(text)
        assert _both_csv_readers(p) == [[[1.5], [2.5], [3.5], [4.5]]] * 2, text
    for text in ("1.5\n2.5\n3.5,4.5\n", "1.5\n2.5\n3.5,4.5,\n"):
        p.write_text(text)
        assert _both_csv_readers(p) == [
            "line 3 has 2 values but the rows before have 1; every row needs the same number of columns"] * 2, text


def test_both_csv_readers_drop_a_separator_ending_a_row_split_at_spaces_in_any_width(tmp_path):
    """Two columns split at spaces ('1.0 2.0'): a row '3.5 4.0,' was refused as "'4.0,' is
    not a number" and a first line '1.0 2.0,' split the whole file at commas ("'3.5 4.0' is
    not a number"), though a one-column file read '3.5,' as 3.5. One rule now
    (``csv_numbers.row_cells``): in a file split at spaces, a separator that ends a row is
    no cell, whatever the width; a row left a value short is ragged; a file split at
    commas still says '3.5,' of two columns is a missing value."""
    p = tmp_path / "c.csv"
    for text in ("1.0 2.0\n3.5 4.0,\n5 6\n", "1.0 2.0,\n3.5 4.0\n5 6\n", "1.0 2.0\n3.5 4.0;\n5 6\n",
                 "1.0 2.0\n3.5 4.0 ,\n5 6\n", "a b\n1.0 2.0\n3.5 4.0,\n5 6\n"):
        p.write_text(text)
        assert _both_csv_readers(p) == [[[1.0, 2.0], [3.5, 4.0], [5.0, 6.0]]] * 2, text
    p.write_text("1.0 2.0\n3.5,\n5 6\n")
    assert _both_csv_readers(p) == [
        "line 2 has 1 value but the rows before have 2; every row needs the same number of columns"] * 2
    p.write_text("1,2\n3.5,\n5,6\n")
    assert _both_csv_readers(p) == ["line 2, column 2 is empty (a missing value); fill it in or remove the row"] * 2


def test_text_one_hot_in_many_features_is_checked_before_it_is_made(tmp_path, monkeypatch):
    """Text read as one-hot features makes a float per character and feature: 20,000
    characters for a model of 1,000 features are 80 MB (200 KB of text for 4,096 features
    were 3.3 GB, over the 2 GB limit, unchecked); refused in one line before allocating."""
    monkeypatch.setenv("LSTMVIZ_MAX_MEMORY", "64M")
    wide = Model.sequential((None, None, 1000), [LayerSpec("LSTM", {"units": 1})], seed=0)
    p = tmp_path / "book.txt"
    p.write_text(("it was a bright cold day in april. " * 600)[:20_000])
    with pytest.raises(LstmvizError) as err:
        long_data.load_long_input(p, wide)
    msg = str(err.value)
    assert msg.startswith("book.txt: its 20,000 characters one-hot in 1,000 features") and "\n" not in msg
    assert "over the memory limit of 64 MiB" in msg
    narrow = Model.sequential((None, None, 10), [LayerSpec("LSTM", {"units": 1})], seed=0)
    assert long_data.load_long_input(p, narrow).shape == (1, 20_000, 10)


def test_text_one_hot_over_fewer_features_than_characters_says_they_wrap_around(tmp_path):
    """A book opened as a long input on a model of 3 features: its 29 characters were put
    one-hot over 3 features, wrapping around (' ', 'c', 'f', ... all feature 0) without a
    word, the model reading 29 characters as 3. It is said with the opening now."""
    p = tmp_path / "book.txt"
    p.write_text(("it was a bright cold day in april. " * 200)[:6000])
    narrow = Model.sequential((None, None, 3), [LayerSpec("LSTM", {"units": 1})], seed=0)
    notes: list = []
    x = long_data.load_long_input(p, narrow, notes=notes)
    assert x.shape == (1, 6000, 3)
    assert notes == ["the app's 29 characters are one-hot over the model's 3 features, so they wrap around: "
                     "' ', 'c', 'f', ... all set feature 0 (a model with an Embedding first reads them apart)"]
    whole = Model.sequential((None, None, 29), [LayerSpec("LSTM", {"units": 1})], seed=0)
    notes.clear()
    long_data.load_long_input(p, whole, notes=notes)
    assert notes == []


@pytest.mark.parametrize("vid,shown", [(99_999_999_999, "99,999,999,999"), (-5, "-5"),
                                        (10 ** 4000, "an integer of 4001 digits")],
                         ids=["past-int32", "negative", "4001-digits"])
def test_a_vocabulary_id_outside_int32_is_refused_in_one_line(tmp_path, vid, shown):
    """A JSON vocabulary's id past int32 failed deep in NumPy (OverflowError, no file
    named) for a features model; a negative one was read as another feature's."""
    feats = Model.sequential((None, None, 8), [LayerSpec("LSTM", {"units": 1})], seed=0)
    (tmp_path / "t.txt").write_text("abc abc")
    vocab = tmp_path / "v.json"
    vocab.write_text(json.dumps({"a": vid, "b": 1, "c": 2, " ": 3}))
    with pytest.raises(LstmvizError) as err:
        long_data.load_long_input(tmp_path / "t.txt", feats, vocabulary=vocab)
    assert str(err.value) == (f"v.json: the token 'a' has id {shown}; ids are whole numbers "
                              "from 0 to 2,147,483,647")


def test_a_fortran_order_npy_is_checked_in_place(tmp_path):
    """A Fortran-order .npy (memory-mapped) is checked block by block in the file's order:
    each block copied the whole array first (400 MB took 13 s and 1.5 GB, a C-order file
    1 s), so here the 16 MB array must never be copied; a NaN is still named by its step
    and feature."""
    import tracemalloc

    arr = np.asfortranarray(np.ones((1, 1_000_000, 4), np.float32))
    np.save(tmp_path / "f.npy", arr)
    tracemalloc.start()
    try:
        got = long_data.open_npy(tmp_path / "f.npy")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert got.shape == (1, 1_000_000, 4) and peak < 8 * 1024 ** 2, peak
    arr[0, 700_000, 2] = np.nan
    np.save(tmp_path / "f.npy", arr)
    with pytest.raises(LstmvizError) as err:
        long_data.open_npy(tmp_path / "f.npy")
    assert "(first at step 700,000, feature 2)" in str(err.value)


def test_a_long_text_says_how_many_upper_case_letters_it_read_as_lower_case(tmp_path):
    """A book opened through the app's characters (a-z, space, '.', '?'): its upper-case
    letters were read as lower case without a word, while the characters outside were
    counted. The opening's notes now count them too, exactly, in one line; through a
    vocabulary nothing is read as another character (what it lacks is [UNK], counted)."""
    import json

    p = tmp_path / "book.txt"
    text = "It was a bright Cold day in April, and the clocks were striking THIRTEEN. " * 70
    p.write_text(text)
    model = Model.sequential((None, None), [LayerSpec("Embedding", {"input_dim": 40, "output_dim": 4}),
                                            LayerSpec("LSTM", {"units": 1})], seed=0)
    notes: list = []
    x = long_data.load_long_input(p, model, notes=notes)
    np.testing.assert_array_equal(x, gen.text_ids(text))
    # 11 a line ('I', 'C', 'A', 'THIRTEEN'), 'E', 'I', 'T' twice: 770 of 5,180
    assert notes == [
        "70 of 5,180 characters (1.4%) are not among the app's 29 characters (a-z, space, '.', '?'): "
        "',' read as '?'; open it with your model's vocabulary file to read them as your model does",
        "770 of 5,180 characters (14.9%) are upper case, which the app's 29 characters (a-z, space, "
        "'.', '?') lack: 'E', 'I', 'T', 'A', 'C', 'H', ... read as their lower case"]
    assert all("\n" not in n for n in notes)
    vocab = tmp_path / "vocab.json"
    vocab.write_text(json.dumps(["", "[UNK]", *sorted(set(text.lower()))]))
    notes.clear()
    long_data.load_long_input(p, model, vocabulary=vocab, notes=notes)
    assert notes == ["770 of 5,180 characters (14.9%) are not among vocab.json: 'E', 'I', 'T', 'A', 'C', "
                     "'H', ... read as [UNK] (id 1)"]


def test_a_long_text_is_read_within_the_memory_limit(tmp_path, monkeypatch):
    """A text opened as a long input: read whole, it held 15 bytes a byte of the file (the
    unknown characters' tally sorted the whole text's code points), with no look at the
    memory limit; now a block at a time (checked before reading: refused in one line over
    the limit), with the same ids and the same note."""
    import tracemalloc
    from collections import Counter

    unit = "The quick brown fox, 42 jumps! Ünïcode ☃ "
    path = tmp_path / "book.txt"
    path.write_text(unit * 150_000, encoding="utf-8")  # 6.2 million characters, 6.6 MB
    model = Model.sequential((None, None), [LayerSpec("Embedding", {"input_dim": 60, "output_dim": 4}),
                                            LayerSpec("LSTM", {"units": 2})], seed=0)
    notes: list = []
    tracemalloc.start()
    try:
        x = long_data.load_long_input(path, model, notes=notes)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak <= long_data.TEXT_BYTES_PER_BYTE * path.stat().st_size + long_data.TEXT_BLOCK_BYTES
    np.testing.assert_array_equal(x[0], np.tile([gen.char_index(c) + 1 for c in unit], 150_000))
    out = Counter(c for c in unit if gen.ALPHABET.find(c.lower()) < 0)
    n = 150_000 * sum(out.values())
    assert notes and notes[0].startswith(f"{n:,} of {150_000 * len(unit):,} characters")
    assert repr(out.most_common(1)[0][0]) in notes[0]
    monkeypatch.setenv(limits.ENV, "64M")  # 6.6 MB of text: ~69 MB to read
    with pytest.raises(LstmvizError) as err:
        long_data.load_long_input(path, model)
    msg = str(err.value)
    assert msg.startswith("book.txt: reading its 6.4 MiB of text as ids would need") and "\n" not in msg


def test_overview_gate_levels_widen_to_the_whole_sequence_and_follow_new_blocks():
    """A gate's colour levels over a long input: 0..1 widened to what the whole sequence
    reaches (a file's relu gates), kept between seeks and renewed when a block is added."""
    ov = scale.Overview(100, 2, 9)
    ov.add(0, np.array([[0.2, 0.5]] * 50, np.float32))
    assert ov.levels(True) == (0.0, 1.0)
    assert ov.levels(False) == pytest.approx((-0.5, 0.5))
    ov.add(50, np.array([[1.578, -0.25]] * 50, np.float32))
    lo, hi = ov.levels(True)
    assert lo == pytest.approx(-0.25) and hi == pytest.approx(1.578)
    assert ov.levels(False) == pytest.approx((-1.578, 1.578))
    assert ov.levels(True) == (lo, hi)


def test_both_csv_readers_call_a_row_of_several_values_in_a_one_column_file_ragged(tmp_path):
    """A one-column file (no separator on its first row) with a row '3,4,5': both readers
    said "'3,4,5' is not a number" (the file's cells split at spaces), where a file of two
    columns says the row is ragged (found by fuzzing input files). Now the same words; a
    decimal comma ('2,5') is still named as one."""
    p = tmp_path / "one.csv"
    for head in ("", "value\n"):
        p.write_text(head + "1\n2\n3,4,5\n6\n")
        line = 3 + bool(head)
        assert _both_csv_readers(p) == [f"line {line} has 3 values but the rows before have 1; every row "
                                        "needs the same number of columns"] * 2
    p.write_text("1\n2,5\n6\n")
    assert _both_csv_readers(p) == ["line 2, column 1: '2,5' is not a number (a decimal comma: write 2.5)"] * 2


def test_ranking_by_saturation_and_a_backward_halfs_crossings_equal_numpy(traced):
    """Units at scale's figures against NumPy over a full trace: a gate's saturation and
    the ranking by it, every ranking's top N, and the crossings of a Bidirectional's
    backward half, found from keyframes, in its processing steps (step t reads input
    step T-1-t), as its record holds them."""
    _, x, full, wt = traced
    for sample in (0, 1):
        z = full["bi"].children["backward"].steps["z"][sample].astype(np.float64)
        _, st = scale.summarize(wt, "bi", "backward/z", sample=sample, feature=0)
        sat = ((z < 0.1) | (z > 0.9)).mean(axis=0)
        np.testing.assert_allclose(st.saturation, sat)
        assert list(scale.rank_units(st, "saturation")) == list(np.argsort(-sat, kind="stable"))
        np.testing.assert_allclose(st.variance, z.var(axis=0), rtol=1e-6, atol=1e-12)
        r = np.array([np.corrcoef(x[sample, ::-1, 0], z[:, u])[0, 1] for u in range(z.shape[1])])
        np.testing.assert_allclose(st.correlation, r, atol=1e-6)
        for by, score in (("variance", z.var(axis=0)), ("correlation", np.abs(r))):
            assert list(scale.rank_units(st, by, top=2)) == list(np.argsort(-score, kind="stable")[:2])
        h = full["bi"].children["backward"].steps["h"][sample, :, 1].astype(np.float64)
        thr = float(np.median(h))
        for direction, hit in (("up", (h[:-1] < thr) & (h[1:] >= thr)),
                               ("down", (h[:-1] >= thr) & (h[1:] < thr))):
            want = np.flatnonzero(hit) + 1
            assert len(want)
            np.testing.assert_array_equal(
                scale.find_crossings(wt, "bi", "backward/h", 1, thr, direction, sample=sample), want)


def test_a_carriage_return_or_a_huge_quoted_cell_is_read_or_refused_in_one_line(tmp_path):
    """A text with a '"' and old Mac line ends ('\\r' alone) crashed File > Open a long input
    with Python's csv.Error ("new-line character seen in unquoted field") while it decided
    whether the file was numbers; a quoted cell over csv's field limit (128 KB) crashed
    both CSV readers ("field larger than field limit")."""
    from lstmviz.io.csv_numbers import csv_numbers

    chars = Model.sequential((None, None), [LayerSpec("Embedding", {"input_dim": len(gen.ALPHABET) + 1,
                                                                    "output_dim": 3}),
                                            LayerSpec("LSTM", {"units": 2})], seed=0)
    feats = Model.sequential((None, None, 1), [LayerSpec("LSTM", {"units": 2})], seed=0)
    text = 'He said "hi"\rand left.\rThe end.\r'
    p = tmp_path / "mac.txt"
    p.write_bytes(text.encode())
    assert long_data.reads_as_text(p)
    np.testing.assert_array_equal(long_data.load_long_input(p, chars), gen.text_ids(text))
    p = tmp_path / "big.csv"
    p.write_text('2\n"' + "1" * 200_000 + '"\n')
    with pytest.raises(LstmvizError) as err:
        long_data.load_long_input(p, feats)
    assert str(err.value).startswith("big.csv: line 2, column 1: ") and "\n" not in str(err.value)
    with open(p) as fh, pytest.raises(LstmvizError) as err:
        csv_numbers(p.name, fh)
    assert str(err.value).startswith("big.csv: line 2, column 1: ") and "\n" not in str(err.value)


def test_a_binary_file_named_txt_is_refused_as_no_text_not_read_as_characters(tmp_path):
    """A binary file renamed .txt crashed File > Open a long input (csv.Error on its bytes),
    or, without a quote and a '\\r' in its head, was read as a text of '?'s; it is refused in
    one line before the vocabulary is asked for, as the command line refuses it."""
    chars = Model.sequential((None, None), [LayerSpec("Embedding", {"input_dim": len(gen.ALPHABET) + 1,
                                                                    "output_dim": 3}),
                                            LayerSpec("LSTM", {"units": 2})], seed=0)
    data = np.random.default_rng(0).integers(0, 256, 20_000, dtype=np.uint8).tobytes()
    for name, head in (("noise.txt", b""), ("quoted.txt", b'ab"c\rd\n'), ("clean.txt", b"abc\x00def\n")):
        p = tmp_path / name
        p.write_bytes(head + (data if name != "clean.txt" else b""))
        assert not long_data.reads_as_text(p)
        with pytest.raises(LstmvizError) as err:
            long_data.load_long_input(p, chars)
        assert re.match(rf"{name}: line \d+ holds NUL bytes: not a text file", str(err.value)), str(err.value)
        assert "UTF-8 text" in str(err.value) and "\n" not in str(err.value)


def test_both_csv_readers_take_a_csv_of_lone_carriage_returns_and_name_its_lines(tmp_path, monkeypatch):
    """A CSV whose lines end in a lone '\\r' (Excel for Mac's "CSV (Macintosh)", old Mac
    tools): the command line's and Import's reader took its lines apart, while File > Open a
    long input read the whole file as one block (``readline`` found no '\\n' to stop at)
    and refused a word at line 1,502 as "near line 1: could not convert string 'x' to
    float32 at row 1500, column 2". Both now read its lines, and name them alike, in any
    block."""
    monkeypatch.setattr(long_data, "BLOCK_BYTES", 1 << 12)  # many blocks
    rows = [f"{i * 0.5},{i % 7}" for i in range(3000)]
    p = tmp_path / "mac.csv"
    for end in ("\r", "\r\n"):
        p.write_bytes(("a,b" + end + end.join(rows) + end).encode())
        numbers = _both_csv_readers(p)
        assert numbers[0] == numbers[1] and len(numbers[1]) == 3000, end
        assert numbers[1][1234] == [617.0, 2.0]
        bad = list(rows)
        bad[1500] = "750.0,x"  # line 1,502 of the file
        p.write_bytes(("a,b" + end + end.join(bad) + end).encode())
        assert _both_csv_readers(p) == ["line 1,502, column 2 ('b'): 'x' is not a number"] * 2, end
        # and the header names its features for 'lstmviz MODEL --input mac.csv' too
        p.write_bytes(("# logger 7" + end + "a,b" + end + end.join(rows) + end).encode())
        assert long_data.csv_header(p, 2) == ["a", "b"], end


def test_a_csv_line_over_16_mb_is_refused_by_both_readers_before_it_is_read_whole(tmp_path):
    """A long input's line was read whole however long (a block of all of it), and the rest
    of a line ended by a lone '\\r' a byte at a time: a 17 MB line after one row took 4 s and
    was refused as its first cell, 'not a number a model takes'. The long-input reader now
    refuses a line over 16 MB as the command line's reader does, in its words, without
    reading more of it."""
    import tracemalloc

    p = tmp_path / "long.csv"
    p.write_bytes(b"1,2\r" + b"3" * (17 << 20) + b"\r5,6\r")
    tracemalloc.start()
    try:
        said = _both_csv_readers(p)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert said == ["line 2 is over 16 MiB long, not a row of a table of numbers; an input .csv/.txt/.tsv is a "
                    "table of numbers in UTF-8 text, a row per step and a column per feature"] * 2  # (what is read)
    assert peak < 120 << 20, peak  # (the command line's reader's 17 MB text line and its copies)


@pytest.mark.parametrize("over, end, straddle", [(0, "\n", False), (0, "\r\n", False), (0, "\r\n", True),
                                                  (0, "\r", True), (1, "\n", False), (1, "\r\n", True),
                                                  (0, "wide", False)])
def test_a_csv_line_of_16_mib_is_said_alike_by_both_readers(tmp_path, over, end, straddle):
    """A line of exactly 16 MiB was 'over 16 MB long' to the command line's reader (its
    '\n' counted) and read (or 'more than 2,097,152 numbers') by the long-input reader, which
    counts no line end; a row of more numbers than the limit was said in two sentences.
    Now a line of 16 MiB is read by both, one of 16 MiB + 1 refused by both as too long, a
    line end cut between two reads (``straddle``: the '\r' the last character of a read of
    either reader) not counted, and a row over the limit alone is ``too_wide`` to both."""
    from lstmviz.io.csv_numbers import LONGEST_LINE, TABLE

    n = LONGEST_LINE + over
    head = ("0" * ((4 << 20) - 5 - over) + "1,2\n") if straddle else "1,2\n"  # (line 2's end at byte 20 MiB - 1)
    body = "1," * (n // 2) if end == "wide" else "0" * (n - 3) + "3,4"
    assert len(body) == n and (not straddle or len(head) + n == (20 << 20) - 1)
    p = tmp_path / "edge.csv"
    p.write_bytes((head + body + ("\n" if end == "wide" else end) + "5,6\n").encode())
    said = _both_csv_readers(p)
    if end == "wide":
        assert said[0] == said[1] and said[0].startswith(
            f"line 2 holds more than {limits.csv_cell_limit():,} numbers, over the limit of one row"), said
    elif over:
        assert said == [f"line 2 is over 16 MiB long, not a row of a table of numbers; {TABLE}"] * 2
    else:
        assert said == [[[1, 2], [3, 4], [5, 6]]] * 2


def test_a_long_csv_row_of_more_numbers_than_the_limit_is_refused_before_it_is_split(tmp_path, monkeypatch):
    """A long input's line of 16 MB of '1,' was read as one row of 8 million features: 370
    MB and 2 s, before the model refused the width. A row of more numbers than the CSV
    limit (``limits.csv_cell_limit``, as the command line's reader counts them before a
    line is split) is now refused naming its line and the limit, before it is split, a
    header's test included, at spaces as at separators."""
    import tracemalloc

    p = tmp_path / "wide.csv"
    p.write_bytes(b"1," * (7 << 20) + b"1\n")  # (14 MB: under the 16 MB of a line)
    tracemalloc.start()
    try:
        with pytest.raises(LstmvizError) as err:
            long_data.read_csv(p)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    cap = limits.csv_cell_limit()
    assert str(err.value) == (f"wide.csv: line 1 holds more than {cap:,} numbers, over the limit of one "
                              f"row that comes with the memory limit of {limits.fmt_bytes(limits.memory_limit())}; "
                              f"{limits.HINT}")
    assert peak < 80 << 20, peak  # (the 14 MB block, its text; 320 MB before)
    monkeypatch.setenv("LSTMVIZ_MAX_MEMORY", "64M")  # 65,536 numbers
    parsed = []
    real, real_quick = long_data._parse, long_data._quick
    monkeypatch.setattr(long_data, "_parse", lambda lines, delim: parsed.append(len(lines)) or real(lines, delim))
    monkeypatch.setattr(long_data, "_quick", lambda lines, delim: parsed.append(len(lines)) or real_quick(lines, delim))
    for body in (b"a,b\n1,2\n# x\n" + b"3," * 70_000 + b"4\n",  # a row after the first block's header
                 b"1 2\n" * 10 + b"3 " * 70_000 + b"4\n",  # split at spaces
                 b"a," * 70_000 + b"b\n1,2\n"):  # a header of 70,001 names
        p.write_bytes(body)
        with pytest.raises(LstmvizError) as err:
            long_data.read_csv(p)
        line = {b"a,b": 4, b"1 2": 11, b"a,a": 1}[body[:3]]
        assert str(err.value).startswith(f"wide.csv: line {line} holds more than 65,536 numbers, over the limit "
                                         "of one row that comes with the memory limit of 64 MiB;"), str(err.value)
        assert parsed == []
    p.write_bytes(b"a,b\n" + b"1,2\n" * 40_000)  # rows of few numbers: as many as they come
    assert long_data.read_csv(p).shape == (1, 40_000, 2)


def test_a_csv_of_lone_carriage_returns_is_read_a_block_at_a_time(tmp_path, monkeypatch):
    """The rest of a line a block stopped in, in a file whose lines end in a lone '\\r', was
    read a byte at a time (a system call each: 4 s for 16 MB). Blocks now end at their last
    line end, the rest carried into the next read: a read a block, the same numbers, a
    '\\r\\n' cut between two reads one line end."""
    monkeypatch.setattr(long_data, "BLOCK_BYTES", 1 << 16)
    rows = np.round(np.random.default_rng(2).normal(size=(40, 5000)), 3).astype(np.float32)
    text = "\n".join(",".join(f"{v:.3f}" for v in row) for row in rows)
    reads = []

    class Counted:
        def __init__(self, fh):
            self.fh = fh

        def read(self, n=-1):
            reads.append(n)
            return self.fh.read(n)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

    monkeypatch.setattr(long_data, "open", lambda path, mode: Counted(open(path, mode)), raising=False)
    p = tmp_path / "mac.csv"
    for end in ("\r", "\r\n", "\n"):
        reads.clear()
        p.write_bytes(("# logger" + end + text.replace("\n", end) + end).encode())
        got = long_data.read_csv(p)
        np.testing.assert_array_equal(got[0], rows)
        assert len(reads) <= p.stat().st_size // (1 << 16) + 2, (end, len(reads))
    # a '\r\n' whose halves fall in two reads: one line end (the line numbers stay the file's)
    monkeypatch.setattr(long_data, "BLOCK_BYTES", 8)
    p.write_bytes(b"1,2345\r\n3,4\r\n5,x\r\n")
    with pytest.raises(LstmvizError) as err:
        long_data.read_csv(p)
    assert str(err.value) == "mac.csv: line 3, column 2: 'x' is not a number"


def test_an_input_past_long_steps_that_windows_cannot_follow_is_traced_whole_where_it_fits(monkeypatch, tmp_path):
    """An ONNX graph whose output's steps are no window of the input's (a Concat of its LSTM
    node's Y with itself along the steps; a Softmax over the steps when this was found, held
    whole by windows now) on a 5,000-step input: a whole trace of ~1 MB, but past
    LONG_STEPS the app took the input as a long one, and keyframes refused the graph: the
    window showed nothing of an input the command line traces whole. Where the whole trace
    fits the budget it is traced whole; over the budget the refusal stays."""
    pytest.importorskip("onnx")
    from helpers import onnx_unwindowed_model
    from lstmviz.app.long_sequence import LONG_STEPS, trace_or_window

    model, x = onnx_unwindowed_model(tmp_path, steps=LONG_STEPS + 904)
    trace, seq = trace_or_window(model, [x])
    assert seq is None and trace.layers["lstm"].timesteps == LONG_STEPS + 904
    full = model.trace(x)
    np.testing.assert_array_equal(trace.outputs[0], full.outputs[0])
    np.testing.assert_array_equal(trace["lstm"].steps["h"], full["lstm"].steps["h"])
    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-6)  # (~2 KB: neither a whole trace nor windows)
    with pytest.raises(LstmvizError, match=r"\(onnx.Concat\) joins .* along the time axis"):
        trace_or_window(model, [x])


@pytest.mark.parametrize("case", ["onnx_torch_classic_lstm", "onnx_torch_dynamo_gru_bidir",
                                  "onnx_keras_lstm_backwards"])
def test_a_long_input_of_a_real_export_gets_exact_windows(case):
    """A PyTorch nn.LSTM / bidirectional nn.GRU (batch_first) exported to ONNX, a Keras
    LSTM(go_backwards) by tf2onnx: the Shape, Transpose, Squeeze / Reshape, last-step Gather
    or ReverseSequence around the node made keyframes refuse it ("layer 'rnn.Shape'
    (onnx.Shape) reshapes the time axis"), so past LONG_STEPS it was traced whole or, over
    the budget, not at all. It is a long sequence now: the first steps at once where they
    are the whole sequence's numbers (not where a ReverseSequence turns the input around:
    its first steps are the sequence's last), windows around any step, each record the same
    steps of the whole trace to the bit, the model's output the whole trace's."""
    import lstmviz
    from helpers import FIXTURES
    from lstmviz.app.long_sequence import LONG_STEPS, trace_or_window

    model = lstmviz.load(FIXTURES / case / "model.onnx")
    steps = LONG_STEPS + 904
    x = np.random.default_rng(0).normal(size=(1, steps, 3)).astype(np.float32)
    first, seq = trace_or_window(model, [x], step=0, window=256)
    assert seq is not None and (seq.steps, seq.samples) == (steps, 1)
    full = model.trace(x)
    node = next(n.layer.name for n in model.nodes if n.layer.class_name in ("onnx.LSTM", "onnx.GRU"))

    def same(win):
        a = win.start
        rec, whole = win[node], full[node]
        b = a + rec.outputs[0].shape[0]  # (Y: time first)
        np.testing.assert_array_equal(rec.outputs[0], whole.outputs[0][a:b])
        for side, half in ([(s, h) for s, h in rec.children.items()] or [("", rec)]):
            w = whole.children[side] if side else whole
            # (a half that reads the input from its last step: go_backwards, or the node
            # behind tf2onnx's ReverseSequence: the processing steps reading input steps a..b-1)
            back = half.go_backwards or case == "onnx_keras_lstm_backwards"
            lo, hi = (steps - b, steps - a) if back else (a, b)
            assert half.start == lo
            np.testing.assert_array_equal(half.steps["h"], w.steps["h"][:, lo:hi])

    if case == "onnx_torch_classic_lstm":
        assert first is not None and first.start == 0
    same(first)
    if case == "onnx_keras_lstm_backwards":  # (no plain trace of the first steps: the pass's window)
        assert seq.first_steps() is None and seq.first_window() is None
    assert seq.run_pass() and seq.error is None
    np.testing.assert_array_equal(seq.windowed.outputs[0], full.outputs[0])
    for step in (0, 300, 2777, steps - 1):
        win, i = seq.window_at(step)
        assert win.start + i == step
        same(win)


@pytest.mark.parametrize("layout,direction", [(0, "forward"), (0, "bidirectional"), (1, "reverse")])
def test_a_long_input_through_an_onnx_recurrent_node_gets_exact_windows(tmp_path, layout, direction):
    """A long input of an ONNX graph whose LSTM node reads it (layout 0: (time, batch,
    features), its steps on axis 0) was read on the wrong axis: its 1 sample taken for its
    steps, so it was traced whole (or refused past the budget), never by windows. Its steps
    are its steps now: the first steps at once, then windows after the pass, each record the
    same steps of the whole trace to the bit and the node's Y those steps on its time axis."""
    pytest.importorskip("onnx")
    from lstmviz.app.long_sequence import LONG_STEPS, trace_or_window
    from tests.helpers import onnx_recurrent_model

    steps = LONG_STEPS + 904
    model, x = onnx_recurrent_model(tmp_path, "LSTM", layout, direction, {}, steps=steps, batch=1)
    first, seq = trace_or_window(model, [x], step=0, window=256)
    assert seq is not None and (seq.steps, seq.samples) == (steps, 1)
    full = model.trace(x)
    name = next(n.layer.name for n in model.nodes if n.layer.class_name == "onnx.LSTM")
    axis = 0 if layout == 0 else 1

    def same(win):
        rec, whole = win[name], full[name]
        y = rec.outputs[0]
        a = win.start
        b = a + y.shape[axis]
        assert b - a >= 16
        np.testing.assert_array_equal(y, whole.outputs[0][a:b] if axis == 0 else whole.outputs[0][:, a:b])
        for side, half in ([(s, h) for s, h in rec.children.items()] or [("", rec)]):
            w = whole.children[side] if side else whole
            lo, hi = (steps - b, steps - a) if half.go_backwards else (a, b)
            for key in ("i", "c", "h"):
                np.testing.assert_array_equal(half.steps[key], w.steps[key][:, lo:hi])

    if direction == "forward":
        assert first is not None and first.start == 0
        same(first)
    assert seq.run_pass() and seq.error is None
    for step in (0, 300, 2777, steps - 1):
        win, i = seq.window_at(step)
        assert win.start + i == step
        same(win)
    # the overviews: the records' over the whole sequence, and the input's (its steps, not its samples)
    assert seq.run_overviews(bins=101)
    want = scale.overviews(full, 0, 101, model=model)
    assert seq.overviews.keys() == want.keys()
    for key, ov in want.items():
        assert np.array_equal(seq.overviews[key].lo, ov.lo) and np.array_equal(seq.overviews[key].hi, ov.hi), key
    given = scale.Overview(steps, x.shape[-1], 101)
    given.add(0, x[:, 0] if axis == 0 else x[0])
    assert np.array_equal(seq.overviews[("x", "x")].lo, given.lo)


@pytest.mark.parametrize("brk", ["\u2028", "\u2029", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85"])
def test_rows_of_a_csv_end_at_a_new_line_only_in_every_reader(tmp_path, brk):
    """U+2028, U+2029, '\\x0b', '\\x0c', '\\x1c'-'\\x1e', '\\x85': str.splitlines breaks at them,
    and the long-input reader split its rows with it, so "1,2<U+2028>3,4" was two rows there
    and a cell that is not a number to the command line's reader (the csv module's rule:
    rows end at '\\n', '\\r\\n', '\\r'). Every reader now refuses it alike, naming its line and
    column and the character; one at a row's end is space around a cell, as before; plain
    text read as ids keeps it as a character."""
    from lstmviz.app.inputs import load_array
    from lstmviz.cli_inputs import read_input

    model = Model.sequential((None, None, 2), [LayerSpec("LSTM", {"units": 2})], seed=0)
    p = tmp_path / "x.csv"
    p.write_text(f"a,b\n1,2{brk}3,4\n5,6\n", encoding="utf-8")
    said = []
    for read in (lambda: read_input(p, (None, None, 2)), lambda: long_data.load_long_input(p, model),
                 lambda: load_array(p)):
        with pytest.raises(LstmvizError) as err:
            read()
        said.append(str(err.value).split(": ", 1)[1])
    assert said[0] == said[1] == said[2]
    assert said[0].startswith("line 2, column 2 ('b'): '2") and f"U+{ord(brk):04X}" in said[0]
    p.write_text(f"a,b\n1,2{brk}\n5,6\n", encoding="utf-8")
    want = np.array([[[1, 2], [5, 6]]], np.float32)
    for got in (read_input(p, (None, None, 2)), long_data.load_long_input(p, model), load_array(p)):
        np.testing.assert_array_equal(got, want)
    # a .txt of such lines is not numbers: text, the character kept (one id each)
    t = tmp_path / "t.txt"
    t.write_text(f"1,2{brk}3,4\n5,6\n", encoding="utf-8")
    assert long_data.not_numbers(t) == (1, f"1,2{brk}3,4")
    ids = Model.sequential((None, None), [LayerSpec("Embedding", {"input_dim": 40, "output_dim": 2}),
                                          LayerSpec("LSTM", {"units": 2})], seed=0)
    assert long_data.load_long_input(t, ids).shape == (1, len(t.read_text(encoding="utf-8")))


def test_a_txt_of_numbers_in_rows_ended_by_a_lone_cr_is_numbers(tmp_path):
    """A .txt of numbers whose rows end in a lone '\\r' (Excel for Mac's "CSV (Macintosh)"),
    opened as a long input: its sniffing split at '\\n' only and called it text, read as
    characters one-hot (12 steps), though read_csv and the command line read its 3 rows."""
    model = Model.sequential((None, None, 2), [LayerSpec("LSTM", {"units": 2})], seed=0)
    p = tmp_path / "cr.txt"
    p.write_bytes(b"1,2\r3,4\r5,6\r")
    assert long_data.not_numbers(p) is None and not long_data.reads_as_text(p)
    np.testing.assert_array_equal(long_data.load_long_input(p, model), [[[1, 2], [3, 4], [5, 6]]])


def test_overviews_and_correlation_of_tf2onnx_go_backwards_read_the_input_in_its_order():
    """The node behind tf2onnx's ReverseSequence reads the input turned around: its input's
    overview (what the views' input rows keep their levels by) is the model input's, from
    keyframes as from a whole trace (each window's part placed at the input steps it
    reads), and a unit's correlation with a feature pairs its processing step t with
    input step T-1-t, as for a Keras go_backwards layer."""
    import lstmviz
    from helpers import FIXTURES

    model = lstmviz.load(FIXTURES / "onnx_keras_lstm_backwards" / "model.onnx", isolate=False)
    steps = 700
    x = np.random.default_rng(5).normal(size=(1, steps, 3)).astype(np.float32)
    x[0, :100] += 3.0  # (the first input steps stand apart: an overview read the wrong way shows it)
    full = model.trace(x)
    wt = keyframe_pass(model, x, every=32)
    bins = 101
    whole = scale.overviews(full, 0, bins, model=model)
    windows = scale.overviews(wt, 0, bins, block=64)
    given = scale.Overview(steps, 3, bins)
    given.add(0, x[0])
    for got in (whole, windows):
        ov = got[("lstm_4_1", "x")]
        assert np.array_equal(ov.lo, given.lo) and np.array_equal(ov.hi, given.hi)
    h = full["lstm_4_1"].steps["h"][0].astype(np.float64)
    _, st = scale.summarize(wt, "lstm_4_1", "h", feature=2)
    feat = x[0, ::-1, 2].astype(np.float64)  # (processing step 0 reads the last input step)
    r = [np.corrcoef(feat, h[:, u])[0, 1] for u in range(h.shape[1])]
    np.testing.assert_allclose(st.correlation, r, atol=1e-6)


@pytest.mark.parametrize("extras", [{"initial": True}, {"seq_lens": True}, {"seq_lens": True, "initial": True}])
def test_a_long_input_of_an_onnx_graph_of_several_inputs_gets_windows(tmp_path, monkeypatch, extras):
    """An ONNX graph whose sequence_lens or initial states are graph inputs: the app
    (``trace_or_window``) traced it whole whatever its length, past the trace budget too,
    while the engine and ``lstmviz trace --steps`` window it. It is a long input now: the
    sequence windowed, the other inputs taken as they are; the first steps at once where
    they are the whole sequence's (not with sequence_lens: the pass's first window), and
    each window's record and Y the same steps of the whole trace, to the bit."""
    pytest.importorskip("onnx")
    from lstmviz.app.long_sequence import trace_or_window
    from tests.helpers import onnx_recurrent_model

    steps = 600
    model, xs = onnx_recurrent_model(tmp_path, "LSTM", 1, "forward", extras, steps=steps, batch=3)
    assert len(xs) > 1
    full = model.trace(xs)
    name = next(n.layer.name for n in model.nodes if n.layer.class_name == "onnx.LSTM")
    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-6)  # (~2 KB: the whole trace is over the budget)
    first, seq = trace_or_window(model, xs, window=128)
    assert seq is not None and (seq.steps, seq.samples) == (steps, 3)

    def same(win):
        rec, whole = win[name], full[name]
        a, n = rec.start, rec.steps["h"].shape[1]
        for key in ("i", "c", "h"):
            assert np.array_equal(rec.steps[key], whole.steps[key][:, a:a + n])
        assert np.array_equal(rec.outputs[0], whole.outputs[0][:, a:a + n])  # (layout 1: Y's steps on axis 1)

    assert first is not None
    same(first)
    assert (seq.first_steps() is not None) == ("seq_lens" not in extras)
    assert seq.run_pass() and seq.error is None
    for o, want in zip(seq.windowed.outputs, full.outputs):
        assert np.array_equal(o, want)
    for step in (0, 200, 333, steps - 1):
        win, i = seq.window_at(step)
        assert win.start + i == step
        same(win)


# -- a long input of a batch: windows within the budget, on the engine's threads -------------
def _batched_long(monkeypatch, budget=8 << 20):
    from lstmviz.engine import windows

    model = Model.sequential((None, None, 3), [
        LayerSpec("LSTM", {"units": 32, "return_sequences": True}, name="a"),
        LayerSpec("GRU", {"units": 24, "return_sequences": True}, name="b")], seed=2)
    x = np.random.default_rng(8).normal(size=(8, 2000, 3)).astype(np.float32)
    wt = keyframe_pass(model, x, every=16)
    monkeypatch.setattr(windows, "trace_budget", lambda: budget)
    return model, x, wt


def _peak(fn):
    import tracemalloc

    from lstmviz.engine import workspace

    workspace.release()
    tracemalloc.start()
    try:
        got = fn()
        return got, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_batched_long_inputs_summary_and_overviews_hold_a_share_of_the_trace_budget(monkeypatch):
    """A window steps the whole batch, every record of every layer: read in blocks of 4,096
    steps, a summary of a batch of 8 through 2 x LSTM(256) held 1.0 GB and the overviews
    1.5 GB (4 GB at a batch of 32), over the trace budget whatever the input's length.
    Windows are now as long as a quarter of the budget holds (``window_steps``), and the
    numbers are those of any other windows: min and max exact, the statistics to float64
    rounding."""
    from lstmviz.engine import windows

    model, x, wt = _batched_long(monkeypatch)
    budget = windows.trace_budget()
    steps = scale.window_steps(wt, at_once=2)
    assert 16 <= steps < 2000 and steps % wt.every == 0
    assert 2 * steps * windows.full_trace_bytes(model, 8, 1) <= budget * scale.WINDOW_SHARE
    (ov, stats), held = _peak(lambda: scale.summarize(wt, "b", "h", sample=5, feature=1, bins=99))
    overviews, held2 = _peak(lambda: scale.overviews(wt, sample=5, bins=99))
    assert held < budget / 2 and held2 < budget / 2, (held, held2, budget)
    full = model.trace(x)
    h = full["b"].steps["h"][5]
    lo = np.array([h[a:b].min(0) for a, b in zip(ov.edges()[:-1], ov.edges()[1:])])
    np.testing.assert_array_equal(ov.lo, lo)
    np.testing.assert_array_equal(overviews[("b", "h")].lo, lo)
    np.testing.assert_allclose(stats.mean, h.astype(np.float64).mean(0), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(stats.variance, h.astype(np.float64).var(0), rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_a_summary_has_the_same_bits_on_any_number_of_threads(monkeypatch, threads):
    """``stream`` computes up to two windows at once; its blocks are cut for two whatever
    the threads, so the statistics, merged block by block, are the same numbers."""
    from lstmviz.engine import recurrent

    _, _, wt = _batched_long(monkeypatch)
    monkeypatch.setattr(recurrent, "_threads", 1)
    _, want = scale.summarize(wt, "a", "c", sample=2, feature=0)
    monkeypatch.setattr(recurrent, "_threads", threads)
    _, got = scale.summarize(wt, "a", "c", sample=2, feature=0)
    for name in ("mean", "m2", "saturated", "c"):
        assert np.array_equal(getattr(got, name), getattr(want, name)), name


def test_a_batched_long_inputs_exact_windows_kept_hold_their_share_of_the_trace_budget(monkeypatch):
    """A window steps the whole batch: 16 windows of 256 steps of a batch of 16 through
    2 x LSTM(256) held 1.4 GB (the budget 1 GiB). A window is now fewer steps where the
    batch's records would not leave room for four (``fitted_window``), and as many are kept
    as ``cache_room`` holds; each still equals those steps of the whole trace."""
    from lstmviz.app import long_sequence as ls

    model = Model.sequential((None, None, 3), [
        LayerSpec("LSTM", {"units": 32, "return_sequences": True}, name="a"),
        LayerSpec("LSTM", {"units": 16, "return_sequences": True}, name="b")], seed=4)
    monkeypatch.setattr(ls, "trace_budget", lambda: 32 << 20)
    monkeypatch.setattr(ls, "CACHE_FLOOR", 0)
    assert ls.cache_room() == 8 << 20
    one = ls.LongSequence(model, np.zeros((1, 3000, 3), np.float32))
    assert one.window == ls.DEFAULT_WINDOW  # (a sample's windows: as ever)
    x = np.random.default_rng(3).normal(size=(8, 3000, 3)).astype(np.float32)
    seq = ls.LongSequence(model, x)
    per_step = ls.full_trace_bytes(model, 8, 1)
    assert seq.window < ls.DEFAULT_WINDOW and seq.window % 32 == 0
    assert 4 * seq.window * per_step <= ls.cache_room() < 4 * (seq.window + 32) * per_step
    assert seq.run_pass()
    full = model.trace(x)
    for step in range(5, 3000, 290):
        trace, at = seq.window_at(step)
        assert len(seq._cache) <= ls.cache_room() // seq._window_bytes
        want = full["b"].steps["h"][:, trace.start:trace.start + seq.window]
        np.testing.assert_array_equal(trace["b"].steps["h"], want)
        assert trace.start + at == step
    held = sum(ls.full_trace_bytes(model, 8, t["a"].timesteps) for t in seq._cache.values())
    assert held <= ls.cache_room()


def _npy_with_header(path, header: str, data: bytes = bytes(64)) -> None:
    """A version 1.0 .npy whose header is ``header`` (padded as NumPy pads it)."""
    h = header.encode("latin1")
    pad = 64 - (10 + len(h) + 1) % 64
    path.write_bytes(b"\x93NUMPY\x01\x00" + (len(h) + pad + 1).to_bytes(2, "little") + h
                     + b" " * pad + b"\n" + data)


def test_a_long_npy_numpy_cannot_map_is_refused_in_words_not_numpys(tmp_path, monkeypatch):
    """A long .npy whose header NumPy reads but cannot map was "not a readable .npy file
    (negative dimensions are not allowed)", NumPy's words; a file the system would not
    read, "cannot be read as .npy ([Errno 2] No such file or directory:
    '/whole/path/x.npy')", the errno and the whole path. Each is said in words now, the
    exception kept as the cause; a pickled array is still refused, never unpickled nor
    mapped, in the words of the command line's reader (``npy.mapped`` checks both)."""
    import errno
    import os

    from lstmviz.io.npy import map_npy, read_npy

    p = tmp_path / "neg.npy"
    _npy_with_header(p, "{'descr': '<f4', 'fortran_order': False, 'shape': (-3, 4), }")
    with pytest.raises(LstmvizError) as err:
        long_data.open_npy(p)
    assert str(err.value).startswith("neg.npy: the .npy header is damaged (its shape (-3, 4) has a "
                                     "negative dimension); ")
    # (--input and File > Import read it as an empty (0, 4) array, refused later as empty)
    with pytest.raises(LstmvizError, match=r"neg\.npy: the \.npy header is damaged \(its shape \(-3, 4\)"):
        read_npy(p, "neg.npy")
    with pytest.raises(LstmvizError) as err:
        long_data.open_npy(tmp_path / "gone.npy")
    assert str(err.value) == "gone.npy: cannot be read as .npy (No such file or directory)"
    (tmp_path / "folder.npy").mkdir()
    with pytest.raises(LstmvizError) as err:
        long_data.open_npy(tmp_path / "folder.npy")
    assert str(err.value) == "folder.npy: cannot be read as .npy (Is a directory)"

    # a pickle-bearing .npy: refused as such, neither loaded nor mapped
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    asked = []
    real_load, real_map = np.load, np.memmap

    def load(*a, **k):
        asked.append("load")
        return real_load(*a, **k)

    def memmap(*a, **k):
        asked.append("memmap")
        return real_map(*a, **k)

    monkeypatch.setattr(long_data.np, "load", load)
    monkeypatch.setattr(long_data.np, "memmap", memmap)
    with pytest.raises(LstmvizError) as err:
        long_data.open_npy(tmp_path / "obj.npy")
    assert str(err.value) == ("obj.npy: holds Python objects (a pickled array), which lstmviz never "
                              "loads; accepted: .npy arrays of numbers (bool, integer or float)")
    with pytest.raises(LstmvizError) as same:  # (the command line's reader, word for word)
        map_npy(tmp_path / "obj.npy", "obj.npy")
    assert str(same.value) == str(err.value)
    assert asked == []

    np.save(tmp_path / "ok.npy", np.zeros((1, 8, 2), np.float32))
    assert long_data.open_npy(tmp_path / "ok.npy").shape == (1, 8, 2) and asked == ["memmap"]
    for raised, said in [
            (OSError(errno.EIO, os.strerror(errno.EIO), str(tmp_path / "ok.npy")),
             "ok.npy: cannot be read as .npy (Input/output error)"),
            (OSError("mmap failed"), "ok.npy: cannot be read as .npy"),
            (ValueError("buffer is smaller than requested size"),
             "ok.npy: not a readable .npy file (NumPy cannot map the array its header declares; "
             "the file may be damaged)")]:
        def failing(*a, raised=raised, **k):
            raise raised

        monkeypatch.setattr(long_data.np, "memmap", failing)
        with pytest.raises(LstmvizError) as err:
            long_data.open_npy(tmp_path / "ok.npy")
        assert str(err.value) == said
        assert err.value.__cause__ is raised


def test_a_long_input_or_vocabulary_the_system_will_not_read_says_the_systems_words(tmp_path, monkeypatch):
    """A long .csv or text, or its vocabulary, that is gone, a folder or on a failing disk
    was raised as it came ("[Errno 2] No such file or directory: '/whole/path/x.csv'"),
    which the window put after the file's name. Each is one line now, the file named."""
    import errno
    import os

    model = Model.sequential((None, None, 2), [LayerSpec("LSTM", {"units": 2})], seed=0)
    for name in ("gone.csv", "gone.txt"):
        with pytest.raises(LstmvizError) as err:
            long_data.load_long_input(tmp_path / name, model)
        assert str(err.value) == f"{name}: No such file or directory"
        assert isinstance(err.value.__cause__, FileNotFoundError)
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(LstmvizError) as err:
        long_data.load_long_input(tmp_path / "folder.csv", model)
    assert str(err.value) == "folder.csv: Is a directory"
    (tmp_path / "t.txt").write_text("abc abc")
    with pytest.raises(LstmvizError) as err:
        long_data.load_long_input(tmp_path / "t.txt", model, vocabulary=tmp_path / "gone.json")
    assert str(err.value) == "gone.json: No such file or directory"
    (tmp_path / "x.csv").write_text("1,2\n3,4\n")

    def failing(*a, **k):
        raise OSError(errno.EIO, os.strerror(errno.EIO), str(tmp_path / "x.csv"))

    monkeypatch.setattr(long_data, "open", failing, raising=False)  # (the module's open: its reads)
    with pytest.raises(LstmvizError) as err:
        long_data.load_long_input(tmp_path / "x.csv", model)
    assert str(err.value) == "x.csv: Input/output error"


@pytest.mark.parametrize("text, said", [
    ("[1, 2,", "v.json: not JSON (expecting value at line 1, column 7)"),
    ('{"a": 1', "v.json: not JSON (expecting ',' delimiter at line 1, column 8)"),
    ("[" * 100_000, "v.json: not JSON (it nests too deeply)"),
])
def test_a_vocabulary_that_is_not_json_says_what_is_wrong_in_words(tmp_path, text, said):
    """A .json vocabulary json refused was "not JSON (Expecting value: line 1 column 7 (char
    6))", Python's json module's words; one nested too deeply was not refused at all but
    raised RecursionError. Each is said as a session's or a model's JSON is said."""
    (tmp_path / "v.json").write_text(text)
    with pytest.raises(LstmvizError) as err:
        long_data.read_vocabulary(tmp_path / "v.json")
    assert str(err.value) == said


def test_a_csv_block_numpy_cannot_read_is_said_in_words_not_numpys(tmp_path, monkeypatch):
    """Where NumPy's reader refused a block of a long CSV in which no cell is found wrong (no
    file found so: both readers take the same numbers), the refusal was NumPy's first line,
    "near line 1: could not convert string ... at row 0, column 1." (a row of the block, not
    of the file). It says what the file should be now."""
    (tmp_path / "x.csv").write_text("1,2\n3,4\n")

    def refused(lines, delim):
        raise ValueError("could not convert string '3' to float32 at row 1, column 1.")

    monkeypatch.setattr(long_data, "_parse", refused)
    monkeypatch.setattr(long_data, "_quick", lambda lines, delim: None)  # (NumPy's reader at once declined too)
    with pytest.raises(LstmvizError) as err:
        long_data.read_csv(tmp_path / "x.csv")
    assert str(err.value) == ("x.csv: near line 1: a row that does not read as numbers; an input "
                              ".csv/.txt/.tsv is a table of numbers in UTF-8 text, a row per step "
                              "and a column per feature")


def test_a_share_of_characters_too_small_to_round_is_not_said_as_0_percent():
    """A 60,005-character story opened as a long input of the character demo: its final
    line break was the one character outside the app's, and the message said "1 of 60,005
    characters (0.0%) are not among the app's 29 characters": a share of none. It says
    "under 0.1%" now, and "over 99.9%" where all but a few are outside."""
    from lstmviz.app.long_data import unknown_note

    story = "the forget gate decides " * 2500 + "\n"
    note = unknown_note(story)
    assert note is not None and note.startswith("1 of 60,001 characters (under 0.1%) are not among")
    assert "0.0%" not in note
    odd = "\u00e9" * 5000 + "a"
    assert unknown_note(odd).startswith("5,000 of 5,001 characters (over 99.9%)")
    assert unknown_note("ab?!").startswith("1 of 4 characters (25.0%)")


def _numpy_scores(values, feature, gate):
    """NumPy's variance, saturated share and Pearson r of each unit over ``values`` (rows of
    steps: every sample's steps concatenated, (n, units)) with ``feature`` (n,)."""
    v = np.asarray(values, np.float64)
    sat = ((v < 0.1) | (v > 0.9)) if gate else (np.abs(v) > 0.9)
    r = np.array([np.corrcoef(feature, v[:, u])[0, 1] for u in range(v.shape[1])])
    return v.var(axis=0), sat.mean(axis=0), r


@pytest.mark.parametrize("key", ["h", "f", "bi/backward/h"])
def test_pooled_statistics_are_numpys_over_every_samples_steps_concatenated(traced, key):
    """Units at scale's "all samples": the variance over every sample's steps, r over the
    concatenated steps, the saturated share of them all, from a full trace or from
    keyframes (a window stepping every sample at once) alike; a backward half's steps
    beside the input steps they read."""
    model, x, full, wt = traced
    layer, rec = ("bi", key.rsplit("/", 1)[1]) if key.startswith("bi/") else ("l", key)
    half = full[layer].children["backward"] if layer == "bi" else full[layer]
    values = half.steps[rec]  # (samples, steps, units)
    feature = x[:, ::-1, 1] if layer == "bi" else x[:, :, 1]  # (the backward half reads step T-1-t)
    want = _numpy_scores(values.reshape(-1, values.shape[2]), feature.reshape(-1), rec in ("f", "i", "o"))
    for source in (full, wt):
        st = scale.pool(None, source, layer, rec if layer == "l" else f"backward/{rec}", [0, 1], feature=1)
        assert st.n == 2 * T
        for got, exp in zip((st.variance, st.saturation, st.correlation), want):
            np.testing.assert_allclose(got, exp, rtol=1e-9, atol=1e-12)
    # one sample's are not the pooled ones (the test tells them apart)
    one = scale.summarize(full, "l", "h", sample=0, feature=1)[1]
    both = scale.pool(None, full, "l", "h", [0, 1], feature=1)
    assert not np.allclose(one.variance, both.variance)


def test_a_long_input_traced_a_sample_at_a_time_pools_a_pass_of_every_sample():
    """The app traces the sample shown alone, so its long input holds that one: pooled over
    all samples, each other sample gets a keyframe pass of its own, one at a time, and the
    numbers are NumPy's over every sample's steps (each sample traced alone, as the app
    shows it)."""
    from lstmviz.app.long_sequence import LongSequence
    from lstmviz.app.tracing import sample_inputs

    model = Model.sequential((None, None, 2), [LayerSpec("LSTM", {"units": 5, "return_sequences": True},
                                                         name="l")], seed=4)
    x = np.random.default_rng(2).normal(size=(3, 700, 2)).astype(np.float32)
    shown = 1
    ls = LongSequence(model, x[shown:shown + 1], window=128, every=64)
    ls.samples_of = (3, shown, lambda k: sample_inputs(model, [x], k))
    assert ls.run_pass() and ls.all_samples == 3
    seen = []
    ov, st = ls.summary("l", "h", 0, feature=0, progress=lambda d, t: seen.append((d, t)), pooled=True)
    h = np.concatenate([model.trace(x[k:k + 1])["l"].steps["h"][0] for k in range(3)])
    want = _numpy_scores(h, x[:, :, 0].reshape(-1), False)
    for got, exp in zip((st.variance, st.saturation, st.correlation), want):
        np.testing.assert_allclose(got, exp, rtol=1e-9, atol=1e-12)
    assert st.n == 3 * 700 and seen[-1][0] == seen[-1][1]
    # the overview beside is still the sample shown's
    np.testing.assert_array_equal(ov.hi.max(axis=0), model.trace(x[1:2])["l"].steps["h"][0].max(axis=0))
    assert ls.summary("l", "h", 0, feature=0, pooled=True)[1] is st  # (kept)
    # a sequence holding every sample pools its own rows, one pass
    whole = LongSequence(model, x, window=128, every=64)
    assert whole.run_pass() and whole.all_samples == 3
    st3 = whole.pooled_stats("l", "h", feature=0)
    hb = model.trace(x)["l"].steps["h"].reshape(-1, 5)
    for got, exp in zip((st3.variance, st3.correlation), _numpy_scores(hb, x[:, :, 0].reshape(-1), False)[::2]):
        np.testing.assert_allclose(got, exp, rtol=1e-9, atol=1e-12)


def test_an_input_traced_whole_pools_each_samples_own_trace():
    """``WholeInput``'s all samples: each sample traced alone as the main window traces it
    (the kept traces taken as they are), or the whole batch's rows."""
    from lstmviz.app.whole_input import WholeInput

    model = Model.sequential((None, None, 3), [LayerSpec("GRU", {"units": 4, "return_sequences": True},
                                                         name="g")], seed=5)
    x = np.random.default_rng(3).normal(size=(4, 50, 3)).astype(np.float32)
    for alone in (True, False):
        seq = WholeInput(model, [x], 2, alone=alone)
        assert seq.run_pass()
        ov, st = seq.summary("g", "z", seq.row(2), feature=2, pooled=True)
        traces = [model.trace(x[k:k + 1])["g"].steps["z"][0] for k in range(4)] if alone else \
            list(model.trace(x)["g"].steps["z"])
        want = _numpy_scores(np.concatenate(traces), x[:, :, 2].reshape(-1), True)
        for got, exp in zip((st.variance, st.saturation, st.correlation), want):
            np.testing.assert_allclose(got, exp, rtol=1e-9, atol=1e-12)
        assert np.array_equal(ov.hi, traces[2]) and seq.all_samples == 4  # (50 steps: a bin a step)


def test_the_overviews_of_layers_that_are_not_recurrent_are_their_outputs_min_and_max_in_a_windows_memory(
        monkeypatch):
    """Issue 13: a causal Conv1D before an LSTM and a TimeDistributed head after it, on a
    long input: the overviews hold each one's output over the whole sequence (``(name,
    OUTPUT_KEY)``), min and max per bin of a whole trace's to the bit, made from the windows
    the pass computes anyway: no output sequence is held whole (the peak a fraction of one
    of them); a stack of recurrent layers alone gets none (no work added to its pass)."""
    from lstmviz.app.output_ref import OUTPUT_KEY, output_layers
    from lstmviz.engine import windows

    model = Model.sequential((None, None, 2), [
        LayerSpec("Conv1D", {"filters": 64, "kernel_size": 5, "padding": "causal"}, name="conv"),
        LayerSpec("LSTM", {"units": 8, "return_sequences": True}, name="lstm"),
        LayerSpec("TimeDistributed", {"layer": {"class_name": "Dense", "config": {"units": 64}}}, name="td")],
        seed=3)
    T = 40_000
    t = np.arange(T)
    x = np.stack([np.sin(t / 40.0), np.cos(t / 333.0) * t / T], -1)[None].astype(np.float32)
    x[0, 31_337] = 9.0  # (a one-step spike: its bin shows it)
    assert output_layers(model, x) == {"conv": 1, "td": 1}
    wt = keyframe_pass(model, x, every=64)
    monkeypatch.setattr(windows, "trace_budget", lambda: 4 << 20)
    got, held = _peak(lambda: scale.overviews(wt, 0, 511))
    # (one of the two outputs over the whole sequence: 10 MB; held: 2.9 MB, whatever the steps)
    whole = T * 64 * 4
    assert held < whole / 3, (held, whole)
    full = model.trace(x)
    for name in ("conv", "td"):
        ov = got[(name, OUTPUT_KEY)]
        y = full[name].output[0]
        e = ov.edges()
        assert np.array_equal(ov.lo, np.array([y[a:b].min(0) for a, b in zip(e[:-1], e[1:])])), name
        assert np.array_equal(ov.hi, np.array([y[a:b].max(0) for a, b in zip(e[:-1], e[1:])])), name
        assert ov.levels(False)[1] == float(np.abs(y).max())
    rnn = Model.sequential((None, None, 2), [LayerSpec("LSTM", {"units": 8, "return_sequences": True})], seed=3)
    assert output_layers(rnn, x) == {}
    assert not any(k == OUTPUT_KEY for _, k in scale.overviews(keyframe_pass(rnn, x[:, :2000], every=64), 0, 99))


@pytest.mark.parametrize("case, want, held", [
    ("onnx_hand_cnn_lstm_same_causal/model.onnx",
     {"c1": 2, "r1": 2, "bn": 2, "c2": 2, "m": 2, "a1": 2, "f": 2, "ym": 1}, []),
    ("k3_attention_pooling/model.keras", {"e": 1, "a": 1, "ctx": 1}, ["a"]),
])
def test_the_overviews_of_a_cnns_nodes_and_a_held_softmax_are_their_outputs_min_and_max_over_their_steps(
        case, want, held):
    """A long input through an ONNX CNN-LSTM (Conv, BatchNormalization, MaxPool and
    AveragePool nodes (N, C, L) that keep the steps, before an LSTM node): each node's
    overview is its output's min and max per bin over axis 2, where a window holds its
    steps (``output_ref.output_layers``), to the bit of a whole trace's; the Linear after
    the LSTM's over axis 1. Keras' attention pooling (k3_attention_pooling): the Softmax
    over the steps the pass holds whole (``a``) has its overview as the others, from its
    held output."""
    import lstmviz
    from lstmviz.app.output_ref import OUTPUT_KEY, output_layers
    from tests.helpers import FIXTURES

    model = lstmviz.load(FIXTURES / case, isolate=False)
    T = 5000
    t = np.arange(T)
    x = np.stack([np.sin(t / 40.0), np.cos(t / 333.0), np.sign(np.sin(t / 97.0))], -1)[None].astype(np.float32)
    x[0, 3333] = 9.0  # (a one-step spike: its bin shows it)
    axes = output_layers(model, x)
    assert axes == want
    wt = keyframe_pass(model, x, every=64)
    assert list(wt._held) == held
    got = scale.overviews(wt, 0, 511)
    full = model.trace(x)
    for name, axis in axes.items():
        ov = got[(name, OUTPUT_KEY)]
        y = np.moveaxis(full[name].output[0], axis - 1, 0)  # (its one sample: steps, units)
        e = ov.edges()
        assert np.array_equal(ov.lo, np.array([y[a:b].min(0) for a, b in zip(e[:-1], e[1:])])), name
        assert np.array_equal(ov.hi, np.array([y[a:b].max(0) for a, b in zip(e[:-1], e[1:])])), name


@pytest.fixture(scope="module")
def outputs_traced():
    """A CNN-LSTM over a long input: a causal Conv1D of relu, the MaxPooling1D of strides 1
    after it, an LSTM, a TimeDistributed(Dense) head of tanh and a linear Dense; two
    samples, a whole trace and keyframes."""
    model = Model.sequential((None, None, 2), [
        LayerSpec("Conv1D", {"filters": 12, "kernel_size": 5, "padding": "causal", "activation": "relu"},
                  name="conv"),
        LayerSpec("MaxPooling1D", {"pool_size": 3, "strides": 1, "padding": "same"}, name="pool"),
        LayerSpec("LSTM", {"units": 6, "return_sequences": True}, name="lstm"),
        LayerSpec("TimeDistributed", {"layer": {"class_name": "Dense", "config": {
            "units": 5, "activation": "tanh"}}}, name="td"),
        LayerSpec("Dense", {"units": 3}, name="lin")], seed=3)
    n = 5000
    t = np.arange(n)
    x = np.stack([np.sin(t / 40.0), np.sign(np.sin(t / 333.0)) * t / n], -1)[None].repeat(2, 0)
    x = (x + np.random.default_rng(4).normal(scale=0.2, size=x.shape)).astype(np.float32)
    return model, x, model.trace(x), keyframe_pass(model, x, every=64)


#: per layer of ``outputs_traced``: what a saturated step of its output is (its activation's)
_SATURATED = {"conv": lambda v: v == 0, "pool": lambda v: v == 0, "td": lambda v: np.abs(v) > 0.9, "lin": None}


@pytest.mark.parametrize("name", ["conv", "pool", "td", "lin"])
def test_the_outputs_of_layers_that_are_not_recurrent_are_ranked_and_searched_as_a_whole_trace_says(
        outputs_traced, name):
    """Issue 13: Units at scale ranked recurrent records alone; a CNN-LSTM's Conv1D filters,
    its pooling's channels, its heads' units over a long input were never ranked. Now each
    layer whose output has the long input's steps is a record (``(name, OUTPUT_KEY)``),
    summarized from the same windows: its overview the min and max per bin of a whole
    trace's output to the bit, its variance and r NumPy's over the whole trace's steps, its
    saturation by its activation (a relu's the steps at 0, the pooling's after it too, a
    tanh's |y| > 0.9; a linear one none, said why, and not ranked by), its crossings a
    whole trace's, of one sample and of both pooled."""
    from lstmviz.app.output_ref import OUTPUT_KEY

    model, x, full, wt = outputs_traced
    assert scale.output_records(model, x) == [(n, OUTPUT_KEY) for n in ("conv", "pool", "td", "lin")]
    y = full[name].output  # (samples, steps, units)
    steps = y.shape[1]
    for source in (full, wt):
        ov, st = scale.summarize(source, name, OUTPUT_KEY, sample=1, feature=1, bins=97)
        lo, hi = _brute_minmax(y[1], ov.bins)
        assert np.array_equal(ov.lo, lo) and np.array_equal(ov.hi, hi) and ov.total == steps
        var, _, r = _numpy_scores(y[1], x[1, :, 1].astype(np.float64), False)
        np.testing.assert_allclose(st.variance, var, rtol=1e-9, atol=1e-15)
        np.testing.assert_allclose(st.correlation, r, rtol=1e-9, atol=1e-12)
        saturated = _SATURATED[name]
        if saturated is None:
            assert not st.saturates and np.isnan(st.saturation).all()
            assert st.why_not == "no saturation: 'lin' is linear, no flat range to count"
            with pytest.raises(LstmvizError, match="^no saturation: 'lin' is linear.*by variance or correlation$"):
                scale.rank_units(st, "saturation")
        else:
            want = saturated(y[1]).sum(axis=0) / steps
            assert st.saturates and np.array_equal(st.saturation, want)
            assert list(scale.rank_units(st, "saturation")) == list(np.argsort(-want, kind="stable"))
        assert list(scale.rank_units(st, "variance")) == list(np.argsort(-st.variance, kind="stable"))
        pooled = scale.pool(None, source, name, OUTPUT_KEY, [0, 1], feature=0)
        both = y.reshape(-1, y.shape[2])
        var, _, r = _numpy_scores(both, x[:, :, 0].reshape(-1).astype(np.float64), False)
        assert pooled.n == 2 * steps
        np.testing.assert_allclose(pooled.variance, var, rtol=1e-9, atol=1e-15)
        np.testing.assert_allclose(pooled.correlation, r, rtol=1e-9, atol=1e-12)
        for unit in (0, y.shape[2] - 1):
            col = y[1, :, unit]
            thr = float(np.median(col)) if name != "conv" else float(np.float32(0.5) * col.max())
            for direction in ("up", "both"):
                want = scale.crossings(col, thr, direction)
                assert len(want) > 2
                got = scale.find_crossings(source, name, OUTPUT_KEY, unit, thr, direction, sample=1)
                assert np.array_equal(got, want), (name, unit, direction)


def test_an_outputs_saturation_is_its_activations():
    """Which steps of a layer's output count as saturated follows its activation, through the
    layers that keep its numbers (a pooling, a Dropout); a recurrent record's by its key."""
    from lstmviz.app.output_ref import OUTPUT_KEY

    model = Model.sequential((None, None, 2), [
        LayerSpec("Conv1D", {"filters": 4, "kernel_size": 3, "padding": "same"}, name="conv"),
        LayerSpec("MaxPooling1D", {"pool_size": 2, "strides": 1, "padding": "same"}, name="pool"),
        LayerSpec("Dense", {"units": 3, "activation": "sigmoid"}, name="sig"),
        LayerSpec("Dropout", {"rate": 0.5}, name="drop"),
        LayerSpec("GRU", {"units": 3, "return_sequences": True}, name="g"),
        LayerSpec("TimeDistributed", {"layer": {"class_name": "Dense", "config": {
            "units": 4, "activation": "softmax"}}}, name="head")], seed=1)
    rule = scale.saturation_rule
    assert rule(model, "conv", OUTPUT_KEY) == ("", "no saturation: 'conv' is linear, no flat range to count")
    assert rule(model, "pool", OUTPUT_KEY) == (
        "", "no saturation: its numbers are those of 'conv', which is linear, no flat range to count")
    assert rule(model, "sig", OUTPUT_KEY) == rule(model, "drop", OUTPUT_KEY) == ("gate", "")
    assert rule(model, "head", OUTPUT_KEY) == ("gate", "")
    assert rule(model, "g", "z") == ("gate", "") and rule(model, "g", "h") == ("state", "")
    emb = Model.sequential((None, None), [LayerSpec("Embedding", {"input_dim": 9, "output_dim": 4}, name="e")], seed=1)
    assert rule(emb, "e", OUTPUT_KEY) == ("", "no saturation: 'e' has no activation, no flat range to count")


def _before_an_lstm(first: tuple, T: int):
    """``first`` (a class name and its config) named "c" before LSTM(3, return_sequences)
    "l", over ``T`` random steps of two features: the model, the input, its whole trace,
    its ``LongSequence`` and the LSTM's own steps."""
    from lstmviz.app.long_sequence import LongSequence

    model = Model.sequential((None, None, 2), [LayerSpec(first[0], first[1], name="c"),
                                               LayerSpec("LSTM", {"units": 3, "return_sequences": True}, name="l")],
                             seed=2)
    x = np.random.default_rng(T).normal(size=(1, T, 2)).astype(np.float32)
    full = model.trace(x)
    return model, x, full, LongSequence(model, x), full["l"].timesteps


def _windows_are_whole(seq, full, rnn: str, own: int) -> list:
    """After the pass, the window around the first, a middle and the last own step of
    ``rnn`` holds that step, its cell states the whole trace's ``full`` to the bit; the
    windows and ``rnn``'s records in them, for more checks."""
    got = []
    for step in (0, own // 2 + 3, own - 1):
        trace, _ = seq.window_at(seq.input_step(rnn, None, step))
        rec = trace[rnn]
        assert rec.start <= step < rec.start + rec.timesteps
        np.testing.assert_array_equal(rec.steps["c"], full[rnn].steps["c"][:, rec.start:rec.start + rec.timesteps])
        got.append((trace, rec))
    return got


@pytest.mark.parametrize("T", [5000, 5001])
@pytest.mark.parametrize("first", [
    ("Conv1D", {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"}),
    ("MaxPooling1D", {"pool_size": 3, "strides": 2, "padding": "same"}),
    ("Conv1D", {"filters": 3, "kernel_size": 4, "padding": "valid"})])
def test_a_long_inputs_first_steps_and_windows_after_a_strided_layer_are_the_whole_sequences(T, first):
    """A long input through a layer that changes the steps: its first steps and first
    window, shown before the pass, are the whole sequence's numbers (a pass over a prefix of
    as many steps modulo the strides as the sequence: TensorFlow's SAME puts its odd zero
    by the input's length, and a Conv1D's chunks and the LSTM's cuts are whole); after the
    pass a window around any own step of the LSTM, its units' summary over its own steps,
    each layer's overview over its own steps: a whole trace's."""
    model, x, full, seq, own = _before_an_lstm(first, T)
    assert seq.steps_of("l") == seq.steps_of("c") == own < T and seq.changes_steps
    # (the first steps 16 of the LSTM's own: ``quick_steps``, 32 input steps after strides 2)
    quick = seq.quick_steps()
    assert quick == QUICK_STEPS * first[1].get("strides", 1)
    for got, steps in ((seq.first_steps(), quick), (seq.first_window(), seq.window)):
        n = got["l"].timesteps
        assert got["l"].total == own and n == -(-steps // first[1].get("strides", 1))
        assert got.end == steps and (steps == quick or n == seq.first_of("l"))
        np.testing.assert_array_equal(got["c"].output, full["c"].output[:, :n])
        np.testing.assert_array_equal(got["l"].steps["h"], full["l"].steps["h"][:, :n])
    assert seq.run_pass() and seq.run_overviews(bins=32)
    _windows_are_whole(seq, full, "l", own)
    ov, stats = seq.summary("l", "h", bins=32)
    h = full["l"].steps["h"][0]
    assert ov.total == own and stats.n == own
    np.testing.assert_allclose(stats.mean, h.astype(np.float64).mean(axis=0), rtol=1e-9)
    for key, arr in ((("l", "h"), h), (("c", "y"), full["c"].output[0]), (("l", "x"), full["c"].output[0])):
        got = seq.overviews[key]
        assert got.total == own
        np.testing.assert_array_equal(got.hi, np.array([arr[a:b].max(axis=0) for a, b in zip(
            *(lambda e: (e[:-1], e[1:]))((2 * np.arange(got.bins + 1) * own + got.bins) // (2 * got.bins)))]))


@pytest.mark.parametrize("T", [5000, 5001])
@pytest.mark.parametrize("case", ["onnx_torch_classic_cnn_lstm_max", "onnx_torch_classic_cnn_avgpool_lstm",
                                  "onnx_torch_dynamo_cnn_avgpool_lstm", "onnx_hand_cnn_lstm_strided"])
def test_a_long_inputs_first_steps_and_windows_after_an_onnx_pool_of_strides_are_the_whole_sequences(T, case):
    """A long input through torch's CNN-LSTM exported to ONNX (MaxPool1d(2), an
    AvgPool1d(3, 2, padding 1, ceil_mode), or the hand-built graph of strides 2, 2 and 2
    with ceil_mode and VALID): its first steps and first window, shown before the pass,
    are the whole sequence's numbers in the LSTM node's own steps; after the pass a window
    around any own step of the node, its units' summary over its own steps and the pool's
    overview (its output (N, C, L) over axis 2): a whole trace's."""
    import lstmviz
    from lstmviz.app.long_sequence import LongSequence
    from tests.helpers import FIXTURES

    model = lstmviz.load(FIXTURES / case / "model.onnx")
    x = np.random.default_rng(T).normal(size=(1, T, 3)).astype(np.float32)
    full = model.trace(x)
    seq = LongSequence(model, x)
    rnn = next(n.layer.name for n in model.nodes if n.layer.class_name.startswith("onnx.LSTM"))
    pool = [n.layer.name for n in model.nodes if n.layer.class_name in ("onnx.MaxPool", "onnx.AveragePool")][-1]
    own = full[rnn].timesteps
    assert seq.steps_of(rnn) == seq.steps_of(pool) == own < T and seq.changes_steps
    assert full[pool].output.shape[2] == own
    quick = seq.first_steps()  # (16 of the node's own steps, the input steps they read)
    assert quick[rnn].timesteps == QUICK_STEPS
    for got, steps in ((quick, QUICK_STEPS * seq.scale_of(rnn)), (seq.first_window(), seq.window)):
        n = got[rnn].timesteps
        assert got[rnn].total == own and got.end == steps and 0 < n < own
        np.testing.assert_array_equal(got[pool].output, full[pool].output[:, :, :n])
        np.testing.assert_array_equal(got[rnn].steps["h"], full[rnn].steps["h"][:, :n])
    assert seq.run_pass() and seq.run_overviews(bins=32)
    _windows_are_whole(seq, full, rnn, own)
    ov, stats = seq.summary(rnn, "h", bins=32)
    h = full[rnn].steps["h"][0]
    assert ov.total == own and stats.n == own
    np.testing.assert_allclose(stats.mean, h.astype(np.float64).mean(axis=0), rtol=1e-9)
    for key, arr in (((rnn, "h"), h), ((pool, "y"), full[pool].output[0].T)):
        got = seq.overviews[key]
        assert got.total == own
        np.testing.assert_array_equal(got.hi, np.array([arr[a:b].max(axis=0) for a, b in zip(
            *(lambda e: (e[:-1], e[1:]))((2 * np.arange(got.bins + 1) * own + got.bins) // (2 * got.bins)))]))


def _deep_pools(T: int, seed: int = 5):
    """Conv1D -> MaxPooling1D(2) x 5 -> LSTM over ``T`` steps: the LSTM at scale 32, and
    the whole trace of the input."""
    model = Model.sequential((None, None, 2), [
        LayerSpec("Conv1D", {"filters": 3, "kernel_size": 3, "padding": "causal"}, name="c"),
        *(LayerSpec("MaxPooling1D", {"pool_size": 2}, name=f"p{i}") for i in range(1, 6)),
        LayerSpec("LSTM", {"units": 3, "return_sequences": True}, name="l")], seed=2)
    x = np.random.default_rng(seed).normal(size=(1, T, 2)).astype(np.float32)
    return model, x, model.trace(x)


def test_a_far_seeks_quick_window_after_a_deep_stack_of_pools_holds_sixteen_of_the_layers_own_steps():
    """Conv1D -> MaxPooling1D(2) x 5 -> LSTM: a far seek's quick window, shown until the
    whole window comes, was 16 input steps, which hold one of the LSTM's own steps (each
    stands for 32). Now it holds 16 of the selected layer's own steps (the 512 input steps
    they read), from a cut of its own (a multiple of 16), to the bit a whole trace's; 16 of
    its own for a layer at scale 1, as before; the first steps on opening the same."""
    from lstmviz.app.long_sequence import LongSequence

    model, x, full = _deep_pools(32 * 600 + 7)
    own = full["l"].timesteps
    seq = LongSequence(model, x)
    assert seq.scale_of("l") == 32 and seq.steps_of("l") == own == 600
    first = seq.first_steps({"l"})
    assert first["l"].start == 0 and first["l"].timesteps == QUICK_STEPS
    np.testing.assert_array_equal(first["l"].steps["h"], full["l"].steps["h"][:, :QUICK_STEPS])
    assert seq.run_pass()
    for step in (own // 2 + 5, 333, own - 1):
        quick, _ = seq.window_at(seq.input_step("l", None, step), quick=True, needed={"l"})
        assert seq.is_quick(quick)
        rec = quick["l"]
        assert rec.start % QUICK_STEPS == 0 and rec.start <= step < rec.start + rec.timesteps
        assert rec.timesteps == min(QUICK_STEPS, own - rec.start)
        for key in ("h", "c", "f"):
            np.testing.assert_array_equal(rec.steps[key], full["l"].steps[key][:, rec.start:rec.start + rec.timesteps])
        p = quick["p3"]  # (the layers below: the steps those read, the whole trace's too)
        np.testing.assert_array_equal(p.output, full["p3"].output[:, p.start:p.start + p.output.shape[1]])
    # the Conv1D selected: 16 of its own steps, as before
    quick, _ = seq.window_at(15000, quick=True, needed={"c"})
    assert seq.is_quick(quick) and quick["c"].output.shape[1] == QUICK_STEPS and quick["c"].start == 14992
    np.testing.assert_array_equal(quick["c"].output, full["c"].output[:, 14992:15008])
    seq.close()
    # pools after the LSTM (its windows of 256 input steps hold 8 of the last pool's): the
    # quick steps of the last pool at most the window they stand for, not 512 input steps
    model = Model.sequential((None, None, 2), [
        LayerSpec("LSTM", {"units": 3, "return_sequences": True}, name="l"),
        *(LayerSpec("MaxPooling1D", {"pool_size": 2}, name=f"p{i}") for i in range(1, 6))], seed=2)
    full = model.trace(x)
    seq = LongSequence(model, x)
    assert seq.window == 256 and seq.quick_steps({"p5"}) == 256 and seq.quick_steps({"l"}) == QUICK_STEPS
    assert seq.run_pass()
    quick, _ = seq.window_at(15000, quick=True, needed={"p5"})
    assert seq.is_quick(quick) and seq.quick_at == (14848, 15104)
    p = quick["p5"]
    assert p.start == 14848 // 32 and p.output.shape[1] == 8
    np.testing.assert_array_equal(p.output, full["p5"].output[:, p.start:p.start + 8])
    seq.close()


def test_the_app_states_far_seek_on_an_lstm_after_five_pools_shows_sixteen_of_its_steps(monkeypatch):
    """The main window's route (``AppState.follow_long``: the cursor's layer needed): a far
    seek on the LSTM after five MaxPooling1D(2) shows 16 of its own steps holding the
    cursor's, the whole trace's, until the whole window comes."""
    from lstmviz import limits
    from lstmviz.app.options import default_config
    from lstmviz.app.stack import InputSpec, LayerEntry
    from lstmviz.app.state import AppState

    monkeypatch.setattr(limits, "TRACE_SHARE", 1e-5)  # a long input
    pool = dict(default_config("MaxPooling1D"), pool_size=2)
    conv = dict(default_config("Conv1D"), filters=3, kernel_size=3, padding="causal")
    state = AppState([LayerEntry("Conv1D", conv)] + [LayerEntry("MaxPooling1D", pool)] * 5
                     + [LayerEntry("LSTM", default_config("LSTM", None, units=4))], InputSpec(input_dim=2))
    x = np.random.default_rng(0).normal(size=(1, 32 * 700, 2)).astype(np.float32)
    state.set_input_data(x)
    seq = state.long
    lstm = state.model.layers[-1].name
    assert seq is not None and seq.run_pass()
    state.set_cursor(layer=lstm, step=500)
    state.follow_long()
    rec = state.trace[lstm]
    assert seq.is_quick(state.trace) and (rec.start, rec.timesteps, state.trace_cursor.step) == (496, 16, 4)
    full = state.model.trace(x)[lstm].steps
    for key in ("h", "c"):
        np.testing.assert_array_equal(rec.steps[key], full[key][:, 496:512])
    seq.close()


@pytest.mark.parametrize("T", [5000, 5001])
@pytest.mark.parametrize("first, below", [
    (("Cropping1D", {"cropping": [3, 5]}), "c"), (("Cropping1D", {"cropping": [0, 5]}), None),
    (("ZeroPadding1D", {"padding": [4, 2]}), "c"), (("UpSampling1D", {"size": 3}), "c")])
def test_a_long_input_through_cropping_padding_or_upsampling_opens_and_seeks_to_the_whole_sequences(
        T, first, below):
    """A long input through a Cropping1D, ZeroPadding1D or UpSampling1D before an LSTM (it
    was refused: 'reshapes the time axis'): the LSTM over its own steps (fewer, more, three
    times the input's), its first steps and first window the whole sequence's, a window
    around any own step of it after the pass a whole trace's, its overview over its own
    steps; the views name the steps it reads as the layer below's where they are not the
    input's one for one (a Cropping1D((3, 5)): its step t reads input step t+3)."""
    from lstmviz.app.cell_ref import steps_below
    model, x, full, seq, own = _before_an_lstm(first, T)
    assert seq.steps_of("l") == seq.steps_of("c") == own != T and seq.changes_steps
    assert steps_below(model, "l") == below
    reads = model.get_layer("c").read_steps(T, 0, own)[:, 0]
    np.testing.assert_array_equal(full["c"].output[0][reads >= 0], x[0][reads[reads >= 0]])
    assert not full["c"].output[0][reads < 0].any()  # (the padding's zeros)
    for got in (seq.first_steps(), seq.first_window()):
        n = got["l"].timesteps
        assert got["l"].total == own and n > 0
        np.testing.assert_array_equal(got["c"].output, full["c"].output[:, :n])
        np.testing.assert_array_equal(got["l"].steps["h"], full["l"].steps["h"][:, :n])
    assert seq.run_pass() and seq.run_overviews(bins=32)
    for trace, rec in _windows_are_whole(seq, full, "l", own):
        np.testing.assert_array_equal(trace["c"].output, full["c"].output[:, rec.start:rec.start + rec.timesteps])
    ov, stats = seq.summary("l", "h", bins=32)
    assert ov.total == own and stats.n == own
    np.testing.assert_allclose(stats.mean, full["l"].steps["h"][0].astype(np.float64).mean(axis=0), rtol=1e-9)
    # (every overview over its own steps, each bin the whole trace's: after an UpSampling1D(3)
    # a window of input steps holds three times as many of the LSTM's, all of them binned)
    whole = {("l", k): full["l"].steps[k][0] for k in full["l"].steps}
    whole.update({("c", "y"): full["c"].output[0], ("l", "x"): full["c"].output[0],
                  (model.inputs[0].layer, "x"): x[0]})
    assert set(whole) >= set(seq.overviews) >= {("l", "h"), ("c", "y"), ("l", "x")}
    for key, got in seq.overviews.items():
        arr = whole[key]
        n = arr.shape[0]  # (its own steps; the input's, T, for the model's input)
        assert got.total == n and n in (own, T), key
        edges = (2 * np.arange(got.bins + 1) * n + got.bins) // (2 * got.bins)
        np.testing.assert_array_equal(got.hi, np.array([arr[a:b].max(axis=0) for a, b in zip(edges[:-1], edges[1:])]),
                                      err_msg=str(key))
        np.testing.assert_array_equal(got.lo, np.array([arr[a:b].min(axis=0) for a, b in zip(edges[:-1], edges[1:])]),
                                      err_msg=str(key))


def test_a_long_input_through_permuted_channels_first_layers_seeks_exact_windows():
    """Issue 13: Keras' channels_first CNN, Permute((2, 1)) -> Conv1D(channels_first) ->
    MaxPooling1D(2, channels_first) -> Permute((2, 1)) -> LSTM, over a long input: the views
    count the steps of the first Permute's and the channels_first layers' outputs on axis 2
    (``cell_ref.steps_axes``, as the windows hold them); the first window before the pass is
    refused by no layer, and a seek anywhere after it gives every layer's own steps of the
    whole trace, to the bit, on that axis; the overviews of each output are its min and max
    per bin over that axis."""
    import threading

    from helpers import permuted_channels_first
    from lstmviz.app.cell_ref import steps_axes
    from lstmviz.app.long_sequence import LongSequence
    from lstmviz.app.output_ref import OUTPUT_KEY, output_layers

    n = 3000
    model, x = permuted_channels_first(n, batch=2)
    x = (x + np.random.default_rng(5).normal(scale=0.1, size=x.shape)).astype(np.float32)
    axes = {name: got[0] for name, got in steps_axes(model).items()}
    assert {k: axes[k] for k in ("p1", "conv", "pool", "p2", "lstm")} == {
        "p1": 2, "conv": 2, "pool": 2, "p2": 1, "lstm": 1}, axes
    full = model.trace(x)
    ls = LongSequence(model, x, window=256, every=64)
    worker = threading.Thread(target=ls.run_pass)
    worker.start()
    worker.join()
    assert ls.ready and ls.error is None
    for step in (0, 777, 1501, n - 1):
        win, i = ls.window_at(step)
        assert win.start + i == step
        for name in ("p1", "conv", "pool", "p2", "lstm"):
            rec = win[name]
            got = np.asarray(rec.output)
            whole = np.moveaxis(np.asarray(full[name].output), axes[name], 1)
            part = np.moveaxis(got, axes[name], 1)
            assert np.array_equal(part, whole[:, rec.start:rec.start + part.shape[1]]), (name, step)
        c = win["lstm"].steps["c"]
        assert c.shape[1] >= 128  # (the LSTM's own steps: half the input's)
        np.testing.assert_array_equal(c, full["lstm"].steps["c"][:, win["lstm"].start:win["lstm"].start + c.shape[1]])
    assert output_layers(model, x[:1]) == {"p1": 2, "conv": 2, "pool": 2, "p2": 1}
    one = keyframe_pass(model, x[:1], every=64)
    got = scale.overviews(one, 0, 511)
    for name, axis in output_layers(model, x[:1]).items():
        ov = got[(name, OUTPUT_KEY)]
        y = np.moveaxis(full[name].output[0], axis - 1, 0)
        e = ov.edges()
        assert np.array_equal(ov.lo, np.array([y[a:b].min(0) for a, b in zip(e[:-1], e[1:])])), name
        assert np.array_equal(ov.hi, np.array([y[a:b].max(0) for a, b in zip(e[:-1], e[1:])])), name


@pytest.mark.parametrize("values", [
    np.array([[0.5, -2.25], [1.75, 0.0]], np.float32),  # every number finite: the two ends read
    np.array([0.5, np.nan, -3.0], np.float32),
    np.array([np.inf, -0.5, 2.0]),
    np.array([-np.inf, np.nan]),  # none finite
    np.array([-0.0, 0.0], np.float16),
    np.array([3, -7, 1]),  # not float
])
def test_levels_are_those_of_the_finite_numbers(values):
    """``largest`` and ``gate_levels`` (read off the two ends where every number is finite)
    equal the levels of the finite numbers alone, NaN and infinities left out."""
    finite = values[np.isfinite(values)].astype(np.float64)
    assert scale.largest(values) == (float(np.abs(finite).max()) if finite.size else 0.0)
    want = (min(0.0, finite.min()), max(1.0, finite.max())) if finite.size else (0.0, 1.0)
    assert scale.gate_levels(values) == want
    assert scale.largest(values, np.float32([-9.5])) == 9.5
