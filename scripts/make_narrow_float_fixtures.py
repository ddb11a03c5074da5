#!/usr/bin/env python
"""Generate ``tests/fixtures/narrow_floats_pt/`` with REAL torch (run with the fixture
venv, never from the test suite)::

    $FIXENV/bin/python scripts/make_narrow_float_fixtures.py

- ``lstm_<dtype>.pt``: a seeded nn.LSTM(3, 4) + nn.Linear(4, 2) state_dict converted to
  ``<dtype>`` (bfloat16, float8_e4m3fn, float8_e5m2) and saved by ``torch.save`` (torch
  writes bfloat16 as a BFloat16Storage, float8 as bytes rebuilt by ``_rebuild_tensor_v3``);
  ``lstm_<dtype>_as_f32.pt``: the same tensors converted to float32 by torch (the values
  to read, exactly); ``lstm_float8_e4m3fn_legacy.pt``: the legacy pickle format;
- ``codes_<float8 dtype>.pt`` / ``codes_<float8 dtype>_as_f32.pt``: every one of the 256
  codes, and torch's float32 of each;
- ``lstm_float8_e4m3fnuz.pt``: a float8 lstmviz does not read (refused, naming those it reads).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "fixtures" / "narrow_floats_pt"  # (no meta.json: not a model case)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 4, batch_first=True)
        self.head = nn.Linear(4, 2)


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    torch.manual_seed(0)
    sd = Net().state_dict()
    for dtype in ("bfloat16", "float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz"):
        narrow = {k: v.to(getattr(torch, dtype)) for k, v in sd.items()}
        torch.save(narrow, OUT / f"lstm_{dtype}.pt")
        if dtype != "float8_e4m3fnuz":
            torch.save({k: v.float() for k, v in narrow.items()}, OUT / f"lstm_{dtype}_as_f32.pt")
        if dtype == "float8_e4m3fn":
            torch.save(narrow, OUT / f"lstm_{dtype}_legacy.pt", _use_new_zipfile_serialization=False)
        if dtype in ("float8_e4m3fn", "float8_e5m2"):
            codes = torch.arange(256, dtype=torch.uint8).view(getattr(torch, dtype)).reshape(32, 8)
            torch.save({"codes": codes}, OUT / f"codes_{dtype}.pt")
            torch.save({"codes": codes.float()}, OUT / f"codes_{dtype}_as_f32.pt")
    (OUT / "about.json").write_text(json.dumps({"torch_version": torch.__version__,
                                                "made_by": "scripts/make_narrow_float_fixtures.py"}, indent=1) + "\n")
    for p in sorted(OUT.iterdir()):
        print(p.relative_to(ROOT), p.stat().st_size)


if __name__ == "__main__":
    main()
