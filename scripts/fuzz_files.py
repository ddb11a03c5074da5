#!/usr/bin/env python3
"""A long fuzz campaign over files from strangers: damaged copies of the test fixtures go
through what a user does with a file (``lstmviz.load``, the summary, one view drawn by
``lstmviz.picture``), and every outcome that is not a picture or a one-line refusal is
printed: another exception, a message of several lines or of hundreds of characters, a
case slower than 5 s, memory grown by 500 MiB, a warning or an exception Qt reported to
``sys.excepthook`` (a fault inside a slot). The damaged file of each such case is kept
in ``--out``; the others are deleted.

The damage knows the formats: a zip's JSON member (a .keras config, a session's
manifest) has a value replaced, deleted or scaled, a .npy member's header or bytes
changed; an HDF5 file's model_config, a weight, or a name list; a safetensors header's
JSON; an ONNX graph's dimensions (its input's steps, the length it fixes, too), an integer
constant's values (a Reshape's shape naming the length twice or negated), attributes (their
values, or their kind: a FLOAT where the op takes an INT) or wiring (with the ``onnx``
extra); any
file, a quarter of the time, bytes flipped, cut or spliced in.

    QT_QPA_PLATFORM=offscreen PYTHONPATH=. .venv/bin/python scripts/fuzz_files.py \\
        [--seed 0] [--cases 1000] [--out /tmp/lstmviz-fuzz] [--seeds 'tests/fixtures/k3_*/*.keras' ...]
        [--inputs]   # damaged .npy, .csv and text inputs instead, on the bundled demo model

Not a test (tests/test_io_fuzz.py runs a short, fixed one in the suite): a campaign to
run for minutes or hours after a change to a reader or a view; exits 1 when a case was
printed. Sessions to start from: save a few from the app and pass them with --seeds.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import signal
import sys
import tempfile
import time
import traceback
import warnings
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

import lstmviz  # noqa: E402
from lstmviz.errors import LstmvizError  # noqa: E402

SUFFIXES = (".keras", ".onnx", ".safetensors", ".pt", ".lstmviz", ".h5")
#: values put in place of a config's: wrong types, extremes, names with markup and paths
HOSTILE = [-1, 0, 1, 2, 3, 7, 10 ** 9, 2 ** 31, 2 ** 63, -2 ** 63, 1e308, -0.0, 1.5, "x", "", None,
           [], {}, True, False, "../../etc/passwd", "<b>bold</b>", "a" * 5000, [1, 2, 3],
           [10 ** 9, 10 ** 9], {"class_name": "Lambda", "config": {}}, "NaN", "Infinity", 65536,
           4096, [None, None, 3], [[1, 2], [3]], "line\nbreak\u202eevil\x1b[31m\x00", 10 ** 7]


class Damage:
    def __init__(self, rng: random.Random):
        self.rng = rng

    def json(self, obj):
        """One to three of ``obj``'s nodes replaced, deleted or scaled."""
        rng, nodes = self.rng, []

        def walk(o, parent, key):
            nodes.append((parent, key, o))
            if isinstance(o, dict):
                for k, v in o.items():
                    walk(v, o, k)
            elif isinstance(o, list):
                for i, v in enumerate(o):
                    walk(v, o, i)
        walk(obj, None, None)
        for _ in range(rng.randint(1, 3)):
            parent, key, o = rng.choice(nodes)
            if parent is None:
                continue
            r = rng.random()
            try:
                if r < 0.7:
                    parent[key] = rng.choice(HOSTILE)
                elif r < 0.85:
                    del parent[key]
                elif isinstance(o, (int, float)) and not isinstance(o, bool):
                    parent[key] = o * rng.choice([2, 10, 1000, -1])
                else:
                    parent[key] = rng.choice(HOSTILE)
            except (KeyError, IndexError):
                pass
        return obj

    def bytes(self, blob: bytes) -> bytes:
        rng, out = self.rng, bytearray(blob)
        if not out:
            return bytes(out)
        op = rng.choice(["flip", "cut", "splice"])
        if op == "flip":
            for _ in range(rng.randint(1, 16)):
                out[rng.randrange(len(out))] = rng.randrange(256)
        elif op == "cut":
            out = out[:rng.randrange(len(out))]
        else:
            i = rng.randrange(len(out))
            out[i:i] = rng.randbytes(rng.randint(1, 64))
        return bytes(out)

    def zip(self, data: bytes) -> bytes:
        rng = self.rng
        zin = zipfile.ZipFile(io.BytesIO(data))
        names = zin.namelist()
        victim = rng.choice(names)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
            for n in names:
                b = zin.read(n)
                if n == victim:
                    if n.endswith(".json"):
                        try:
                            b = json.dumps(self.json(json.loads(b))).encode()
                        except ValueError:
                            b = self.bytes(b)
                    elif n.endswith(".npy") and len(b) > 10 and rng.random() < 0.6:
                        end = min(len(b), 10 + int.from_bytes(b[8:10], "little"))
                        head = bytearray(b[:end])
                        for _ in range(rng.randint(1, 4)):
                            if end > 10:
                                head[rng.randrange(10, end)] = ord(rng.choice("0123456789(),' <>fiu8"))
                        b = bytes(head) + b[end:]
                    else:
                        b = self.bytes(b)
                zout.writestr(n, b)
        return buf.getvalue()

    def safetensors(self, data: bytes) -> bytes:
        n = int.from_bytes(data[:8], "little")
        head = json.dumps(self.json(json.loads(data[8:8 + n]))).encode()
        return len(head).to_bytes(8, "little") + head + data[8 + n:]

    def onnx(self, data: bytes) -> bytes:
        import onnx

        rng = self.rng
        m = onnx.load_from_string(data)
        g = m.graph
        r = rng.random()
        # (the sequence length a graph fixes: its 3-D input's steps, and the Reshape constants
        # and constants of its steps that name it, onnx_time.fixed_length / names_length / spans)
        steps = [d for vi in g.input for d in vi.type.tensor_type.shape.dim[1:2] if d.HasField("dim_value")]
        ints = [t for t in g.initializer if t.data_type == onnx.TensorProto.INT64 and 0 < int(np.prod(t.dims)) <= 8]
        if r < 0.1 and steps:
            rng.choice(steps).dim_value = rng.choice([0, 1, 2, 4097, 10 ** 6, 10 ** 7, 10 ** 9, 2 ** 31, -1])
        elif r < 0.2 and (ints or g.initializer):
            from onnx import numpy_helper

            t = rng.choice(ints or list(g.initializer))
            v = numpy_helper.to_array(t).copy()
            if v.size and v.dtype.kind in "iu":
                named = int(rng.choice([*v.reshape(-1).tolist(), *[d.dim_value for d in steps]] or [1]))
                v.reshape(-1)[rng.randrange(v.size)] = rng.choice([named, -named, 0, -1, 2 ** 31, 10 ** 7])
                t.CopyFrom(numpy_helper.from_array(v, t.name))
        elif r < 0.35 and g.initializer:
            t = rng.choice(g.initializer)
            if t.dims:
                t.dims[rng.randrange(len(t.dims))] = rng.choice([0, 1, 2, 7, 10 ** 6, 2 ** 40, -1])
        elif r < 0.6 and g.node:
            nd = rng.choice(g.node)
            if nd.attribute:
                a = rng.choice(nd.attribute)
                A = onnx.AttributeProto
                if rng.random() < 0.3:  # (of another kind than ONNX's schema of the op gives)
                    kind = rng.choice([A.FLOAT, A.INT, A.INTS, A.STRING, A.UNDEFINED])
                    a.type = kind
                    if kind in (A.FLOAT, A.INT, A.STRING):
                        setattr(a, {A.FLOAT: "f", A.INT: "i", A.STRING: "s"}[kind],
                                {A.FLOAT: 1.5, A.INT: 1, A.STRING: b"1"}[kind])
                    elif kind == A.INTS:
                        a.ints[:] = [1, 2]
                elif a.type == A.INT:
                    a.i = rng.choice([-1, 0, 1, 2, 3, 2 ** 40])
                elif a.type == A.INTS and a.ints:
                    a.ints[rng.randrange(len(a.ints))] = rng.choice([-1, 0, 2 ** 40, 5])
                elif a.type == A.STRINGS and a.strings:
                    a.strings[0] = rng.choice([b"Relu", b"Foo", b"<b>", b"HardSigmoid", b""])
                elif a.type == A.FLOATS and a.floats:
                    a.floats[0] = rng.choice([float("nan"), 1e38, -1.0])
                elif a.type == A.FLOAT:
                    a.f = rng.choice([float("nan"), 1e38, -1.0, 0.0])
            elif nd.input:
                nd.input[rng.randrange(len(nd.input))] = rng.choice(["", "nope"])
        elif r < 0.8 and g.node:
            nd = rng.choice(g.node)
            if nd.input:
                outputs = [o for other in g.node for o in other.output]
                nd.input[rng.randrange(len(nd.input))] = rng.choice(["", "nope", *outputs])
        else:
            return self.bytes(data)
        return m.SerializeToString()

    def hdf5(self, data: bytes) -> bytes:
        import h5py

        rng = self.rng
        fd, name = tempfile.mkstemp(suffix=".h5")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            with h5py.File(name, "r+") as f:
                keys = [k for k in ("model_config", "training_config") if k in f.attrs]
                if keys and rng.random() < 0.6:
                    k = rng.choice(keys)
                    v = f.attrs[k]
                    v = v.decode() if isinstance(v, bytes) else str(v)
                    f.attrs[k] = json.dumps(self.json(json.loads(v))).encode()
                else:
                    found: list[str] = []
                    f.visititems(lambda n, o: found.append(n))
                    if found:
                        o = f[rng.choice(found)]
                        if isinstance(o, h5py.Dataset) and o.size and rng.random() < 0.5:
                            a = np.asarray(o[()])
                            if a.dtype.kind == "f":
                                a.flat[rng.randrange(a.size)] = rng.choice([np.nan, np.inf, 1e30])
                                o[...] = a
                        elif "weight_names" in o.attrs or "layer_names" in o.attrs:
                            k = "weight_names" if "weight_names" in o.attrs else "layer_names"
                            names = list(o.attrs[k])
                            if names:
                                names[rng.randrange(len(names))] = rng.choice(
                                    [b"", b"../x", b"<b>x</b>", b"a/b/c:0", names[0]])
                                o.attrs[k] = np.array(names)
            return Path(name).read_bytes()
        finally:
            os.unlink(name)

    def csv(self, data: bytes) -> bytes:
        """A cell, a row or a separator of a CSV changed: numbers past float32, words,
        empty cells, a row of another length, a NUL, a very long line."""
        rng = self.rng
        lines = data.decode("utf-8", "replace").splitlines() or [""]
        i = rng.randrange(len(lines))
        cells = lines[i].split(",")
        r = rng.random()
        if r < 0.5:
            cells[rng.randrange(len(cells))] = rng.choice(
                ["1e39", "-1e39", "nan", "inf", "", "x", "1,5", '"2"', "0x10", "1e-50", "\x00", "9" * 400])
            lines[i] = ",".join(cells)
        elif r < 0.7:
            lines[i] = ",".join(cells + ["1"] * rng.randint(1, 3))
        elif r < 0.85:
            lines.insert(i, rng.choice(["a,b,c", "", "#", ";;;", "1;2;3", "\t1\t2"]))
        else:
            lines = lines[:i] or [""]
        return "\n".join(lines).encode()

    def __call__(self, path: Path, data: bytes) -> bytes:
        if path.suffix in (".csv", ".txt"):
            return self.csv(data) if self.rng.random() < 0.8 else self.bytes(data)
        if path.suffix == ".npy" and self.rng.random() < 0.5 and len(data) > 10:
            end = min(len(data), 10 + int.from_bytes(data[8:10], "little"))
            head = bytearray(data[:end])
            if end > 10:
                head[self.rng.randrange(10, end)] = ord(self.rng.choice("0123456789(),' <>fiu8"))
            return bytes(head) + data[end:]
        if self.rng.random() < 0.25:
            return self.bytes(data)
        try:
            if data[:4] == b"\x89HDF":
                return self.hdf5(data)
            if data[:2] == b"PK":
                return self.zip(data)
            if path.suffix == ".safetensors":
                return self.safetensors(data)
            if path.suffix == ".onnx":
                return self.onnx(data)
        except Exception:  # (a damage the format's library refuses to write: bytes instead)
            pass
        return self.bytes(data)


