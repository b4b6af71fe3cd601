"""A built wheel, installed (non-editable) into a new venv, runs every app from a folder outside the checkout.

The venv reuses this machine's dependencies (``--system-site-packages``: torch & co. are not downloaded
again) but gets radzero only from the wheel; the test checks that the wheel's copy is the one imported.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.eval_helpers import tiny_model
from training.conftest import TINY_MODEL, TINY_PHANTOM

REPO = Path(__file__).resolve().parents[1]


def _run(args: list[str], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, f"{' '.join(args[:3])} ...\n{done.stdout[-1500:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w",
          str(root / "dist"), str(REPO)], cwd=root)
    wheel = next((root / "dist").glob("radzero-*.whl"))
    _run([sys.executable, "-m", "venv", "--system-site-packages", str(root / "venv")], cwd=root)
    _run([str(root / "venv/bin/python"), "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)], cwd=root)
    return root / "venv"


@pytest.mark.slow
def test_wheel_runs_train_eval_extract_outside_the_checkout(venv, tmp_path):
    phantom_cache = tmp_path / "phantom_cache"
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    python, bin_dir = str(venv / "bin/python"), venv / "bin"
    where = _run([python, "-c", "import radzero; print(radzero.__file__, radzero.CONFIG_DIR.is_dir())"], outside)
    assert where.stdout.startswith(str(venv)) and where.stdout.strip().endswith("True"), where.stdout

    phantom = [f"phantom.cache_dir={phantom_cache}", *TINY_PHANTOM]
    for command in ([str(bin_dir / "radzero-train")], [python, "-m", "radzero.train"]):
        _run([*command, "debug=fdr", *phantom, *TINY_MODEL, "data.datamodule.num_workers=0", "data.datamodule.global_batch_size=4",
              "data.datamodule.persistent_workers=false", "callbacks.zero_shot.max_images=4",
              "callbacks.zero_shot.batch_size=4", f"paths.root_dir={outside}"], outside)

    model = outside / "model"
    tiny_model().save_pretrained(model)
    _run([str(bin_dir / "radzero-eval"), f"ckpt_path={model}", "task=classification", "datasets=[chexpert_test]",
          "max_images=4", "n_bootstrap=10", "num_workers=0", *phantom, f"paths.root_dir={outside}",
          f"paths.output_dir={outside / 'eval'}"], outside)
    results = json.loads((outside / "eval/results.json").read_text())
    assert results["meta"]["status"] == "complete"

    reports = outside / "reports"
    reports.mkdir()
    (reports / "r1.txt").write_text("FINDINGS: Small left pleural effusion. No pneumothorax.\n")
    _run([str(bin_dir / "radzero-extract"), f"input.path={reports}", f"output_dir={outside / 'extract'}"], outside)
    phrases = json.loads((outside / "extract/key_phrases.json").read_text())
    assert phrases and phrases[0]["key_phrases"]

    # the user's own configs next to the packaged ones (Hydra --config-dir)
    mine = outside / "my_configs" / "experiment"
    mine.mkdir(parents=True)
    (mine / "mine.yaml").write_text("# @package _global_\ntask_name: my_experiment\n")
    done = _run([str(bin_dir / "radzero-train"), "--config-dir", str(outside / "my_configs"), "experiment=mine",
                 "--cfg", "job"], outside)
    assert "task_name: my_experiment" in done.stdout
