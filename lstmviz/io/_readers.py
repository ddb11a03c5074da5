"""Reading the containers: legacy HDF5 models/weights, Keras 3 zips and weights files."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import numpy as np

from ..limits import member_excess
from ..text import archive_error, plural
from ._graph import Graph, Rec
from ._h5safe import _name, check_link
from ._infer import Group, split_legacy_group
from ._layers import expected_count
from ._util import (
    KERAS3_MEMBERS,
    MAX_LAYERS,
    MAX_VARS_PER_LAYER,
    Fail,
    as_array,
    first_repeat,
    read_attr,
    take_bytes,
    to_str,
    to_str_list,
)
from .keras3_paths import config_layout, var_paths


class _NoObject(Exception):
    """Why a name leads to no object of an HDF5 file, in a user's words (``_h5_find``)."""


def _h5_find(group: Any, key: str) -> Any:
    """The object ``group[key]`` names, as the file links it, or None where the file holds
    nothing of that name (a soft link to nothing too, as h5py reads one). ``_NoObject``
    says why a name cannot lead to an object: it names the file's root or the group itself
    ('/', '.', '//': HDF5's lookup fails as "name doesn't exist"), its path runs through
    an array, a soft link on it loops ("too many links"), HDF5 cannot follow it (a
    damaged file); a link out of the file is ``check_link``'s ``Fail``. The one lookup of
    ``h5_get`` and ``layer_group``, each saying the why its own way."""
    parts = key.split("/")
    if all(part in ("", ".") for part in parts):
        raise _NoObject("it names the file's root" if key.startswith("/") else "it names the group that lists it")
    try:
        link = group.get(key, getlink=True)
        if link is None:  # (h5py: nothing of that name, or a path through an array)
            for k in range(1, len(parts)):
                above = "/".join(parts[:k])
                if above.strip("/.") == "":
                    continue
                obj = group.get(above)
                if obj is None:
                    break
                if not is_group(obj):
                    raise _NoObject(f"its path runs through '{_name(_path(group, above))}', "
                                    + ("an array, not a group" if is_dataset(obj) else "which is not a group"))
            return None
        check_link(link, _path(group, key))
        return group.get(key)
    except (Fail, _NoObject):
        raise
    except Exception as exc:
        if "too many links" in str(exc):  # (a soft link to itself, or a circle of them)
            raise _NoObject("a soft link on its path loops") from None
        raise _NoObject("HDF5 cannot follow its path; the file may be truncated or corrupt") from exc


def h5_get(group: Any, key: str) -> Any:
    """``group[key]``, or None where the file holds nothing of that name (or ``group`` is
    no group); a name that cannot lead to an object is refused in one line saying why
    (``_h5_find``), in plain words."""
    if not hasattr(group, "get"):
        return None
    try:
        return _h5_find(group, key)
    except _NoObject as why:
        raise Fail(f"cannot read '{_name(_path(group, key))}' in the file: {why}") from why


def _path(group: Any, key: str) -> str:
    """Where ``key`` looked up in ``group`` is in the file (a key from '/' is the file's)."""
    return key if key.startswith("/") else f"{(getattr(group, 'name', '') or '').rstrip('/')}/{key}"


def is_group(obj: Any) -> bool:
    import h5py
    return isinstance(obj, h5py.Group)


def is_dataset(obj: Any) -> bool:
    import h5py
    return isinstance(obj, h5py.Dataset)


def not_an_array(group: Any, key: str, obj: Any) -> str:
    """What ``obj``, found at ``group[key]`` and no dataset (None: nothing), is, in a
    user's words: "a group", or "a soft link to group 'layers/dense'" where the name is a
    soft link (a refusal of a weight says what the file holds there, not that it is
    missing)."""
    import h5py

    try:
        link = group.get(key, getlink=True)
    except Exception:
        link = None
    to = f"'{_name(str(link.path))}'" if isinstance(link, h5py.SoftLink) else ""
    if obj is None:  # (listed, yet h5py finds nothing there)
        return f"a soft link to {to}, which the file does not hold" if to else "missing from the file"
    kind = ("group" if is_group(obj) else "named datatype" if isinstance(obj, h5py.Datatype)
            else "HDF5 object")
    if to:
        return f"a soft link to {kind} {to}, not an array"
    return f"a{'n' if kind[0] in 'aeiouH' else ''} {kind}, not an array"


