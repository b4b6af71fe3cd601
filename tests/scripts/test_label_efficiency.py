"""scripts/label_efficiency.py on a fake sweep: table numbers against numpy, the plot, skipped files, errors."""

from __future__ import annotations

import csv
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "label_efficiency.py"
FRACTIONS = [0.01, 0.1, 1.0]
SEEDS = [0, 1, 2]
TASKS = {"segmentation": ("siim", ["dice", "specificity", "pixel_auroc"]),
         "classification": ("rsna", ["macro_auroc"])}
ZERO_SHOT = {"dice": 0.12, "specificity": 0.8, "pixel_auroc": 0.7, "macro_auroc": 0.65}


def _load_script():
    spec = importlib.util.spec_from_file_location("label_efficiency", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def script():
    return _load_script()


def _write(path: Path, value: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value), encoding="utf-8")


@pytest.fixture()
def sweep(tmp_path: Path) -> tuple[Path, dict]:
    """3 seeds x 3 fractions x 2 tasks of metrics.json, plus files the script must skip."""
    rng = np.random.default_rng(0)
    truth: dict = {}
    root = tmp_path / "sweep"
    for task, (dataset, metrics) in TASKS.items():
        for fraction in FRACTIONS:
            for seed in SEEDS:
                test = {}
                for metric in metrics:
                    value = float(rng.uniform(0.3, 0.9))
                    truth.setdefault((task, dataset, metric, fraction), []).append(value)
                    test[metric] = {"value": value, "ci95": [value - 0.05, value + 0.05]}
                _write(root / task / f"frac{fraction}" / f"seed{seed}" / "metrics.json", {
                    "task": task, "dataset": dataset, "data_fraction": fraction, "seed": seed,
                    "subset": {"fraction": fraction, "seed": seed, "n_images": 10, "sha256": "0" * 64},
                    "test": test, "zero_shot": {m: {"value": ZERO_SHOT[m]} for m in metrics}})
    _write(root / "zero_shot_eval" / "metrics.json", {"siim": {"dice": 0.1}})  # an eval run: no task key
    (root / "broken").mkdir()
    (root / "broken" / "metrics.json").write_text("{not json", encoding="utf-8")
    return root, truth


def test_table_matches_numpy(script, sweep, tmp_path, capsys):
    root, truth = sweep
    out = tmp_path / "out"
    assert script.main([str(root), "--out", str(out)]) == 0
    with open(out / "label_efficiency.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(truth) == 12  # (3 + 1 metrics) x 3 fractions
    markdown = (out / "label_efficiency.md").read_text(encoding="utf-8")
    for row in rows:
        key = (row["task"], row["dataset"], row["metric"], float(row["fraction"]))
        values = np.array(truth[key])
        assert int(row["n_seeds"]) == 3
        assert float(row["mean"]) == pytest.approx(np.mean(values), abs=1e-12)
        assert float(row["std"]) == pytest.approx(np.std(values, ddof=1), abs=1e-12)
        assert float(row["zero_shot"]) == pytest.approx(ZERO_SHOT[row["metric"]])
        line = (f"| {key[0]} | {key[1]} | {key[2]} | {key[3]:g} | 3 | {np.mean(values):.4f} ± "
                f"{np.std(values, ddof=1):.4f} | {ZERO_SHOT[key[2]]:.4f} |")
        assert line in markdown
    err = capsys.readouterr().err
    assert "zero_shot_eval" in err and "no 'task'" in err
    assert "broken" in err and "unreadable JSON" in err


def test_plot_is_a_valid_png(script, sweep, tmp_path):
    from PIL import Image

    root, _ = sweep
    out = tmp_path / "out"
    script.main([str(root), "--out", str(out)])
    png = out / "label_efficiency.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(png) as image:
        image.verify()
    with Image.open(png) as image:
        assert image.size[0] > image.size[1] > 100  # two panels side by side
    assert not list(out.glob(".*tmp"))  # atomic writes leave no temp file


def test_single_seed_has_zero_std_and_no_zero_shot_is_a_dash(script, tmp_path):
    _write(tmp_path / "s" / "a" / "metrics.json", {"task": "classification", "dataset": "chexpert",
                                                  "data_fraction": 0.1, "seed": 0,
                                                  "test": {"macro_auroc": {"value": 0.8}}})
    script.main([str(tmp_path / "s"), "--out", str(tmp_path / "o")])
    with open(tmp_path / "o" / "label_efficiency.csv", newline="", encoding="utf-8") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["n_seeds"] == "1" and float(row["std"]) == 0.0 and row["zero_shot"] == ""
    assert "| 0.8000 ± 0.0000 | - |" in (tmp_path / "o" / "label_efficiency.md").read_text(encoding="utf-8")


def test_a_repeated_seed_is_skipped(script, sweep, tmp_path, capsys):
    root, truth = sweep
    copy = root / "zz_rerun" / "metrics.json"  # sorts after the original: the first path is kept
    original = json.loads((root / "classification" / "frac0.1" / "seed0" / "metrics.json").read_text())
    original["test"]["macro_auroc"]["value"] = 0.0
    _write(copy, original)
    script.main([str(root), "--out", str(tmp_path / "out")])
    assert "same task, dataset, fraction and seed" in capsys.readouterr().err
    with open(tmp_path / "out" / "label_efficiency.csv", newline="", encoding="utf-8") as handle:
        row = next(r for r in csv.DictReader(handle) if r["metric"] == "macro_auroc" and r["fraction"] == "0.1")
    assert row["n_seeds"] == "3"
    assert float(row["mean"]) == pytest.approx(np.mean(truth[("classification", "rsna", "macro_auroc", 0.1)]))


def test_empty_folder_is_a_clear_error(script, tmp_path):
    empty = tmp_path / "empty_sweep"
    empty.mkdir()
    with pytest.raises(SystemExit, match="no usable metrics.json.*empty_sweep"):
        script.main([str(empty), "--out", str(tmp_path / "out")])
    assert not (tmp_path / "out").exists()
    with pytest.raises(SystemExit, match="not a folder.*missing"):
        script.main([str(tmp_path / "missing"), "--out", str(tmp_path / "out")])


def test_command_line(tmp_path):
    done = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path), "--out", str(tmp_path / "o")],
                          check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "no usable metrics.json" in done.stderr
