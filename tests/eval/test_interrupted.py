"""An interrupted or failed evaluation says so in results.json (meta.status) and in its exit code."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers.eval_helpers import compose_eval, phantom_overrides, tiny_model
from radzero.eval import runner

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def phantom_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.getbasetemp() / "eval_phantom"


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("model")
    tiny_model(seed=2).save_pretrained(directory)
    return directory


def _stop_after_first(monkeypatch, exception):
    original = dict(runner.BENCHMARK_TASKS)
    calls = {"n": 0}

    def wrapped(task):
        def run(ctx, name, spec):
            calls["n"] += 1
            if calls["n"] == 2:
                raise exception
            return original[task](ctx, name, spec)

        return run

    monkeypatch.setattr(runner, "BENCHMARK_TASKS", {task: wrapped(task) for task in original})


def test_an_interrupted_run_marks_results_json_partial(tmp_path, phantom_cache, model_dir, monkeypatch):
    _stop_after_first(monkeypatch, KeyboardInterrupt("SIGINT"))
    cfg = compose_eval([f"ckpt_path={model_dir}", "task=classification", "datasets=[chexpert_test,siim]"],
                       tmp_path, phantom_cache)
    with pytest.raises(KeyboardInterrupt):
        runner.run_eval(cfg)
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["meta"]["status"] == "interrupted" and results["meta"]["stopped_by"] == "SIGINT"
    assert list(results["classification"]) == ["chexpert_test"]  # only what finished
    assert not (tmp_path / "results.md").exists()


def test_a_failed_run_marks_results_json_failed(tmp_path, phantom_cache, model_dir, monkeypatch):
    _stop_after_first(monkeypatch, FileNotFoundError("siim/train-rle.csv not found"))
    cfg = compose_eval([f"ckpt_path={model_dir}", "task=classification", "datasets=[chexpert_test,siim]"],
                       tmp_path, phantom_cache)
    with pytest.raises(FileNotFoundError):
        runner.run_eval(cfg)
    meta = json.loads((tmp_path / "results.json").read_text())["meta"]
    assert meta["status"] == "failed" and "train-rle.csv" in meta["stopped_by"]


def test_a_complete_run_says_complete(tmp_path, phantom_cache, model_dir):
    cfg = compose_eval([f"ckpt_path={model_dir}", "task=classification", "datasets=[chexpert_test]"], tmp_path,
                       phantom_cache)
    assert runner.run_eval(cfg)["meta"]["status"] == "complete"
    assert json.loads((tmp_path / "results.json").read_text())["meta"]["status"] == "complete"


@pytest.mark.slow
def test_sigterm_marks_the_file_and_exits_143(tmp_path, phantom_cache, model_dir):
    """The real command line, terminated (SLURM's scancel / preemption) while it evaluates."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    args = [sys.executable, "-m", "radzero.eval", f"ckpt_path={model_dir}", *phantom_overrides(phantom_cache),
            "num_workers=0", "n_bootstrap=2000", "task=[classification,segmentation]",
            f"paths.output_dir={tmp_path}", f"hydra.run.dir={tmp_path / 'hydra'}"]
    process = subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    results = tmp_path / "results.json"
    deadline = time.monotonic() + 300
    while not results.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)  # the first dataset is done
    assert process.poll() is None, "the evaluation ended before it could be interrupted"
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 143, output[-2000:]
    meta = json.loads(results.read_text())["meta"]
    assert meta["status"] == "interrupted" and "SIGTERM" in meta["stopped_by"]
