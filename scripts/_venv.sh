# Sourced by scripts/run and scripts/test: make sure .venv exists and holds this project.
# Re-installs only when pyproject.toml changed since the last install.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
    echo "lstmviz: creating $VENV" >&2
    "$PY" -m venv "$VENV"
fi
STAMP="$VENV/.lstmviz-installed"
if [ ! -f "$STAMP" ] || [ "$ROOT/pyproject.toml" -nt "$STAMP" ]; then
    echo "lstmviz: installing the project and its test tools into $VENV" >&2
    "$VENV/bin/python" -m pip install --quiet --upgrade pip >&2
    "$VENV/bin/python" -m pip install --quiet -e "$ROOT[test,mp4]" >&2
    touch "$STAMP"
fi
