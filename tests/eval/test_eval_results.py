"""results.json / Markdown / CSV writers: strict JSON, one table row per headline metric, ids kept."""

from __future__ import annotations

import csv
import json

import numpy as np

from radzero.eval.experiment_loggers import flat_metrics
from radzero.eval.results import (
    headline,
    json_safe,
    markdown_table,
    undefined_metric,
    write_csv,
    write_results,
)

RESULTS = {
    "meta": {"n_bootstrap": 1000},
    "classification": {"chexpert_test": {"metrics": {"macro_auroc": headline(np.float32(0.9), (0.85, 0.95), 500)}}},
    "segmentation": {"siim": {"metrics": {
        "dice": headline(0.2, (0.18, 0.22), 458, "validation-chosen threshold t=0.42"),
        "specificity": undefined_metric("no negative test image", 0)}}},
}


def test_results_json_is_strict_and_nan_becomes_null(tmp_path):
    path = write_results(tmp_path / "results.json", {**RESULTS, "x": {"nan": float("nan"), "arr": np.arange(3),
                                                                      "inf": np.float64("inf")}})
    loaded = json.loads(path.read_text(), parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    assert loaded["x"] == {"nan": None, "arr": [0, 1, 2], "inf": None}
    assert loaded["classification"]["chexpert_test"]["metrics"]["macro_auroc"]["ci95"] == [0.85, 0.95]
    assert json_safe(headline(float("nan"), (float("nan"), 1.0)))["value"] is None


def test_markdown_has_one_row_per_headline_metric():
    table = markdown_table(RESULTS)
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert len(rows) == 3
    assert "| classification | chexpert_test | macro_auroc | 0.900 | [0.850, 0.950] | 500 |" in rows
    assert "| segmentation | siim | specificity | undefined | – | 0 |" in rows


def test_flat_metrics_for_loggers():
    flat = flat_metrics(RESULTS)
    assert flat["segmentation/siim/dice"] == 0.2 and flat["segmentation/siim/dice/ci95_low"] == 0.18
    assert "segmentation/siim/specificity" not in flat


def test_csv_rows_keep_ids_and_blank_undefined(tmp_path):
    write_csv(tmp_path / "p.csv", [{"image_id": "a/b.jpg", "x": float("nan"), "ok": True}, {"image_id": "c", "x": 0.5}],
              ["image_id", "x", "ok"])
    with open(tmp_path / "p.csv") as f:
        rows = list(csv.DictReader(f))
    assert rows == [{"image_id": "a/b.jpg", "x": "", "ok": "1"}, {"image_id": "c", "x": "0.5", "ok": ""}]
