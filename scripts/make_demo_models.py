#!/usr/bin/env python
"""Train the three small demo models shipped in ``lstmviz/resources/demos/`` with real Keras 3.

Needs TensorFlow and Keras 3: install the ``fixtures`` extra of this project, preferably
into a separate virtualenv::

    python -m venv /path/to/kvenv
    /path/to/kvenv/bin/pip install -e '.[fixtures]'
    TF_CPP_MIN_LOG_LEVEL=3 CUDA_VISIBLE_DEVICES= /path/to/kvenv/bin/python scripts/make_demo_models.py [--only NAME]

Each demo trains in a few seconds on a CPU and is saved, without optimizer state, as
``lstmviz/resources/demos/<name>.keras`` together with an example input ``<name>.input.npy``
(4 sequences: float32 ``(4, timesteps, features)``, or int32 ``(4, timesteps)`` character
ids for the character model).  ``lstmviz/resources/demos/demos.json`` lists them as
``[{"file", "title", "description", "input"}]``.

- ``sine_predictor``: LSTM(8, return_sequences) -> TimeDistributed(Dense(1)); predicts the
  next value of a sine wave at every step (40 timesteps).
- ``remember_first``: LSTM(6) -> Dense(1, tanh); outputs the sign of the FIRST value of a
  noisy sequence of 20, so the cell state has to hold it (watch the cell state and the
  forget gate).
- ``char_model``: Embedding(30, 8) -> LSTM(16, return_sequences) ->
  TimeDistributed(Dense(30, softmax)); next-character model trained on a short English
  text, input 24 character ids: the app's own (``lstmviz.app.inputs``: space, a-z, ".",
  "?" as ids 1-29, 0 = padding), so text typed in the app or read from a file is what
  the model was trained on.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "lstmviz" / "resources" / "demos"
SEED = 1234

TEXT = (
    "the cat sat on the mat and the dog sat on the log. "
    "a long short term memory keeps what it needs and forgets the rest. "
    "the forget gate decides what to keep. the input gate what to write. "
    "and the output gate what to show. "
    "she sells sea shells by the sea shore. "
    "the quick brown fox jumps over the lazy dog. "
    "to be or not to be? that is the question. "
    "all that glitters is not gold. "
    "time flies like an arrow and fruit flies like a banana. "
)
sys.path.insert(0, str(ROOT))
# the app's characters and ids (1 + index, 0 = padding): text typed in the app or read
# from a text file means to the character model what it was trained on
from lstmviz.app.inputs import ALPHABET, text_ids  # noqa: E402


def encode(text: str) -> np.ndarray:
    return text_ids(text)[0]


def decode(ids) -> str:
    return "".join(ALPHABET[int(i) - 1] if i else "_" for i in ids)


# --------------------------------------------------------------------------------------


def build_sine(keras):
    L = keras.layers
    return keras.Sequential([keras.Input((40, 1), name="signal"),
                             L.LSTM(8, return_sequences=True, name="lstm"),
                             L.TimeDistributed(L.Dense(1, name="dense"), name="next_value")],
                         name="sine_predictor")


def sine_batch(rng, n, t=40):
    """Sine waves of random frequency, phase and amplitude; target = next value."""
    freq = rng.uniform(0.15, 0.45, (n, 1))
    phase = rng.uniform(0, 2 * np.pi, (n, 1))
    amp = rng.uniform(0.5, 1.0, (n, 1))
    steps = np.arange(t + 1)[None, :]
    wave = amp * np.sin(freq * steps + phase)
    return wave[:, :-1, None].astype(np.float32), wave[:, 1:, None].astype(np.float32)


def train_sine(keras, rng):
    x, y = sine_batch(rng, 1024)
    m = build_sine(keras)
    m.compile(optimizer=keras.optimizers.Adam(0.02), loss="mse")
    m.fit(x, y, epochs=25, batch_size=64, verbose=0)
    xt, yt = sine_batch(rng, 256)
    mse = float(np.mean((m.predict(xt, verbose=0)[:, 5:] - yt[:, 5:]) ** 2))
    example, _ = sine_batch(np.random.default_rng(7), 4)
    return m, example, f"test MSE after step 5: {mse:.4f}"


# --------------------------------------------------------------------------------------


def build_remember(keras):
    L = keras.layers
    return keras.Sequential([keras.Input((20, 1), name="sequence"),
                             L.LSTM(6, name="lstm"),
                             L.Dense(1, activation="tanh", name="sign")],
                            name="remember_first")


def remember_batch(rng, n, t=20):
    """x[:, 0] = +-1 (the bit to remember), then uniform noise in [-0.8, 0.8]."""
    x = rng.uniform(-0.8, 0.8, (n, t, 1)).astype(np.float32)
    sign = rng.choice([-1.0, 1.0], n).astype(np.float32)
    x[:, 0, 0] = sign
    return x, sign[:, None]


def train_remember(keras, rng):
    x, y = remember_batch(rng, 2048)
    m = build_remember(keras)
    m.compile(optimizer=keras.optimizers.Adam(0.02), loss="mse")
    m.fit(x, y, epochs=25, batch_size=64, verbose=0)
    xt, yt = remember_batch(rng, 512)
    acc = float(np.mean(np.sign(m.predict(xt, verbose=0)) == yt))
    example, _ = remember_batch(np.random.default_rng(7), 4)
    example[:, 0, 0] = [1, -1, 1, -1]
    return m, example, f"test accuracy {acc:.3f}"


# --------------------------------------------------------------------------------------


def build_char(keras):
    L = keras.layers
    v = len(ALPHABET) + 1  # (id 0: padding)
    return keras.Sequential([keras.Input((24,), dtype="int32", name="chars"),
                             L.Embedding(v, 8, name="embedding"),
                             L.LSTM(16, return_sequences=True, name="lstm"),
                             L.TimeDistributed(L.Dense(v, activation="softmax", name="dense"), name="next_char")],
                            name="char_model")


def train_char(keras, rng):
    ids = encode(TEXT)
    t = 24
    starts = np.arange(0, len(ids) - t - 1)
    x = np.stack([ids[s:s + t] for s in starts])
    y = np.stack([ids[s + 1:s + t + 1] for s in starts])
    m = build_char(keras)
    m.compile(optimizer=keras.optimizers.Adam(0.02), loss="sparse_categorical_crossentropy")
    m.fit(x, y, epochs=40, batch_size=32, verbose=0, shuffle=True)
    acc = float(np.mean(np.argmax(m.predict(x, verbose=0), -1) == y))
    phrases = ["the forget gate decides w", "the quick brown fox jumps", "she sells sea shells by ",
               "time flies like an arrow"]
    example = np.stack([encode(p[:t].ljust(t)) for p in phrases])
    pred = np.argmax(m.predict(example, verbose=0), -1)
    sample = decode(example[0]) + " -> " + decode(pred[0])
    return m, example, f"train next-char accuracy {acc:.3f}; '{sample}'"


# --------------------------------------------------------------------------------------

DEMOS = [
    ("sine_predictor", "Sine wave: predict the next value", "4 waves of different frequency, 40 steps each",
     "LSTM(8, return_sequences) -> TimeDistributed(Dense(1)) predicting the next value of a sine wave at every "
     "one of 40 steps; input: 4 waves of different frequency and phase, shape (4, 40, 1).",
     build_sine, train_sine),
    ("remember_first", "Remember the first input", "The cell state keeps step 0's sign through 19 noisy steps",
     "LSTM(6) -> Dense(1, tanh) that outputs the sign of the first value of a noisy 20-step sequence: the cell "
     "state takes that sign at step 0 and keeps it (forget gates mostly open) through the noise; input shape "
     "(4, 20, 1), first values +1, -1, +1, -1.",
     build_remember, train_remember),
    ("char_model", "Character-level language model",
     "Type text in the Input tab: it predicts each next character",
     "Embedding(30, 8) -> LSTM(16, return_sequences) -> TimeDistributed(Dense(30, softmax)) predicting the next "
     "character of a few English sentences; its ids are the app's (space, a-z, '.', '?' as 1-29), so text typed "
     "in the Input tab or opened from a file means what it was trained on. It opens on typed text, which the "
     "Unrolled view writes as characters, the model's most likely next character above each; its input file "
     "holds 4 phrases as int32 character ids, shape (4, 24).",
     build_char, train_char),
]


def strip_optimizer(keras, build, trained):
    """An uncompiled copy with the trained weights (so the file has no optimizer state)."""
    fresh = build(keras)
    fresh.set_weights(trained.get_weights())
    return fresh


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", action="append", default=[], help="demo name (repeatable)")
    args = ap.parse_args(argv)

    import keras

    OUT.mkdir(parents=True, exist_ok=True)
    index_path = OUT / "demos.json"
    index = {d["file"]: d for d in json.loads(index_path.read_text())} if index_path.exists() else {}
    for name, title, line, description, build, train in DEMOS:
        if args.only and name not in args.only:
            continue
        keras.utils.set_random_seed(SEED)
        rng = np.random.default_rng(SEED)
        t0 = time.time()
        trained, example, score = train(keras, rng)
        model = strip_optimizer(keras, build, trained)
        path = OUT / f"{name}.keras"
        model.save(path)
        np.save(OUT / f"{name}.input.npy", example)
        # verify the file reloads and reproduces the trained model
        again = keras.models.load_model(path, compile=False)
        diff = float(np.max(np.abs(again.predict(example, verbose=0) - trained.predict(example, verbose=0))))
        assert diff < 1e-6, (name, diff)
        # (the status bar's line after the title, whole in a 1024 px window; what else an
        # entry holds, a character model's typed "text", is kept)
        index[path.name] = {**index.get(path.name, {}), "file": path.name, "title": title, "line": line,
                            "description": description, "input": f"{name}.input.npy"}
        print(f"{name}: {time.time() - t0:.1f} s, {path.stat().st_size / 1024:.1f} KB, {score}", flush=True)
    order = [f"{d[0]}.keras" for d in DEMOS]
    entries = [index[f] for f in order if f in index] + [v for k, v in index.items() if k not in order]
    index_path.write_text(json.dumps(entries, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
