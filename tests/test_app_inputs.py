"""Input generators and files: shapes, seeds, ranges, clear errors."""

from array import array
from pathlib import Path

import numpy as np
import pytest

import lstmviz
from lstmviz.app import inputs as gen
from lstmviz.app.state import AppState
from lstmviz.engine.model import BEYOND_FLOAT32
from lstmviz.errors import LstmvizError

FIX_DIR = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize("kind", [k for k in gen.GENERATORS if k != "text"])
def test_every_generator_is_seeded_and_shaped(kind):
    a = gen.generate(kind, 3, 17, 2, seed=5)
    b = gen.generate(kind, 3, 17, 2, seed=5)
    assert a.shape == (3, 17, 2) and a.dtype == np.float32
    assert np.all(np.isfinite(a))
    np.testing.assert_array_equal(a, b)


def test_specific_signals():
    imp = gen.generate("impulse", 1, 10, 1)
    assert imp[0, :, 0].tolist() == [1.0] + [0.0] * 9
    step = gen.generate("step", 1, 10, 1)
    assert step[0, :, 0].tolist() == [0.0] * 5 + [1.0] * 5
    count = gen.generate("counting", 1, 4, 1)
    np.testing.assert_allclose(count[0, :, 0], [0.25, 0.5, 0.75, 1.0])
    sq = gen.generate("square", 2, 30, 1, seed=1)
    assert set(np.unique(sq)) <= {-1.0, 1.0}
    assert not np.array_equal(gen.generate("noise", 1, 5, 1, seed=1), gen.generate("noise", 1, 5, 1, seed=2))


def _batches(kind, n=3, batch=6, T=40, features=2, seed=3):
    return [gen.generate(kind, batch, T, features, seed=seed, batch_index=k) for k in range(n)]


@pytest.mark.parametrize("kind", gen.SEEDED + ("counting",))
def test_a_stateful_models_next_batches_continue_the_signal_where_the_last_ended(kind):
    """Batch k of a stateful model's input is the signal's steps k*T .. (k+1)*T. Each batch
    was cut from a signal generated k+1 batches long: mixed sines were scaled over that
    length (batch 1 some 18% off batch 0's scale), an impulse or a step placed over it (a
    second spike, a step that fell back to 0), counting divided by it, a random walk and
    noise drawn anew (the walk jumped at the boundary)."""
    bs = _batches(kind)
    np.testing.assert_array_equal(bs[0], gen.generate(kind, 6, 40, 2, seed=3))  # batch 0 as ever
    whole = np.concatenate(bs, axis=1).astype(np.float64)
    if kind in ("sine", "square", "sawtooth", "counting"):
        np.testing.assert_allclose(whole, gen.generate(kind, 6, 120, 2, seed=3) * (3.0 if kind == "counting" else 1.0),
                                   rtol=1e-6, atol=1e-6)
    elif kind == "mixed_sines":  # the signal over 120 steps, one scale for all three batches
        ratio = whole / gen.generate(kind, 6, 120, 2, seed=3)
        assert np.ptp(ratio[np.isfinite(ratio) & (np.abs(whole) > 1e-3)]) < 1e-4
        assert np.max(np.abs(bs[0])) == pytest.approx(1.0)
    elif kind == "impulse":  # one spike in all, where batch 0 put it
        assert (whole.sum(axis=1) == 1).all() and not bs[1].any() and not bs[2].any()
    elif kind == "step":  # one step up, never back down
        assert (np.diff(whole, axis=1) >= 0).all() and (bs[1] == 1).all() and (bs[2] == 1).all()
    elif kind == "random_walk":  # no jump at a boundary bigger than the walk's own steps
        inner = np.abs(np.diff(np.concatenate([bs[0], bs[1]], axis=1)[:, :40], axis=1)).max()
        for a, b in zip(bs, bs[1:]):
            assert np.abs(b[:, 0] - a[:, -1]).max() <= inner
    else:  # noise: new draws each batch, the same ones every time it is asked
        assert not np.array_equal(bs[1], bs[0]) and not np.array_equal(bs[2], bs[1])
        np.testing.assert_array_equal(bs[2], gen.generate(kind, 6, 40, 2, seed=3, batch_index=2))


