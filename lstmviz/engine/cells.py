"""One description per recurrent cell kind: what every other part of lstmviz knows about a
cell comes from here.

A ``CellKind`` holds, for SimpleRNN, LSTM and GRU (``reset_after`` True and False):

- its gates in Keras' fused order (``kernel[:, g*u:(g+1)*u]`` is gate ``g``), each with
  the letter of its per-gate weight names (``kernel_i``), the trace key of its value and
  the config key of its activation;
- its states (``h``, or ``h, c``) and the records a trace holds for it;
- its weight layout (``weight_shapes``, ``bias_shape``: GRU ``reset_after`` has a bias of
  two rows, input then recurrent) and the per-gate split (``split``);
- its parameter formula (``param_formula``: the text and the value);
- its equations as the Cell view prints them (``equations``: templates whose numbers
  ``lstmviz.app.cell_ref.equations`` fills in from a trace);
- a plain ``step`` that reads like the paper (batch-major, one gate at a time, as Keras'
  own cell code): the reference the fast kernels in ``recurrent.py`` are tested against;
- its ``backward`` step (BPTT, ``backward.py``: this module imports the steps, which know
  nothing of this one), the one the gradients take for a layer of this kind.

``cell_kind(layer)`` and ``kind_of(class_name, config)`` are the one answer to "which
cell is this", for LSTM/GRU/SimpleRNN, ``RNN(LSTMCell(...))``, the CuDNN classes and a
Bidirectional's halves.

Adding a cell kind: describe it here (``CELLS``), write its fast kernel in
``recurrent.py``, its backward step in ``backward.py`` and its layer class in ``layers.py``
(see ARCHITECTURE.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lstmviz.engine.backward import gru_backward, lstm_backward, simple_rnn_backward

#: A cell's backward step: ``(layer, rec, xs, dh_out, d_final, mask) -> (dxs, weight
#: gradients, initial-state gradients, per-step records)``; ``xs`` and ``dh_out`` are
#: (T, B, ...) in processing order, ``mask`` (T, B) or None (see ``backward.py``).
BackwardStep = Callable[[Any, Any, np.ndarray, np.ndarray, list, "np.ndarray | None"],
                        tuple[np.ndarray, list, list, dict]]


@dataclass(frozen=True)
class Gate:
    """One block of the fused weights."""

    letter: str      # the suffix of its per-gate weights: kernel_<letter> ("" for SimpleRNN)
    key: str         # the trace key of its value: "i", "c_tilde", ...
    activation: str  # the config key of its function: "recurrent_activation" or "activation"
    meaning: str     # in words: "forget gate"
    #: what it does, which picks its colour in every view: "write" (lets the candidate in:
    #: i), "keep" (keeps the old state: f, z), "candidate" (c~, h~), "read" (o), "reset"
    #: (r), "state" (SimpleRNN's h)
    role: str = ""


@dataclass(frozen=True)
class EquationTemplate:
    """One line of the Cell view. ``symbolic`` is final text; ``numeric`` is a
    ``str.format`` template over the step's numbers (see ``lstmviz.app.cell_ref.equations``):
    every record key (``{f}``, ``{c_tilde}``), the states entering the step (``{c_prev}``),
    and for ``block`` g the gate's ``{xp}`` (x_proj), ``{hp}`` (h_proj), ``{pre}`` and
    ``{b}`` (the bias); ``{name:t}`` prints a term of a sum (negatives in parentheses)."""

    key: str
    symbolic: str
    numeric: str
    block: int | None = None


def _esc(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def act_name(name: Any) -> str:
    """An activation as the equations print it (a serialized dict gives its name: Keras 3's
    full form of a built-in, ``{"class_name": "function", "config": "relu", ...}``, the
    function's, as ``activations.get`` reads it)."""
    if isinstance(name, dict):
        cfg = name.get("config")
        if name.get("class_name") == "function" and isinstance(cfg, str):
            name = cfg
        else:
            name = (cfg.get("name") if isinstance(cfg, dict) else None) or name.get("class_name")
    return str(name or "linear")


# -- readable steps (the reference; recurrent.py holds the fast kernels) --------------------
# Each takes x_t (B, d), the states entering the step (each (B, u)), the weights in Keras'
# fused layout and the activations, and returns (new states, records of this step).

def simple_rnn_step(x, states, kernel, recurrent_kernel, bias, act, rec=None, **_):
    """``h_t = act(x_t @ W + h_{t-1} @ U + b)``."""
    (h,) = states
    x_proj = x @ kernel  # recorded without the bias, as the engine records it
    h_proj = h @ recurrent_kernel
    pre = x_proj + (bias if bias is not None else 0.0) + h_proj
    h_new = act(pre)
    return (h_new,), {"x_proj": x_proj, "h_proj": h_proj, "pre": pre, "h": h_new}


def lstm_step(x, states, kernel, recurrent_kernel, bias, act, rec, **_):
    """``z = x_t @ W + h_{t-1} @ U + b`` split into i, f, c, o;
    ``c_t = f * c_{t-1} + i * act(z_c)``, ``h_t = o * act(c_t)``."""
    h, c = states
    x_proj = x @ kernel
    h_proj = h @ recurrent_kernel
    z = x_proj + h_proj + (bias if bias is not None else 0.0)
    z_i, z_f, z_c, z_o = np.split(z, 4, axis=-1)
    i, f, c_tilde, o = rec(z_i), rec(z_f), act(z_c), rec(z_o)
    c_new = f * c + i * c_tilde
    h_new = o * act(c_new)
    return (h_new, c_new), {"x_proj": x_proj, "h_proj": h_proj, "pre": z, "i": i, "f": f,
                            "c_tilde": c_tilde, "o": o, "c": c_new, "h": h_new}


def gru_step(x, states, kernel, recurrent_kernel, bias, act, rec, reset_after=True, **_):
    """Gates z, r, h. ``reset_after``: ``h~ = act(x_h + b_h + r * (h @ U_h + b'_h))`` with
    the bias as two rows (input, recurrent); else ``h~ = act(x_h + b_h + (r * h) @ U_h)``.
    ``h_t = z * h_{t-1} + (1 - z) * h~``."""
    (h,) = states
    u = recurrent_kernel.shape[0]
    if bias is None:
        b_in, b_rec = 0.0, 0.0
    elif reset_after:
        b_in, b_rec = bias[0], bias[1]
    else:
        b_in, b_rec = bias, 0.0
    x_proj = x @ kernel + b_in
    x_z, x_r, x_h = np.split(x_proj, 3, axis=-1)
    if reset_after:
        h_proj = h @ recurrent_kernel + b_rec
        h_z, h_r, h_h = np.split(h_proj, 3, axis=-1)
        z, r = rec(x_z + h_z), rec(x_r + h_r)
        h_h = r * h_h
    else:
        h_z, h_r = np.split(h @ recurrent_kernel[:, :2 * u], 2, axis=-1)
        z, r = rec(x_z + h_z), rec(x_r + h_r)
        h_h = (r * h) @ recurrent_kernel[:, 2 * u:]
        h_proj = np.concatenate([h_z, h_r, h_h], axis=-1)
    pre_h = x_h + h_h
    h_tilde = act(pre_h)
    h_new = z * h + (1 - z) * h_tilde
    pre = np.concatenate([x_z + h_z, x_r + h_r, pre_h], axis=-1)
    return (h_new,), {"x_proj": x_proj, "h_proj": h_proj, "pre": pre, "z": z, "r": r,
                      "h_tilde": h_tilde, "h": h_new}


# -- equations as the Cell view prints them --------------------------------------------------
def _masked(key: str) -> EquationTemplate:
    return EquationTemplate(key, f"{key}_t = {key}_{{t-1}}  (masked: state carried over)",
                            "{%s}" % key)


def _gate_line(fn: str, bias: bool, value: str) -> str:
    f = _esc(fn)
    b = " + {b:t}" if bias else ""
    return f"{f}({{xp}} + {{hp:t}}{b}) = {f}({{pre}}) = {{{value}}}"


def simple_rnn_equations(config: Mapping) -> list[EquationTemplate]:
    act = act_name(config.get("activation"))
    if config.get("use_bias", True):
        return [EquationTemplate("h", f"h_t = {act}(W·x_t + U·h_{{t-1}} + b)",
                                 _gate_line(act, True, "h"), 0)]
    return [EquationTemplate("h", f"h_t = {act}(W·x_t + U·h_{{t-1}})",
                             _gate_line(act, False, "h"), 0)]


def lstm_equations(config: Mapping) -> list[EquationTemplate]:
    act, ract = act_name(config.get("activation")), act_name(config.get("recurrent_activation"))
    use_bias = bool(config.get("use_bias", True))
    out = []
    for g, gate in enumerate(LSTM.gates):
        fn = act if gate.activation == "activation" else ract
        sym, L = gate.key.replace("_tilde", "~"), gate.letter
        b = f" + b_{L}" if use_bias else ""
        out.append(EquationTemplate(gate.key, f"{sym}_t = {fn}(W_{L}·x_t + U_{L}·h_{{t-1}}{b})",
                                    _gate_line(fn, use_bias, gate.key), g))
    out.append(EquationTemplate("c", "c_t = f_t·c_{t-1} + i_t·c~_t",
                                "{f}·{c_prev:t} + {i}·{c_tilde:t} = {c}"))
    out.append(EquationTemplate("h", f"h_t = o_t·{act}(c_t)", f"{{o}}·{_esc(act)}({{c}}) = {{h}}"))
    return out


def gru_equations(config: Mapping) -> list[EquationTemplate]:
    act, ract = act_name(config.get("activation")), act_name(config.get("recurrent_activation"))
    use_bias = bool(config.get("use_bias", True))
    reset_after = bool(config.get("reset_after", True))
    out = []
    for g, gate in enumerate(GRU.gates[:2]):
        k, L = gate.key, gate.letter
        if use_bias and reset_after:
            symbolic = f"{k}_t = {ract}((W_{L}·x_t + b_{L}) + (U_{L}·h_{{t-1}} + b'_{L}))"
        elif use_bias:
            symbolic = f"{k}_t = {ract}((W_{L}·x_t + b_{L}) + U_{L}·h_{{t-1}})"
        else:
            symbolic = f"{k}_t = {ract}(W_{L}·x_t + U_{L}·h_{{t-1}})"
        out.append(EquationTemplate(k, symbolic, _gate_line(ract, False, k), g))
    bx = " + b_h" if use_bias else ""
    a = _esc(act)
    if reset_after:
        bh = " + b'_h" if use_bias else ""
        out.append(EquationTemplate("h_tilde", f"h~_t = {act}((W_h·x_t{bx}) + r_t·(U_h·h_{{t-1}}{bh}))",
                                    f"{a}({{xp}} + {{r}}·{{hp:t}}) = {a}({{pre}}) = {{h_tilde}}", 2))
    else:
        out.append(EquationTemplate("h_tilde", f"h~_t = {act}((W_h·x_t{bx}) + U_h·(r_t·h_{{t-1}}))",
                                    _gate_line(act, False, "h_tilde"), 2))
    out.append(EquationTemplate("h", "h_t = z_t·h_{t-1} + (1 − z_t)·h~_t",
                                "{z}·{h_prev:t} + (1 − {z})·{h_tilde:t} = {h}"))
    return out


# -- the description ---------------------------------------------------------------------------
def _no_change(bias, units, config):
    return bias


def _lstm_initial_bias(bias, units, config):
    """``unit_forget_bias``: Keras starts the forget gate's bias at 1."""
    if config.get("unit_forget_bias", True):
        bias[units:2 * units] = 1.0
    return bias


@dataclass(frozen=True)
class CellKind:
    """What lstmviz knows about one kind of recurrent cell (see the module docstring)."""

    name: str                       # the Keras layer class: "LSTM"
    gates: tuple[Gate, ...]         # in Keras' fused order
    states: tuple[str, ...]         # in Keras' state order: ("h", "c")
    records: tuple[str, ...]        # the trace's per-step keys, in the order views show them
    step: Callable                  # the readable step (see above)
    equations_of: Callable[[Mapping], list[EquationTemplate]]
    #: The backward step (BPTT): from the step's records and the gradients arriving at its
    #: outputs and final states, the gradients of its inputs, initial states and weights.
    backward: BackwardStep
    #: Config keys this kind has beyond every recurrent layer's, with the side panel's
    #: default and its tooltip (in Keras' words).
    options: tuple[tuple[str, Any, str], ...] = ()
    #: Keras 1's per-gate weight letters (W_i, U_i, b_i ...), in Keras' fused order.
    keras1_letters: str = ""
    cudnn_class: str | None = None  # Keras 2's CuDNN twin (weights converted on load)
    #: torch's gate order written with Keras' letters (nn.LSTM i, f, g, o; nn.GRU r, z, n),
    #: torch's module and the config its weights give (bias_ih + bias_hh as two rows?)
    torch_letters: tuple[str, ...] = ()
    torch_module: str = ""
    torch_config: Mapping = field(default_factory=dict)
    initial_bias: Callable = _no_change
    #: The config key that gives the bias two rows, input then recurrent (GRU's
    #: ``reset_after``, True when missing as in Keras 2.3+/3), or None.
    two_bias_rows: str | None = None
    #: Whether its ``x_proj`` / ``h_proj`` records hold the biases (GRU: W·x_t + b and
    #: U·h_t-1 + b'), which the Cell view's written-out terms then add (``projection_biases``).
    biased_projections: bool = False
    #: (candidate key, gate key, option): while the option is off, the candidate's
    #: recurrent product reads gate · h_t-1 (GRU, ``reset_after=False``: U_h·(r_t·h_t-1)).
    gated_recurrent_input: tuple[str, str, str] | None = None

    # -- names ---------------------------------------------------------------------------
    @property
    def cell_class(self) -> str:
        """Keras' cell class for ``RNN(cell)``: ``LSTMCell``."""
        return f"{self.name}Cell"

    @property
    def k(self) -> int:
        """How many gate blocks the fused weights hold."""
        return len(self.gates)

    def record_floats(self, units: int) -> int:
        """The floats a trace's record of one sample holds a step once a view asked for every
        key: its ``records`` (``units`` each) and the fused ``x_proj``, ``h_proj`` and ``pre``
        (``k x units`` each; derived on first access, ``trace.Steps``). LSTM: 18 x units."""
        return (len(self.records) + 3 * self.k) * int(units)

    @property
    def letters(self) -> tuple[str, ...]:
        return tuple(g.letter for g in self.gates)

    @property
    def gate_keys(self) -> tuple[str, ...]:
        """Trace keys of the gates' values (none for SimpleRNN: its one block is h)."""
        return tuple(g.key for g in self.gates) if self.k > 1 else ()

    @property
    def gated(self) -> bool:
        """Whether any gate uses ``recurrent_activation`` (SimpleRNN has none)."""
        return any(g.activation == "recurrent_activation" for g in self.gates)

    @property
    def config_defaults(self) -> dict[str, Any]:
        return {key: default for key, default, _ in self.options}

    def config_keys(self) -> tuple[str, ...]:
        """Config keys beyond every recurrent layer's that this kind reads."""
        return (("recurrent_activation",) if self.gated else ()) + tuple(k for k, _, _ in self.options)

    def projection_biases(self, bias, config: Mapping, col: int) -> tuple[float | None, float | None]:
        """The biases its ``x_proj`` and ``h_proj`` records hold at fused column ``col``
        (None where a projection holds none: every kind but those with ``biased_projections``)."""
        if bias is None or not self.biased_projections:
            return None, None
        if self.bias_rows(config) == 2:
            rows = np.asarray(bias).reshape(2, -1)
            return float(rows[0, col]), float(rows[1, col])
        return float(np.asarray(bias).reshape(-1)[col]), None

    def recurrent_gate(self, key: str, config: Mapping) -> str | None:
        """The gate whose value multiplies h_t-1 before gate ``key``'s recurrent product
        (GRU's r for h~ with ``reset_after=False``), else None."""
        g = self.gated_recurrent_input
        return g[1] if g is not None and key == g[0] and not config.get(g[2], True) else None

    # -- weights -------------------------------------------------------------------------
    def bias_rows(self, config: Mapping) -> int:
        """1, or 2 for a GRU with ``reset_after`` (input row, recurrent row)."""
        return 2 if self.two_bias_rows and config.get(self.two_bias_rows, True) else 1

    def bias_shape(self, units: int, config: Mapping) -> tuple[int, ...]:
        ku = self.k * units
        return (2, ku) if self.bias_rows(config) == 2 else (ku,)

    def weight_shapes(self, input_dim, units: int, config: Mapping) -> list[tuple[str, tuple]]:
        """(name, shape) of each weight, in Keras' ``get_weights()`` order."""
        ku = self.k * units
        out: list[tuple[str, tuple]] = [("kernel", (input_dim, ku)), ("recurrent_kernel", (units, ku))]
        if config.get("use_bias", True):
            out.append(("bias", self.bias_shape(units, config)))
        return out

    def split(self, named: Mapping[str, np.ndarray], units: int) -> dict[str, np.ndarray]:
        """Per-gate views ``kernel_i``, ``recurrent_kernel_i``, ``bias_i`` (a two-row bias
        splits along its columns); a one-gate cell keeps the plain names."""
        if self.k == 1:
            return dict(named)
        return {f"{wname}_{letter}": w[..., g * units:(g + 1) * units]
                for wname, w in named.items() for g, letter in enumerate(self.letters)}

    def param_count(self, input_dim: int, units: int, config: Mapping) -> int:
        d, u = input_dim, units
        bias = self.bias_rows(config) * u if config.get("use_bias", True) else 0
        return self.k * (d * u + u * u + bias)

    def param_formula(self, input_dim: int, units: int, config: Mapping) -> tuple[str, int]:
        """(``"4·(d·u + u·u + u) = 4·(3·8 + 8·8 + 8) = 384"``, 384)."""
        d, u, k = input_dim, units, self.k
        if not config.get("use_bias", True):
            inner, num = "d·u + u·u", f"{d}·{u} + {u}·{u}"
        elif self.bias_rows(config) == 2:
            inner, num = "d·u + u·u + 2u", f"{d}·{u} + {u}·{u} + 2·{u}"
        else:
            inner, num = "d·u + u·u + u", f"{d}·{u} + {u}·{u} + {u}"
        total = self.param_count(d, u, config)
        if k == 1:
            return f"{inner} = {num} = {total:,}", total
        return f"{k}·({inner}) = {k}·({num}) = {total:,}", total

    # -- equations -----------------------------------------------------------------------
    def equations(self, config: Mapping, masked: bool = False) -> list[EquationTemplate]:
        """The Cell view's lines for a layer of this kind; at a ``masked`` step the state
        updates say the state was carried over."""
        out = self.equations_of(config)
        if masked:
            out = [_masked(e.key) if e.key in self.states else e for e in out]
        return out

    # -- the readable forward over a sequence ------------------------------------------------
    def run(self, x, weights, act, rec, mask=None, states=None, **options) -> dict[str, np.ndarray]:
        """Step ``x (B, T, d)`` with ``step``, batch-major; a masked step (``mask[b, t]``
        False) carries the states over. Returns every record as ``(B, T, ...)``."""
        B, T, _ = x.shape
        kernel, recurrent_kernel = weights[0], weights[1]
        bias = weights[2] if len(weights) > 2 else None
        u = recurrent_kernel.shape[0]
        if states is None:
            states = tuple(np.zeros((B, u), np.float32) for _ in self.states)
        out: dict[str, list] = {}
        for t in range(T):
            new, rec_t = self.step(x[:, t], states, kernel, recurrent_kernel, bias, act, rec,
                                   **options)
            if mask is not None:
                keep = mask[:, t, None]
                new = tuple(np.where(keep, n, s) for n, s in zip(new, states))
                rec_t = {**rec_t, **dict(zip(self.states, new))}
            states = new
            for key, v in rec_t.items():
                out.setdefault(key, []).append(v)
        return {key: np.stack(v, axis=1) for key, v in out.items()}


_REC, _ACT = "recurrent_activation", "activation"

SIMPLE_RNN = CellKind(
    name="SimpleRNN",
    gates=(Gate("", "h", _ACT, "hidden state / output", "state"),),
    states=("h",),
    records=("h",),
    step=simple_rnn_step,
    equations_of=simple_rnn_equations,
    backward=simple_rnn_backward,
    keras1_letters="",
    torch_letters=("",),
    torch_module="nn.RNN",
)

LSTM = CellKind(
    name="LSTM",
    gates=(Gate("i", "i", _REC, "input gate", "write"), Gate("f", "f", _REC, "forget gate", "keep"),
           Gate("c", "c_tilde", _ACT, "candidate", "candidate"), Gate("o", "o", _REC, "output gate", "read")),
    states=("h", "c"),
    records=("i", "f", "c_tilde", "o", "c", "h"),
    step=lstm_step,
    equations_of=lstm_equations,
    backward=lstm_backward,
    options=(("unit_forget_bias", True,
              "unit_forget_bias: start the forget gate's bias at 1 so the cell remembers by "
              "default at the start of training (only the initial value)."),),
    keras1_letters="ifco",
    cudnn_class="CuDNNLSTM",
    torch_letters=("i", "f", "c", "o"),
    torch_module="nn.LSTM",
    initial_bias=_lstm_initial_bias,
)

GRU = CellKind(
    name="GRU",
    gates=(Gate("z", "z", _REC, "update gate", "keep"), Gate("r", "r", _REC, "reset gate", "reset"),
           Gate("h", "h_tilde", _ACT, "candidate", "candidate")),
    states=("h",),
    records=("z", "r", "h_tilde", "h"),
    step=gru_step,
    equations_of=gru_equations,
    backward=gru_backward,
    options=(("reset_after", True,
              "reset_after: apply the reset gate r after the recurrent product "
              "(r·(U·h + b), two bias rows, CuDNN-compatible: the default of Keras 3 and of "
              "TensorFlow 2's tf.keras; standalone Keras 2 and Keras 1 default to False) "
              "instead of before it (U·(r·h))."),),
    keras1_letters="zrh",
    cudnn_class="CuDNNGRU",
    torch_letters=("r", "z", "h"),
    torch_module="nn.GRU",
    torch_config={"reset_after": True},
    two_bias_rows="reset_after",
    biased_projections=True,
    gated_recurrent_input=("h_tilde", "r", "reset_after"),
)

#: The states of every kind, in words.
STATE_MEANINGS = {"h": "hidden state / output", "c": "cell state"}

#: Every cell kind by its Keras layer class, in the order the side panel offers them.
CELLS: dict[str, CellKind] = {c.name: c for c in (LSTM, GRU, SIMPLE_RNN)}
#: Keras' ``RNN(cell)`` cell classes -> the kind.
CELL_CLASSES: dict[str, CellKind] = {c.cell_class: c for c in CELLS.values()}
#: Keras 2's CuDNN classes -> the kind their weights convert to.
CUDNN_CLASSES: dict[str, CellKind] = {c.cudnn_class: c for c in CELLS.values() if c.cudnn_class}


def kind_of(class_name: str, config: Mapping | None = None) -> CellKind | None:
    """The cell kind of a layer given as Keras class and config: ``LSTM``,
    ``RNN(LSTMCell)`` (one cell), ``LSTMCell``, ``CuDNNLSTM``, ``Bidirectional(LSTM)``;
    None for anything else (a stack of cells included)."""
    config = config or {}
    if class_name in CELLS:
        return CELLS[class_name]
    if class_name in CELL_CLASSES:
        return CELL_CLASSES[class_name]
    if class_name in CUDNN_CLASSES:
        return CUDNN_CLASSES[class_name]
    if class_name == "RNN":
        cell = config.get("cell")
        if isinstance(cell, list) and len(cell) == 1:
            cell = cell[0]
        if isinstance(cell, dict):
            return CELL_CLASSES.get(str(cell.get("class_name")))
        return None
    if class_name == "Bidirectional":
        inner = config.get("layer")
        if isinstance(inner, dict):
            return kind_of(inner.get("class_name", ""), inner.get("config") or {})
    return None


def cell_kind(layer) -> CellKind | None:
    """The cell kind of an engine layer: a recurrent layer's (also when Keras' class is
    ``RNN``), a Bidirectional's (its forward half's); None for any other layer."""
    cell = getattr(layer, "cell", None)
    if isinstance(cell, CellKind):
        return cell
    half = getattr(layer, "forward_layer", None)
    if half is not None:
        return cell_kind(half)
    return None
