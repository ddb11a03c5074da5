#!/usr/bin/env bash
# Regenerate the README's screenshots (resources/screenshots/*.png) from the bundled demos,
# offscreen, with the app's own --screenshot. Run after anything the window shows changed.
set -euo pipefail
source "$(dirname "$0")/_venv.sh"
OUT="$ROOT/resources/screenshots"
DEMOS="$ROOT/lstmviz/resources/demos"
mkdir -p "$OUT"
shot() { "$VENV/bin/lstmviz" "$@" --size 1600x1000; }
shot "$DEMOS/sine_predictor.keras" --view unrolled --step 12 --screenshot "$OUT/unrolled.png"
shot "$DEMOS/remember_first.keras" --view cell --step 6 --screenshot "$OUT/cell.png"
shot "$DEMOS/remember_first.keras" --view over_time --step 6 --screenshot "$OUT/over_time.png"
shot "$DEMOS/char_model.keras" --view weights --step 3 --screenshot "$OUT/weights.png"
shot "$DEMOS/sine_predictor.keras" --view cell --step 12 --theme projector --screenshot "$OUT/projector.png"
echo "wrote $(ls "$OUT" | wc -l) screenshots to $OUT"