def test_text_onehot_and_ids():
    oh = gen.text_onehot("ab a", batch=2)
    assert oh.shape == (2, 4, len(gen.ALPHABET))
    assert oh[0].sum(axis=1).tolist() == [1, 1, 1, 1]
    assert oh[0, 0, gen.ALPHABET.index("a")] == 1
    ids = gen.text_ids("ab", batch=1, timesteps=4)
    assert ids.tolist() == [[2, 3, 0, 0]]  # 0 is padding
    assert gen.text_ids("A?!", 1)[0, 0] == gen.text_ids("a", 1)[0, 0]


def test_counting_token_ids_count_one_two_three():
    """"Counting 1, 2, 3 ..." into an Embedding: ids 1, 2, 3 ... (sample b from 1 + b),
    wrapping round inside the vocabulary, not a sine's scaling of the batch's range (which
    skipped ids: 1 .. 7, 9 for 4 samples of 24 steps into 30 ids)."""
    ids = gen.counting_ids(4, 24, 30)
    assert ids.dtype == np.int32 and ids.shape == (4, 24)
    assert ids[0].tolist() == list(range(1, 25)) and ids[1, :3].tolist() == [2, 3, 4]
    assert ids[3, -1] == 27 and len(np.unique(ids)) == 27  # no id skipped
    small = gen.counting_ids(1, 10, 5)  # ids 1..4 only: round again after 4
    assert small[0].tolist() == [1, 2, 3, 4, 1, 2, 3, 4, 1, 2]
    assert gen.counting_ids(1, 4, 5, first=10)[0].tolist() == [3, 4, 1, 2]  # steps 10..13
    assert not gen.counting_ids(2, 3, 1).any()  # a vocabulary of one id: padding only


def test_counting_into_an_embedding_counts_and_a_stateful_batch_goes_on_counting():
    from lstmviz.app.options import default_config
    from lstmviz.app.state import AppState, InputSpec, LayerEntry

    emb = default_config("Embedding")
    emb.update(input_dim=10, output_dim=2)
    lstm = default_config("LSTM", units=2)
    lstm.update(stateful=True)
    s = AppState([LayerEntry("Embedding", emb), LayerEntry("LSTM", lstm)],
                 InputSpec(batch_size=2, timesteps=6, input_dim=1, source="counting"))
    assert s.x.tolist() == [[1, 2, 3, 4, 5, 6], [2, 3, 4, 5, 6, 7]]
    s.next_batch()
    assert s.x.tolist() == [[7, 8, 9, 1, 2, 3], [8, 9, 1, 2, 3, 4]]


def test_ids_for_vocab_stay_inside():
    ids = gen.ids_for_vocab(gen.generate("sine", 2, 30, 1), 7)
    assert ids.shape == (2, 30) and ids.min() >= 1 and ids.max() <= 6


def test_load_npy_and_csv(tmp_path):
    np.save(tmp_path / "a.npy", np.arange(6, dtype=np.float64))
    assert gen.load_array(tmp_path / "a.npy").shape == (1, 6, 1)
    np.save(tmp_path / "b.npy", np.zeros((2, 5, 3)))
    assert gen.load_array(tmp_path / "b.npy").shape == (2, 5, 3)
    (tmp_path / "c.csv").write_text("x,y\n1,2\n3,4\n5,6\n")
    c = gen.load_array(tmp_path / "c.csv")
    assert c.shape == (1, 3, 2) and c[0, 2].tolist() == [5, 6]


def test_a_bool_npy_is_imported_as_the_cli_reads_it(tmp_path):
    """File > Import refused a bool .npy ("holds bool values, not numbers") that
    ``lstmviz trace --input`` and the Train tab read as 0 and 1, and whose refusals by the
    .npy reader list "numbers (bool, integer or float)" as accepted."""
    mask = np.array([[True, False, True], [False, False, True]])
    np.save(tmp_path / "mask.npy", mask)
    got = gen.load_array(tmp_path / "mask.npy")
    assert got.dtype == np.float32 and got.shape == (1, 2, 3) and got[0].tolist() == mask.astype(float).tolist()
    assert gen.load_ids(tmp_path / "mask.npy", vocab=2).tolist() == mask.astype(int).tolist()


@pytest.mark.parametrize("content,needle", [("1,2\n3\n", "columns"), ("1,a\n2,b\n", "not a number"),
                                            ("", "the file is empty"), ("# x\n", "no rows")])
