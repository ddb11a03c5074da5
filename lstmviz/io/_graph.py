"""Model configs (Sequential / functional, Keras 1 to 3) -> a flat list of layer records."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..engine.spec import TensorRef
from ..errors import is_whole
from ..text import kind_of, snake_case
from ._layers import MODEL_CLASSES, RNN_CLASSES, SUPPORTED_INPUTS, inputs_fault, normalize_layer
from ._util import MAX_LAYERS, MAX_NESTING, Fail


@dataclass
class Rec:
    cls: str
    cfg: dict
    name: str
    orig_cls: str
    inbound: list[TensorRef] = field(default_factory=list)
    initial_state: list[TensorRef] = field(default_factory=list)
    mask: TensorRef | None = None  # an explicit mask= given to a recurrent layer
    k3path: str = ""          # group of this layer in a Keras 3 weights file
    group: str = ""           # top-level group in a legacy HDF5 weights group
    nested: bool = False      # part of a nested model (shares its group with siblings)


@dataclass
class Graph:
    recs: list[Rec]
    inputs: list[TensorRef]
    outputs: list[TensorRef]
    sequential: bool
    name: str


class _Counter:
    def __init__(self) -> None:
        self.used: dict[str, int] = {}

    def path(self, prefix: str, cls: str) -> str:
        n = snake_case(cls)
        if n in self.used:
            self.used[n] += 1
            n = f"{n}_{self.used[n]}"
        else:
            self.used[n] = 0
        return f"{prefix}layers/{n}"


#: a reference to a tensor: (layer name, node index, output index)
Ref = tuple[str, int, int]


def _ref_list(obj: Any, what: str) -> list[Ref]:
    """``input_layers`` / ``output_layers``: [[name, node, idx], ...] or [name, node, idx]."""
    if obj is None:
        return []
    if isinstance(obj, dict):
        obj = list(obj.values())
    if not isinstance(obj, list):
        raise Fail(f"the model's {what} is not a list")
    if obj and isinstance(obj[0], str):
        obj = [obj]
    out = []
    for e in obj[:MAX_LAYERS]:
        if isinstance(e, dict):  # Keras 3 may nest keras tensors here
            out.extend(_k3_tensors(e))
            continue
        if not (isinstance(e, list) and e and isinstance(e[0], str)):
            raise Fail(f"the model's {what} has an entry that is not [layer, node, index]")
        out.append(_ref(e))
    return out


#: Outputs a layer may have (a config naming output 10**30 of a layer is broken).
MAX_TENSOR_INDEX = 1024


def _index(value: Any, layer: Any, what: str = "output") -> int:
    """The output (or node) index of a [layer, node, index] reference, checked."""
    if value is None:
        return 0
    if not is_whole(value, 0, MAX_TENSOR_INDEX - 1):
        shown = repr(value) if len(repr(value)) < 40 else repr(value)[:37] + "..."
        raise Fail(f"the config refers to {what} {shown} of layer '{layer}'; {'a' if what == 'node' else 'an'} {what} "
                   f"index is a whole number from 0 to {MAX_TENSOR_INDEX - 1}")
    return value


def _ref(e: Any) -> Ref:
    """A [layer, node, index] list (its node and index may be left out) as a ``Ref``."""
    return (e[0], _index(e[1], e[0], "node") if len(e) > 1 else 0,
            _index(e[2], e[0]) if len(e) > 2 else 0)


def _k3_tensors(obj: Any, depth: int = 0) -> list[Ref]:
    """All ``__keras_tensor__`` references in a Keras 3 node argument, in order."""
    if depth > 20:
        return []
    out: list[Ref] = []
    if isinstance(obj, dict):
        if obj.get("class_name") == "__keras_tensor__":
            tcfg = obj.get("config")
            hist = tcfg.get("keras_history") if isinstance(tcfg, dict) else None
            if not (isinstance(hist, list) and hist and isinstance(hist[0], str)):
                raise Fail("a Keras tensor in the config has no valid keras_history")
            out.append(_ref(hist))
        else:
            for v in obj.values():
                out.extend(_k3_tensors(v, depth + 1))
    elif isinstance(obj, (list, tuple)):
        if len(obj) >= 3 and isinstance(obj[0], str) and isinstance(obj[1], int) \
                and isinstance(obj[2], int) and depth > 0:
            out.append(_ref(obj))  # legacy-style [name, node, idx] in kwargs
        else:
            for v in obj:
                out.extend(_k3_tensors(v, depth + 1))
    return out


def node_mask(node: Any, lname: str) -> Ref | None:
    """The tensor an inbound node passes as ``mask=`` (Keras 3 kwargs, or the kwargs dict of
    a legacy ``[layer, node, index, kwargs]`` entry), or None."""
    if isinstance(node, dict):
        kwargs = node.get("kwargs") or {}
        masks = _k3_tensors(kwargs.get("mask"), 1) if isinstance(kwargs, dict) else []
    elif isinstance(node, list):
        masks = [m for e in node[:MAX_LAYERS] if isinstance(e, list) and len(e) > 3
                 and isinstance(e[3], dict) for m in _k3_tensors(e[3].get("mask"), 1)]
    else:
        masks = []
    if len(masks) > 1:
        raise Fail(f"layer '{lname}' is given {len(masks)} masks",
                   "supported: one mask= tensor for a recurrent layer")
    return masks[0] if masks else None


def _parse_node(node: Any, lname: str, is_rnn: bool) -> tuple[list, list]:
    """One inbound node -> (inputs, initial_states) as (layer, tensor_index) pairs."""
    if isinstance(node, dict):  # Keras 3
        args = _k3_tensors(node.get("args", []), 1)
        kwargs = node.get("kwargs") or {}
        if not isinstance(kwargs, dict):
            kwargs = {}
        states = _k3_tensors(kwargs.get("initial_state"), 1) if "initial_state" in kwargs else []
        if is_rnn and len(args) > 1 and not states:
            args, states = args[:1], args[1:]
        return args, states
    if not isinstance(node, list):
        raise Fail(f"layer '{lname}' has an inbound node that is not a list")
    entries = []
    kw_states: list = []
    for e in node:  # (all of them: a call of more than a layer takes is refused, not cut short)
        if not (isinstance(e, list) and len(e) >= 3 and isinstance(e[0], str)):
            raise Fail(f"layer '{lname}' has an inbound entry that is not [layer, node, index]")
        entries.append(_ref(e))
        if len(e) > 3 and isinstance(e[3], dict) and "initial_state" in e[3]:
            kw_states = _k3_tensors(e[3]["initial_state"], 1)
    if not is_rnn:
        return entries, []
    if kw_states:
        rest = [t for t in entries[1:] if t not in kw_states]
        return entries[:1] + rest, kw_states
    return entries[:1], entries[1:]


def _layer_name(entry: dict, cfg: Any, i: int) -> str:
    name = entry.get("name")
    if not isinstance(name, str) and isinstance(cfg, dict):
        name = cfg.get("name")
    if not isinstance(name, str) or not name:
        name = f"layer_{i}"
    return name


def parse_model(cls: Any, cfg: Any, depth: int = 0, k3prefix: str = "",
                group: str = "") -> Graph:
    """Parse a model config (any Keras version) into layer records."""
    if depth > MAX_NESTING:
        raise Fail("models are nested too deeply")
    if not isinstance(cls, str) or cls not in MODEL_CLASSES:
        shown = f"'{cls}'" if isinstance(cls, str) else kind_of(cls)  # (not Python's 'a dict')
        raise Fail(f"the file's model class is {shown}, not a Keras Sequential or functional model")
    layers: Any
    if isinstance(cfg, list):  # Keras 1 / 2.0 bare-list Sequential
        layers, mname = cfg, "sequential"
    elif isinstance(cfg, dict):
        layers, mname = cfg.get("layers"), cfg.get("name") or "model"
    else:
        raise Fail("the model config is neither a list nor an object")
    if not isinstance(layers, list):
        raise Fail("the model config has no list of layers")
    if len(layers) > MAX_LAYERS:
        raise Fail(f"the model has more than {MAX_LAYERS} layers")
    if not isinstance(mname, str):
        mname = "model"
    counter = _Counter()
    if cls != "Sequential" and not isinstance(cfg, dict):
        raise Fail(f"the {cls} model's config is not an object")
    if cls == "Sequential":
        return _parse_sequential(layers, mname, depth, k3prefix, group, counter)
    return _parse_functional(cfg, layers, mname, depth, k3prefix, group, counter)


def _parse_entry(entry: Any, i: int, k3prefix: str, counter: _Counter, group: str):
    if not isinstance(entry, dict):
        raise Fail(f"layer #{i} of the model config is not a JSON object")
    ocls, ocfg = entry.get("class_name"), entry.get("config")
    name = _layer_name(entry, ocfg, i)
    if not isinstance(ocls, str):
        raise Fail(f"layer '{name}' of the model config has a class_name that is not text")
    k3path = counter.path(k3prefix, ocls) if isinstance(ocls, str) else ""
    return ocls, ocfg, name, k3path


def _parse_sequential(layers, mname, depth, k3prefix, group, counter) -> Graph:
    recs: list[Rec] = []
    for i, entry in enumerate(layers):
        ocls, ocfg, name, k3path = _parse_entry(entry, i, k3prefix, counter, group)
        if ocls in MODEL_CLASSES:
            inner = parse_model(ocls, ocfg, depth + 1, k3path + "/", group or name)
            if not inner.sequential and not _is_chain(inner):
                raise Fail(f"nested functional model '{name}' inside a Sequential model is not "
                           "a simple chain of layers",
                           "supported: nested Sequential models and single-chain functional "
                           "models")
            for r in inner.recs:
                if r.cls == "InputLayer" and (recs or i > 0):
                    continue
                r.inbound, r.initial_state = [], []
                r.nested = True
                recs.append(r)
            continue
        rcls, rcfg = normalize_layer(ocls, ocfg, name)
        recs.append(Rec(rcls, rcfg, name, str(ocls), k3path=k3path, group=group or name,
                        nested=bool(group)))
    return Graph(recs, [], [], True, mname)


def _is_chain(g: Graph) -> bool:
    if len(g.inputs) != 1 or len(g.outputs) != 1:
        return False
    prev = None
    for r in g.recs:
        if r.cls == "InputLayer":
            if prev is not None:
                return False
            prev = r.name
            continue
        if r.initial_state or len(r.inbound) != 1 or r.inbound[0].layer != prev:
            return False
        prev = r.name
    return prev == g.outputs[0].layer


def _parse_functional(cfg, layers, mname, depth, k3prefix, group, counter) -> Graph:
    recs: list[Rec] = []
    alias: dict[str, list[TensorRef]] = {}
    names: set[str] = set()

    def resolve(name: str, node: int, idx: int) -> TensorRef:
        # (each layer is called once: its node 0; a nested model's node 0 is its own, made
        # when it was built, and Keras 2 and 3 may name its call node 1)
        if node > (name in alias):
            has = "nodes 0 and 1" if name in alias else "node 0"
            raise Fail(f"the config takes a tensor from node {node} of layer '{name}', which has "
                       f"only {has} (a layer is called once)",
                       "supported: models where each layer is called once")
        if name in alias:
            outs = alias[name]
            if idx >= len(outs):
                raise Fail(f"the config refers to output {idx} of nested model '{name}', "
                           f"which has {len(outs)}")
            return outs[idx]
        return TensorRef(name, idx)

    for i, entry in enumerate(layers):
        ocls, ocfg, name, k3path = _parse_entry(entry, i, k3prefix, counter, group)
        nodes = entry.get("inbound_nodes", [])
        if nodes is None:
            nodes = []
        if not isinstance(nodes, list):
            raise Fail(f"layer '{name}' has inbound_nodes that are not a list")
        if len(nodes) > 1:
            raise Fail(f"layer '{name}' is called {len(nodes)} times (a shared layer)",
                       "supported: models where each layer is called once")
        if ocls in MODEL_CLASSES:
            inner = parse_model(ocls, ocfg, depth + 1, k3path + "/", group or name)
            outer_in = [resolve(*t) for t in (_parse_node(nodes[0], name, False)[0]
                                              if nodes else [])]
            _splice(inner, name, outer_in, recs, alias, names, group)
            continue
        rcls, rcfg = normalize_layer(ocls, ocfg, name)
        if name in names:
            raise Fail(f"two layers are named '{name}'")
        names.add(name)
        is_rnn = rcls in RNN_CLASSES or rcls in ("Bidirectional", "RNN")
        rec = Rec(rcls, rcfg, name, str(ocls), k3path=k3path, group=group or name,
                  nested=bool(group))
        if nodes:
            ins, states = _parse_node(nodes[0], name, is_rnn)
            fault = inputs_fault(rcls, len(ins))
            if fault:
                raise Fail(f"layer '{name}' ({rcls}) {fault}", SUPPORTED_INPUTS)
            rec.inbound = [resolve(*t) for t in ins]
            rec.initial_state = [resolve(*t) for t in states]
            mask = node_mask(nodes[0], name) if is_rnn else None
            rec.mask = resolve(*mask) if mask is not None else None
        recs.append(rec)
    inputs = [resolve(*t) for t in _ref_list(cfg.get("input_layers"), "input_layers")]
    outputs = [resolve(*t) for t in _ref_list(cfg.get("output_layers"), "output_layers")]
    known = {r.name for r in recs}
    for r in recs:
        for t in r.inbound + r.initial_state + ([r.mask] if r.mask else []):
            if t.layer not in known:
                raise Fail(f"layer '{r.name}' takes its input from '{t.layer}', which is not "
                           "in the model")
    for t in inputs + outputs:
        if t.layer not in known:
            raise Fail(f"the model's inputs/outputs name '{t.layer}', which is not in the model")
    if not outputs:
        raise Fail("the functional model config names no output layers")
    return Graph(recs, inputs, outputs, False, mname)


def _splice(inner: Graph, name: str, outer_in: list[TensorRef], recs: list[Rec],
            alias: dict, names: set, group: str) -> None:
    """Inline a nested model's layers into a functional parent."""
    inner_alias: dict[str, TensorRef] = {}
    if inner.sequential:
        body = [r for r in inner.recs if r.cls != "InputLayer"]
        if len(outer_in) != 1 or not body:
            raise Fail(f"nested Sequential model '{name}' is called with {len(outer_in)} inputs")
        prev = outer_in[0]
        for r in body:
            r.inbound, r.initial_state = [prev], []
            prev = TensorRef(r.name, 0)
        outs = [prev]
    else:
        ins = [t.layer for t in inner.inputs]
        if len(ins) != len(outer_in):
            raise Fail(f"nested model '{name}' has {len(ins)} inputs but is called with "
                       f"{len(outer_in)}")
        for n, t in zip(ins, outer_in):
            inner_alias[n] = t
        body = [r for r in inner.recs if r.name not in inner_alias]
        for r in inner.recs:
            if r.cls == "InputLayer" and r.name not in inner_alias:
                raise Fail(f"nested model '{name}' has an input '{r.name}' it does not use")

        def fix(t: TensorRef) -> TensorRef:
            return inner_alias.get(t.layer, t)

        for r in body:
            r.inbound = [fix(t) for t in r.inbound]
            r.initial_state = [fix(t) for t in r.initial_state]
        outs = [fix(t) for t in inner.outputs]
    for r in body:
        if r.name in names:
            raise Fail(f"nested model '{name}' has a layer '{r.name}' whose name is also used "
                       "outside it", "supported: nested models with distinct layer names")
        names.add(r.name)
        r.nested = True
        recs.append(r)
    alias[name] = outs
