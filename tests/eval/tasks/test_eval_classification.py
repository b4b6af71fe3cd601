"""Classification task: AUROC summary vs sklearn / brute force, id join, undefined classes (prompts:
tests/eval/test_eval_prompts.py)."""

from __future__ import annotations

import csv
import re

import numpy as np
import pytest
import torch
from helpers.eval_helpers import tiny_model
from sklearn.metrics import roc_auc_score

from radzero.data.io import load_image
from radzero.data.readers import read_chexpert_test
from radzero.eval.context import EvalContext
from radzero.eval.inference import eval_transform
from radzero.eval.metrics import bootstrap_macro_auroc_ci
from radzero.eval.tasks.classification import auroc_summary, evaluate_classification
from radzero.utils.checks import RadZeroInputError

CLASSES = ["Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Pleural Effusion"]


def _labels_scores(n=60, c=4, seed=0):
    rng = np.random.default_rng(seed)
    y = (rng.random((n, c)) < 0.3).astype(float)
    y[rng.random((n, c)) < 0.1] = np.nan
    s = np.nan_to_num(y) * 0.5 + rng.normal(size=(n, c))
    return y, s


def test_auroc_summary_matches_sklearn_and_metric_library():
    y, s = _labels_scores()
    names = ["a", "b", "c", "d"]
    out = auroc_summary(y, s, names, n_bootstrap=200, seed=3)
    for k, name in enumerate(names):
        keep = ~np.isnan(y[:, k])
        assert out["per_class"]["auroc"][name] == pytest.approx(roc_auc_score(y[keep, k], s[keep, k]))
        lo, hi = out["per_class"]["auroc_ci95"][name]
        assert lo <= out["per_class"]["auroc"][name] <= hi
    expected_macro = np.mean([roc_auc_score(y[~np.isnan(y[:, k]), k], s[~np.isnan(y[:, k]), k]) for k in range(4)])
    assert out["metrics"]["macro_auroc"]["value"] == pytest.approx(expected_macro)
    assert out["metrics"]["macro_auroc"]["ci95"] == pytest.approx(
        list(bootstrap_macro_auroc_ci(y, s, n_resamples=200, seed=3)))


def test_class_without_positives_is_undefined_not_a_crash():
    y, s = _labels_scores()
    y[:, 1] = 0.0  # no positive
    out = auroc_summary(y, s, ["a", "b", "c", "d"], n_bootstrap=50, seed=0)
    assert out["per_class"]["auroc"]["b"] is None and out["per_class"]["auroc_ci95"]["b"] is None
    assert "0 positive" in out["undefined"]["b"]
    assert out["counts"]["n_classes_used"] == 3
    y[:] = 0.0
    out = auroc_summary(y, s, ["a", "b", "c", "d"], n_bootstrap=50, seed=0)
    assert out["metrics"]["macro_auroc"]["value"] is None
    assert out["metrics"]["macro_auroc"]["ci95"] == [None, None]
    assert "no class" in out["metrics"]["macro_auroc"]["undefined"]


def test_rare_class_subset_by_brute_force():
    rng = np.random.default_rng(1)
    n = 200
    y = np.zeros((n, 5))
    for k, n_pos in enumerate([3, 10, 11, 40, 0]):
        y[rng.choice(n, n_pos, replace=False), k] = 1
    s = rng.normal(size=(n, 5)) + y
    out = auroc_summary(y, s, list("abcde"), n_bootstrap=100, seed=0, subsets={"rare": {"max_positive": 10}})
    assert out["subsets"]["rare"] == ["a", "b"]
    assert out["metrics"]["rare_macro_auroc"]["value"] == pytest.approx(
        np.mean([roc_auc_score(y[:, k], s[:, k]) for k in (0, 1)]))