def _keys(group: Any) -> list[str]:
    try:
        keys = list(group.keys())
    except Exception as exc:
        raise Fail(f"cannot list the members of '{_name(getattr(group, 'name', '') or '/')}' in the file; "
                   "it may be truncated or corrupt") from exc
    if len(keys) > 100000:
        raise Fail("an HDF5 group has too many members")
    return keys


# ------------------------------------------------------------------ legacy HDF5

def layer_group(root: Any, lname: str) -> Any:
    """The group of the layer a ``layer_names`` entry ``lname`` names (None: the file has
    no member of that name). An entry naming no layer group is refused in one line saying
    why, as ``h5_get`` finds it (``_h5_find``: the file's root or the group that lists it,
    a path through an array, a soft link that loops), or that it is an array."""
    def not_a_layer(why: str) -> Fail:
        return Fail(f"layer_names entry '{lname}' is not a layer group of the file ({why})")

    try:
        g = _h5_find(root, lname)
    except _NoObject as why:
        raise not_a_layer(str(why)) from why
    if g is not None and not is_group(g):
        raise not_a_layer("it is an array" if is_dataset(g) else "it is not a group")
    return g


def legacy_group_weights(root: Any, lname: str) -> tuple[list[np.ndarray], list[str]]:
    """The arrays of one legacy layer group, via its ``weight_names`` attribute."""
    g = layer_group(root, lname)
    if g is None:
        raise Fail(f"the weights group for layer '{lname}' is missing")
    names = to_str_list(read_attr(g.attrs, "weight_names"))
    if len(names) > MAX_VARS_PER_LAYER:
        raise Fail(f"layer '{lname}' lists {plural(len(names), 'weight')}")
    arrays = []
    for n in names:
        ds = h5_get(g, n)
        if ds is None:
            raise Fail(f"weight '{n}' of layer '{lname}' is listed but missing from the file")
        if not is_dataset(ds):
            raise Fail(f"weight '{n}' of layer '{lname}' is {not_an_array(g, n, ds)}")
        arrays.append(as_array(ds, f"weight '{n}' of layer '{lname}'"))
    return arrays, names


def legacy_layer_names(root: Any) -> list[str]:
    names = to_str_list(read_attr(root.attrs, "layer_names"))
    if len(names) > MAX_LAYERS:
        raise Fail(f"the file lists more than {MAX_LAYERS} layers")
    return names


def legacy_weight_names(root: Any, lname: str) -> list[str]:
    g = layer_group(root, lname)
    if g is None:
        raise Fail(f"the weights group for layer '{lname}' is missing")
    return to_str_list(read_attr(g.attrs, "weight_names"))


def assign_legacy(graph: Graph, root: Any) -> dict[str, tuple[list[np.ndarray], list[str]]]:
    """Match file layer groups to config layers by position, as Keras'
    ``load_weights_from_hdf5_group`` does; returns rec name -> (arrays, names)."""
    file_layers = [n for n in legacy_layer_names(root) if legacy_weight_names(root, n)]
    # units: top-level layers; a nested model is one unit holding its layers
    units: list[tuple[str, list[Rec]]] = []
    for r in graph.recs:
        if units and units[-1][0] == r.group and r.nested:
            units[-1][1].append(r)
        else:
            units.append((r.group, [r]))
    file_set = set(file_layers)

    def unit_count(recs: list[Rec]) -> int | None:
        total = 0
        for r in recs:
            c = expected_count(r.cls, r.cfg)
            if c is None:
                return None
            total += c
        return total

    weighted = []
    for gname, recs in units:
        c = unit_count(recs)
        if (c is None and gname in file_set) or (c is not None and c > 0):
            weighted.append((gname, recs))
    if len(weighted) != len(file_layers):
        raise Fail(f"the file holds weights for {plural(len(file_layers), 'layer')} but the model config "
                   f"has {plural(len(weighted), 'layer')} with weights")
    out: dict[str, tuple[list[np.ndarray], list[str]]] = {}
    for (gname, recs), fname in zip(weighted, file_layers):
        arrays, names = legacy_group_weights(root, fname)
        if len(recs) == 1:
            out[recs[0].name] = (arrays, names)
            continue
        _split_nested(recs, arrays, names, gname, out)
    return out