def test_bad_csv_is_a_message(tmp_path, content, needle):
    (tmp_path / "bad.csv").write_text(content)
    with pytest.raises(LstmvizError, match=needle):
        gen.load_array(tmp_path / "bad.csv")


def test_bad_files_are_messages(tmp_path):
    with pytest.raises(LstmvizError):
        gen.load_array(tmp_path / "missing.npy")
    np.save(tmp_path / "nan.npy", np.array([1.0, np.nan]))
    with pytest.raises(LstmvizError, match="NaN"):
        gen.load_array(tmp_path / "nan.npy")
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(LstmvizError, match=".npy or .csv"):
        gen.load_array(tmp_path / "x.json")


def test_an_imported_file_the_system_will_not_read_says_the_systems_words(tmp_path, monkeypatch):
    """File > Import of a .csv that was gone, a folder or on a failing disk was "cannot read
    it as csv ([Errno 2] No such file or directory: '/whole/path/x.csv')"; a name holding a
    NUL character, "(embedded null byte)": Python's words. The system's words stay, the
    exception chained; the file is named as before. A .npy, a CSV of bytes that are not
    UTF-8 and a pickle-bearing .npy are said as they were."""
    import errno
    import os

    for name in ("gone.csv", "gone.txt"):
        with pytest.raises(LstmvizError) as err:
            gen.load_array(tmp_path / name)
        assert str(err.value) == f"{name}: cannot read it as {name[-3:]} (No such file or directory)"
        assert isinstance(err.value.__cause__, FileNotFoundError)
    with pytest.raises(LstmvizError) as err:
        gen.load_ids(tmp_path / "gone.npy", 5)
    assert str(err.value) == "gone.npy: No such file or directory"
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(LstmvizError) as err:
        gen.load_array(tmp_path / "folder.csv")
    assert str(err.value) == "folder.csv: cannot read it as csv (Is a directory)"
    with pytest.raises(LstmvizError) as err:
        gen.load_array(str(tmp_path / "a\0b.csv"))
    assert str(err.value) == ("a\\x00b.csv: cannot read it as csv (its name holds a NUL character, "
                              "which no file's name can)")
    (tmp_path / "latin1.csv").write_bytes(b"1,2\n3,\xe9\n")
    with pytest.raises(LstmvizError) as err:
        gen.load_array(tmp_path / "latin1.csv")
    assert str(err.value) == ("latin1.csv: line 2, column 2: '\ufffd' is not a number (bytes that are not "
                              "UTF-8: save the file as UTF-8 text)")
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(LstmvizError) as err:
        gen.load_array(tmp_path / "obj.npy")
    assert str(err.value) == ("obj.npy: holds Python objects (a pickled array), which lstmviz never "
                              "loads; accepted: .npy arrays of numbers (bool, integer or float)")
    (tmp_path / "x.csv").write_text("1,2\n3,4\n")

    def failing(*a, **k):
        raise OSError(errno.EIO, os.strerror(errno.EIO), str(tmp_path / "x.csv"))

    monkeypatch.setattr(gen, "open", failing, raising=False)  # (the module's open: the CSV's read)
    with pytest.raises(LstmvizError) as err:
        gen.load_array(tmp_path / "x.csv")
    assert str(err.value) == "x.csv: cannot read it as csv (Input/output error)"


def test_a_number_beyond_float32_is_named_as_the_file_holds_it(tmp_path):
    """File > Import of a float64 .npy or a .csv holding 1e39 said 'holds NaN or infinity'
    of a file of finite numbers (the float32 the model takes overflowed): it is named, where
    it is, and said to be beyond float32's range; a NaN is placed too."""
    np.save(tmp_path / "big.npy", np.array([[1.0, 2.0], [3.0, -1e39]]))
    (tmp_path / "big.csv").write_text("a,b\n1,2\n3,1e39\n")
    for name, says in (("big.npy", r"holds -1e\+39 \(first at index \(0, 1, 1\)\), "),
                       ("big.csv", r"line 3, column 2 \('b'\): '1e39' is ")):  # (a CSV's by line)
        with pytest.raises(LstmvizError, match=rf"^{name}: {says}beyond float32's range \(\u00b13\.4e38\), "
                                               "the numbers a model takes"):
            gen.load_array(tmp_path / name)
    np.save(tmp_path / "nan.npy", np.array([[1.0, 2.0], [np.nan, 0.0]], np.float32))
    with pytest.raises(LstmvizError, match=r"^nan.npy: holds NaN or infinity \(first at index \(0, 1, 0\)\)"):
        gen.load_array(tmp_path / "nan.npy")
    with pytest.raises(LstmvizError, match="at least"):
        gen.generate("sine", 0, 5, 1)


