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

from lstmviz.files import resolved

#: the folder of the demos and their index, inside the installed package
DEMOS_DIR = Path(__file__).resolve().parents[1] / "resources" / "demos"
#: the most of ``demos.json`` read (it holds a few KB): a link to /dev/zero put in its place
#: was read without end (gigabytes), a named pipe waited for ever
INDEX_BYTES = 1 << 20


def _regular(path: Path) -> bool:
    """Whether ``path`` is a regular file (a link to one too): a demo's model, input or index
    that is a device, a pipe or a folder is none (``files.not_regular``'s cases)."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _resolved(folder: Path, rel) -> Path | None:
    """``rel`` (a path of the index, relative to its folder) resolved, None where it is no
    text, cannot be (a loop of links) or leaves the folder ("../../x", a link out of it:
    nothing outside the demos' folder is read, as ``demo_of`` recognises nothing outside it)."""
    if not isinstance(rel, str) or not rel:
        return None
    where, inside = resolved(folder / rel), resolved(folder)
    return where if where is not None and inside is not None and where.is_relative_to(inside) else None


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
    if not _regular(index):
        return []
    try:
        with open(index, "rb") as fh:
            raw = fh.read(INDEX_BYTES + 1)
        data = json.loads(raw.decode("utf-8")) if len(raw) <= INDEX_BYTES else []
    except (OSError, ValueError, RecursionError):
        return []
    items = data.get("demos", []) if isinstance(data, dict) else data
    out = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        rel = item.get("model") or item.get("file") or item.get("path")
        model = _resolved(index.parent, rel)
        if model is None or not _regular(model):
            continue
        inp = item.get("input") or item.get("x") or item.get("inputs")
        if isinstance(inp, list):
            inp = inp[0] if inp else None
        inp_path = _resolved(index.parent, inp)
        text = item.get("text")
        out.append({"title": item.get("title") or item.get("name") or model.stem,
                    "line": line if isinstance(line := item.get("line"), str) else "",
                    "description": item.get("description", ""),
                    "model": model, "input": inp_path if inp_path and _regular(inp_path) else None,
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
    where = resolved(path)
    if where is None or where.parent != DEMOS_DIR:
        return None
    return next((d for d in load_demos() if d["model"] == where), None)
