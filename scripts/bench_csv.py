#!/usr/bin/env python3
"""Benchmark: both CSV readers against NumPy's C reader on the same file (issue 13: "import
.csv with hundreds of thousands of rows, with progress").

For each size (``--rows``, default 200,000 and 2,000,000 rows of 3 columns, a header line,
numbers as ``%.6g`` writes them), a file is written once, then read in turn, ``--repeat``
times each, interleaved: ``np.loadtxt`` of the file (float64, the peer), ``io.csv_numbers``
(the command line's ``--input``/``--target`` and the window's Import, opened as they open
it) and ``app.long_data.read_csv`` (File > Open a long input, with a progress callback).
Prints each reader's median, its ratio to loadtxt's median of the same run, and the target
beside it (at most 2x NumPy's C reader). The memory limit is raised to 16G for the run
(``LSTMVIZ_MAX_MEMORY``), so that 2,000,000 rows x 3 are under the CSV cell limit; the
readers' numbers are checked to be loadtxt's.

    .venv/bin/python scripts/bench_csv.py [--rows 200000 2000000] [--repeat 3] [--columns 3]

This is a benchmark, not a test: it prints figures and exits 0 unless outputs disagree.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ["LSTMVIZ_MAX_MEMORY"] = "16G"
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from lstmviz.app.long_data import read_csv  # noqa: E402
from lstmviz.io.csv_numbers import csv_numbers  # noqa: E402

TARGET = 2.0  # at most this many times np.loadtxt's time


def numpy_reader(path: Path) -> np.ndarray:
    return np.loadtxt(path, delimiter=",", dtype=np.float64, skiprows=1, ndmin=2)


def cli_reader(path: Path) -> np.ndarray:
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:  # (as cli_inputs opens it)
        flat, width = csv_numbers(path.name, fh)
    return np.frombuffer(flat, dtype=np.float64).reshape(-1, width)


def long_reader(path: Path) -> np.ndarray:
    return read_csv(path, progress=lambda done, total: None)[0]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[200_000, 2_000_000])
    ap.add_argument("--columns", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    readers = {"np.loadtxt": numpy_reader, "csv_numbers": cli_reader, "read_csv": long_reader}
    ok = True
    print(f"load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores, NumPy {np.__version__}")
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows:
            path = Path(tmp) / f"x{rows}.csv"
            x = np.random.default_rng(0).normal(size=(rows, args.columns))
            header = ",".join(f"f{k}" for k in range(args.columns))
            np.savetxt(path, x, fmt="%.6g", delimiter=",", header=header, comments="")
            times: dict[str, list[float]] = {k: [] for k in readers}
            want = numpy_reader(path)
            for _ in range(args.repeat):
                for label, reader in readers.items():
                    t0 = time.perf_counter()
                    got = reader(path)
                    times[label].append(time.perf_counter() - t0)
                    if label != "np.loadtxt":
                        same = got.shape == want.shape and np.array_equal(
                            got.astype(np.float32), want.astype(np.float32))
                        if not same:
                            print(f"  {label}: numbers differ from np.loadtxt's")
                            ok = False
            size = path.stat().st_size / 1e6
            print(f"{rows:,} rows x {args.columns} ({size:.1f} MB), median of {args.repeat}:")
            base = statistics.median(times["np.loadtxt"])
            for label, ts in times.items():
                med = statistics.median(ts)
                if label == "np.loadtxt":
                    print(f"  {label:12s} {med:7.3f} s  (the peer; {1e6 * med / rows:.2f} us a row)")
                    continue
                ratio = med / base
                print(f"  {label:12s} {med:7.3f} s  {ratio:5.2f}x np.loadtxt  ({1e6 * med / rows:.2f} us a row)  "
                      f"target <= {TARGET:g}x: {'met' if ratio <= TARGET else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