@pytest.mark.parametrize("text, fits", [("3.4028235e38", True),  # (NumPy's print of float32's max)
                                         ("3.40282356e38", True),  # (below the halfway to 2**128: the max)
                                         ("3.4028236e38", False),  # (rounds to infinity)
                                         ("340282356779733661637539395458142568448", False)])  # (the halfway)
def test_float32s_max_as_numpy_prints_it_is_read_by_every_reader(tmp_path, text, fits):
    """'3.4028235e38', float32's max as NumPy prints it, was read by File > Open a long input
    and refused by the command line's CSV reader, Import, and float64 .npy files ("beyond
    float32's range"): one bound for all (``errors.within_float32``): a number float32
    rounds to its max is in range, one it rounds to infinity is not, in a CSV's first row
    (read line by line) and its later ones (a block), and in a float64 .npy."""
    from lstmviz.app.long_data import open_npy, read_csv
    from lstmviz.cli_inputs import read_input
    from lstmviz.engine.model import check_float32

    def checked(path):  # (the command line's: ``Model.check_inputs`` of what ``read_input`` read)
        x = read_input(path)
        check_float32(x, f"{path.name}: holds")
        return x

    v = float(text)
    with np.errstate(over="ignore"):
        assert bool(np.isfinite(np.float32(v))) == fits  # (the bound is the cast's)
    (tmp_path / "edge.csv").write_text(f"{text},1\n2,-{text}\n")
    np.save(tmp_path / "edge.npy", np.array([[[v, 1.0], [2.0, -v]]]))
    for path in (tmp_path / "edge.csv", tmp_path / "edge.npy"):
        readers = (read_csv, gen.load_array, read_input) if path.suffix == ".csv" else (
            open_npy, gen.load_array, checked)
        for read in readers:
            if fits:
                got = np.asarray(read(path), np.float32).reshape(2, 2)
                np.testing.assert_array_equal(got, np.float32([[v, 1], [2, -v]]))
            else:
                with pytest.raises(LstmvizError, match=r"(is|holds 3\.4028236e\+38 .*,) beyond float32's range"):
                    read(path)


def test_an_array_beyond_float32_is_named_as_a_files_number_is():
    """lstmviz.show/picture(model, x) of a float64 array holding 1e300 warned 'overflow
    encountered in cast' and said "the input holds NaN or infinity" of finite numbers; now
    the one sentence File > Import says of such a file (engine.model.check_float32)."""
    import warnings

    st = AppState()
    x = np.zeros((1, 6, st.input.input_dim))
    x[0, 4, 0] = 1e300
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (no NumPy warning printed first)
        with pytest.raises(LstmvizError) as err:
            gen.use_array(st, x)
    assert str(err.value) == (f"the input holds 1e+300 (first at index (0, 4, 0)), {BEYOND_FLOAT32}")


def test_an_arrays_nan_is_placed_as_a_files_is():
    """lstmviz.show/picture(model, x) of an array holding NaN said "the input holds NaN or
    infinity" without where; it now names the first one's index, as File > Import, the
    Train tab's own data and a trace do (one engine function, ``check_finite``)."""
    st = AppState()
    x = np.zeros((2, 6, st.input.input_dim), np.float32)
    x[1, 3, 0] = -np.inf
    with pytest.raises(LstmvizError) as err:
        gen.use_array(st, x)
    assert str(err.value) == ("the input holds NaN or infinity (first at index (1, 3, 0)); "
                              "replace it with numbers")


