"""Same seed -> byte-identical files whatever the worker count; ensure_phantom is idempotent and safe."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from radzero.data.phantom import cache as phantom_cache
from radzero.data.phantom import ensure_phantom, generate_phantom
from radzero.data.phantom import generate as phantom_generate
from radzero.data.phantom.manifest import manifest_matches, params_key
from radzero.data.phantom.params import normalize_params

SMALL = dict(n_validate=1, n_mscxr=2, n_chexpert_test=2, n_5x200_per_class=1, n_chestxdet10=2, n_siim=3, n_rsna=3,
             min_size=64, max_size=96, det_size=64, dicom_size=64, max_internal=64)


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_identical_any_workers(tmp_path: Path, phantom_root: Path, tiny_params):
    other = tmp_path / "again"
    generate_phantom(other, workers=2, **tiny_params)  # the fixture used workers=1
    a, b = tree_bytes(phantom_root), tree_bytes(other)
    assert sorted(a) == sorted(b)
    diff = [k for k in a if a[k] != b[k]]
    assert not diff, diff[:10]


def test_different_seed_differs(tmp_path: Path):
    generate_phantom(tmp_path / "s1", n_train=3, seed=1, workers=1, **SMALL)
    generate_phantom(tmp_path / "s2", n_train=3, seed=2, workers=1, **SMALL)
    a, b = tree_bytes(tmp_path / "s1"), tree_bytes(tmp_path / "s2")
    assert (tmp_path / "s1/radzero/radzero_mimic.json").read_bytes() != (tmp_path / "s2/radzero/radzero_mimic.json").read_bytes()
    assert set(a) != set(b)  # ids differ


def test_regenerating_into_a_phantom_root_replaces_it(tmp_path: Path):
    root = tmp_path / "r"
    generate_phantom(root, n_train=4, seed=0, workers=1, **SMALL)
    first = tree_bytes(root)
    generate_phantom(root, n_train=3, seed=0, workers=1, **SMALL)
    assert json.loads((root / "manifest.json").read_text())["params"]["n_train"] == 3
    generate_phantom(root, n_train=4, seed=0, workers=1, **SMALL)
    assert tree_bytes(root) == first  # no stale files survive


def test_ensure_phantom_idempotent(tmp_path: Path, monkeypatch):
    cache = tmp_path / "cache"
    root = ensure_phantom(cache, n_train=3, seed=0, workers=1, **SMALL)
    assert root.parent == cache and (root / "manifest.json").is_file()
    before = tree_bytes(root)

    def boom(*a, **k):
        raise AssertionError("must not regenerate")

    monkeypatch.setattr(phantom_cache, "generate_phantom", boom)
    assert ensure_phantom(cache, n_train=3, seed=0, workers=2, **SMALL) == root  # workers do not matter
    assert ensure_phantom(root, n_train=3, seed=0, **SMALL) == root  # pointing at the root itself
    assert tree_bytes(root) == before
    with pytest.raises(AssertionError, match="regenerate"):
        ensure_phantom(cache, n_train=3, seed=1, **SMALL)  # other params -> a new dataset
    assert [p.name for p in cache.iterdir()] == [root.name]  # the failed attempt left nothing behind


def test_interrupted_generation_is_not_complete(tmp_path: Path, monkeypatch):
    cache = tmp_path / "cache"
    params = normalize_params(3, 0, **SMALL)
    name = f"phantom-n3-s0-{params_key(params)}"
    # 1) a generation that dies half way: nothing that looks complete is left
    real = phantom_generate.run_all

    def dying(tasks, workers):
        real(tasks[: len(tasks) // 2], 1)
        raise KeyboardInterrupt

    monkeypatch.setattr(phantom_generate, "run_all", dying)
    with pytest.raises(KeyboardInterrupt):
        ensure_phantom(cache, n_train=3, seed=0, workers=1, **SMALL)
    assert not (cache / name).exists()
    assert list(cache.iterdir()) == []
    monkeypatch.setattr(phantom_generate, "run_all", real)
    # 2) leftovers of a killed process (temp dir of a dead pid) and a half-written target without manifest
    dead_pid = 2**22 + 12345
    stale = cache / f".{name}.tmp-{socket.gethostname()}-{dead_pid}-deadbeef"
    (stale / "mimic-cxr-jpg").mkdir(parents=True)
    (stale / "manifest.json").write_text(json.dumps({"complete": True}))  # even a bogus manifest
    (cache / name / "siim").mkdir(parents=True)
    root = ensure_phantom(cache, n_train=3, seed=0, workers=1, **SMALL)
    assert root == cache / name
    assert manifest_matches(root, params)
    assert not stale.exists()
    assert sorted(p.name for p in cache.iterdir()) == [name]
    # 3) a root whose manifest is missing is never reported complete
    (root / "manifest.json").unlink()
    assert not manifest_matches(root, params)


def test_cli(tmp_path: Path):
    out = tmp_path / "cli"
    args = [f"{k}={v}" for k, v in SMALL.items()]
    r = subprocess.run([sys.executable, "-m", "radzero.data.phantom", f"out_dir={out}", "n_train=2", "seed=5",
                        "workers=1", *args], capture_output=True, text=True, timeout=300,
                       env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])})
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["params"]["seed"] == 5 and summary["counts"]["mimic_studies"] == 2 + 1 + 2
    assert json.loads((out / "manifest.json").read_text())["params"]["n_train"] == 2
    bad = subprocess.run([sys.executable, "-m", "radzero.data.phantom", f"out_dir={tmp_path / 'x'}", "n_tran=3"],
                         capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])})
    assert bad.returncode != 0 and "n_tran" in bad.stderr


def test_unknown_parameter_rejected(tmp_path: Path):
    with pytest.raises(TypeError, match="n_tran"):
        generate_phantom(tmp_path / "x", n_tran=5)
    assert not (tmp_path / "x").exists()


def test_truth_masks_roundtrip(phantom_root: Path):
    masks = np.load(phantom_root / "truth/siim_masks.npz")
    truth = json.loads((phantom_root / "truth/siim.json").read_text())
    assert sorted(masks.files) == sorted(t["ImageId"] for t in truth)
    for t in truth:
        assert masks[t["ImageId"]].any() == t["positive"]


@pytest.mark.slow
def test_train_splits_for_finetuning_leave_the_evaluation_images_unchanged(tmp_path: Path):
    """n_siim_train / n_rsna_train add SIIM / RSNA "train" images after the evaluation ones, which stay byte-identical."""
    from radzero.data.readers import read_rsna, read_siim

    generate_phantom(tmp_path / "a", n_train=2, seed=0, workers=1, **SMALL)
    generate_phantom(tmp_path / "b", n_train=2, seed=0, workers=1, n_siim_train=4, n_rsna_train=5, **SMALL)
    a, b = tree_bytes(tmp_path / "a"), tree_bytes(tmp_path / "b")
    for name in ("siim/splits/test.txt", "siim/splits/validation.txt", "rsna/test.csv", "rsna/validation.csv"):
        assert a[name] == b[name], name
    assert "siim/splits/train.txt" not in a and "rsna/train.csv" not in a
    train = read_siim(tmp_path / "b/siim/train-rle.csv", tmp_path / "b/siim/dicom-images-train",
                      ids_file=tmp_path / "b/siim/splits/train.txt")
    test = read_siim(tmp_path / "b/siim/train-rle.csv", tmp_path / "b/siim/dicom-images-train",
                     ids_file=tmp_path / "b/siim/splits/test.txt")
    assert len(train) == 4 and not {s.image_id for s in train} & {s.image_id for s in test}
    assert len(read_rsna(tmp_path / "b/rsna/train.csv", tmp_path / "b/rsna")) == 5
    shared = [k for k in a if k.endswith(".dcm")]
    assert shared and all(a[k] == b[k] for k in shared)
