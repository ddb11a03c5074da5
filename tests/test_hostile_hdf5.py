"""HDF5 files that reach outside themselves are refused, and nothing of the other file
reaches any output: external storage, virtual datasets, external links, in .h5 models,
.keras archives, .weights.h5 files, weights-only reads and the isolated child reader.

Each hostile file is made here from a real Keras fixture: one weight dataset is replaced
by one of the same shape whose bytes would come from a "secret" file in tmp_path.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import h5py
import numpy as np
import pytest

import lstmviz
from lstmviz.errors import LstmvizError
from lstmviz.io import read_model_file, read_weights_file
from lstmviz.io.formats import read_model_file_isolated, read_weights_file_isolated

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures"
K2_MODEL = FIX / "k2_tiny_stacked" / "model.h5"
K3_ZIP = FIX / "k3_tiny_stacked" / "model.keras"
K3_WEIGHTS = FIX / "k3_bidi_lstm_stacked" / "model.weights.h5"
K2_DATASET = "model_weights/lstm/lstm/lstm_cell/kernel:0"
K3_DATASET = "layers/lstm/cell/vars/0"
K3W_DATASET = "layers/dense/vars/0"

#: The "secret": recognisable as bytes, and as the float32 values they would become.
SECRET = b"SSH-PRIVATE-KEY!" * 64


def _secret(tmp_path: Path) -> Path:
    p = tmp_path / "id_secret"
    p.write_bytes(SECRET)
    return p


def _secret_values() -> set[float]:
    vals = np.frombuffer(SECRET[:64], dtype="<f4")
    return {float(v) for v in vals if np.isfinite(v)}


def _replace(h5path: Path, dataset: str, make) -> None:
    """Replace ``dataset`` by what ``make(file, name, shape, dtype)`` creates."""
    with h5py.File(h5path, "r+") as f:
        old = f[dataset]
        shape, dtype = old.shape, old.dtype
        del f[dataset]
        make(f, dataset, shape, dtype)


def _external(secret: Path):
    def make(f, name, shape, dtype):
        n = int(np.prod(shape)) * np.dtype(dtype).itemsize
        f.create_dataset(name, shape=shape, dtype=dtype, external=[(str(secret), 0, n)])
    return make


def _virtual(tmp_path: Path):
    def make(f, name, shape, dtype):
        src = tmp_path / "elsewhere.h5"
        with h5py.File(src, "w") as g:
            g["x"] = np.frombuffer(SECRET[: int(np.prod(shape)) * 4], "<f4").reshape(shape)
        layout = h5py.VirtualLayout(shape=shape, dtype=dtype)
        layout[...] = h5py.VirtualSource(str(src), "x", shape=shape)
        f.create_virtual_dataset(name, layout)
    return make


def _linked(tmp_path: Path):
    def make(f, name, shape, dtype):
        src = tmp_path / "elsewhere.h5"
        with h5py.File(src, "w") as g:
            g["x"] = np.frombuffer(SECRET[: int(np.prod(shape)) * 4], "<f4").reshape(shape)
        f[name] = h5py.ExternalLink(str(src), "/x")
    return make


def _poison_keras(src: Path, dst: Path, dataset: str, make) -> Path:
    with zipfile.ZipFile(src) as z:
        members = {n: z.read(n) for n in z.namelist()}
    tmp = dst.with_suffix(".weights.tmp.h5")
    tmp.write_bytes(members["model.weights.h5"])
    _replace(tmp, dataset, make)
    members["model.weights.h5"] = tmp.read_bytes()
    tmp.unlink()
    with zipfile.ZipFile(dst, "w") as z:
        for n, b in members.items():
            z.writestr(n, b)
    return dst


KINDS = ["external", "virtual", "link"]


def _maker(kind: str, tmp_path: Path):
    return {"external": lambda: _external(_secret(tmp_path)), "virtual": lambda: _virtual(tmp_path),
            "link": lambda: _linked(tmp_path)}[kind]()


def _hostile(kind: str, container: str, tmp_path: Path) -> Path:
    make = _maker(kind, tmp_path)
    if container == "h5":
        p = tmp_path / "model.h5"
        shutil.copy(K2_MODEL, p)
        _replace(p, K2_DATASET, make)
    elif container == "weights":
        p = tmp_path / "model.weights.h5"
        shutil.copy(K3_WEIGHTS, p)
        _replace(p, K3W_DATASET, make)
    else:
        p = _poison_keras(K3_ZIP, tmp_path / "model.keras", K3_DATASET, make)
    return p


WORDS = {"external": "external file", "virtual": "virtual dataset", "link": "external link"}


def _assert_refused(err: LstmvizError, path: Path, kind: str) -> None:
    msg = str(err)
    assert "\n" not in msg
    assert msg.startswith(path.name + ": "), msg
    assert WORDS[kind] in msg, msg
    assert "inside the file" in msg, msg
    assert "SSH-PRIVATE" not in msg


@pytest.mark.parametrize("container", ["h5", "keras", "weights"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_reader_refuses(kind, container, tmp_path):
    p = _hostile(kind, container, tmp_path)
    for read in (read_model_file, read_weights_file):
        with pytest.raises(LstmvizError) as ei:
            read(p)
        _assert_refused(ei.value, p, kind)


@pytest.mark.parametrize("container", ["h5", "keras", "weights"])
def test_isolated_child_refuses(container, tmp_path):
    p = _hostile("external", container, tmp_path)
    for read in (read_model_file_isolated, read_weights_file_isolated):
        with pytest.raises(LstmvizError) as ei:
            read(p)
        _assert_refused(ei.value, p, "external")


def test_the_unpoisoned_copies_still_load(tmp_path):
    """The refusals above are about the poison, not about the copying."""
    for src, name in ((K2_MODEL, "a.h5"), (K3_WEIGHTS, "b.weights.h5")):
        shutil.copy(src, tmp_path / name)
        assert read_weights_file(tmp_path / name)
    p = _poison_keras(K3_ZIP, tmp_path / "c.keras", K3_DATASET,
                      lambda f, n, s, d: f.create_dataset(n, data=np.ones(s, d)))
    spec = read_model_file(p)
    assert np.all(next(l for l in spec.layers if l.name == "lstm").weights[0] == 1)


def test_load_weights_onto_model_refuses(tmp_path):
    p = _hostile("external", "weights", tmp_path)
    model = lstmviz.load(K3_WEIGHTS.with_name("model.keras"))
    before = [np.array(w) for layer in model.layers for w in layer.weights]
    with pytest.raises(LstmvizError, match="external file"):
        lstmviz.load_weights(model, p)
    after = [np.array(w) for layer in model.layers for w in layer.weights]
    assert all(np.array_equal(a, b) for a, b in zip(before, after))


def test_an_unused_external_link_anywhere_is_refused(tmp_path):
    """The whole file is checked, not only the paths a reader happens to follow."""
    p = tmp_path / "model.h5"
    shutil.copy(K2_MODEL, p)
    (tmp_path / "other.h5").write_bytes(b"")
    with h5py.File(p, "r+") as f:
        f.create_group("deep/inside")["x"] = h5py.ExternalLink(str(tmp_path / "other.h5"), "/x")
    with pytest.raises(LstmvizError, match="external link"):
        read_model_file(p)


def test_soft_links_inside_the_file_are_fine(tmp_path):
    p = tmp_path / "model.h5"
    shutil.copy(K2_MODEL, p)
    with h5py.File(p, "r+") as f:
        f["alias"] = h5py.SoftLink("/" + K2_DATASET)
    assert read_model_file(p).layers


def test_cli_trace_writes_no_secret(tmp_path):
    """The attack of the issue: ``lstmviz trace`` wrote the secret's bytes into its output."""
    p = _hostile("external", "h5", tmp_path)
    x = tmp_path / "x.npy"
    shutil.copy(FIX / "k2_tiny_stacked" / "x.npy", x)
    out = tmp_path / "out.npz"
    proc = subprocess.run([sys.executable, "-m", "lstmviz", "trace", str(p), "-i", str(x),
                           "-o", str(out)], capture_output=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2, proc.stderr
    err = proc.stderr.decode()
    assert len(err.strip().splitlines()) == 1 and "external file" in err
    assert b"SSH-PRIVATE" not in proc.stdout + proc.stderr
    assert not out.exists()


def test_cli_summary_refuses(tmp_path):
    p = _hostile("virtual", "keras", tmp_path)
    proc = subprocess.run([sys.executable, "-m", "lstmviz", "summary", str(p)],
                          capture_output=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2
    assert len(proc.stderr.decode().strip().splitlines()) == 1
    assert "virtual dataset" in proc.stderr.decode()
    assert proc.stdout == b""


def test_sparse_huge_kernel_is_refused_before_reading(tmp_path):
    """A 10 KB file that declares a 1.3 GB kernel in unwritten chunks."""
    p = tmp_path / "model.h5"
    shutil.copy(K2_MODEL, p)
    with h5py.File(p, "r+") as f:
        del f[K2_DATASET]
        f.create_dataset(K2_DATASET, shape=(1, 340_000_000), dtype="f4", chunks=(1, 1 << 20))
    assert p.stat().st_size < 200_000
    with pytest.raises(LstmvizError) as ei:
        read_model_file(p)
    msg = str(ei.value)
    assert "declares 1.3 GiB" in msg and "stores only" in msg, msg


def test_read_budget_counts_every_array(tmp_path, monkeypatch):
    """Arrays read from one file are counted together against the memory limit."""
    p = tmp_path / "w.h5"
    with h5py.File(p, "w") as f:
        f.attrs["layer_names"] = np.array([b"dense", b"dense_1"])
        for name in ("dense", "dense_1"):
            g = f.create_group(name)
            g.attrs["weight_names"] = np.array([b"kernel:0", b"bias:0"])
            g["kernel:0"] = np.ones((1024, 2048), "f4")  # 8 MB each
            g["bias:0"] = np.ones((2048,), "f4")
    assert read_weights_file(p)
    monkeypatch.setenv("LSTMVIZ_MAX_MEMORY", "16M")
    with pytest.raises(LstmvizError) as ei:
        read_weights_file(p)
    msg = str(ei.value)
    assert "over the memory limit of 16 MiB" in msg and "LSTMVIZ_MAX_MEMORY" in msg, msg
    assert "--max-memory" in msg


def test_groups_linked_into_one_another_are_walked_once(tmp_path):
    """A weights file whose groups hard-link into one another (a DAG naming one dataset
    thousands of times): the safety walk inspects each object once, the readers stop at
    their bounds, and the answer is one line."""
    p = tmp_path / "dag.weights.h5"
    with h5py.File(p, "w") as f:
        layers = f.create_group("layers")
        prev = layers.create_group("deep")
        prev.create_group("vars")["0"] = np.ones((4,), "f4")
        for i in range(40):
            g = layers.create_group(f"g{i}")
            g["a"], g["b"] = prev, prev
            prev = g
    from lstmviz.io._h5safe import check_file

    with h5py.File(p, "r") as f:
        check_file(f)  # 2**40 paths, 80 links: walked link by link, each object once
    for read in (read_model_file, read_weights_file):
        with pytest.raises(LstmvizError) as ei:
            read(p)
        assert "\n" not in str(ei.value)


def test_nested_groups_are_opened_from_their_group_not_from_the_root(tmp_path, monkeypatch):
    """The safety walk opened each object by its whole path from the root: 2,000 groups
    one inside the next (a 2 MB file) took 4 s before any refusal, growing as the depth
    squared. Each is now opened from the group above it: the names the walk looks up hold
    one part each, however deep the file goes (and a dataset at the bottom is still
    checked: its external storage refused)."""
    from lstmviz.io import _h5safe

    p = tmp_path / "deep.weights.h5"
    depth = 300
    with h5py.File(p, "w") as f:
        g = f.create_group("layers")
        for _ in range(depth):
            g = g.create_group("a")
        g.create_dataset("k", (4,), "f4", external=[(str(_secret(tmp_path)), 0, 16)])
    looked_up: list = []
    real_get = h5py.Group.get

    def get(self, name, *args, **kwargs):
        looked_up.append(name)
        return real_get(self, name, *args, **kwargs)

    monkeypatch.setattr(h5py.Group, "get", get)
    with h5py.File(p, "r") as f, pytest.raises(_h5safe.Fail) as err:
        _h5safe.check_file(f)
    assert "keeps its data in an external file" in err.value.what
    assert len(looked_up) == depth + 2  # layers, the 300 groups, the dataset
    assert max(len(str(n).split("/")) for n in looked_up) == 1


def test_groups_nested_past_the_most_deep_are_refused_before_libhdf5_walks_them(tmp_path, monkeypatch):
    """10,000 groups one inside the next (a 10 MB .weights.h5) took 650 MB and 6 s, and
    crashed libhdf5, whose walk of the groups recurses ('the HDF5 library crashed reading
    this file'); the walk now stops at ``MAX_DEPTH`` groups deep with one line saying so
    (here made 50, for a small file)."""
    import lstmviz
    from lstmviz.io import _h5safe

    monkeypatch.setattr(_h5safe, "MAX_DEPTH", 50)
    p = tmp_path / "deep.weights.h5"
    for depth, refused in ((48, False), (50, True)):
        with h5py.File(p, "w") as f:
            g = f.create_group("layers")
            for _ in range(depth):
                g = g.create_group("a")
            g.create_dataset("k", data=np.zeros(3, "f4"))
        with h5py.File(p, "r") as f:
            if refused:
                with pytest.raises(_h5safe.Fail) as err:
                    _h5safe.check_file(f)
                assert err.value.what == ("the file's groups are nested more than 50 deep (a Keras file's "
                                          "are nested a few levels)")
            else:
                _h5safe.check_file(f)
    with pytest.raises(lstmviz.LstmvizError, match=r"^deep\.weights\.h5: the file's groups are nested more than 50"):
        lstmviz.load(p, isolate=False)


def test_window_shows_one_message_and_keeps_its_model(make_window, tmp_path):
    window = make_window((1200, 800))
    st = window.state
    before, trace, undo = st.snapshot(), st.trace, list(st.undo_stack)
    p = _hostile("external", "keras", tmp_path)
    assert not window.open_file(str(p))
    msg = window.last_message
    assert "\n" not in msg and "external file" in msg and "SSH-PRIVATE" not in msg
    assert st.trace is trace and st.undo_stack == undo
    assert [e.name for e in st.layers] == [n for _, _, n, _ in before.layers]


def _weights_file(path, names, make):
    """A Keras 2 weights file naming the groups ``names`` (in that order), each made by
    ``make(file, name)`` if not there yet."""
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"], f.attrs["backend"] = b"2.2.4", b"tensorflow"
        for n in dict.fromkeys(names):
            make(f, n)
        f.attrs["layer_names"] = np.array([n.encode() for n in names])


def test_unwritten_datasets_each_under_the_floor_add_up(tmp_path):
    """Three 12 MB kernels in unwritten chunks (each under the 32 MB a single array may
    declare before its storage is looked at): 36 MB from a file of kilobytes. Fifty of
    them were 2 GB and nine seconds for `lstmviz summary` of a 48 KB file."""
    def make(f, n):
        g = f.create_group(n)
        g.attrs["weight_names"] = np.array([b"kernel:0", b"bias:0"])
        g.create_dataset("kernel:0", shape=(1536, 2048), dtype="f4", chunks=True, fillvalue=0.5)
        g["bias:0"] = np.zeros(2048, "f4")

    p = tmp_path / "w.h5"
    _weights_file(p, ["a", "b", "c"], make)
    assert p.stat().st_size < 100_000
    for read in (read_model_file, read_weights_file):
        with pytest.raises(LstmvizError) as ei:
            read(p)
        msg = str(ei.value)
        assert "declare 36 MiB" in msg and "stores only" in msg and "\n" not in msg, msg


def test_one_stored_array_named_by_many_layers_counts_once(tmp_path):
    """One 1 MB kernel (stored compressed) named by 40 layers: 40 MB read from a file of
    kilobytes (4,000 names were 2 GB and twenty seconds), refused once the names declare
    more than 200 times what the file stores; a file naming each array once still loads."""
    def make(f, n):
        g = f.create_group(n)
        g.attrs["weight_names"] = np.array([b"kernel:0", b"bias:0"])
        g.create_dataset("kernel:0", data=np.tile(np.arange(512, dtype="f4"), (512, 1)),
                         compression="gzip", compression_opts=9)
        g["bias:0"] = np.zeros(512, "f4")

    once, many = tmp_path / "once.h5", tmp_path / "many.h5"
    _weights_file(once, ["d"], make)
    assert read_weights_file(once)
    _weights_file(many, ["d"] * 40, make)
    assert many.stat().st_size < 100_000
    with pytest.raises(LstmvizError) as ei:
        read_weights_file(many)
    assert "stores only" in str(ei.value) and "named many times" in str(ei.value)


def test_a_text_attributes_damaged_length_is_refused_without_its_gigabytes(tmp_path):
    """A text attribute is stored as a 4-byte length and a reference into the file's global
    heap; libhdf5 allocates the length before it finds the text shorter. Fuzzing turned the
    length of a model's 'keras_version' (6) into 2,348,810,246: the reading child touched
    2.3 GB and took ~6 s before it refused. Attribute reads in the child now get only
    ``ATTRIBUTE_ROOM`` more address space: the same refusal, within a few hundred MB."""
    import struct

    src = FIX / "k3_lstm_default" / "model.h5"
    blob = bytearray(src.read_bytes())
    with h5py.File(src, "r") as f:
        version = f.attrs["keras_version"]
    text = version.encode() if isinstance(version, str) else bytes(version)
    gcol = blob.find(b"GCOL")
    ref = struct.pack("<IQ", len(text), gcol)  # the length, then the heap's address
    hits = [i for i in range(len(blob) - 12) if blob[i:i + 12] == ref]
    assert hits, "the fixture's text attributes are in a global heap"
    for at in hits:  # (every text of that length: 'keras_version' is among them)
        blob[at:at + 4] = struct.pack("<I", 2_348_810_246)
    bad = tmp_path / "model.h5"
    bad.write_bytes(bytes(blob))
    probe = ("import resource, sys, lstmviz\n"
             "try:\n    lstmviz.load(sys.argv[1])\nexcept lstmviz.LstmvizError as e:\n    print(e)\n"
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    out = subprocess.run([sys.executable, "-c", probe, str(bad)], capture_output=True, text=True,
                         timeout=120, cwd=ROOT).stdout.splitlines()
    assert out[0].startswith("model.h5: cannot read attribute 'keras_version' of the file: it is "
                             "damaged, or of an HDF5 type lstmviz does not read; supported: "), out
    assert int(out[-1]) < 600 * 1024, f"the reading child's peak memory: {int(out[-1]) // 1024} MB"


@pytest.mark.parametrize("entry, why", [
    ("/", "it names the file's root"),
    ("//", "it names the file's root"),
    (".", "it names the group that lists it"),
    ("loop", "a soft link on its path loops"),
    ("loop/lstm", "a soft link on its path loops"),
    ("lstm/lstm/lstm_cell/kernel:0", "it is an array"),
    ("lstm/lstm/lstm_cell/kernel:0/x",
     "its path runs through '{root}lstm/lstm/lstm_cell/kernel:0', an array, not a group"),
])
@pytest.mark.parametrize("container", ["model", "weights"])
def test_a_layer_names_entry_that_is_no_layer_group_is_refused_in_plain_words(tmp_path, entry, why, container):
    """`layer_names` set to ['/'] (or '.', or a soft link that loops) was refused as
    "cannot read HDF5 object '/' (RuntimeError); the file may be truncated or corrupt":
    HDF5's lookup of the root, or of the group itself, fails as "name doesn't exist". Now
    one line names the entry and says it is not a layer group of the file; an array listed
    as a layer was "missing", and so was a path through an array (h5py finds nothing
    there); a path through a looping link was "a path that leads to no group". The lookup
    is ``h5_get``'s (``_h5_find``), each why in plain words."""
    p = tmp_path / "model.h5"
    shutil.copy(K2_MODEL, p)
    with h5py.File(p, "r+") as f:
        root = f["model_weights"]
        if container == "weights":  # (a save_weights file: layer_names on the file's root)
            for k in list(root.attrs):
                f.attrs[k] = root.attrs[k]
            for k in list(root):
                f.move(f"model_weights/{k}", k)
            del f["model_weights"], f.attrs["model_config"]
            root = f
        root["loop"] = h5py.SoftLink(root.name.rstrip("/") + "/loop")
        root.attrs["layer_names"] = np.array([entry.encode()])
    reader = read_model_file if container == "model" else read_weights_file
    with pytest.raises(LstmvizError) as err:
        reader(p)
    msg = str(err.value)
    why = why.format(root="model_weights/" if container == "model" else "")
    assert msg.startswith(f"model.h5: layer_names entry '{entry}' is not a layer group of the "
                          f"file ({why}); supported: ") and "\n" not in msg, msg
    assert "Error" not in msg


@pytest.mark.parametrize("name, says", [
    ("loop", "cannot read 'model_weights/lstm/loop' in the file: a soft link on its path loops"),
    ("loop/kernel:0", "cannot read 'model_weights/lstm/loop/kernel:0' in the file: a soft link on its path loops"),
    ("lstm/lstm_cell/kernel:0/x", "cannot read 'model_weights/lstm/lstm/lstm_cell/kernel:0/x' in the file: its "
                                  "path runs through 'model_weights/lstm/lstm/lstm_cell/kernel:0', an array, "
                                  "not a group"),
    ("/", "cannot read '/' in the file: it names the file's root"),
    (".", "cannot read 'model_weights/lstm/.' in the file: it names the group that lists it"),
    ("nothing", "weight 'nothing' of layer 'lstm' is listed but missing from the file"),
    ("alias", "weight 'alias' of layer 'lstm' is a soft link to group 'model_weights/lstm/lstm', not an array"),
    ("lstm/lstm_cell", "weight 'lstm/lstm_cell' of layer 'lstm' is a group, not an array"),
])
def test_a_weight_name_that_leads_to_no_array_is_refused_in_plain_words(tmp_path, name, says):
    """A layer's ``weight_names`` entry that HDF5 cannot look up was refused as "cannot
    read HDF5 object 'loop' (RuntimeError); the file may be truncated or corrupt", a
    Python class where a user reads what is wrong; one through an array was "missing",
    and so was a soft link to a group, or a group. ``h5_get`` says why in plain words, as
    ``layer_group`` does (one lookup: ``_h5_find``); what is there and no array, as
    ``not_an_array`` says it."""
    p = tmp_path / "model.h5"
    shutil.copy(K2_MODEL, p)
    with h5py.File(p, "r+") as f:
        g = f["model_weights/lstm"]
        g["loop"] = h5py.SoftLink("/model_weights/lstm/loop")
        g["alias"] = h5py.SoftLink("/model_weights/lstm/lstm")
        g.attrs["weight_names"] = np.array([name.encode()])
    with pytest.raises(LstmvizError) as err:
        read_model_file(p)
    msg = str(err.value)
    assert msg.startswith(f"model.h5: {says}; supported: ") and "\n" not in msg, msg
    assert "Error" not in msg


@pytest.mark.parametrize("link, says", [
    (lambda: h5py.SoftLink("/layers/dense"), "is a soft link to group 'layers/dense', not an array"),
    (lambda: h5py.SoftLink("/nowhere"), "is a soft link to 'nowhere', which the file does not hold"),
    (None, "is a group, not an array"),
], ids=["soft-link-to-group", "soft-link-to-nothing", "group"])
def test_a_keras3_weights_entry_that_is_no_array_says_what_it_is(tmp_path, link, says):
    """A ``.weights.h5`` variable ``vars/0`` that is a soft link to a group (or a group, or a
    soft link to nothing) was "is not a dataset", which is no word of the user's: one
    line says what the name is."""
    p = tmp_path / "model.weights.h5"
    shutil.copy(K3_WEIGHTS, p)
    with h5py.File(p, "r+") as f:
        del f[K3W_DATASET]
        if link is None:
            f.create_group(K3W_DATASET)
        else:
            f[K3W_DATASET] = link()
    with pytest.raises(LstmvizError) as err:
        read_weights_file(p)
    msg = str(err.value)
    assert msg.startswith(f"model.weights.h5: '{K3W_DATASET}' {says}; supported: ") and "\n" not in msg, msg


@pytest.mark.parametrize("driver, kind", [("family", "family"), ("split", "split (multi)")])
def test_the_first_file_of_a_multi_file_hdf5_set_is_named_as_such(tmp_path, driver, kind):
    """A model written with h5py's family or split driver (its data in several files) was
    refused as "cannot open as HDF5; the file is truncated or corrupt". Its
    superblock's driver block names the driver: one line now says what the file is."""
    with h5py.File(K2_MODEL, "r") as src:
        if driver == "family":
            dst = h5py.File(tmp_path / "model%d.h5", "w", driver="family", memb_size=4096)
            first = tmp_path / "model0.h5"
        else:
            dst = h5py.File(tmp_path / "model", "w", driver="split")
            first = tmp_path / "model-m.h5"
        with dst:
            for k, v in src.attrs.items():
                dst.attrs[k] = v
            src.copy("model_weights", dst)
    assert first.exists() and len(list(tmp_path.iterdir())) > 1
    for read in (read_model_file, read_weights_file, lstmviz.load):  # (lstmviz.load: in the child)
        with pytest.raises(LstmvizError) as err:
            read(first)
        msg = str(err.value)
        assert msg == (f"{first.name}: the file is one file of a {kind} HDF5 set (the rest of it "
                       "is in other files beside it); lstmviz reads single-file HDF5 models only "
                       "(as Keras saves them: model.save or save_weights)"), msg


def _two_arrays(path: Path) -> bytes:
    """A small HDF5 file as h5py writes one by default (groups indexed by symbol tables,
    names in a local heap): group 'dense' holding 'a_kernel' and 'b_bias'."""
    with h5py.File(path, "w") as f:
        g = f.create_group("dense")
        g.create_dataset("a_kernel", data=np.arange(12, dtype="f4").reshape(3, 4))
        g.create_dataset("b_bias", data=np.arange(4, dtype="f4"))
    return path.read_bytes()


def _damage(path: Path, blob: bytes, at: bytes, new: bytes) -> None:
    data = bytearray(blob)
    k = data.find(at)
    assert k >= 0, at
    data[k:k + len(new)] = new
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("at, new, says", [
    # a symbol table node's or a local heap's signature damaged: libhdf5 cannot go through
    # the group ("Link visitation failed (bad symbol table node signature)")
    (b"SNOD", b"XXXX", "cannot list the groups and arrays in the file; it may be truncated or corrupt"),
    (b"HEAP", b"XXXX", "cannot list the groups and arrays in the file; it may be truncated or corrupt"),
    # a name in the heap damaged: libhdf5 cannot open the object it lists under that name
    (b"a_kernel", b"\xff", "cannot open 'dense/\ufffd_kernel' in the file; it may be truncated or corrupt"),
])
def test_an_hdf5_file_whose_objects_cannot_be_walked_is_refused_in_plain_words(tmp_path, at, new, says):
    """``check_file`` walks every link before anything is read. Where libhdf5 could not, it
    said "cannot walk the HDF5 file (RuntimeError); it may be corrupt", and of an object it
    could not open "cannot read HDF5 object 'dense/...' (UnicodeDecodeError); the file may
    be corrupt": Python's classes, not what is wrong. Each says it in words, the object
    named, in the reading child too."""
    from lstmviz.io._fail import Fail
    from lstmviz.io._h5safe import open_h5
    from lstmviz.io.formats import supported

    p = tmp_path / "model.h5"
    _damage(p, _two_arrays(tmp_path / "good.h5"), at, new)
    for read in (read_model_file, read_weights_file, lstmviz.load):
        with pytest.raises(LstmvizError) as err:
            read(p)
        assert str(err.value) == f"model.h5: {says}; {supported()}"
    with pytest.raises(Fail) as fail:
        open_h5(p)
    assert fail.value.__cause__ is not None  # (libhdf5's words kept for a traceback)


def test_a_dataset_whose_storage_cannot_be_inspected_is_refused_in_plain_words():
    """``check_dataset`` asks libhdf5 how a dataset is stored (virtual, external, filters)
    before it is read; where that failed it said "cannot inspect dataset 'dense/a_kernel'
    (RuntimeError); the file may be corrupt". libhdf5 reads those properties when it opens
    the dataset, so no file made here reaches it: a dataset whose properties fail stands in."""
    from lstmviz.io._fail import Fail
    from lstmviz.io._h5safe import check_dataset

    class Unreadable:
        @property
        def is_virtual(self):
            raise RuntimeError("Unable to get dataset creation properties (bad value)")

    with pytest.raises(Fail) as err:
        check_dataset(Unreadable(), "/dense/a_kernel")
    assert err.value.what == ("cannot read how dataset 'dense/a_kernel' is stored; the file may be "
                              "truncated or corrupt")
    assert isinstance(err.value.__cause__, RuntimeError)


def _odd_attribute(loc, name: str, kind: str) -> None:
    """Attribute ``name`` of ``loc`` made again of an HDF5 type h5py reads as no NumPy
    array: a time (h5py: "No NumPy equivalent for TypeTimeID"), or a variable-length list
    of numbers never written (libhdf5: "no appropriate function for conversion path")."""
    if name in loc.attrs:
        del loc.attrs[name]
    tid = h5py.h5t.UNIX_D32LE if kind == "time" else h5py.h5t.py_create(h5py.vlen_dtype(np.int32))
    h5py.h5a.create(loc.id, name.encode(), tid, h5py.h5s.create_simple((1,)))


@pytest.mark.parametrize("kind", ["time", "vlen"])
@pytest.mark.parametrize("where, name, owner", [
    ("/", "keras_version", "the file"),
    ("/", "model_config", "the file"),
    ("model_weights", "layer_names", "'model_weights'"),
    ("model_weights/lstm", "weight_names", "'model_weights/lstm'"),
])
def test_an_attribute_that_cannot_be_read_is_refused_in_plain_words(tmp_path, kind, where, name, owner):
    """An attribute h5py cannot read was refused as "cannot read attribute 'layer_names'
    (TypeError)" or "(OSError)": a Python class, and not whose attribute it is. One line
    names the attribute and its group and says what may be wrong, in the child too."""
    from lstmviz.io.formats import supported

    p = tmp_path / "model.h5"
    shutil.copy(K2_MODEL, p)
    with h5py.File(p, "r+") as f:
        _odd_attribute(f[where], name, kind)
    for read in (read_model_file, lstmviz.load):
        with pytest.raises(LstmvizError) as err:
            read(p)
        assert str(err.value) == (f"model.h5: cannot read attribute '{name}' of {owner}: it is "
                                  f"damaged, or of an HDF5 type lstmviz does not read; {supported()}")


def _one_layer_weights(path: Path, **storage) -> bytes:
    """A Keras 2 weights file of one Dense layer whose kernel is one chunk stored as
    ``storage`` says (gzip, fletcher32); its bytes."""
    def make(f, n):
        g = f.create_group(n)
        g.attrs["weight_names"] = np.array([b"kernel:0", b"bias:0"])
        g.create_dataset("kernel:0", data=np.linspace(0.1, 2.0, 96, dtype="f4").reshape(8, 12),
                         chunks=(8, 12), **storage)
        g["bias:0"] = np.zeros(12, "f4")

    _weights_file(path, ["dense"], make)
    return path.read_bytes()


@pytest.mark.parametrize("storage, damage", [
    ({"fletcher32": True}, "data"),   # a stored byte changed: its checksum fails
    ({"compression": "gzip"}, "data"),  # its deflated bytes damaged
    ({"compression": "gzip"}, "index"),  # the chunk index's signature damaged
])
def test_an_array_whose_stored_data_cannot_be_read_is_refused_in_plain_words(tmp_path, storage, damage):
    """An array libhdf5 could not read ("Can't synchronously read data (filter returned
    failure during read)", "(wrong B-tree signature)") was refused as "cannot read weight
    'kernel:0' of layer 'dense' (OSError); the file may be truncated". It names the
    array and says the file may be truncated or corrupt, without Python's class."""
    from lstmviz.io.formats import supported

    p = tmp_path / "w.h5"
    blob = bytearray(_one_layer_weights(tmp_path / "good.h5", **storage))
    if damage == "index":
        at = blob.rfind(b"TREE")  # (the last B-tree: the kernel's chunks)
        blob[at:at + 4] = b"XXXX"
    else:
        data = np.linspace(0.1, 2.0, 96, dtype="f4").tobytes()
        at = blob.find(data[:16] if "fletcher32" in storage else zlib.compress(data, 4)[:8])
        assert at > 0
        blob[at + 5:at + 35] = bytes(b ^ 0xFF for b in blob[at + 5:at + 35])
    p.write_bytes(bytes(blob))
    for read in (read_weights_file, lstmviz.load):
        with pytest.raises(LstmvizError) as err:
            read(p)
        assert str(err.value) == ("w.h5: cannot read the stored data of weight 'kernel:0' of layer "
                                  f"'dense'; the file may be truncated or corrupt; {supported()}")


@pytest.mark.parametrize("value, kind", [(np.int64(5), "a whole number"), (np.float32(0.5), "a decimal number"),
                                         (np.bool_(True), "true or false")])
def test_a_list_of_names_that_is_one_number_says_what_it_is_in_words(tmp_path, value, kind):
    """``layer_names`` holding one number (not a list of names) was refused as "an
    attribute holds int64 where a list of names belongs": NumPy's type name. It says what
    the attribute holds in words."""
    from lstmviz.io.formats import supported

    p = tmp_path / "model.h5"
    shutil.copy(K2_MODEL, p)
    with h5py.File(p, "r+") as f:
        f["model_weights"].attrs["layer_names"] = value
    for read in (read_model_file, lstmviz.load):
        with pytest.raises(LstmvizError) as err:
            read(p)
        assert str(err.value) == (f"model.h5: an attribute holds {kind} where a list of names belongs; "
                                  f"{supported()}")


@pytest.mark.parametrize("dtype, words", [
    (np.dtype([("a", "f4"), ("b", "i4"), ("c", "f8")]), "a compound of 3 fields"),
    (h5py.string_dtype(), "variable-length text"),
    (h5py.vlen_dtype(np.float32), "variable-length lists"),
    (h5py.ref_dtype, "references to other HDF5 objects"),
    (np.dtype(("f4", (2,))), "arrays of 2 32-bit floats each"),
    ("S4", "byte strings"),
    ("V8", "raw bytes"),
    ("c8", "complex numbers"),
])
def test_a_weight_of_no_numbers_is_refused_saying_its_type_in_words(tmp_path, dtype, words):
    """A kernel of text or a compound type was refused as "has data type object" or "has
    data type [('a', '<f4'), ('b', '<i4'), ('c', '<f8')]": NumPy's text of its dtype. One
    line says what it holds in words, in the isolated child too."""
    from lstmviz.io.formats import supported

    p = tmp_path / "model.h5"
    shutil.copy(K2_MODEL, p)
    _replace(p, K2_DATASET, lambda f, name, shape, _: f.create_dataset(name, shape=shape, dtype=dtype))
    for read in (read_model_file, read_model_file_isolated):
        with pytest.raises(LstmvizError) as err:
            read(p)
        assert str(err.value) == (f"model.h5: weight 'lstm/lstm_cell/kernel:0' of layer 'lstm' holds {words}, "
                                  f"not real numbers (integers, floats or booleans); {supported()}")