def test_the_character_demo_reads_the_apps_text_as_it_was_trained():
    """The bundled character model was trained with its own ids (space 0, a-z 1-26) while
    the app's text input and text files give the app's (space 1, a-z 2-27, '.' 28, '?' 29):
    typed text reached it one letter off, and any 'z', '.' or '?' was refused as outside
    its vocabulary. Retrained on the app's ids, it reads a sentence of its training text
    typed in the app and predicts most of the next characters."""
    from lstmviz.app.demos import load_demos
    from lstmviz.app.inputs import ALPHABET

    demo = next(d for d in load_demos() if "Character" in d["title"])
    model = lstmviz.load(demo["model"])
    assert model.layers[0].config["input_dim"] == len(ALPHABET) + 1  # ids 1..29, 0 padding
    s = AppState()
    s.set_model(model, path=str(demo["model"]))
    text = "the quick brown fox jumps"  # (24 steps: the model's input length)
    s.set_input_spec(source="text", text=text, batch_size=1)
    assert s.error is None, s.error
    probs = s.trace.output[0]  # (steps, vocabulary)
    predicted = "".join(ALPHABET[i - 1] if i else "_" for i in probs.argmax(-1))
    right = sum(p == c for p, c in zip(predicted, text[1:]))
    assert right >= 18, predicted  # the next character, nearly everywhere
    s.set_input_spec(text="is it a zoo? yes.")  # every character the app types is in its vocabulary
    assert s.error is None, s.error