def _split_nested(recs: list[Rec], arrays, names, gname, out) -> None:
    """Share a nested model's group among its layers: by layer name in the weight names,
    else by position and count."""
    maybe = [expected_count(r.cls, r.cfg) for r in recs]
    if any(c is None for c in maybe):
        bad = recs[maybe.index(None)]
        raise Fail(f"nested model '{gname}' holds a layer '{bad.name}' of unknown class "
                   f"'{bad.cls}', so its weights cannot be shared out")
    counts = [c for c in maybe if c is not None]
    by_name: dict[str, list[int]] = {r.name: [] for r in recs}
    ok = True
    for i, n in enumerate(names):
        segs = n.split("/")
        hits = [r.name for r in recs if r.name in segs]
        if len(hits) != 1:
            ok = False
            break
        by_name[hits[0]].append(i)
    if ok and all(len(by_name[r.name]) == c for r, c in zip(recs, counts)):
        for r in recs:
            idx = by_name[r.name]
            out[r.name] = ([arrays[i] for i in idx], [names[i] for i in idx])
        return
    if sum(counts) != len(arrays):
        raise Fail(f"nested model '{gname}' has {len(arrays)} weight arrays in the file; its "
                   f"layers need {sum(counts)}")
    pos = 0
    for r, c in zip(recs, counts):
        out[r.name] = (arrays[pos:pos + c], names[pos:pos + c])
        pos += c


def legacy_weight_groups(root: Any) -> list[Group]:
    """All layer groups of a legacy ``save_weights`` file, in ``layer_names`` order."""
    groups = []
    for n in legacy_layer_names(root):
        arrays, names = legacy_group_weights(root, n)
        groups.append(split_legacy_group(n, arrays, names))
    return groups


# ------------------------------------------------------------------ Keras 3

def k3_vars(group: Any, what: str, most: int = MAX_VARS_PER_LAYER) -> list[np.ndarray]:
    """``.../vars/0``, ``.../vars/1``, ... in index order (at most ``most`` of them)."""
    v = h5_get(group, "vars")
    if v is None:
        return []
    if not is_group(v):
        raise Fail(f"'{what}/vars' is not a group")
    keys = _keys(v)
    if len(keys) > most:
        raise Fail(f"'{what}' holds {len(keys)} variables")
    try:
        idx = sorted(int(k) for k in keys)
    except ValueError as exc:
        raise Fail(f"'{what}/vars' holds entries not named 0, 1, 2, ...") from exc
    if idx != list(range(len(idx))):
        raise Fail(f"'{what}/vars' has missing entries")
    out = []
    for i in idx:
        ds = h5_get(v, str(i))
        if not is_dataset(ds):
            raise Fail(f"'{what}/vars/{i}' is {not_an_array(v, str(i), ds)}")
        out.append(as_array(ds, f"'{what}/vars/{i}'"))
    return out


def k3_layer_arrays(root: Any, path: str, cls: str, cfg: dict) -> list[np.ndarray] | None:
    """The arrays of one layer at ``path`` (None if the group is absent), read from the
    objects ``keras3_paths.var_paths`` names."""
    g = h5_get(root, path) if path else None
    if g is None:
        return None
    if not is_group(g):
        raise Fail(f"'{path}' in the weights file is not a group")
    out: list[np.ndarray] = []
    for p in var_paths(config_layout(cls, cfg), path):
        sub = h5_get(root, p)
        if sub is not None and is_group(sub):
            out.extend(k3_vars(sub, p))
        elif cls == "RNN":  # a generic RNN's cells are always objects of their own
            raise Fail(f"'{p}' is missing from the weights file")
        elif p.endswith("/cell"):  # a recurrent layer whose variables sit on the layer
            owner = h5_get(root, p[:-len("/cell")])
            if owner is not None and is_group(owner):
                out.extend(k3_vars(owner, p[:-len("/cell")]))
    return out


def k3_all_vars(root: Any, prefix: str = "layers") -> dict[str, list[np.ndarray]]:
    """Every non-empty ``vars`` group of a Keras 3 weights file, by the path of the object
    that owns it (``layers/lstm/cell``, ``layers/rnn_1/cell/cells/gru_cell`` ...)."""
    out: dict[str, list[np.ndarray]] = {}
    budget = [20000]
    walked: set = set()

    def walk(g: Any, path: str, depth: int) -> None:
        if depth > 24:
            raise Fail("the weights file nests groups too deeply")
        for name in _keys(g):
            budget[0] -= 1
            if budget[0] < 0:
                raise Fail("the weights file holds too many groups")
            sub = h5_get(g, name)
            if not is_group(sub):
                continue
            if sub.id in walked:  # Keras never links one group into two places
                raise Fail(f"the group '{path}/{name}' is linked into the file more than once")
            walked.add(sub.id)
            if name == "vars":
                arrays = k3_vars(g, path)
                if arrays:
                    out[path] = arrays
            else:
                walk(sub, f"{path}/{name}", depth + 1)

    top = h5_get(root, prefix)
    if top is not None and is_group(top):
        walk(top, prefix, 0)
    return out


