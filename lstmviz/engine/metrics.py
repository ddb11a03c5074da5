"""Keras' standard metrics, as ``fit`` computes them for its ``History`` (Keras 3.15's
``keras/src/metrics``, ``trainers/compile_utils.py``; tf_keras 2.21 computes the same).

A metric is named as ``compile(metrics=[...])`` names it: a string is its own name in the
``History`` (``"acc"`` gives ``history["acc"]``), a serialised metric object its config's
``name`` (tf_keras writes ``{"class_name": "MeanMetricWrapper", "config": {"name":
"accuracy", "fn": "binary_accuracy"}}``). ``"accuracy"`` / ``"acc"`` is resolved as Keras
resolves it at the first batch (``compile_utils.get_metric``): binary accuracy where the
model's output has one unit on its last axis, sparse categorical accuracy where the targets
have a lower rank than the output or one class id on their last axis, categorical accuracy
otherwise (so a ``binary_crossentropy`` model of several sigmoid outputs gets Keras'
categorical accuracy, as in Keras).

Each epoch's value is Keras' running ``Mean``: every batch adds its samples' values (each
sample's mean over its other axes; an output's mask weighs its steps, as the loss's does)
to a float32 total and its samples (or kept steps' share) to a float32 count, the result
``total / count``. ``Precision`` and ``Recall`` (their default threshold 0.5) count true
and false positives and negatives over the epoch instead (Keras' confusion-matrix
variables; no mask). Anything else (``AUC``, ``R2Score``, a custom function) is not
computed: ``read`` names it for a one-line note.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lstmviz.errors import LstmvizError, is_number
from lstmviz.text import safe_name, safe_text, snake_case

f32 = np.float32

#: each computed metric function by its Keras names (functions' and classes' snake_case
#: names, Keras' short aliases), lowercased for the look-up
KINDS = {
    "binary_accuracy": "binary_accuracy",
    "categorical_accuracy": "categorical_accuracy",
    "sparse_categorical_accuracy": "sparse_categorical_accuracy",
    "top_k_categorical_accuracy": "top_k_categorical_accuracy",
    "sparse_top_k_categorical_accuracy": "sparse_top_k_categorical_accuracy",
    "mean_squared_error": "mse", "mse": "mse",
    "mean_absolute_error": "mae", "mae": "mae",
    "mean_absolute_percentage_error": "mape", "mape": "mape",
    "mean_squared_logarithmic_error": "msle", "msle": "msle",
    "binary_crossentropy": "binary_crossentropy", "bce": "binary_crossentropy",
    "categorical_crossentropy": "categorical_crossentropy",
    "sparse_categorical_crossentropy": "sparse_categorical_crossentropy",
    "precision": "precision", "recall": "recall",
    "accuracy": "accuracy", "acc": "accuracy",
}
#: what the History names a metric object given without a name (Keras' class default)
DEFAULT_NAMES = {"mse": "mean_squared_error", "mae": "mean_absolute_error",
                 "mape": "mean_absolute_percentage_error", "msle": "mean_squared_logarithmic_error"}
#: each kind's settings with the values computed here (another value: not computed)
SETTINGS: dict[str, dict[str, Any]] = {"binary_accuracy": {"threshold": None}, "top_k_categorical_accuracy": {"k": 5},
            "sparse_top_k_categorical_accuracy": {"k": 5, "from_sorted_ids": (False,)},
            "binary_crossentropy": {"from_logits": (False,), "label_smoothing": (0, 0.0)},
            "categorical_crossentropy": {"from_logits": (False,), "label_smoothing": (0, 0.0), "axis": (-1,)},
            "sparse_categorical_crossentropy": {"from_logits": (False,), "axis": (-1,)},
            "precision": {"thresholds": (None, 0.5, [0.5]), "top_k": (None,), "class_id": (None,)},
            "recall": {"thresholds": (None, 0.5, [0.5]), "top_k": (None,), "class_id": (None,)}}
#: config keys of a serialised metric that change nothing here
INERT = ("name", "dtype", "trainable", "fn", "reduction")
#: the confusion-matrix metrics (counts over the epoch, not a mean of values)
CONFUSION = ("precision", "recall")
#: the names ``fit(metrics=...)`` takes, for its one-line refusal
SUPPORTED = ("accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
             "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "mse", "mae", "mape", "msle",
             "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
             "Precision", "Recall")


@dataclass(frozen=True)
class Metric:
    """One metric: ``name``, its History key; ``kind``, what it computes (a ``KINDS``
    value; ``"accuracy"`` until ``resolve``); ``options``, its settings (threshold, k)."""

    name: str
    kind: str
    options: tuple = ()
    #: a ``weighted_metrics`` one: its name as compiled (``name`` is its History key: Keras
    #: prefixes ``weighted_`` where a metric has that name); None for a metric of ``metrics``
    weighted: str | None = None

    def option(self, key: str, default):
        return dict(self.options).get(key, default)

    def plain(self) -> dict:
        """As plain data (a model's ``source["compile"]`` holds no classes of its own)."""
        out = {"name": self.name, "kind": self.kind, "options": dict(self.options)}
        if self.weighted is not None:
            out["weighted"] = self.weighted
        return out

    @classmethod
    def from_plain(cls, data: dict) -> Metric:
        return cls(data["name"], data["kind"], tuple(data.get("options", {}).items()), data.get("weighted"))


def _kind(name: str) -> str | None:
    return KINDS.get(name.lower()) or KINDS.get(snake_case(name).lower())


def _from_object(spec: dict) -> tuple[Metric | None, str]:
    """(the metric a serialised metric object is, "") or (None, its name for the note)."""
    cls = spec.get("class_name")
    config: dict = spec["config"] if isinstance(spec.get("config"), dict) else {}
    name = safe_name(config["name"]) if isinstance(config.get("name"), str) else None  # (the History's key)
    if not isinstance(cls, str):
        return None, str(name or cls)
    kind = None
    if cls == "MeanMetricWrapper":  # (tf_keras: the function by name, "fn")
        fn = config.get("fn")
        fn = fn.get("config") if isinstance(fn, dict) else fn  # (Keras 3 serialises a function as a dict)
        kind = _kind(fn) if isinstance(fn, str) else None
    elif cls.lower() != "accuracy":  # (Keras' Accuracy class compares values, not "accuracy")
        kind = _kind(cls)
    if kind is None or kind == "accuracy":
        return None, name or cls
    options = []
    for key, value in config.items():
        if key in INERT:
            continue
        allowed = SETTINGS.get(kind, {})
        if key not in allowed:
            return None, name or cls
        if key in ("threshold", "k"):
            if not is_number(value) or (key == "k" and (value != int(value) or value < 1)):
                return None, name or cls
            options.append((key, value))
        elif value not in allowed[key]:
            return None, name or cls
    return Metric(name or DEFAULT_NAMES.get(kind, snake_case(cls)), kind, tuple(options)), ""


def count(config) -> int:
    """How many metrics ``config`` (a ``compile_config``'s ``metrics`` as ``read`` takes it)
    lists, counted before any is read."""
    if config is None:
        return 0
    items = config if isinstance(config, (list, tuple)) else [config]
    if len(items) == 1 and isinstance(items[0], (list, tuple)):
        items = items[0]
    return len(items)


def read(config) -> tuple[list[Metric], list[str]]:
    """A compiled model's ``metrics`` (a ``compile_config``'s or a ``training_config``'s:
    names, serialised metric objects, one list of them per output as tf_keras writes them)
    as (the metrics computed here, the names of those that are not)."""
    if config is None:
        return [], []
    items = config if isinstance(config, (list, tuple)) else [config]
    if len(items) == 1 and isinstance(items[0], (list, tuple)):  # (tf_keras: a list per output)
        items = items[0]
    out: list[Metric] = []
    missing: list[str] = []
    for item in items:
        metric, why = None, ""
        if isinstance(item, str):
            kind = _kind(item)
            metric = Metric(safe_name(item), kind) if kind else None  # ("m\x1bae" is mae)
            why = item
        elif isinstance(item, dict) and "class_name" in item:
            metric, why = _from_object(item)
        elif isinstance(item, (list, tuple, dict)):
            why = "a metric per output"
        else:
            why = str(item)
        if metric is None:
            missing.append(why)
        elif metric.name not in [m.name for m in out]:
            out.append(metric)
    return out, missing


def read_weighted(metrics: list[Metric], config) -> tuple[list[Metric], list[str]]:
    """A compiled model's ``weighted_metrics`` beside its ``metrics`` (read by ``read``): as
    Keras 3.15's History names them, ``weighted_<name>`` where a metric of ``metrics`` has
    that name, else the name; each computed as the metric is (``fit`` takes no sample
    weights here, and Keras weighs them by the sample weights only). (the History's
    metrics, the names of those not computed)"""
    found, missing = read(config)
    taken = [m.name for m in metrics]
    out = []
    for m in found:
        key = f"weighted_{m.name}" if m.name in taken else m.name
        if key not in taken:
            out.append(Metric(key, m.kind, m.options, m.name))
            taken.append(key)
    return out, missing


def given(metrics) -> list[Metric]:
    """``fit(metrics=...)``: names (``"accuracy"``, ``"mae"``) as Keras' ``compile`` takes
    them, refused in one line where one is not computed here."""
    if metrics is None:
        return []
    if isinstance(metrics, str) or not isinstance(metrics, (list, tuple)):
        metrics = [metrics]
    out, missing = read(list(metrics))
    if missing or any(not isinstance(m, (str, dict)) for m in metrics):
        bad = missing[0] if missing else next(m for m in metrics if not isinstance(m, (str, dict)))
        raise LstmvizError(f"metric {safe_text(repr(bad), 60)} is not computed here; give names of "
                           f"Keras metrics: {', '.join(SUPPORTED)}")
    return out


def resolve(metrics: list[Metric], y_shape: tuple, pred_shape: tuple) -> list[Metric]:
    """``metrics`` with ``"accuracy"`` resolved as Keras resolves it from the targets' and
    the output's shapes (``compile_utils.is_binary_or_sparse_categorical``)."""
    out = []
    for m in metrics:
        if m.kind == "accuracy":
            binary = pred_shape[-1] == 1
            sparse = len(y_shape) < len(pred_shape) or (y_shape[-1] == 1 and pred_shape[-1] > 1)
            kind = "binary_accuracy" if binary else "sparse_categorical_accuracy" if sparse else "categorical_accuracy"
            m = Metric(m.name, kind, m.options, m.weighted)
        out.append(m)
    return out


def _same_rank(y, p):
    """Keras' ``squeeze_or_expand_to_same_rank``: a trailing axis of 1 dropped, or one added."""
    if y.ndim == p.ndim + 1 and y.shape[-1] == 1:
        y = y[..., 0]
    elif p.ndim == y.ndim + 1 and p.shape[-1] == 1:
        p = p[..., 0]
    return y, p


def _class_ids(y, p):
    """Sparse targets as ids of p's shape without its last axis (a trailing 1 squeezed)."""
    ids = np.asarray(y, np.float32)
    if ids.ndim == p.ndim and ids.shape[-1] == 1:
        ids = ids[..., 0]
    return ids


def _in_top_k(ids, p, k):
    """TensorFlow's ``in_top_k``: fewer than ``k`` predictions above the target's (ties are
    in), false where a row holds a non-finite prediction or the id is out of range."""
    p2 = p.reshape(-1, p.shape[-1])
    ids = ids.reshape(-1)
    valid = (ids >= 0) & (ids < p2.shape[-1]) & np.all(np.isfinite(p2), axis=-1)
    safe = np.where(valid, ids, 0).astype(np.int64)
    target = np.take_along_axis(p2, safe[:, None], axis=-1)
    above = np.sum(p2 > target, axis=-1)
    return (valid & (above < k)).reshape(p.shape[:-1])


def values(metric: Metric, y, p) -> np.ndarray:
    """A mean metric's values for a batch (its samples first), as Keras' function gives them."""
    p = np.asarray(p, np.float32)
    y = np.asarray(y, np.float32)
    kind = metric.kind
    if kind == "binary_accuracy":
        y, p = _same_rank(y, p)
        threshold = f32(metric.option("threshold", 0.5))
        return (y == (p > threshold).astype(np.float32)).astype(np.float32)
    if kind == "categorical_accuracy":
        return (np.argmax(y, axis=-1) == np.argmax(p, axis=-1)).astype(np.float32)
    if kind == "sparse_categorical_accuracy":
        return (_class_ids(y, p) == np.argmax(p, axis=-1).astype(np.float32)).astype(np.float32)
    if kind == "top_k_categorical_accuracy":
        return _in_top_k(np.argmax(y, axis=-1), p, int(metric.option("k", 5))).astype(np.float32)
    if kind == "sparse_top_k_categorical_accuracy":
        ids = _class_ids(y, p).astype(np.int64)  # (Keras casts the ids to int32)
        return _in_top_k(ids, p, int(metric.option("k", 5))).astype(np.float32)
    if kind in ("binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy"):
        from lstmviz.engine.losses import values_and_grad

        if kind != "sparse_categorical_crossentropy" and y.ndim == p.ndim - 1 and p.shape[-1] == 1:
            y = y[..., None]  # (Keras' squeeze_or_expand_to_same_rank)
        return np.asarray(values_and_grad(kind, y, p)[0], np.float32)
    y, p = _same_rank(y, p)
    if kind == "mse":
        return np.mean(np.square(y - p), axis=-1)
    if kind == "mae":
        return np.mean(np.abs(y - p), axis=-1)
    if kind == "mape":
        return f32(100.0) * np.mean(np.abs((y - p) / np.maximum(np.abs(y), f32(1e-7))), axis=-1)
    if kind == "msle":
        eps = f32(1e-7)
        return np.mean(np.square(np.log(np.maximum(p, eps) + f32(1)) - np.log(np.maximum(y, eps) + f32(1))),
                       axis=-1)
    raise LstmvizError(f"metric {metric.name!r}: {kind} is not computed here")  # pragma: no cover - read refuses


@dataclass
class Tracker:
    """The epoch's running metrics (Keras' metric variables), reset at each epoch's start
    and for each evaluation: float32 ``total`` / ``count`` per mean metric, true / false
    positives and negatives per confusion metric."""

    metrics: list[Metric]
    sums: dict[str, list] = field(default_factory=dict)

    def reset(self) -> None:
        self.sums = {m.name: [f32(0), f32(0), f32(0)] for m in self.metrics}

    def update(self, y, p, mask=None) -> None:
        """One batch: targets ``y``, the outputs ``p`` (before the update), the output's mask."""
        if not self.sums:
            self.reset()
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            for m in self.metrics:
                acc = self.sums[m.name]
                if m.kind in CONFUSION:
                    yy, pp = _same_rank(np.asarray(y, np.float32), np.asarray(p, np.float32))
                    label, hit = yy != 0, pp > f32(0.5)
                    acc[0] += f32(np.count_nonzero(label & hit))
                    acc[1] += f32(np.count_nonzero(~label & hit))
                    acc[2] += f32(np.count_nonzero(label & ~hit))
                    continue
                v: Any = values(m, y, p)
                weight = None
                if mask is not None:
                    weight = np.asarray(mask, np.float32)
                    if v.ndim == weight.ndim + 1 and v.shape[-1] == 1:
                        v = v[..., 0]
                    if v.shape != weight.shape:
                        weight = None
                if weight is not None:
                    axes = tuple(range(1, v.ndim))
                    v = np.mean(v * weight, axis=axes, dtype=np.float32) if axes else v * weight
                    w = np.mean(weight, axis=axes, dtype=np.float32) if axes else weight
                    acc[0] += np.sum(v, dtype=np.float32)
                    acc[1] += np.sum(w, dtype=np.float32)
                else:
                    if v.ndim > 1:
                        v = np.mean(v, axis=tuple(range(1, v.ndim)), dtype=np.float32)
                    acc[0] += np.sum(v, dtype=np.float32)
                    acc[1] += f32(v.shape[0])

    def result(self) -> dict[str, float]:
        """Each metric's value so far (Keras' ``result()``: 0 where nothing was counted)."""
        out = {}
        for m in self.metrics:
            a, b, c = self.sums.get(m.name, (f32(0), f32(0), f32(0)))
            if m.kind == "precision":
                num, den = a, a + b
            elif m.kind == "recall":
                num, den = a, a + c
            else:
                num, den = a, b
            out[m.name] = float(f32(num) / f32(den)) if den else 0.0
        return out


#: the most names ``note`` quotes (one line: a list of 100,000 filled the summary)
NOTE_NAMES = 8


def note(missing: list[str]) -> str:
    """One line naming the metrics not computed ("metrics 'qscore', 'f1' not computed here:
    the History leaves them out"), "" for none."""
    names = list(dict.fromkeys(missing))
    if not names:
        return ""
    shown = ", ".join(safe_text(repr(n), 40) for n in names[:NOTE_NAMES])
    if len(names) > NOTE_NAMES:
        shown += f" and {len(names) - NOTE_NAMES:,} more"
    them = "it" if len(names) == 1 else "them"
    word = "metric" if len(names) == 1 else "metrics"
    return f"{word} {shown} not computed here: the History leaves {them} out"
