"""The demo models shipped inside the package (``lstmviz/resources/demos``), Qt-free.

They are package data, so a wheel (``pip install``/``pipx install``) carries them: the
app opens the first demo when started without a model, Help > Demos lists them all, and
``lstmviz.cli.demo_model`` uses the first where Qt is missing. ``demo_of(path)``: the demo
whose bundled model file a path is (opened from its path, ``lstmviz char_model.keras``,
it starts on its own input, as from Help > Demos).
"""

from __future__ import annotations

import json
from pathlib import Path

#: the folder of the demos and their index, inside the installed package
DEMOS_DIR = Path(__file__).resolve().parents[1] / "resources" / "demos"


def load_demos(index: Path | None = None) -> list[dict]:
    """Demos listed in ``demos.json`` whose model file exists.

    Each entry: ``{"title", "line", "description", "model": Path, "input": Path | None,
    "text": str | None}`` (``line``: what the status bar says after the title on opening
    it, short enough to be whole in a 1024 px window's bar, ``""`` if none; ``description``
    the whole story, Help > Demos' tooltip; ``text``: typed text to trace a character model
    on, in the app's alphabet, which the app shows as characters; else ``input``, an array
    file); the
    JSON may be a list or ``{"demos": [...]}`` with ``file``/``model``/``path`` and
    ``input``/``x`` keys (paths relative to the JSON file).
    """
    index = index or DEMOS_DIR / "demos.json"
    try:
        data = json.loads(index.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    items = data.get("demos", []) if isinstance(data, dict) else data
    out = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        rel = item.get("model") or item.get("file") or item.get("path")
        if not rel:
            continue
        model = (index.parent / rel).resolve()
        if not model.exists():
            continue
        inp = item.get("input") or item.get("x") or item.get("inputs")
        if isinstance(inp, list):
            inp = inp[0] if inp else None
        inp_path = (index.parent / inp).resolve() if isinstance(inp, str) else None
        text = item.get("text")
        out.append({"title": item.get("title") or item.get("name") or model.stem,
                    "line": line if isinstance(line := item.get("line"), str) else "",
                    "description": item.get("description", ""),
                    "model": model, "input": inp_path if inp_path and inp_path.exists() else None,
                    "text": text if isinstance(text, str) and text else None})
    return out


def input_label(demo: dict) -> str:
    """What a demo's own input array is called where the app shows its input's source
    (``InputSpec.label``, until the input is edited or another imported): "demo: sine
    wave" of "Sine wave: predict the next value" (its title before a colon)."""
    name = str(demo.get("title") or "").split(":")[0].strip() or "its input"
    if len(name) > 1 and name[1:2].islower():  # ("Sine wave" -> "sine wave"; "LSTM ..." kept)
        name = name[0].lower() + name[1:]
    return f"demo: {name}"


def demo_of(path) -> dict | None:
    """The demo (``load_demos``) whose model is the bundled file at ``path`` (resolved: a link
    to it too), or None: only the files inside ``DEMOS_DIR`` are recognised, a copy of one
    elsewhere is the user's file and opens as any other."""
    try:
        where = Path(path).resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    if where.parent != DEMOS_DIR:
        return None
    return next((d for d in load_demos() if d["model"] == where), None)
