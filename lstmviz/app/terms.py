"""W·x_t and U·h_{t-1} written out term by term, for the Cell view's equations.

The equations show each gate's W·x_t as one summed number. With input_dim > 1, x_t is a
vector and W_i one column of the kernel per unit: W_i·x_t = W_i[0]·x_t[0] + W_i[1]·x_t[1] + ...
(the second seed text's question). U·h_{t-1} written out the same way shows that every
unit's h_{t-1}[j] feeds unit u's gates: the units of a layer are not independent (the first
and third texts' claim).

Qt-free: the terms are products of the layer's weights and the values the trace recorded;
``check`` in the tests compares their sums with the trace's x_proj / h_proj.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

MINUS = "\u2212"
#: how many terms are written out before "... + (N more)"
SHOWN = 6


@dataclass
class Terms:
    key: str            # the gate (its hue)
    symbol: str         # "W_i·x_t" or "U_i·h_{t-1}"
    factors: list       # (name of the weight, weight, name of the value, value)
    bias: float | None  # a bias Keras adds inside this projection (GRU), else None
    total: float        # the sum (what the trace recorded as x_proj / h_proj)

    def text(self) -> tuple[str, str]:
        """(symbolic, numeric) for an equation row: ``W_i·x_t = W_i[0]·x_t[0] + ...``."""
        n = len(self.factors)
        shown = self.factors if n <= SHOWN else self.factors[:SHOWN - 1]
        sym = " + ".join(f"{wn}·{vn}" for wn, _, vn, _ in shown)
        num = " + ".join(f"{_fmt(w) if k == 0 else _term(w)}·{_term(v)}"
                         for k, (_, w, _, v) in enumerate(shown))
        if n > len(shown):
            more = f" + \u2026 ({n - len(shown)} more)"
            sym += more
            num += more
        lhs = self.symbol
        if self.bias is not None:  # (the sum is the equation's "W_z·x_t + b_z": so named)
            sub = self.symbol[1:self.symbol.index("·")]  # "_z", "" for a one-gate cell
            b = ("b" if self.symbol.startswith("W") else "b'") + sub
            lhs += f" + {b}"
            sym += f" + {b}"
            num += f" + {_term(self.bias)}"
        return f"{lhs} = {sym}", f"{num} = {_fmt(self.total)}"


def _fmt(v, nd: int = 3) -> str:
    s = f"{float(v):.{nd}f}"
    if float(s) == 0.0:
        s = f"{0.0:.{nd}f}"
    return s.replace("-", MINUS)


def _term(v) -> str:
    s = _fmt(v)
    return f"({s})" if s.startswith(MINUS) else s


def projection_terms(layer, x_t, h_prev, unit: int, gates: Mapping | None = None) -> list[Terms]:
    """Per gate of ``layer`` (a recurrent layer with its weights; its gates its ``cell``'s), the terms
    of W·x_t and of U·h_{t-1} for ``unit``. ``x_t``: the layer's input at this step
    (input_dim,); ``h_prev``: h entering it (units,); ``gates``: the step's records by trace
    key ((units,) each), read where the cell's recurrent product takes a gate's value times
    h_{t-1} (``CellKind.recurrent_gate``: a GRU's r_t with ``reset_after`` off)."""
    W, U = layer.weights[0], layer.weights[1]
    b = layer.weights[2] if len(layer.weights) > 2 else None
    n_units = U.shape[0]
    x_t = np.asarray(x_t, dtype=np.float32)
    h_prev = np.asarray(h_prev, dtype=np.float32)
    cell = layer.cell  # each gate's trace key and letter, and which biases sum where: engine/cells.py
    out = []
    for g, gate in enumerate(cell.gates):
        key, letter = gate.key, gate.letter
        col = g * n_units + unit
        sub = f"_{letter}" if letter else ""
        b_in, b_rec = cell.projection_biases(b, layer.config, col)  # (a GRU's records hold them)
        xs = [(f"W{sub}[{k}]", float(W[k, col]), f"x_t[{k}]", float(x_t[k])) for k in range(W.shape[0])]
        total_x = float(np.dot(W[:, col].astype(np.float64), x_t)) + (b_in or 0.0)
        out.append(Terms(key, f"W{sub}·x_t", xs, b_in, total_x))
        h_in, h_name = h_prev, "h_{t-1}"
        gate_in = cell.recurrent_gate(key, layer.config)
        if gate_in is not None and gates is not None and gate_in in gates:
            h_in, h_name = np.asarray(gates[gate_in], np.float32) * h_prev, f"({gate_in}_t·h_{{t-1}})"
        hs = [(f"U{sub}[{j}]", float(U[j, col]), f"{h_name}[{j}]", float(h_in[j])) for j in range(n_units)]
        total_h = float(np.dot(U[:, col].astype(np.float64), h_in)) + (b_rec or 0.0)
        out.append(Terms(key, f"U{sub}·{h_name}", hs, b_rec, total_h))
    return out
