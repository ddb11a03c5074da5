"""The modules a PyTorch state_dict holds around its recurrent stack that can be placed:
``nn.LayerNorm``, ``nn.BatchNorm1d`` and ``nn.Conv1d``, as Keras layers.

A state_dict keeps each module's tensors, not its class nor its place in ``forward()``:

- a module is told by its tensors (``running_mean`` and ``running_var``: BatchNorm1d; a 3-D
  ``weight``: Conv1d; a 1-D ``weight`` with a 1-D ``bias``: LayerNorm; a 1-D ``weight``
  alone, which nn.RMSNorm and nn.PReLU hold too: LayerNorm(bias=False) only where its name
  says a norm); a name saying another kind (``rms``, ``group``, ``instance``, ``batch``)
  leaves it out;
- its place: in a ``torch.save`` file, the order its modules were registered (after the
  last recurrent module or Linear head registered before it; before the recurrent stack
  when none is); in a ``.safetensors`` file, sorted by name, the one place of its width;
- what is not stored, torch's defaults: ``eps`` 1e-5 (Keras' default is 1e-3), a Conv1d's
  stride 1, padding 0, dilation 1, groups 1.

``place(...)`` returns what goes where and a one-line reason for each module left out;
``torch_state._build_spec`` builds the layers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from ._util import fmt_shape

#: torch's default ``eps`` of nn.LayerNorm and nn.BatchNorm1d (not in a state_dict)
TORCH_EPS = 1e-5
EPS_TEXT = "1e-5"
_BN_KEYS = {"weight", "bias", "running_mean", "running_var", "num_batches_tracked"}
#: words of a module's name saying a kind whose tensors look like a LayerNorm's
_OTHER_NORMS = re.compile(r"rms|group|instance|batch|prelu|(^|[._])(bn|gn)\d*($|[._])", re.I)
_NORM_NAME = re.compile(r"norm|(^|[._])ln\d*($|[._])", re.I)


@dataclass
class Around:
    """One module around the recurrent stack: its kind, widths and tensors."""

    prefix: str
    kind: str          # "LayerNorm", "BatchNorm1d", "Conv1d"
    width: int         # features it takes
    out: int           # features it gives (a norm's: its width)
    params: dict[str, np.ndarray]
    index: int         # its place in the file's order of modules

    @property
    def label(self) -> str:
        return self.prefix or "(top level)"

    @property
    def norm(self) -> bool:
        return self.kind != "Conv1d"

    def describe(self) -> str:
        p = self.params
        if self.kind == "Conv1d":
            k = int(p["weight"].shape[2])
            return (f"Conv1d({self.width}, {self.out}, kernel_size={k}"
                    + ("" if "bias" in p else ", bias=False") + ")")
        if self.kind == "BatchNorm1d":
            return f"BatchNorm1d({self.width}" + ("" if "weight" in p else ", affine=False") + ")"
        return f"LayerNorm({self.width}" + ("" if "bias" in p else ", bias=False") + ")"


def classify(prefix: str, params: dict[str, np.ndarray], index: int) -> tuple[Around | None, str | None]:
    """The module ``prefix``'s kind, or why it is not placed (None, None: not one of these)."""
    w, b = params.get("weight"), params.get("bias")
    keys = set(params)
    label = prefix or "(top level)"
    if "running_mean" in keys or "running_var" in keys:
        m, v = params.get("running_mean"), params.get("running_var")
        if (keys - _BN_KEYS or m is None or v is None or m.ndim != 1 or v.shape != m.shape
                or any(a is not None and a.shape != m.shape for a in (w, b))):
            return None, (f"{label} ({', '.join(sorted(keys))[:80]}) holds running statistics "
                          "but not a BatchNorm1d's tensors (running_mean, running_var of one "
                          "shape, weight and bias as wide)")
        return Around(prefix, "BatchNorm1d", int(m.shape[0]), int(m.shape[0]), params, index), None
    if w is None or keys - {"weight", "bias"}:
        return None, None
    if w.ndim == 3 and min(w.shape) >= 1 and (b is None or b.shape == (w.shape[0],)):
        return Around(prefix, "Conv1d", int(w.shape[1]), int(w.shape[0]), params, index), None
    if w.ndim != 1 or w.shape[0] < 1 or (b is not None and b.shape != w.shape):
        return None, None
    if _OTHER_NORMS.search(prefix):
        return None, (f"{label} (a 1-D weight{' and bias' if b is not None else ''} of "
                      f"{w.shape[0]}) is named as no nn.LayerNorm is (an RMSNorm, GroupNorm, "
                      "InstanceNorm, a BatchNorm1d without running statistics or a PReLU), "
                      "which lstmviz does not compute")
    if b is None and not _NORM_NAME.search(prefix):
        return None, (f"{label} (a 1-D weight of {w.shape[0]} alone) may be an "
                      "nn.LayerNorm(bias=False), an nn.RMSNorm or an nn.PReLU, which the "
                      "state_dict does not tell apart (a name holding 'norm' or 'ln' is read "
                      "as a LayerNorm)")
    return Around(prefix, "LayerNorm", int(w.shape[0]), int(w.shape[0]), params, index), None


@dataclass
class Point:
    """A place in the chain where modules may sit: its features' width, whether a whole
    sequence passes there, after which module (``after``: None before the recurrent stack)
    and that module's place in the file's order."""

    width: int
    seq: bool
    after: str | None
    index: int
    modules: list[Around] = field(default_factory=list)

    def where(self) -> str:
        return f"after {self.after}" if self.after is not None else "before the recurrent stack"