def test_head_medium_tail_groups_and_auprc_by_brute_force():
    rng = np.random.default_rng(2)
    n = 300
    counts = [2, 8, 15, 30, 60, 120, 0]
    y = np.zeros((n, len(counts)))
    for k, n_pos in enumerate(counts):
        y[rng.choice(n, n_pos, replace=False), k] = 1
    s = rng.normal(size=y.shape) + y
    names = list("abcdefg")
    out = auroc_summary(y, s, names, n_bootstrap=50, seed=0, groups=True)
    threshold = np.percentile(counts, 65)  # the authors' head cut over ALL classes' positive counts
    expected = {"head": [k for k, c in enumerate(counts) if c > threshold],
                "medium": [k for k, c in enumerate(counts) if 10 < c <= threshold],
                "tail": [k for k, c in enumerate(counts) if 0 < c <= 10]}  # g (no positive) is undefined
    for group, members in expected.items():
        assert out["subsets"][group] == [names[k] for k in members]
        assert out["metrics"][f"{group}_macro_auroc"]["value"] == pytest.approx(
            np.mean([roc_auc_score(y[:, k], s[:, k]) for k in members]))
    from sklearn.metrics import auc, precision_recall_curve

    def area(yc, sc):
        precision, recall, _ = precision_recall_curve(yc, sc)
        return auc(recall, precision)

    assert out["auprc"]["macro"] == pytest.approx(np.mean([area(y[:, k], s[:, k]) for k in range(6)]))
    assert out["auprc"]["micro"] == pytest.approx(area(y.ravel(), s.ravel()))


def test_scores_are_joined_by_image_id(tmp_path, eval_phantom_root):
    """Scores in the CSV equal a direct model forward of the image with that id, whatever the sample order."""
    samples = read_chexpert_test(eval_phantom_root / "chexpert/groundtruth.csv", eval_phantom_root / "chexpert")
    shuffled = list(reversed(samples))
    net = tiny_model()
    ctx = EvalContext(net=net, device=torch.device("cpu"), output_dir=tmp_path, batch_size=5, n_bootstrap=20)
    entry = evaluate_classification(ctx, "cx", {"samples": shuffled, "classes": CLASSES})
    with open(tmp_path / entry["files"]["predictions"]) as f:
        rows = {r["image_id"]: r for r in csv.DictReader(f)}
    assert set(rows) == {s.image_id for s in samples}
    transform = eval_transform(net, "resize")
    tokens = net.tokenize([f"There is {c.lower()}" for c in CLASSES])
    for sample in samples[:3]:
        image, _ = transform(load_image(sample.image_path))
        with torch.no_grad():
            features = net(image[None], tokens["input_ids"], tokens["attention_mask"])
            direct = net.logits(features.text, features.tokens)[:, 0]  # (C,)
        got = [float(rows[sample.image_id][f"score:{c}"]) for c in CLASSES]
        np.testing.assert_allclose(got, direct.numpy(), rtol=1e-4, atol=1e-5)
        labels = [float(rows[sample.image_id][f"label:{c}"]) for c in CLASSES]
        assert labels == [sample.labels[c] for c in CLASSES]
    assert (tmp_path / entry["files"]["roc"]).is_file()


def test_top1_accuracy_and_missing_label_error(tmp_path, eval_phantom_root):
    from radzero.data.readers import read_chexpert_5x200

    samples = read_chexpert_5x200(eval_phantom_root / "chexpert/chexpert_5x200.csv", eval_phantom_root / "chexpert")
    ctx = EvalContext(net=tiny_model(), device=torch.device("cpu"), output_dir=tmp_path, batch_size=8, n_bootstrap=20)
    entry = evaluate_classification(ctx, "5x200", {"samples": samples, "classes": CLASSES, "top1": True})
    with open(tmp_path / entry["files"]["predictions"]) as f:
        rows = list(csv.DictReader(f))
    brute = np.mean([max(CLASSES, key=lambda c: float(r[f"score:{c}"])) ==
                     next(c for c in CLASSES if float(r[f"label:{c}"]) == 1.0) for r in rows])
    assert entry["metrics"]["top1_accuracy"]["value"] == pytest.approx(brute)
    lo, hi = entry["metrics"]["top1_accuracy"]["ci95"]
    assert lo <= brute <= hi
    from dataclasses import replace

    broken = [replace(samples[0], labels={k: v for k, v in samples[0].labels.items() if k != "Edema"}), *samples[1:]]
    with pytest.raises(RadZeroInputError, match=re.escape(f"image {samples[0].image_id!r}") + ".*'Edema'"):
        evaluate_classification(ctx, "cx", {"samples": broken, "classes": CLASSES})
