"""``python -m radzero.convert``: the authors' snapshot as a radzero folder that round-trips bitwise."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from helpers.authors_snapshot import build_authors_snapshot
from radzero import Predictor
from radzero.convert import ConvertError, convert
from radzero.model import RadZero

REPO = Path(__file__).resolve().parents[2]
TEXTS = ["There is left pleural effusion", "There is no pneumothorax"]


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory) -> Path:
    return build_authors_snapshot(tmp_path_factory.mktemp("authors") / "RadZero", seed=2)


def _cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "radzero.convert", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def test_cli_writes_a_folder_that_round_trips_bitwise(snapshot, tmp_path):
    out = tmp_path / "radzero_release"
    done = _cli([f"src={snapshot}", f"out={out}", f"hydra.run.dir={tmp_path / 'hydra'}"], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    written = {p.name for p in out.iterdir()}
    assert written == {"config.json", "model.safetensors", "tokenizer", "preprocessor_config.json"}
    original, converted = RadZero.from_pretrained(snapshot), RadZero.from_pretrained(out)
    assert converted.config == original.config
    a, b = original.state_dict(), converted.state_dict()
    assert set(a) == set(b) and all(torch.equal(a[k], b[k]) for k in a)
    assert converted.tokenize(TEXTS)["input_ids"].tolist() == original.tokenize(TEXTS)["input_ids"].tolist()
    assert converted.image_processor_config == json.loads((snapshot / "preprocessor_config.json").read_text())
    # the same predictions, bit for bit
    image = (np.random.default_rng(0).random((80, 60)) * 255).astype(np.uint8)
    p = Predictor(original, "cpu").predict(image, TEXTS)
    q = Predictor(converted, "cpu").predict(image, TEXTS)
    assert np.array_equal(p.probs, q.probs) and np.array_equal(p.prob_maps, q.prob_maps)
    # writing the converted model again gives the same bytes
    converted.save_pretrained(tmp_path / "again")
    assert (tmp_path / "again" / "model.safetensors").read_bytes() == (out / "model.safetensors").read_bytes()
    assert (tmp_path / "again" / "config.json").read_text() == (out / "config.json").read_text()
    assert not list(tmp_path.glob(".radzero_release.*"))  # no staging folder left behind


def test_an_existing_folder_is_never_touched(snapshot, tmp_path):
    out = tmp_path / "taken"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(ConvertError, match="already exists and is not an empty folder"):
        convert(snapshot, out)
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    convert(snapshot, tmp_path / "empty_is_fine")  # an empty folder may be reused


def test_cli_bad_source_exits_1_with_the_reason(tmp_path):
    (tmp_path / "src").mkdir()
    done = _cli([f"src={tmp_path / 'src'}", f"out={tmp_path / 'out'}", f"hydra.run.dir={tmp_path / 'hydra'}"], tmp_path)
    assert done.returncode == 1
    assert "config.json not found" in done.stderr + done.stdout
    assert not (tmp_path / "out").exists()