class Slow(Exception):
    pass


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cases", type=int, default=1000)
    ap.add_argument("--out", default=str(Path(tempfile.gettempdir()) / "lstmviz-fuzz"))
    ap.add_argument("--seeds", nargs="+", default=None,
                    help="globs of files to damage (default: the fixtures' model files under 300 KB)")
    ap.add_argument("--inputs", action="store_true",
                    help="damage input files instead (.npy and .csv of a sine wave the bundled demo "
                         "model takes, or --seeds' .npy/.csv), each opened on that model")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.seeds:
        seeds = []
        for glob in args.seeds:
            pattern = Path(glob)
            base = Path(pattern.anchor) if pattern.is_absolute() else Path.cwd()
            seeds += sorted(base.glob(str(pattern.relative_to(pattern.anchor) if pattern.is_absolute() else pattern)))
    elif args.inputs:  # inputs the demo takes (one feature, any length), as arrays and as text
        wave = np.sin(np.arange(300) / 5.0)
        made = {"steps.npy": wave.astype(np.float32), "batch.npy": np.stack([wave[:60], wave[60:120]])[..., None],
                "f64.npy": wave[:80, None].astype(np.float64), "int.npy": (wave[:50] * 100).astype(np.int16),
                # odd shapes and dtypes: more features than the model takes, 4-D, a scalar, an
                # empty one, no steps, big-endian, Fortran order, half, bool, complex,
                # unsigned, datetime, a record and an object array (not read: pickles)
                "wide.npy": np.tile(wave[:40, None], (1, 7)).astype(np.float32),
                "four_d.npy": wave[:48].reshape(2, 3, 8, 1).astype(np.float32),
                "scalar.npy": np.float32(1.5), "empty.npy": np.zeros((0, 1), np.float32),
                "no_steps.npy": np.zeros((3, 0, 1), np.float32), "big_endian.npy": wave[:30, None].astype(">f8"),
                "fortran.npy": np.asfortranarray(np.stack([wave[:30], wave[30:60]]).T[None]),
                "half.npy": wave[:30, None].astype(np.float16), "bool.npy": wave[:30, None] > 0,
                "complex.npy": wave[:30, None].astype(np.complex64), "uint.npy": (wave[:30] * 50 + 60).astype(np.uint8),
                "dates.npy": np.arange(30).astype("datetime64[D]"),
                "record.npy": np.zeros(10, [("a", "f4"), ("b", "i2")]),
                "objects.npy": np.array([1.0, "x", None], dtype=object)}
        seeds = []
        for name, a in made.items():
            np.save(out / f"seed_{name}", a, allow_pickle=name == "objects.npy")
            seeds.append(out / f"seed_{name}")
        for name, header in (("plain.csv", ""), ("header.csv", "value\n")):
            (out / f"seed_{name}").write_text(header + "\n".join(f"{v:.7g}" for v in wave[:120]) + "\n")
            seeds.append(out / f"seed_{name}")
        for name, text in (("text.txt", "hello, wörld\n" * 20), ("tabs.csv", "1\t2\t3\n4\t5\t6\n"),
                           ("semicolons.csv", "1;2\n3;4\n"), ("ragged.csv", "1,2,3\n4,5\n6\n"),
                           ("crlf.csv", "1\r\n2\r\n3\r\n"), ("utf16.csv", "1\n2\n".encode("utf-16"))):
            (out / f"seed_{name}").write_bytes(text if isinstance(text, bytes) else text.encode())
            seeds.append(out / f"seed_{name}")
    else:
        seeds = sorted(p for p in (ROOT / "tests" / "fixtures").glob("*/*")
                       if p.suffix in SUFFIXES and p.stat().st_size < 300_000)
    seeds = [p for p in seeds if p.is_file()]
    model = str(ROOT / "lstmviz" / "resources" / "demos" / "sine_predictor.keras")
    if not seeds:
        print("no files to damage", file=sys.stderr)
        return 2
    damage = Damage(rng)
    hooked: list[str] = []
    warned: list[str] = []

    def hook(kind, value, tb):
        where = traceback.extract_tb(tb)[-1] if tb else None
        hooked.append("".join(traceback.format_exception_only(kind, value)).strip()[:200]
                      + (f" @ {Path(where.filename).name}:{where.lineno}" if where else ""))
    sys.excepthook = hook
    warnings.simplefilter("always")
    warnings.showwarning = lambda message, category, filename, lineno, file=None, line=None: warned.append(
        f"{category.__name__}: {message} @ {Path(filename).name}:{lineno}")

    def alarm(*_):
        raise Slow()
    signal.signal(signal.SIGALRM, alarm)
    counts = {"drawn": 0, "refused": 0, "printed": 0}
    print(f"{args.cases:,} cases from {len(seeds)} files, seed {args.seed}; damaged files kept in {out}",
          flush=True)
    for k in range(args.cases):
        src = rng.choice(seeds)
        case = out / f"case_{args.seed}_{k:05d}{src.suffix}"
        case.write_bytes(damage(src, src.read_bytes()))
        t0, rss0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        signal.alarm(30)
        try:
            view = rng.choice(["unrolled", "cell", "over_time", "weights"])
            if args.inputs:  # (the demo model takes any length of one feature)
                lstmviz.picture(model, str(case), view=view, size=(480, 320))
            else:
                lstmviz.load(str(case)).summary_text()
                lstmviz.picture(str(case), view=view, size=(480, 320))
            verdict = "drawn"
        except LstmvizError as err:
            text = str(err)
            verdict = "refused" if "\n" not in text and len(text) < 800 else f"a message of {len(text):,} " \
                f"characters or several lines: {text[:200]!r}"
        except Slow:
            verdict = "slower than 30 s"
        except BaseException as err:  # noqa: BLE001 (what the campaign looks for)
            where = traceback.extract_tb(err.__traceback__)[-1]
            verdict = (f"{type(err).__name__}: {str(err)[:200]} @ {Path(where.filename).name}:"
                       f"{where.lineno}")
        finally:
            signal.alarm(0)
        took = time.perf_counter() - t0
        grew = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024
        if verdict in ("drawn", "refused"):
            if hooked:
                verdict = f"sys.excepthook: {hooked[:2]} ({verdict})"
            elif warned:
                verdict = f"warnings: {sorted(set(warned))[:3]} ({verdict})"
            elif took > 5:
                verdict = f"{took:.1f} s ({verdict})"
            elif grew > 500:
                verdict = f"memory +{grew:,.0f} MiB ({verdict})"
        hooked.clear()
        warned.clear()
        if verdict in ("drawn", "refused"):
            counts[verdict] += 1
            case.unlink()
        else:
            counts["printed"] += 1
            print(f"{case.name} (from {src.parent.name}/{src.name}): {verdict} [{took:.1f} s]", flush=True)
    print(", ".join(f"{v:,} {k}" for k, v in counts.items()), flush=True)
    return 1 if counts["printed"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
