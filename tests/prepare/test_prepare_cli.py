"""The app: determinism of the whole build, the manifest against hashes computed here, dataset selection,
manifest merging and the command line's exit status."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from radzero.prepare.__main__ import run, selected
from radzero.utils.errors import ConfigError

from .conftest import TXV_FILES, prepare_cfg, sorted_ids_sha256, txv_file

REPO = Path(__file__).resolve().parents[2]


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _split_ids(out: Path) -> dict[tuple[str, str], list[str]]:
    """The image ids of every (dataset, split), read back from the written files."""
    ids = {("siim", s): pd.read_csv(out / "SIIM" / f"{s}.csv", dtype=str)["ImageId"].unique().tolist()
           for s in ("train", "validation", "test")}
    ids["chexpert_5x200", "test"] = pd.read_csv(out / "Chexpert" / "chexpert_5x200.csv", dtype=str)["Path"].tolist()
    ids["padchest", "test"] = list(json.loads((out / "PadChest" / "manual_image.json").read_text()))
    return ids


@pytest.mark.slow
def test_two_runs_write_identical_files_and_the_manifest_hashes_hold(tmp_path):
    sources = [f"source.{name}={txv_file(name)}" for name in TXV_FILES]
    first = run(prepare_cfg("dataset=all", *sources, f"out_dir={tmp_path / 'a'}"))
    run(prepare_cfg("dataset=all", *sources, f"out_dir={tmp_path / 'b'}"))
    files_a, files_b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert list(files_a) == list(files_b) and files_a == files_b  # manifest.json included
    datasets = first["datasets"]
    for (name, split), ids in _split_ids(tmp_path / "a").items():
        assert datasets[name]["splits"][split]["images"] == len(ids)
        assert datasets[name]["splits"][split]["ids_sha256"] == sorted_ids_sha256(ids)
    for name, entry in datasets.items():
        assert entry["source"]["sha256"] == hashlib.sha256(txv_file(name).read_bytes()).hexdigest()
        assert entry["source"]["name"] == TXV_FILES[name]
        for rel, digest in entry["files"].items():
            assert hashlib.sha256(files_a[rel]).hexdigest() == digest
    assert first["radzero_version"] and datasets["siim"]["recipe"]["seed"] == 0
    print("\nimages per split:", {f"{n}/{s}": v["images"] for n, e in datasets.items() for s, v in e["splits"].items()})


def _tiny_sources(tmp_path: Path) -> tuple[Path, Path]:
    siim = tmp_path / "train-rle.csv"
    siim.write_text("ImageId, EncodedPixels\n" + "".join(f"1.{k},{' -1' if k % 2 else ' 3 4'}\n" for k in range(20)))
    padchest = tmp_path / "padchest.csv"
    pd.DataFrame({"ImageID": ["a.png"], "MethodLabel": ["Physician"], "Labels": ["['normal']"]}).to_csv(
        padchest, index=False)
    return siim, padchest


def test_manifest_keeps_the_other_datasets(tmp_path):
    siim, padchest = _tiny_sources(tmp_path)
    out = tmp_path / "out"
    run(prepare_cfg("dataset=siim", f"source.siim={siim}", f"out_dir={out}"))
    manifest = run(prepare_cfg("dataset=padchest", f"source.padchest={padchest}", f"out_dir={out}"))
    assert sorted(manifest["datasets"]) == ["padchest", "siim"]
    assert json.loads((out / "manifest.json").read_text()) == manifest
    assert manifest["datasets"]["siim"]["splits"]["train"]["images"] == 14
    assert not list(out.rglob(".*.tmp"))  # atomic writes leave no temp file behind


def test_dataset_selection_and_checks_before_work(tmp_path):
    assert selected("all") == ["siim", "chexpert_5x200", "padchest"]
    assert selected(["padchest", "siim"]) == ["siim", "padchest"]
    with pytest.raises(ConfigError, match="dataset='nih'"):
        selected("nih")
    siim, _ = _tiny_sources(tmp_path)
    out = tmp_path / "out"
    with pytest.raises(FileNotFoundError, match=r"source\.chexpert_5x200 is not set"):
        run(prepare_cfg("dataset=all", f"source.siim={siim}", f"out_dir={out}"))
    assert not (out / "SIIM").exists()  # nothing written: sources are checked first
    with pytest.raises(ConfigError, match="out_dir is not set"):
        run(prepare_cfg("dataset=siim", f"source.siim={siim}"))


def test_command_line_exits_1_naming_the_file(tmp_path):
    missing = tmp_path / "train-rle.csv"
    command = [sys.executable, "-m", "radzero.prepare", "dataset=siim", f"source.siim={missing}",
               f"out_dir={tmp_path / 'out'}"]
    done = subprocess.run(command, check=False, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert f"source.siim={missing}: file not found" in done.stdout + done.stderr
