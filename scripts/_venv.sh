# Sourced by scripts/run and scripts/test: make sure .venv exists, works and holds this project.
#
# - Python: $PYTHON if set, else the first of python3, python3.13, python3.12, python3.11 that
#   is 3.11 or newer; a too-old Python is named before anything is created or installed.
# - A .venv that an earlier run left broken (its python does not start, pip is missing
#   because python3-venv was not installed, a package import is gone) is recreated.
# - (Re)installs when pyproject.toml's contents or the Python version changed since the
#   last install (the stamp holds both), and after an install that did not finish.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${LSTMVIZ_VENV:-$ROOT/.venv}"
STAMP="$VENV/.lstmviz-installed"
MIN_PY="3.11"

_lstmviz_py_ok() {  # prints the version and succeeds when "$1" is Python >= 3.11
    "$1" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3]); sys.exit(sys.version_info < (3, 11))' 2>/dev/null
}

_lstmviz_pick_python() {
    local cand ver found=""
    if [ -n "${PYTHON:-}" ]; then
        if ver="$(_lstmviz_py_ok "$PYTHON")"; then echo "$PYTHON"; return 0; fi
        echo "lstmviz: \$PYTHON=$PYTHON is Python ${ver:-(does not run)}; lstmviz needs Python $MIN_PY or newer" >&2
        return 1
    fi
    for cand in python3 python3.13 python3.12 python3.11; do
        command -v "$cand" >/dev/null 2>&1 || continue
        if ver="$(_lstmviz_py_ok "$cand")"; then echo "$cand"; return 0; fi
        [ -n "$found" ] || found="$cand is Python $ver"
    done
    echo "lstmviz: needs Python $MIN_PY or newer, but ${found:-no python3 was found}." >&2
    echo "  Debian/Ubuntu: sudo apt install python3.11 python3.11-venv  (or newer)" >&2
    echo "  Fedora:        sudo dnf install python3.11" >&2
    echo "  then run again, or point PYTHON=/path/to/python3.11 at one." >&2
    return 1
}

_lstmviz_venv_ok() {  # the venv's python starts and has pip
    [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import pip' >/dev/null 2>&1
}

_lstmviz_installed_ok() {  # every package the app imports is still there
    "$VENV/bin/python" - <<'PYEOF' >/dev/null 2>&1
import importlib.util, sys
sys.exit(any(importlib.util.find_spec(m) is None
             for m in ("lstmviz", "numpy", "h5py", "PySide6", "pyqtgraph", "PIL")))
PYEOF
}

_lstmviz_stamp() {  # what the install was made from
    { cat "$ROOT/pyproject.toml"; "$VENV/bin/python" -c 'import sys; print(sys.version)'; } | cksum
}

PY="$(_lstmviz_pick_python)" || exit 1
if [ -e "$VENV" ] && ! _lstmviz_venv_ok; then
    if [ -f "$VENV/pyvenv.cfg" ] || [ ! -e "$VENV/bin" ] ; then
        echo "lstmviz: $VENV is broken (left by an earlier failed run?); recreating it" >&2
        rm -rf "$VENV"
    else
        echo "lstmviz: $VENV exists but is not a virtual environment; move it away and run again" >&2
        exit 1
    fi
fi
if [ ! -e "$VENV" ]; then
    echo "lstmviz: creating $VENV with $PY ($("$PY" -c 'import sys; print(sys.version.split()[0])'))" >&2
    if ! "$PY" -m venv "$VENV" >&2 || ! _lstmviz_venv_ok; then
        rm -rf "$VENV"
        echo "lstmviz: could not create a virtual environment with $PY (no venv/ensurepip module)." >&2
        echo "  Debian/Ubuntu: sudo apt install python3-venv  (python3.X-venv for your version); then run again" >&2
        exit 1
    fi
fi
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$(_lstmviz_stamp)" ] || ! _lstmviz_installed_ok; then
    echo "lstmviz: installing the project and its test tools into $VENV (a few minutes the first time)" >&2
    rm -f "$STAMP"
    if ! { "$VENV/bin/python" -m pip install --quiet --upgrade pip >&2 &&
           "$VENV/bin/python" -m pip install --quiet -e "$ROOT[test,mp4]" >&2; }; then
        echo "lstmviz: installing into $VENV failed (see above); the next run tries again" >&2
        exit 1
    fi
    _lstmviz_stamp > "$STAMP"
fi
