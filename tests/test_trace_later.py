"""Model.trace(needed=...): the layers after the needed ones run when first asked for, with
the numbers a trace of everything at once gives (the app: an edit draws the layer on
screen before the layers after it run)."""

from __future__ import annotations

import copy

import numpy as np

from lstmviz.app.options import default_config
from lstmviz.app.stack import InputSpec, LayerEntry
from lstmviz.app.state import AppState
from lstmviz.engine import LayerSpec, Model, Trace


def _stack(units=(6, 5, 4)):
    specs = [LayerSpec("LSTM", {"units": u, "return_sequences": True}) for u in units]
    specs.append(LayerSpec("Dense", {"units": 2}))
    return Model.sequential((None, 9, 3), specs, seed=3)


def _x():
    return np.random.default_rng(1).normal(size=(2, 9, 3)).astype(np.float32)


def _same(a: Trace, b: Trace) -> bool:
    fa, fb = a.flat(), b.flat()
    return list(fa) == list(fb) and all(fa[k].tobytes() == fb[k].tobytes() for k in fb)


def test_later_layers_run_when_asked_and_equal_a_whole_trace():
    model = _stack()
    names = [layer.name for layer in model.layers]
    full = model.trace(_x())
    t = model.trace(_x(), needed=[names[1]])
    assert list(t.layers) == names and len(t.layers) == len(names)
    assert all(name in t.layers for name in names)
    assert t.layers.pending  # names, `in` and the needed records run nothing
    assert t.layers[names[1]].output.tobytes() == full.layers[names[1]].output.tobytes()
    assert t.layers.pending
    assert _same(t, full)
    assert not t.layers.pending
    assert np.array_equal(t.output, full.output)


def test_the_outputs_run_the_later_layers():
    model = _stack()
    t = model.trace(_x(), needed=[model.layers[0].name])
    assert np.array_equal(t.output, model.trace(_x()).output)


def test_later_layers_run_with_the_weights_they_had_when_traced():
    # training writes into a model's weight arrays in place: a later layer run afterwards
    # still gives the numbers of the model as it was traced
    model = _stack()
    full = model.trace(_x()).flat()  # every array, the derived ones too, made now
    t = model.trace(_x(), needed=[model.layers[0].name])
    for layer in model.layers[1:]:
        for w in layer.weights:
            w += 0.25
        layer.config["go_backwards"] = True
    later = t.flat()
    assert list(later) == list(full) and all(later[k].tobytes() == full[k].tobytes() for k in full)


def test_a_copy_holds_every_layer():
    model = _stack()
    full = model.trace(_x())
    for make in (copy.copy, copy.deepcopy):
        t = model.trace(_x(), needed=[model.layers[0].name])
        plain = make(t)
        assert isinstance(plain.layers, dict)
        assert _same(plain, full)


def test_reused_records_and_the_next_trace():
    # an edit of a later layer takes the earlier records; the later ones of a trace never
    # asked for are run afresh, and the chain of traces is not kept alive
    import gc
    import weakref

    model = _stack()
    names = [layer.name for layer in model.layers]
    t = model.trace(_x(), needed=[names[0]])
    first = weakref.ref(t)
    for _ in range(3):
        t = model.trace(_x(), reuse=t, needed=[names[1]])
    gc.collect()
    assert first() is None
    assert _same(t, model.trace(_x()))


def test_only_plain_stacks_without_state_wait():
    model = _stack()
    assert type(model.trace(_x(), needed=[model.layers[-1].name])) is Trace  # nothing after
    assert type(model.trace(_x(), needed=["no such layer"])) is Trace
    stateful = Model.sequential((2, 9, 3), [LayerSpec("LSTM", {"units": 4, "return_sequences": True,
                                                               "stateful": True}),
                                            LayerSpec("LSTM", {"units": 3})], seed=0)
    assert type(stateful.trace(_x(), needed=[stateful.layers[0].name])) is Trace
    wrapped = Model.sequential((None, 9, 3), [
        LayerSpec("LSTM", {"units": 4, "return_sequences": True}),
        LayerSpec("Bidirectional", {"layer": {"class_name": "GRU", "config": {"units": 3}}})], seed=0)
    assert type(wrapped.trace(_x(), needed=[wrapped.layers[0].name])) is Trace


def test_an_edit_traces_up_to_the_edited_layer_and_the_rest_equals_a_rebuild():
    def lstm(units):
        cfg = default_config("LSTM", units=units)
        cfg["return_sequences"] = True
        return LayerEntry("LSTM", cfg)

    s = AppState([lstm(8), lstm(7), lstm(6), lstm(4)], InputSpec(batch_size=3, timesteps=12, input_dim=2))
    s.rebuild()
    before = [[w.copy() for w in layer.weights] for layer in s.model.layers]
    s.set_layer_option(1, "units", 5)
    names = [layer.name for layer in s.model.layers]
    assert s.cursor.layer == names[1]
    assert s.trace.layers.pending  # the layers after the edited one: not run yet
    fresh = AppState([lstm(8), lstm(5), lstm(6), lstm(4)], InputSpec(batch_size=3, timesteps=12, input_dim=2))
    fresh.rebuild()
    got = [[w.tobytes() for w in layer.weights] for layer in s.model.layers]
    new = [[w.tobytes() for w in layer.weights] for layer in fresh.model.layers]
    old = [[w.tobytes() for w in ws] for ws in before]
    # the layers before the edited one and the edited one: as a stack built so; the next
    # layer (its input narrower): a kernel drawn as that stack draws it, its recurrent
    # kernel and bias kept; the last layer: kept whole
    assert got[:2] == new[:2] and got[1] != old[1]
    assert got[2][0] == new[2][0] and got[2][1:] == old[2][1:]
    assert got[3] == old[3]
    x = np.take(s.x, [s.traced_sample], axis=0)
    assert _same(s.trace, s.model.trace(x))
    built = Model.sequential((None, 12, 2), [LayerSpec("LSTM", dict(e.config), e.name, list(e.weights))
                                             for e in s.layers])
    assert _same(s.trace, built.trace(x))


def test_a_trace_answers_in_by_layer_name_as_a_later_trace_does():
    """``name in trace`` raised KeyError("no layer 0 ...") (Python's fallback tried
    trace[0], trace[1], ...): a view written as ARCHITECTURE.md's "How to add a view" says,
    checking the cursor's layer is in the trace, failed on its first step."""
    model = Model.sequential((None, 4, 2), [LayerSpec("LSTM", {"units": 3}, name="t")])
    trace = model.trace(np.ones((1, 4, 2), np.float32))
    assert "t" in trace and "nope" not in trace and None not in trace