def test_the_demos_index_says_what_make_demo_models_writes():
    """demos.json's character demo said "the Unrolled view writes the characters in" where
    scripts/make_demo_models.py, which writes the index, said "input: 4 phrases as int32
    character ids" (the next run of the script would have changed the menu's words, and
    the demo opens on typed text, not on those phrases). Each entry's title, status line and
    description are the script's, and the character demo's describes what it opens on."""
    import importlib.util
    import json

    from lstmviz.app.demos import DEMOS_DIR

    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location("make_demo_models", root / "scripts" / "make_demo_models.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)  # (Keras is imported by its main only)
    shipped = {e["file"]: e for e in json.loads((DEMOS_DIR / "demos.json").read_text(encoding="utf-8"))}
    for name, title, line, description, _, _ in script.DEMOS:
        entry = shipped[f"{name}.keras"]
        assert (entry["title"], entry["line"], entry["description"]) == (title, line, description), name
    char = shipped["char_model.keras"]
    assert "opens on typed text" in char["description"] and char.get("text")
    assert f"shape {np.load(DEMOS_DIR / char['input']).shape}" in char["description"]


def test_an_id_file_is_read_a_row_per_sample_as_keras_and_lstmviz_trace_read_it(tmp_path):
    """A (batch, timesteps) .npy of token ids, what Keras' predict and ``lstmviz trace``
    take, imported in the window (Input > Import, a drop, Help > Demos' character model)
    was one sample of `batch` steps with `timesteps` features: the demo showed 1 x 4 ids
    instead of its 4 phrases of 24, a published IMDB model another output than Keras'."""
    from lstmviz.app.demos import load_demos

    demo = next(d for d in load_demos() if "Character" in d["title"])
    ids = np.load(demo["input"])
    assert ids.shape == (4, 24)
    model = lstmviz.load(demo["model"])
    s = AppState()
    s.set_model(model, path=str(demo["model"]))
    s.trace_all_samples = True
    s.import_input(demo["input"])
    assert s.error is None, s.error
    assert (s.input.batch_size, s.input.timesteps) == (4, 24)
    np.testing.assert_array_equal(s.x, ids)
    np.testing.assert_allclose(s.trace.output, lstmviz.load(demo["model"]).trace(ids).output, atol=1e-6)
    # a .csv for such a model: a row per sample, a column per step (lstmviz trace's CSV_HELP)
    path = tmp_path / "ids.csv"
    np.savetxt(path, ids[:2], fmt="%d", delimiter=",")
    s.import_input(path)
    np.testing.assert_array_equal(s.x, ids[:2])
    # a read-only model whose first input takes ids (Keras -> tf2onnx) reads it the same way
    case = FIX_DIR / "onnx_keras_embedding_lstm"
    s.set_model(lstmviz.load(case / "model.onnx"), "e.onnx")
    assert s.readonly and s.takes_ids
    s.import_input(case / "x.npy")
    assert s.error is None, s.error
    np.testing.assert_array_equal(s.x, np.load(case / "x.npy"))
    np.testing.assert_allclose(s.trace.output, np.load(case / "expected.npz")["keras"], atol=1e-5)
    # and a model of features still reads a 2-D file as one sample: rows = steps
    s.new_stack()
    feats = np.arange(12, dtype=np.float32).reshape(6, 2)
    np.save(tmp_path / "f.npy", feats)
    s.set_input_spec(input_dim=2)
    s.import_input(tmp_path / "f.npy")
    np.testing.assert_array_equal(s.x, feats[None])


def test_an_input_a_read_only_model_cannot_take_is_refused_not_replaced(tmp_path):
    """File > Open x1.npy (a seq2seq model's decoder input, 4 steps) on a model whose first
    input takes 5: the window said "Input read from x1.npy" and traced a made-up sine input
    in its place (as for 7 features into an ONNX LSTM of 3): the user's data was nowhere on
    screen. Now one line naming the file, its shape and the input's, and nothing changes."""
    case = FIX_DIR / "k3_seq2seq_lstm"
    s = AppState()
    s.set_model(lstmviz.load(case / "model.keras"), str(case / "model.keras"))
    assert s.readonly
    before = s.x.copy()
    with pytest.raises(LstmvizError) as err:
        s.import_input(case / "x1.npy")
    assert str(err.value) == ("x1.npy: the input has shape (2, 4, 2), but the model's first input 'encoder_input' "
                              "takes (None, 5, 3)")
    np.testing.assert_array_equal(s.x, before)
    s.import_input(case / "x0.npy")  # the first input's own data is taken as it is
    np.testing.assert_array_equal(s.x, np.load(case / "x0.npy"))
    onnx = FIX_DIR / "onnx_torch_classic_lstm" / "model.onnx"
    s.set_model(lstmviz.load(onnx), str(onnx))
    np.save(tmp_path / "wide.npy", np.zeros((2, 6, 7), np.float32))
    with pytest.raises(LstmvizError, match=r"^wide.npy: the input has shape \(2, 6, 7\), but the model's first "
                                           r"input 'x' takes \(None, None, 3\)$"):
        s.import_input(tmp_path / "wide.npy")
    ids = FIX_DIR / "onnx_keras_embedding_lstm"
    s.set_model(lstmviz.load(ids / "model.onnx"), "e.onnx")
    np.save(tmp_path / "frac.npy", np.full((2, 7), 0.5, np.float32))
    with pytest.raises(LstmvizError, match="takes whole-number token ids"):
        s.import_input(tmp_path / "frac.npy")


def test_a_semicolon_csv_with_decimal_commas_names_the_comma(tmp_path):
    """A European CSV ('15,063;73,654') was split at its commas first: the refusal said
    "'063;73' is not a number", a cell the file does not hold. ';' and tabs now come before
    ',', and a decimal comma is named with the number to write; a ';' file of plain
    numbers and a ',' file read as before."""
    from lstmviz.io.csv_numbers import csv_numbers

    eu = tmp_path / "eu.csv"
    eu.write_text("temp;humidity\n15,063;73,654\n")
    with pytest.raises(LstmvizError) as err:
        gen.load_array(eu)
    assert "line 2, column 1 ('temp'): '15,063' is not a number (a decimal comma: write 15.063)" in str(err.value)
    semi = tmp_path / "semi.csv"
    semi.write_text("temp;humidity\n15.5;73\n16;74.25\n")
    with open(semi) as fh:
        assert csv_numbers(semi, fh) == (array("d", [15.5, 73, 16, 74.25]), 2)
    comma = tmp_path / "comma.csv"
    comma.write_text("1,2\n3,4\n")
    with open(comma) as fh:
        assert csv_numbers(comma, fh) == (array("d", [1, 2, 3, 4]), 2)


# the same bad files, said the same way by every CSV reader: the long input's (File > Open a
# long input), the window's Import, the command line's --input
SAME_FAULTS = {
    "empty.csv": (b"", "empty.csv: the file is empty"),
    "words.csv": (b"temp,place\n", "words.csv: holds no rows of numbers; an input .csv/.txt/.tsv is a table"),
    # (runs of blank lines, ended every way, skipped at once: the line numbers after them)
    "blanks.csv": (b"\r\n" * 3000 + b"t,v\n" + b" \n" * 3000, "blanks.csv: holds no rows of numbers; an input"),
    "blank_word.csv": (b"\n \r\n\t\r\x0b\n" * 250 + b"a,b\n1,2\n\n\n3,x\n",
                       "blank_word.csv: line 1,005, column 2 ('b'): 'x' is not a number"),
    # (a quoted file's row was untrailed twice by the long-input reader: 'nan,;' read as NaN,
    # then its refusal raised a ValueError; '3,4,,' read as 2 numbers)
    "quoted_nan.csv": (b'"1"\nnan,;\n', "quoted_nan.csv: line 2, column 1: 'nan,' is not a number"),
    "quoted_trail.csv": (b'"1",2\n3,4,,\n', "quoted_trail.csv: line 2 has 3 values but the rows before have 2"),
    "ragged.csv": (b"1,2\n3\n", "ragged.csv: line 2 has 1 value but the rows before have 2; every row needs"),
    "gap.csv": (b"1,2,3\n4,,6\n", "gap.csv: line 2, column 2 is empty (a missing value)"),
    "word.csv": (b"a,b\n1,2\n3,x\n", "word.csv: line 3, column 2 ('b'): 'x' is not a number"),
    "date.csv": (b"when,v\n2024-01-01,2\n", "date.csv: line 2, column 1 ('when'): '2024-01-01' is not a number; "
                 "lstmviz reads columns of numbers only: remove that column"),
    "nan.csv": (b"a,b\n1,2\n3,nan\n", "nan.csv: line 3, column 2 ('b'): 'nan' is not a number a model takes "
                "(NaN or infinity); replace it"),
    "inf.csv": (b"1\n-inf\n", "inf.csv: line 2, column 1: '-inf' is not a number a model takes (NaN or infinity)"),
    "big.csv": (b"1\n1e39\n", "big.csv: line 2, column 1: '1e39' is beyond float32's range"),
    "latin.csv": (b"1\n\xb03\n", "latin.csv: line 2, column 1: '\ufffd3' is not a number (bytes that are not "
                  "UTF-8: save the file as UTF-8 text)"),
    "binary.csv": (b"\xd0\xcf\x11\xe0 binary \x80\x81\xff", "binary.csv: holds no rows of numbers, and bytes that "
                   "are not UTF-8 text (a binary file, or text in another encoding)"),
    "utf16.csv": ("1,2\n3,4\n".encode("utf-16"), "utf16.csv: line 1 holds NUL bytes: not a text file (a binary "
                  "file, or text saved as UTF-16)"),
}


@pytest.mark.parametrize("name", sorted(SAME_FAULTS))
def test_every_csv_reader_says_a_fault_the_same_way(tmp_path, name):
    """The long-input reader and the small-input readers gave different hints for the same
    faults: 'not UTF-8' from one, "'\ufffd3' is not a number" from the other; a NaN by its
    line and column, or 'first at index (0, 1, 1)', or not at all until the trace; an empty
    file three ways. One line per fault now (io/csv_numbers), from every reader."""
    from lstmviz.app.long_data import read_csv
    from lstmviz.cli_inputs import read_input

    data, says = SAME_FAULTS[name]
    path = tmp_path / name
    path.write_bytes(data)
    said = []
    for read in (read_csv, gen.load_array, read_input):
        with pytest.raises(LstmvizError) as err:
            read(path)
        said.append(str(err.value).replace(str(path), name))  # (the command line names the path)
    assert said[0].startswith(says), said[0]
    assert said[0] == said[1] == said[2] and "\n" not in said[0]


def test_a_header_in_another_encoding_is_read_by_every_csv_reader(tmp_path):
    """A header in Latin-1 ('temp \xb0C'): the long input read it; Import and --input refused
    the file as not UTF-8. Every reader reads its numbers now."""
    from lstmviz.app.long_data import read_csv
    from lstmviz.cli_inputs import read_input

    path = tmp_path / "t.csv"
    path.write_bytes(b"temp \xb0C,rain\n1,2\n3,4\n")
    for read in (read_csv, gen.load_array, read_input):
        np.testing.assert_array_equal(np.asarray(read(path)).reshape(2, 2), [[1, 2], [3, 4]])


@pytest.mark.parametrize("head, names", [('"temp;C",rain', ["temp;C", "rain"]),
                                         ("a;b,c", ["a;b", "c"]),
                                         ("t,v", ["t", "v"])])
def test_a_header_never_chooses_how_the_numbers_are_split(tmp_path, head, names):
    """Every CSV reader chose the separator on the file's first line, a header's too: a ';'
    in a column's name ('"temp;C",rain', 'a;b,c') over rows split at ',' had the numbers
    split at ';' ("'1.5,2' is not a number", or a decimal comma to write), and a header
    split at ',' over rows split at ';' the same. The first row of numbers chooses it
    (``csv_numbers.file_delimiter``); the header's names are split there too."""
    from lstmviz.app import long_data
    from lstmviz.cli_inputs import read_input

    sep = ";" if head == "t,v" else ","
    path = tmp_path / "h.csv"
    path.write_text(f"{head}\n1.5{sep}2\n3{sep}4\n")
    for read in (long_data.read_csv, gen.load_array, read_input):
        np.testing.assert_array_equal(np.asarray(read(path)).reshape(2, 2), [[1.5, 2], [3, 4]])
    assert long_data.csv_header(path, 2) == names
    assert long_data.not_numbers(path) is None
    path.write_text(f"{head}\n1.5{sep}2\n3{sep}x\n")
    said = []
    for read in (long_data.read_csv, gen.load_array, read_input):
        with pytest.raises(LstmvizError) as err:
            read(path)
        said.append(str(err.value).replace(str(path), "h.csv"))
    assert said == [f"h.csv: line 3, column 2 ({names[1]!r}): 'x' is not a number"] * 3


def test_an_imported_column_of_token_ids_is_one_sample_as_the_command_line_reads_it(tmp_path):
    """File > Import on a stack starting with an Embedding: a .csv of one id a line was 6
    samples of one step; the command line and File > Open a long input read it as one
    sample of 6 steps (``csv_numbers.ids_layout``), and so does Import now. A .npy keeps its
    own shape."""
    from lstmviz.app.inputs import load_ids

    ids = np.array([3, 1, 4, 1, 5, 9])
    (tmp_path / "ids.csv").write_text("\n".join(str(v) for v in ids) + "\n")
    assert np.array_equal(load_ids(tmp_path / "ids.csv", 10), ids[None])
    np.save(tmp_path / "col.npy", ids[:, None])
    assert np.array_equal(load_ids(tmp_path / "col.npy", 10), ids[:, None])


def test_a_graph_of_fixed_length_refuses_data_of_another_length_and_keeps_the_input(tmp_path):
    """An ONNX graph that fixes its sequence length (5 steps, time-major) was given 7 steps
    by File > Open a long input (``set_input_data``): the state said 7 steps while the views
    showed an input made up in its place, cropped to 5. It is refused, the input stays, in
    the one line every path says (issue 13; ``onnx_time.fixed_words``): ``model.trace`` (lstmviz
    trace, grad), the pass of a long input, File > Open a long input, File > Open input (the file
    named), ``--input`` and ``lstmviz.show`` / ``picture`` (``use_array``); they said "the
    input has shape (7, 2, 3), but the model's first input 'x' takes (5, None, 3)" or "... but
    the model takes (5, None, 3)", the length one number among others."""
    pytest.importorskip("onnx")
    from test_io_onnx import _fixed_length_lstm

    from lstmviz.engine.windows import keyframe_pass

    path = _fixed_length_lstm(tmp_path, 5, [5, -1, 4])
    st = AppState()
    st.set_model(lstmviz.load(path, isolate=False), str(path))
    before, spec = st.x.copy(), st.input
    want = ("the graph fixes its sequence length to 5 steps and the input has 7: give it 5 steps, or export "
            "the model with a dynamic sequence axis")
    seven = np.zeros((7, 2, 3), np.float32)  # (as the model takes it: time, batch, features)
    np.save(tmp_path / "x7.npy", seven)
    for run, said in ((st.model.trace, want), (lambda a: keyframe_pass(st.model, a, every=2), want),
                      (lambda a: st.set_input_data(a.transpose(1, 0, 2)), want),  # (held batch first)
                      (lambda a: gen.use_array(st, a), want),
                      (lambda a: st.import_input(tmp_path / "x7.npy"), f"x7.npy: {want}")):
        with pytest.raises(LstmvizError) as err:
            run(seven)
        assert str(err.value) == said
        assert st.input == spec and np.array_equal(st.x, before) and st.error is None
    st.set_input_data(np.ones((2, 5, 3), np.float32))  # its own length: taken
    assert st.x.shape == (5, 2, 3) and np.all(st.x == 1)