_COUNTED = re.compile(r"(.*?)_([0-9]{1,9})")


def keras_counted_order(names: list[str]) -> list[str]:
    """Group names as Keras 3 numbered them: ``lstm``, ``lstm_1``, ... ``lstm_10`` in its
    counter's order (a layer's class in snake case, then ``_<n>`` from the second of the
    class on), where h5py lists them alphabetically (``lstm_10`` before ``lstm_2``)."""
    def key(name: str) -> tuple[str, int]:
        m = _COUNTED.fullmatch(name)
        return (m.group(1), int(m.group(2))) if m else (name, 0)
    return sorted(names, key=key)


def k3_weight_groups(root: Any, prefix: str = "layers", depth: int = 0) -> list[Group]:
    """Layer groups of a Keras 3 weights file (config-less), nested models flattened."""
    if depth > 10:
        raise Fail("the weights file nests models too deeply")
    layers = h5_get(root, prefix)
    if layers is None:
        return []
    if not is_group(layers):
        raise Fail(f"'{prefix}' in the weights file is not a group")
    out: list[Group] = []
    for name in keras_counted_order(_keys(layers)):
        path = f"{prefix}/{name}"
        g = h5_get(root, path)
        if not is_group(g):
            continue
        sub = set(_keys(g))
        if "layers" in sub and "vars" not in sub:
            out.extend(k3_weight_groups(root, path + "/layers", depth + 1))
            continue
        if "forward_layer" in sub and "backward_layer" in sub:
            parts = []
            for side in ("forward_layer", "backward_layer"):
                sg = h5_get(g, side)
                cell = h5_get(sg, "cell") if is_group(sg) else None
                src = cell if cell is not None and is_group(cell) else sg
                parts.append(Group(f"{name}/{side}", k3_vars(src, f"{path}/{side}")))
            out.append(Group(name, parts[0].arrays + parts[1].arrays, kind="bidirectional",
                             parts=parts))
            continue
        if "layer" in sub:
            lg = h5_get(g, "layer")
            cell = h5_get(lg, "cell") if is_group(lg) else None
            src = cell if cell is not None and is_group(cell) else lg
            arrays = k3_vars(src, f"{path}/layer")
            out.append(Group(name, arrays, kind="time_distributed",
                             parts=[Group(name + "/layer", arrays)]))
            continue
        if "cell" in sub:
            cell = h5_get(g, "cell")
            cells = h5_get(cell, "cells") if is_group(cell) else None
            if cells is not None and is_group(cells):
                parts = []
                for cname in _keys(cells)[:64]:
                    cg = h5_get(cells, cname)
                    if is_group(cg):
                        parts.append(Group(cname, k3_vars(cg, f"{path}/cell/cells/{cname}")))
                out.append(Group(name, [a for p in parts for a in p.arrays], kind="rnn_stacked",
                                 parts=parts, ordered=False))
                continue
            out.append(Group(name, k3_vars(cell, path + "/cell"), kind="rnn"))
            continue
        out.append(Group(name, k3_vars(g, path)))
    return out


