#!/usr/bin/env python
"""Check ``lstmviz.from_keras`` / ``from_torch`` against REAL Keras and torch objects.

The test suite checks these with stand-ins built from the committed fixtures
(``tests/test_live_objects.py``); this script builds live models with real Keras 3,
Keras 2 (tf_keras) and torch, converts them without saving anything, and compares lstmviz'
trace with ``model.predict`` / the module's forward (float32, atol 1e-5). One line per
model; exit status 1 if any differs. Run from the project root with an environment that
has tensorflow-cpu, tf-keras and torch (the ``fixtures`` and ``bench`` extras)::

    PYTHONPATH=$PWD python scripts/check_live_objects.py            # Keras 3 and torch
    PYTHONPATH=$PWD TF_USE_LEGACY_KERAS=1 python scripts/check_live_objects.py --keras2
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402

import lstmviz  # noqa: E402

ATOL = 1e-5
failures: list[str] = []


def report(name: str, got, want) -> None:
    got = got if isinstance(got, list) else [got]
    want = want if isinstance(want, list) else [want]
    diff = max(float(np.max(np.abs(np.asarray(g) - np.asarray(w)))) for g, w in zip(got, want))
    ok = len(got) == len(want) and diff <= ATOL
    if not ok:
        failures.append(name)
    print(f"{'ok  ' if ok else 'FAIL'} {name}: max |lstmviz - reference| = {diff:.2e}")


def keras_models(keras):
    L = keras.layers
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (3, 7, 4)).astype("float32")
    ids = rng.integers(0, 12, (3, 7)).astype("int32")
    ids[:, :2] = 0  # masked steps
    models = []

    m = keras.Sequential([keras.Input((7, 4)), L.LSTM(8, return_sequences=True),
                          L.GRU(5), L.Dense(2)], name="seq_lstm_gru")
    models.append((m, x))
    m = keras.Sequential([keras.Input((7, 4)), L.Bidirectional(L.LSTM(4, return_sequences=True)),
                          L.SimpleRNN(3, go_backwards=True), L.Dense(1, activation="sigmoid")],
                         name="seq_bidi")
    models.append((m, x))
    inp = keras.Input((7, 4), name="x")
    a = L.LSTM(5, name="a")(inp)
    b = L.GRU(5, go_backwards=True, reset_after=False, name="b")(inp)
    out = L.Dense(3, name="head")(L.Concatenate()([a, b]))
    models.append((keras.Model(inp, out, name="branches"), x))
    m = keras.Sequential([keras.Input((7,), dtype="int32"), L.Embedding(12, 6, mask_zero=True),
                          L.LSTM(4), L.Dense(2)], name="embedding_mask")
    models.append((m, ids))
    m = keras.Sequential([keras.Input((7, 4)), L.RNN([L.LSTMCell(4), L.GRUCell(3)]), L.Dense(2)],
                         name="stacked_cells")
    models.append((m, x))
    m = keras.Sequential([keras.Input((7, 4)), L.TimeDistributed(L.Dense(3)),
                          L.GRU(4, return_sequences=True), L.Dropout(0.3), L.LSTM(2)],
                         name="time_distributed_dropout")
    models.append((m, x))
    for model, _ in models:  # weights far from the initialisers' defaults
        model.set_weights([rng.uniform(-0.8, 0.8, w.shape).astype("float32")
                           for w in model.get_weights()])
    return models


def check_keras(legacy: bool) -> None:
    if legacy:
        import tf_keras as keras
    else:
        import keras
    print(f"Keras {keras.__version__} ({keras.__name__})")
    for model, x in keras_models(keras):
        want = model.predict(x, verbose=0)
        try:
            mine = lstmviz.from_keras(model)
        except lstmviz.LstmvizError as err:
            failures.append(model.name)
            print(f"FAIL {model.name}: {err}")
            continue
        assert mine.keras_major == (2 if legacy else 3), mine.keras_version
        report(f"keras{2 if legacy else 3} {model.name}", mine.trace(x).output, want)
    check_keras_compiled(keras, legacy)


def check_keras_compiled(keras, legacy: bool) -> None:
    """A live model compiled (and trained one epoch: its optimizer holds a state) gives
    ``from_keras`` its loss, optimizer and state: ``lstmviz.fit`` of it with neither given
    goes on as Keras' next ``fit`` of the live model does (weights within 2e-6)."""
    from lstmviz.engine.compiled import describe, of
    from lstmviz.engine.train import trainable_arrays

    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(8, 5, 3)).astype("float32"), rng.normal(size=(8, 1)).astype("float32")
    model = keras.Sequential([keras.Input((5, 3)), keras.layers.LSTM(3), keras.layers.Dense(1)])
    model.compile(loss="mae", optimizer=keras.optimizers.RMSprop(0.005, rho=0.8, clipnorm=1.0))
    model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    mine = lstmviz.from_keras(model)
    said = describe(of(mine) or {})
    model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    lstmviz.fit(mine, x, y, batch_size=4, epochs=1, shuffle=False)
    want = [np.asarray(v) for v in model.trainable_weights]
    got = trainable_arrays(mine)
    name = f"keras{2 if legacy else 3} compiled ({said}; state: {'state' in (of(mine) or {})})"
    if not said.startswith("loss mae, optimizer RMSprop(") or "state" not in (of(mine) or {}):
        failures.append(name)
        print(f"FAIL {name}")
        return
    report(name + ", fit goes on as Keras' fit", got, want)


def check_torch() -> None:
    import torch
    from torch import nn

    torch.manual_seed(0)
    print(f"torch {torch.__version__}")
    x = torch.rand(3, 7, 4) * 2 - 1

    class Stack(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(4, 8, num_layers=2, batch_first=True)
            self.fc = nn.Linear(8, 2)

        def forward(self, x):
            out, _ = self.lstm(x)
            return self.fc(out[:, -1])

    class BiGRU(nn.Module):
        def __init__(self):
            super().__init__()
            self.gru = nn.GRU(4, 5, batch_first=True, bidirectional=True)
            self.drop = nn.Dropout(0.2)
            self.head = nn.Linear(10, 3)

        def forward(self, x):
            _, h = self.gru(x)
            return self.head(self.drop(torch.cat([h[-2], h[-1]], 1)))

    class ReluRNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.RNN(4, 6, nonlinearity="relu", batch_first=True)
            self.out = nn.Linear(6, 1)

        def forward(self, x):
            out, _ = self.rnn(x)
            return self.out(out[:, -1])

    bare = nn.LSTM(4, 3, batch_first=True)
    cases = [("lstm2_linear", Stack()), ("bigru_dropout_linear", BiGRU()), ("rnn_relu_linear", ReluRNN()),
             ("bare_lstm", bare)]
    for name, module in cases:
        module.eval()
        with torch.no_grad():
            ref = module(x)
            ref = (ref[0][:, -1] if isinstance(ref, tuple) else ref).numpy()
        report(f"torch {name}", lstmviz.from_torch(module).trace(x.numpy()).output, ref)
    report("torch state_dict of lstm2_linear", lstmviz.from_torch(cases[0][1].state_dict())
           .trace(x.numpy()).output, cases[0][1](x).detach().numpy())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keras2", action="store_true", help="tf_keras (needs TF_USE_LEGACY_KERAS=1)")
    parser.add_argument("--no-torch", action="store_true")
    args = parser.parse_args()
    check_keras(args.keras2)
    if not args.no_torch and not args.keras2:
        check_torch()
    print(f"{len(failures)} failure(s)" + (f": {', '.join(failures)}" if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
