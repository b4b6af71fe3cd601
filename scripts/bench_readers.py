#!/usr/bin/env python
"""Reader speed on full-size label files, images not checked.

- ``read_padchest`` on the real 160k-row PadChest CSV shipped in the torchxrayvision wheel
  (Physician subset, ``check_images=False``); target < 5 s.
- ``read_radzero_json`` on a generated 370k-record JSON in the authors' layout (written to a
  temp folder); target < 10 s.

Prints the seconds and the targets; exits 1 when a reader is over its target, 2 when the PadChest
CSV is not available (torchxrayvision not installed) and ``--require-padchest`` is given.

    python scripts/bench_readers.py
    python scripts/bench_readers.py --records 370000 --repeat 2
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from radzero.data.readers import read_padchest, read_radzero_json  # noqa: E402

PADCHEST_CSV = "PADCHEST_chest_x_ray_images_labels_160K_01.02.19.csv.gz"
PADCHEST_TARGET_S = 5.0
JSON_TARGET_S = 10.0

_SENTENCES = (
    "There is a small left pleural effusion", "There is no pneumothorax", "Heart size is normal",
    "There is mild pulmonary edema", "There is bibasilar atelectasis", "There is a right lower lobe opacity",
    "The endotracheal tube terminates 4 cm above the carina", "There is mild cardiomegaly",
    "There is no focal consolidation", "There is a nasogastric tube in the stomach",
)  # fmt: skip
_FINDINGS = (
    "PA and lateral views of the chest provided. There is no focal consolidation, effusion, or pneumothorax. "
    "The cardiomediastinal silhouette is normal. Imaged osseous structures are intact. No free air below the "
    "right hemidiaphragm is seen."
)
_IMPRESSION = "No acute intrathoracic process."


def padchest_csv() -> Path | None:
    """The PadChest CSV of the torchxrayvision wheel, or None when torchxrayvision is missing."""
    try:
        import torchxrayvision
    except ImportError:
        return None
    p = Path(os.path.dirname(torchxrayvision.__file__)) / "data" / PADCHEST_CSV
    return p if p.is_file() else None


def write_radzero_json(path: Path, n: int, seed: int = 0) -> None:
    """``n`` records in the authors' layout: unique hex dicom_ids, 2-4 key phrases, MIMIC-like splits/views."""
    rng = np.random.default_rng(seed)
    ids = rng.choice(16**12, size=n, replace=False)
    splits = rng.choice(["train", "validate", "test"], size=n, p=[0.98, 0.01, 0.01])
    views = rng.choice(["PA", "AP", "LATERAL", "LL"], size=n, p=[0.3, 0.4, 0.25, 0.05])
    n_phrases = rng.integers(2, 5, size=n)
    picks = rng.integers(0, len(_SENTENCES), size=(n, 4))
    records = [
        {
            "dicom_id": f"{int(ids[i]):012x}-{i:08x}.jpg",
            "study_id": 50000000 + i // 2,
            "subject_id": 10000000 + i // 5,
            "view_position": str(views[i]),
            "split": str(splits[i]),
            "findings": _FINDINGS,
            "impression": _IMPRESSION,
            "key_phrases": [_SENTENCES[k] for k in picks[i, : n_phrases[i]]],
        }
        for i in range(n)
    ]
    with open(path, "w", encoding="utf-8") as f:
        json.dump(records, f)


def _time(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=370_000, help="records in the generated JSON")
    ap.add_argument("--repeat", type=int, default=1, help="runs per reader (best is reported)")
    ap.add_argument("--require-padchest", action="store_true", help="fail when the PadChest CSV is missing")
    args = ap.parse_args(argv)
    over = False

    csv = padchest_csv()
    if csv is None:
        print(f"read_padchest: SKIPPED ({PADCHEST_CSV} not found: torchxrayvision not installed)")
        if args.require_padchest:
            return 2
    else:
        secs, out = _time(lambda: read_padchest(csv, "/nonexistent", check_images=False), args.repeat)
        ok = secs < PADCHEST_TARGET_S
        over |= not ok
        print(f"read_padchest: {secs:.2f} s for {len(out)} Physician images "
              f"(target < {PADCHEST_TARGET_S:.0f} s) {'OK' if ok else 'OVER TARGET'}")  # fmt: skip

    with tempfile.TemporaryDirectory(prefix="bench_readers_") as tmp:
        path = Path(tmp) / "radzero_mimic.json"
        t0 = time.perf_counter()
        write_radzero_json(path, args.records)
        print(f"(generated {args.records} records, {path.stat().st_size / 2**20:.0f} MiB, "
              f"in {time.perf_counter() - t0:.1f} s)")  # fmt: skip
        secs, out = _time(
            lambda: read_radzero_json(path, Path(tmp) / "images", split=None, check_images=False), args.repeat
        )
        ok = secs < JSON_TARGET_S
        over |= not ok
        print(f"read_radzero_json: {secs:.2f} s for {len(out)} of {args.records} records "
              f"(target < {JSON_TARGET_S:.0f} s) {'OK' if ok else 'OVER TARGET'}")  # fmt: skip
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
