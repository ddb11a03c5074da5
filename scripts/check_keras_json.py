"""Check that lstmviz's Keras JSON export loads in real Keras 3.

    .venv/bin/python scripts/check_keras_json.py [--keras-python /work/kvenv/bin/python]

Builds a few stacks (every recurrent class, Bidirectional, TimeDistributed, Embedding, the
bundled demos), writes each as ``keras_config`` JSON, then in the Keras interpreter runs
``keras.models.model_from_json`` on it and compares the layer classes, names and parameter
counts with lstmviz's. Exit 0 when all match. Not part of the test suite (needs Keras).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

KERAS_SIDE = r"""
import json, sys
import keras
out = {}
for name, cfg in json.load(open(sys.argv[1])).items():
    m = keras.models.model_from_json(json.dumps(cfg))
    out[name] = {"layers": [[l.__class__.__name__, l.name] for l in m.layers], "params": int(m.count_params())}
json.dump(out, open(sys.argv[2], "w"))
"""


def stacks():
    import lstmviz
    from lstmviz.app.state import AppState

    s = AppState()
    yield "default", s
    s = AppState()
    s.add_layer("GRU", index=0)
    s.add_layer("SimpleRNN", index=1)
    s.add_layer("Bidirectional", "LSTM", index=0)
    s.set_layer_option(0, "merge_mode", "sum")
    yield "mixed", s
    s = AppState()
    s.remove_layer(2)
    s.set_layer_option(1, "return_sequences", True)
    s.add_layer("TimeDistributed", "Dense")
    yield "time_distributed", s
    s = AppState()
    s.add_layer("Embedding", index=0)
    yield "embedding", s
    for f in sorted((ROOT / "lstmviz" / "resources" / "demos").glob("*.keras")):
        s = AppState()
        s.set_model(lstmviz.load(f))
        yield f.stem, s


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keras-python", default=os.environ.get("KERAS_PYTHON", "/work/kvenv/bin/python"))
    args = ap.parse_args()
    from lstmviz.ui.export import keras_config

    configs, want = {}, {}
    for name, s in stacks():
        if s.error:
            print(f"{name}: the stack does not run: {s.error}")
            return 1
        configs[name] = keras_config(s)
        want[name] = {"layers": [[l.class_name, l.name] for l in s.model.layers],
                      "params": int(s.model.count_params())}
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "configs.json", Path(tmp) / "keras.json"
        src.write_text(json.dumps(configs))
        r = subprocess.run([args.keras_python, "-c", KERAS_SIDE, str(src), str(dst)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            print(r.stderr[-3000:])
            return 1
        got = json.loads(dst.read_text())
    bad = 0
    for name in configs:
        ok = got[name] == want[name]
        bad += not ok
        print(f"{'ok ' if ok else 'BAD'} {name}: {got[name]['params']} params"
              + ("" if ok else f"\n    keras:   {got[name]}\n    lstmviz: {want[name]}"))
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
