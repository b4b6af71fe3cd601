"""Segmentation task: streamed Dice / specificity vs brute force, threshold choice, reported pixel AUROC
(the pixel-AUROC implementation itself: tests/eval/metrics/test_metrics_pixel_auroc.py)."""

from __future__ import annotations

import csv

import numpy as np
import pytest
import torch
from helpers.eval_helpers import tiny_model
from sklearn.metrics import roc_auc_score

from radzero.data.io import load_image
from radzero.data.readers import read_rsna, read_siim
from radzero.data.transforms.geometry import map_to_original
from radzero.eval.context import EvalContext
from radzero.eval.inference import eval_transform
from radzero.eval.tasks.segmentation import evaluate_segmentation

GRID = np.arange(101) / 100.0


def _brute_force_prob_maps(net, samples, prompt):
    """{image_id: (prob (H, W), gt (H, W))} by a plain forward pass per image."""
    transform = eval_transform(net, "resize")
    tokens = net.tokenize([prompt])
    out = {}
    for sample in samples:
        image, geometry = transform(load_image(sample.image_path))
        with torch.no_grad():
            features = net(image[None], tokens["input_ids"], tokens["attention_mask"])
            _, cosine_maps = net.similarity(features.text, features.tokens, features.grid)
            maps = cosine_maps / features.tau  # (1, 1, h, w) = cos / tau
        prob = 1.0 / (1.0 + np.exp(-map_to_original(maps[0, 0].numpy().astype(np.float64), geometry)))
        out[sample.image_id] = (prob, sample.mask())
    return out


def _dice(prob, gt, t):
    pred = prob > t
    return 2.0 * (pred & gt).sum() / (pred.sum() + gt.sum())


def test_dice_specificity_thresholds_match_brute_force(tmp_path, eval_phantom_root):
    root = eval_phantom_root / "rsna"
    spec = {
        "prompt": "There is pneumonia",
        "validation": {"samples": {"_target_": "radzero.data.readers.read_rsna", "csv_path": str(root / "validation.csv"),
                                   "image_root": str(root)}},
        "test": {"samples": {"_target_": "radzero.data.readers.read_rsna", "csv_path": str(root / "test.csv"),
                             "image_root": str(root)}},
    }
    net = tiny_model(seed=3)
    ctx = EvalContext(net=net, device=torch.device("cpu"), output_dir=tmp_path, batch_size=3, n_bootstrap=30)
    entry = evaluate_segmentation(ctx, "rsna", spec)

    val = _brute_force_prob_maps(net, read_rsna(root / "validation.csv", root), "There is pneumonia")
    test = _brute_force_prob_maps(net, read_rsna(root / "test.csv", root), "There is pneumonia")
    val_dice = [np.mean([_dice(p, g, t) for p, g in val.values() if g.any()]) for t in GRID]
    chosen = GRID[int(np.argmax(val_dice))]
    test_pos = [(p, g) for p, g in test.values() if g.any()]
    test_neg = [p for p, g in test.values() if not g.any()]
    test_dice = [np.mean([_dice(p, g, t) for p, g in test_pos]) for t in GRID]
    oracle = GRID[int(np.argmax(test_dice))]

    assert entry["thresholds"] == {"validation": pytest.approx(chosen), "oracle": pytest.approx(oracle)}
    metrics = entry["metrics"]
    assert metrics["dice"]["value"] == pytest.approx(np.mean([_dice(p, g, chosen) for p, g in test_pos]), abs=1e-6)
    assert metrics["dice_oracle"]["value"] == pytest.approx(max(test_dice), abs=1e-6)
    assert metrics["specificity"]["value"] == pytest.approx(np.mean([not (p > chosen).any() for p in test_neg]))
    pixels = np.concatenate([p.ravel() for p, _ in test.values()])
    truth = np.concatenate([g.ravel() for _, g in test.values()])
    assert metrics["pixel_auroc"]["value"] == pytest.approx(roc_auc_score(truth, pixels), abs=2e-3)
    for name in ("dice", "dice_oracle", "specificity", "pixel_auroc"):
        lo, hi = metrics[name]["ci95"]
        assert lo <= metrics[name]["value"] + 1e-3 and metrics[name]["value"] - 1e-3 <= hi, name
    with open(tmp_path / entry["files"]["predictions"]) as f:
        rows = {r["image_id"]: r for r in csv.DictReader(f)}
    assert set(rows) == set(test)
    for image_id, (p, g) in test.items():
        if g.any():
            assert float(rows[image_id]["dice"]) == pytest.approx(_dice(p, g, chosen), abs=1e-5)


def test_validation_test_overlap_and_missing_prompt_are_errors(tmp_path, eval_phantom_root):
    root = eval_phantom_root / "siim"
    samples = read_siim(root / "train-rle.csv", root / "dicom-images-train", ids_file=root / "splits/test.txt")
    ctx = EvalContext(net=tiny_model(), device=torch.device("cpu"), output_dir=tmp_path, n_bootstrap=10)
    with pytest.raises(ValueError, match="both validation and test"):
        evaluate_segmentation(ctx, "siim", {"prompt": "There is pneumothorax", "validation": {"samples": samples[:2]},
                                            "test": {"samples": samples}})
    with pytest.raises(ValueError, match="no prompt"):
        evaluate_segmentation(ctx, "siim", {"prompt": "", "test": {"samples": samples}})


def test_no_validation_split_reports_only_the_oracle(tmp_path, eval_phantom_root):
    root = eval_phantom_root / "siim"
    samples = read_siim(root / "train-rle.csv", root / "dicom-images-train", ids_file=root / "splits/test.txt")
    ctx = EvalContext(net=tiny_model(), device=torch.device("cpu"), output_dir=tmp_path, n_bootstrap=10)
    entry = evaluate_segmentation(ctx, "siim", {"prompt": "There is pneumothorax", "validation": None,
                                                "test": {"samples": samples}})
    assert entry["metrics"]["dice"]["value"] is None and "validation" in entry["metrics"]["dice"]["undefined"]
    assert entry["metrics"]["dice_oracle"]["value"] is not None
    assert "ORACLE" in entry["metrics"]["dice_oracle"]["label"]


def test_test_split_without_positives_keeps_specificity(tmp_path, eval_phantom_root):
    root = eval_phantom_root / "siim"
    samples = read_siim(root / "train-rle.csv", root / "dicom-images-train", ids_file=root / "splits/test.txt")
    positives = [s for s in samples if s.positive]
    negatives = [s for s in samples if not s.positive]
    assert positives and negatives
    ctx = EvalContext(net=tiny_model(), device=torch.device("cpu"), output_dir=tmp_path, n_bootstrap=10)
    entry = evaluate_segmentation(ctx, "siim", {"prompt": "There is pneumothorax", "validation": {"samples": positives},
                                                "test": {"samples": negatives}})
    metrics = entry["metrics"]
    assert metrics["dice"]["value"] is None and "no positive test image" in metrics["dice"]["undefined"]
    assert metrics["dice_oracle"]["value"] is None
    assert 0.0 <= metrics["specificity"]["value"] <= 1.0
    assert metrics["pixel_auroc"]["value"] is None  # no positive pixel at all
