"""Grounding summaries: any-box vs first-box pointing game, per-class mean, hand-made maps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from radzero.eval.context import EvalContext
from radzero.eval.tasks.grounding import _summarise, class_mean, phrase_metrics


def _ctx(tmp_path: Path) -> EvalContext:
    return EvalContext(net=None, device=torch.device("cpu"), output_dir=tmp_path, n_bootstrap=100)  # type: ignore[arg-type]


def test_peak_in_the_second_box_hits_only_with_all_boxes():
    cosine = np.zeros((40, 60))
    cosine[30, 50] = 1.0  # peak inside the second box
    boxes = [(2.0, 2.0, 10.0, 10.0), (45.0, 25.0, 10.0, 10.0)]
    metrics = phrase_metrics(cosine, boxes)
    assert metrics["hit"] and not metrics["hit_first_box"]
    assert (metrics["argmax_row"], metrics["argmax_col"]) == (30, 50)


def test_nan_pixels_are_never_the_argmax():
    cosine = np.full((20, 20), 0.1)
    cosine[:, :5] = np.nan
    cosine[10, 12] = 0.5
    assert phrase_metrics(cosine, [(11.0, 9.0, 2.0, 2.0)])["hit"]


def test_class_mean_by_brute_force():
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 4, 50)
    hits = (rng.random(50) < 0.4).astype(float)
    expected = pd.DataFrame({"c": codes, "h": hits}).groupby("c")["h"].mean().mean()
    assert class_mean(hits, codes) == pytest.approx(expected)


def _rows(hits, first, categories):
    return [{"image_id": f"i{k}", "category": c, "hit": h, "hit_first_box": f, "n_boxes": 2, "miou": 0.1, "cnr": 1.0}
            for k, (h, f, c) in enumerate(zip(hits, first, categories))]


def test_first_box_metric_reported_only_when_it_differs(tmp_path):
    same = _summarise(_rows([1, 0, 1], [1, 0, 1], "aab"), False, _ctx(tmp_path))
    assert "pointing_game_first_box" not in same["metrics"]
    assert same["authors_protocol"] == {"pointing_game_first_box": pytest.approx(2 / 3), "differs": False}
    differ = _summarise(_rows([1, 1, 1], [1, 0, 1], "aab"), False, _ctx(tmp_path))
    assert differ["metrics"]["pointing_game_first_box"]["value"] == pytest.approx(2 / 3)
    assert differ["metrics"]["pointing_game"]["value"] == 1.0
    assert "authors" in differ["metrics"]["pointing_game_first_box"]["label"]


def test_per_class_summary(tmp_path):
    out = _summarise(_rows([1, 0, 1, 1], [1, 0, 1, 1], ["Mass", "Mass", "Nodule", "Effusion"]), True, _ctx(tmp_path))
    assert out["per_class"]["pointing_game"] == {"Effusion": 1.0, "Mass": 0.5, "Nodule": 1.0}
    assert out["metrics"]["pointing_game"]["value"] == pytest.approx((1.0 + 0.5 + 1.0) / 3)
    lo, hi = out["metrics"]["pointing_game"]["ci95"]
    assert 0.0 <= lo <= hi <= 1.0
