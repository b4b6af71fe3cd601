"""scripts/bench_eval.py end to end on a tiny phantom: it must keep up with the eval API it times."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_bench_eval_runs_and_reports_segmentation_and_classification(tmp_path: Path) -> None:
    report_path = tmp_path / "report.json"
    cmd = [sys.executable, str(REPO / "scripts" / "bench_eval.py"), "--n-siim", "6", "--dicom-size", "128",
           "--width", "32", "--depth", "1", "--batch-size", "3", "--workers", "0", "--rss-every", "3",
           "--cache", str(tmp_path / "cache"), "--json", str(report_path)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(report_path.read_text())
    seg, cls = report["segmentation"], report["classification"]
    assert seg["n_positive"] + seg["n_negative"] == 6
    assert 0.0 <= seg["pixel_auroc"] <= 1.0
    assert seg["images_per_second"] > 0 and cls["images_per_second"] > 0
    assert set(seg["rss_by_images_mib"]) == {"3", "6"}  # one RSS reading every 3 images
