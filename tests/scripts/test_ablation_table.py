"""scripts/ablation_table.py on a fake sweep: mean / std against numpy, blank cells, the chart, bad files."""

from __future__ import annotations

import csv
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "ablation_table.py"
RUNGS = ["radzero", "clip", "vlcabs"]  # written out of ladder order on purpose
SEEDS = [0, 1, 2]


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("ablation_table", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _metric(value):
    return {"value": value, "ci95": [None, None], "n": 10}


def _results(rng: np.random.Generator, with_segmentation: bool = True) -> dict:
    """A results.json in radzero.eval's layout (radzero/eval/results.py) with random values."""
    results = {
        "meta": {"status": "complete", "benchmark": "phantom"},
        "classification": {
            "chexpert_test": {"metrics": {"macro_auroc": _metric(rng.random()), "micro_auprc": _metric(rng.random())}},
            "siim": {"metrics": {"macro_auroc": _metric(rng.random())}},
            "chexpert_5x200": {"metrics": {"top1_accuracy": _metric(rng.random()),
                                           "macro_auroc": _metric(rng.random())}},
        },
        "grounding": {
            "ms_cxr": {"metrics": {"pointing_game": _metric(rng.random()), "miou": _metric(rng.random()),
                                   "cnr": _metric(rng.random() * 3), "pointing_game_first_box": _metric(None)}},
            "chestxdet10": {"metrics": {"pointing_game": _metric(rng.random())}},
        },
    }
    if with_segmentation:
        results["segmentation"] = {"siim": {"metrics": {"dice": _metric(rng.random())}},
                                   "rsna": {"metrics": {"dice": _metric(rng.random())}}}
    return results


def _run(root: Path, name: str, config: dict, results: dict | str | None) -> Path:
    run = root / name
    (run / "snapshot").mkdir(parents=True)
    (run / "snapshot" / "config.yaml").write_text(yaml.safe_dump(config))
    if results is not None:
        (run / "eval").mkdir()
        text = results if isinstance(results, str) else json.dumps(results)
        (run / "eval" / "results.json").write_text(text)
    return run


@pytest.fixture
def sweep(tmp_path) -> tuple[Path, dict]:
    """3 rungs x 3 seeds; vlcabs seed 2 has no segmentation. -> (folder, {rung: [results]})."""
    rng = np.random.default_rng(0)
    written: dict[str, list[dict]] = {}
    number = 0
    for rung in RUNGS:
        for seed in SEEDS:
            results = _results(rng, with_segmentation=not (rung == "vlcabs" and seed == 2))
            _run(tmp_path / "sweep" / f"ablation_{rung}", str(number), {"ablation_rung": rung, "seed": seed,
                                                                         "task_name": f"ablation_{rung}"}, results)
            written.setdefault(rung, []).append(results)
            number += 1
    _run(tmp_path / "sweep", "other", {"task_name": "train", "seed": 0}, _results(rng))  # not an ablation run
    return tmp_path / "sweep", written


def _value(results: dict, key: str) -> float | None:
    task, dataset, metric = key.split("/")
    return (((results.get(task) or {}).get(dataset) or {}).get("metrics") or {}).get(metric, {}).get("value")


def test_mean_and_std_equal_numpy(script, sweep, tmp_path, capsys):
    folder, written = sweep
    assert script.main([str(folder), "--out", str(tmp_path / "out")]) == 0
    assert "not an experiment=ablation/* run" in capsys.readouterr().err
    rows = {(r["rung"], r["metric"]): r for r in csv.DictReader((tmp_path / "out" / "ablation.csv").open())}
    keys = [key for _, key in script.HEADLINE if key != script.MEAN_AUROC]
    keys.append("classification/chexpert_test/macro_auroc")
    for rung, results in written.items():
        for key in keys:
            values = np.array([v for v in (_value(r, key) for r in results) if v is not None])
            row = rows[(rung, key)]
            assert int(row["n"]) == len(values)
            assert float(row["mean"]) == pytest.approx(np.mean(values), abs=1e-12)
            assert float(row["std"]) == pytest.approx(np.std(values, ddof=1), abs=1e-12)
        # mean AUROC of a run: chexpert_test and siim (the 5x200 set is a top-1 set)
        per_run = [np.mean([_value(r, "classification/chexpert_test/macro_auroc"),
                            _value(r, "classification/siim/macro_auroc")]) for r in results]
        assert float(rows[(rung, script.MEAN_AUROC)]["mean"]) == pytest.approx(np.mean(per_run), abs=1e-12)
        assert float(rows[(rung, script.MEAN_AUROC)]["std"]) == pytest.approx(np.std(per_run, ddof=1), abs=1e-12)
        assert rows[(rung, script.MEAN_AUROC)]["seeds"] == "0 1 2"
    assert (tmp_path / "out" / "ablation.png").stat().st_size > 1000


def test_markdown_rows_in_ladder_order_with_marked_and_blank_cells(script, sweep, tmp_path):
    folder, written = sweep
    script.main([str(folder), "--out", str(tmp_path / "out")])
    text = (tmp_path / "out" / "ablation.md").read_text()
    lines = [line for line in text.splitlines() if line.startswith("| ") and "rung" not in line]
    assert [line.split(" | ")[0][2:].split(" ")[0] for line in lines[:3]] == ["clip", "vlcabs", "radzero"]
    vlcabs = next(line for line in lines if line.startswith("| vlcabs"))
    dice = [_value(r, "segmentation/siim/dice") for r in written["vlcabs"][:2]]
    assert f"{np.mean(dice):.3f} ± {np.std(dice, ddof=1):.3f} (n=2)" in vlcabs  # one seed lacks segmentation
    assert "| 3 |" in vlcabs and "CheXpert 5x200 acc" in text and "chexpert_test" in text


def test_a_metric_no_run_has_is_a_blank_cell(script, tmp_path):
    results = _results(np.random.default_rng(1), with_segmentation=False)
    del results["grounding"]["chestxdet10"]
    _run(tmp_path / "sweep", "0", {"ablation_rung": "clip", "seed": 0}, results)
    script.main([str(tmp_path / "sweep"), "--out", str(tmp_path / "out")])
    lines = (tmp_path / "out" / "ablation.md").read_text().splitlines()
    row = next(line for line in lines if line.startswith("| clip"))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[-3:] == ["", "", ""]  # ChestX-Det10 pointing, SIIM Dice, RSNA Dice
    assert cells[1] == "1" and cells[2].endswith("± 0.000")  # one seed: std 0


@pytest.mark.parametrize("content,match", [("{not json", "not a readable JSON"), ("[1, 2]", "JSON list"),
                                           ('{"grounding": {"ms_cxr": {"metrics": {"miou": {"value": "high"}}}}}',
                                            "is not a number")])
def test_a_bad_results_json_names_the_file(script, tmp_path, content, match):
    run = _run(tmp_path / "sweep", "0", {"ablation_rung": "clip", "seed": 0}, content)
    with pytest.raises(SystemExit, match=rf"{run / 'eval' / 'results.json'}.*{match}"):
        script.main([str(tmp_path / "sweep"), "--out", str(tmp_path / "out")])


def test_runs_without_results_are_named_and_nothing_usable_is_an_error(tmp_path):
    _run(tmp_path / "sweep", "0", {"ablation_rung": "clip", "seed": 0}, None)
    done = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path / "sweep"), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode != 0
    assert "no eval/results.json (rerun with --evaluate" in done.stderr and "no ablation run" in done.stderr


def test_eval_overrides_pass_the_runs_benchmark_and_phantom(script, tmp_path):
    config = {"benchmark": {"name": "phantom"}, "paths": {"data_dir": "/data"},
              "phantom": {"cache_dir": "/cache", "n_train": 24, "seed": 0, "root": "/cache/x", "n_validate": 8}}
    overrides = script.eval_overrides(config, tmp_path / "run", ["max_images=5", "phantom.seed=3"])
    assert overrides == [f"ckpt_path={tmp_path / 'run' / 'model'}", f"hydra.run.dir={tmp_path / 'run' / 'eval'}",
                         "benchmark=phantom", "paths.data_dir=/data", "phantom.cache_dir=/cache",
                         "phantom.n_train=24", "+phantom.n_validate=8", "max_images=5", "phantom.seed=3"]