def read_zip(data: bytes) -> tuple[Any, bytes, dict]:
    """A Keras 3 ``.keras`` zip -> (config JSON text, weights bytes, metadata dict)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        listed = zf.infolist()[:10000]
        infos = {i.filename: i for i in listed}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise Fail(f"the zip archive is corrupt or truncated ({archive_error(exc)})") from exc
    twice = first_repeat(i.filename for i in listed) if len(infos) != len(listed) else None
    if twice is not None:
        raise Fail(f"the zip archive holds two members named '{twice}'")
    if "config.json" not in infos:
        raise Fail("the zip archive has no config.json, so it is not a Keras 3 .keras file")

    def member(name: str) -> bytes:
        info, cap = infos[name], KERAS3_MEMBERS[name]
        if info.file_size > cap:
            raise Fail(f"'{name}' in the archive is too large ({info.file_size} bytes)")
        bomb = member_excess(name, info.compress_size, info.file_size)
        if bomb:
            raise Fail(bomb)
        take_bytes(info.file_size)
        try:
            with zf.open(info) as fh:
                blob = fh.read(info.file_size + 1)  # never more than it declares
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError,
                NotImplementedError) as exc:
            raise Fail(f"cannot read '{name}' from the archive ({archive_error(exc)})") from exc
        if len(blob) > info.file_size:
            raise Fail(f"'{name}' in the archive holds more than the {info.file_size} bytes "
                       "it declares; the archive is damaged")
        return blob

    config = member("config.json")
    meta: dict = {}
    if "metadata.json" in infos:
        meta = _metadata(member("metadata.json"))
    if "model.weights.h5" in infos:
        weights = member("model.weights.h5")
    elif any(n.startswith("model.weights") for n in infos):
        raise Fail("the archive stores its weights in a form other than model.weights.h5 "
                   "(sharded or .npz)", "supported: .keras files with model.weights.h5")
    else:
        raise Fail("the zip archive has no model.weights.h5")
    return config.decode("utf-8", errors="replace"), weights, meta


def _metadata(raw: bytes) -> dict:
    """A Keras 3 model's metadata.json as a dict ({} where it is none: not JSON, not an
    object, or nested past Python's parser)."""
    import json

    try:
        m = json.loads(raw.decode("utf-8", "replace"))
    except (ValueError, RecursionError):
        return {}
    return m if isinstance(m, dict) else {}


def hub_blob(folder: str, name: str) -> str | None:
    """Where the link ``name`` in ``folder`` leads when the folder is a snapshot of the
    Hugging Face cache (``<repo>/snapshots/<revision>/``, each file a link to
    ``<repo>/blobs/<hash>``, as ``huggingface_hub`` downloads a model) and the link leads
    straight to a file of that repository's blobs; None for any other link."""
    import os

    here = os.path.abspath(folder)
    if os.path.basename(os.path.dirname(here)) != "snapshots":
        return None
    blobs = os.path.join(os.path.dirname(os.path.dirname(here)), "blobs")
    try:
        target = os.readlink(os.path.join(here, name))
    except OSError:
        return None
    where = os.path.normpath(os.path.join(here, target))
    if os.path.dirname(where) != blobs or os.path.islink(where) or os.path.islink(blobs):
        return None
    return where


def read_folder(folder: str) -> tuple[Any, bytes, dict]:
    """A Keras 3 model saved unzipped -> (config JSON text, weights bytes, metadata dict),
    as ``read_zip`` gives them from a ``.keras``. Only the folder's own regular files of
    those names are read: a link to another place is refused, as HDF5 links are, except
    a Hugging Face cache's link from a snapshot into its repository's blobs (``hub_blob``)."""
    import os
    import stat

    caps = KERAS3_MEMBERS  # (the most each may hold, as in a .keras archive)

    def member(name: str) -> bytes | None:
        where = os.path.join(folder, name)
        try:
            st = os.lstat(where)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise Fail(f"cannot read the folder's {name} ({exc.strerror or exc})") from exc
        if stat.S_ISLNK(st.st_mode):
            target = hub_blob(folder, name)
            if target is None:
                raise Fail(f"the folder's {name} is a link to another file; lstmviz reads only the "
                           "folder's own files, or a Hugging Face cache's (copy the file itself there)")
            where = target
            try:
                st = os.lstat(where)
            except OSError as exc:
                raise Fail(f"cannot read the folder's {name} ({exc.strerror or exc})") from exc
        if not stat.S_ISREG(st.st_mode):
            raise Fail(f"the folder's {name} is not a regular file")
        if st.st_size > caps[name]:
            raise Fail(f"the folder's {name} is too large ({st.st_size} bytes)")
        take_bytes(st.st_size)
        try:
            with open(where, "rb") as fh:
                blob = fh.read(st.st_size + 1)  # never more than its size said
        except OSError as exc:
            raise Fail(f"cannot read the folder's {name} ({exc.strerror or exc})") from exc
        if len(blob) > st.st_size:
            raise Fail(f"the folder's {name} grew while it was read")
        return blob

    config = member("config.json")
    if config is None:
        raise Fail("the folder has no config.json, so it is not a Keras model saved unzipped")
    raw = member("metadata.json")
    meta = _metadata(raw) if raw is not None else {}
    weights = member("model.weights.h5")
    if weights is None:
        raise Fail("the folder has no model.weights.h5 beside its config.json")
    return config.decode("utf-8", errors="replace"), weights, meta


def attr_text(attrs: Any, name: str) -> str | None:
    return to_str(read_attr(attrs, name))