def convs_before(convs: list[Around], width: int, first_rnn: int, by_name: bool
                 ) -> tuple[list[Around], dict[str, str]]:
    """The Conv1d modules feeding the recurrent stack (of input ``width``), in their order,
    and a reason for each one left out. In file order (``by_name`` False): those registered
    before the first recurrent module (``first_rnn``), each taking the previous one's
    channels, the last giving ``width``; by name: the one chain of widths ending at
    ``width``."""
    left: dict[str, str] = {}
    if by_name:
        chain: list[Around] = []
        rest = list(convs)
        w = width
        while True:
            gives = [c for c in rest if c.out == w]
            if len(gives) != 1:
                break
            chain.insert(0, gives[0])
            rest.remove(gives[0])
            w = gives[0].width
        for c in rest:
            left[c.prefix] = (f"{c.label} ({c.describe()}) is not the one Conv1d chain of widths "
                              f"into the recurrent stack's {width} inputs (a .safetensors file "
                              "keeps no order of modules)")
        return chain, left
    before = [c for c in convs if c.index < first_rnn]
    for c in convs:
        if c.index > first_rnn:
            left[c.prefix] = (f"{c.label} ({c.describe()}) is registered after a recurrent module: "
                              "lstmviz places an nn.Conv1d before the recurrent stack only")
    chains = all(a.out == b.width for a, b in zip(before, before[1:])) and (
        not before or before[-1].out == width)
    if not chains:
        for c in before:
            left[c.prefix] = (f"{c.label} ({c.describe()}): the Conv1d modules registered before "
                              f"the recurrent stack ({', '.join(x.describe() for x in before)}) do "
                              f"not chain into its {width} inputs")
        return [], left
    return before, left


def place(norms: list[Around], points: list[Point], by_name: bool) -> dict[str, str]:
    """Put each norm on its point (``Point.modules``); a reason for each one left out. In
    file order: after the last module registered before it (the first point if none is),
    where its width must be the point's; by name: the one point of its width, alone there."""
    left: dict[str, str] = {}
    for m in norms:
        if by_name:
            fits = [p for p in points if p.width == m.width]
            if len(fits) != 1:
                places = ", ".join(p.where() for p in fits) if fits else "none"
                left[m.prefix] = (f"{m.label} ({m.describe()}) fits {len(fits)} places of width "
                                  f"{m.width} ({places}), and a .safetensors file keeps no order "
                                  "of modules to choose")
                continue
            point = fits[0]
        else:
            before = [p for p in points if p.index < m.index]
            point = max(before, key=lambda p: p.index) if before else points[0]
            if point.width != m.width:
                left[m.prefix] = (f"{m.label} ({m.describe()}) is registered {point.where()}, "
                                  f"where the features are {point.width} wide")
                continue
        point.modules.append(m)
    if by_name:
        for p in points:
            if len(p.modules) > 1:
                names = ", ".join(m.label for m in p.modules)
                for m in p.modules:
                    left[m.prefix] = (f"{m.label} ({m.describe()}) shares its place ({p.where()}) "
                                      f"with {names}, in an order a .safetensors file does not keep")
                p.modules = []
    return left


def keras_layer(m: Around, f32) -> tuple[str, dict, list[np.ndarray], str]:
    """The Keras class, config (without a name), weights and layout note of ``m``; ``f32``
    reads a tensor as a float32 weight (``torch_state._f32``)."""
    p, at = m.params, (m.prefix + "." if m.prefix else "")
    if m.kind == "Conv1d":
        w = f32(p["weight"], at + "weight")
        weights = [np.ascontiguousarray(w.transpose(2, 1, 0))]
        if "bias" in p:
            weights.append(f32(p["bias"], at + "bias"))
        cfg = {"filters": m.out, "kernel_size": [int(w.shape[2])], "strides": [1],
               "padding": "valid", "dilation_rate": [1], "groups": 1, "activation": "linear",
               "use_bias": "bias" in p}
        note = (f"PyTorch nn.Conv1d: kernel = {at}weight {fmt_shape(w.shape)} (out, in, k) "
                f"turned into Keras' (k, in, out) {fmt_shape(weights[0].shape)}"
                + (f", bias = {at}bias" if "bias" in p else "")
                + "; torch's channels-first steps are this layer's channels-last ones; stride 1, "
                "padding 0, dilation 1, groups 1 assumed (torch's defaults, not in a state_dict)")
        return "Conv1D", cfg, weights, note
    if m.kind == "BatchNorm1d":
        affine = "weight" in p
        weights = ([f32(p["weight"], at + "weight"), f32(p["bias"], at + "bias")] if affine else []) + [
            f32(p["running_mean"], at + "running_mean"), f32(p["running_var"], at + "running_var")]
        cfg = {"axis": -1, "epsilon": TORCH_EPS, "center": affine, "scale": affine}
        note = ("PyTorch nn.BatchNorm1d at inference (eval()): "
                + (f"gamma = {at}weight, beta = {at}bias, " if affine else "no gamma, beta (affine=False), ")
                + f"moving_mean = {at}running_mean, moving_variance = {at}running_var, "
                f"epsilon {EPS_TEXT} (torch's default, not in a state_dict)")
        return "BatchNormalization", cfg, weights, note
    weights = [f32(p["weight"], at + "weight")] + ([f32(p["bias"], at + "bias")] if "bias" in p else [])
    cfg = {"axis": -1, "epsilon": TORCH_EPS, "center": "bias" in p, "scale": True}
    note = (f"PyTorch nn.LayerNorm: gamma = {at}weight"
            + (f", beta = {at}bias" if "bias" in p else ", no beta (bias=False)")
            + f", epsilon {EPS_TEXT} (torch's default, not in a state_dict; Keras' is 1e-3)")
    return "LayerNormalization", cfg, weights, note
