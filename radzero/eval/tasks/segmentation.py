"""Zero-shot segmentation (SIIM pneumothorax, RSNA pneumonia): Dice, specificity, pixel AUROC.

Probability map = sigmoid(S upsampled and undone to the ORIGINAL image), S = cos / tau of the
prompt (e.g. "There is pneumothorax"); pixels outside the network's view are NaN and ignored.
One global threshold from {0.00, ..., 1.00} is chosen to maximise the mean Dice over the
positive images of the VALIDATION split and applied to the test split (``dice``); the threshold
that maximises Dice on the test split itself (the authors' protocol, optimistic) is reported
separately as ``dice_oracle``. Specificity = fraction of negative test images with an empty
prediction. Everything streams through ``DiceAccumulator`` one image at a time: no map is kept.

Dataset config keys (``benchmark.segmentation.<name>``): ``prompt``; ``test.samples`` and
``validation.samples`` (reader configs returning SegmentationSamples; ``validation: null`` ->
only the oracle is reported); ``threshold``: "validation" (default) or "test" (the authors' protocol: the
headline ``dice`` / ``specificity`` at the test-chosen threshold, no validation split read); ``geometry``;
``minmax_8bit``; ``pixel_auroc_bins`` (bins over the cosine in [-1, 1]
for the pixel AUROC and its CI, default 2000; see ``radzero.eval.metrics.pixel_auroc``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import torch

from radzero.data.transforms.geometry import GeometryParams, map_to_original
from radzero.eval.context import EvalContext, limit
from radzero.eval.inference import (
    encode_prompts,
    eval_transform,
    image_loader,
    score_images,
)
from radzero.eval.metrics import (
    DiceAccumulator,
    PixelAUROCBootstrap,
    bootstrap_ci,
    select_threshold,
)
from radzero.eval.results import headline, undefined_metric, write_csv
from radzero.eval.samples import load_samples
from radzero.model import RadZero

logger = logging.getLogger(__name__)

__all__ = ["accumulate_maps", "accumulate_split", "evaluate_segmentation", "summarise_segmentation"]

THRESHOLD_RULES = ("validation", "test")  # how the one Dice threshold is chosen (module docstring)
CSV_COLUMNS = ["image_id", "positive", "gt_pixels", "max_prob", "dice", "dice_oracle", "empty_at_threshold",
               "empty_at_oracle_threshold"]


def accumulate_maps(
    samples: Sequence[Any],
    maps: Iterable[tuple[int, torch.Tensor, GeometryParams]],
    to_prob: Callable[[torch.Tensor], torch.Tensor],
    to_rank: Callable[[torch.Tensor], torch.Tensor] = lambda m: m,
    histograms: PixelAUROCBootstrap | None = None,
    image_rows: list[dict[str, Any]] | None = None,
) -> DiceAccumulator:
    """THE scoring path of segmentation, shared by zero-shot and fine-tuned models (``radzero.finetune``).

    ``maps``: (index into ``samples``, score map on the network's grid or input, its geometry); each goes to the
    ORIGINAL resolution (``map_to_original``, NaN = unseen), ``to_prob`` gives the probability map for Dice /
    specificity, ``to_rank`` a value in [-1, 1] ranked like it for the pixel-AUROC histograms; ``image_rows``
    receives one summary dict per image (id, positive, gt pixels, max probability).
    """
    accumulator = DiceAccumulator()  # the pixel AUROC comes from ``histograms``
    for index, score_map, geometry in maps:
        sample = samples[index]
        original = map_to_original(score_map, geometry)  # (H, W)
        prob = to_prob(original).numpy()  # NaN (unseen) stays NaN
        gt = sample.mask()  # (H, W) bool
        accumulator.update(prob, gt, key=sample.image_id)
        valid = ~np.isnan(prob)
        if histograms is not None:
            histograms.update(to_rank(original).numpy()[valid], gt[valid])
        if image_rows is not None:
            image_rows.append({"image_id": sample.image_id, "positive": bool(gt.any()),
                               "gt_pixels": int(gt.sum()), "max_prob": float(prob[valid].max())})
    return accumulator


def accumulate_split(
    net: RadZero,
    samples: Sequence[Any],
    text_features: torch.Tensor,
    device: torch.device,
    geometry: str = "resize",
    batch_size: int = 32,
    num_workers: int = 0,
    histograms: PixelAUROCBootstrap | None = None,
    image_rows: list[dict[str, Any]] | None = None,
    precision: str = "bf16",
    minmax_8bit: bool = False,
    dicom_scaling: str = "radzero",
) -> DiceAccumulator:
    """Zero-shot: every image's cosine map of the prompt through ``accumulate_maps`` (probability =
    sigmoid(cosine / tau); the pixel-AUROC histograms bin the cosine)."""
    loader = image_loader(samples, eval_transform(net, geometry, minmax_8bit=minmax_8bit), batch_size, num_workers,
                          dicom_scaling)
    tau = float(net.tau.detach())
    maps = ((index, batch.maps[row, 0], batch.geometry[row])
            for batch in score_images(net, text_features, loader, device, with_maps=True, precision=precision)
            for row, index in enumerate(batch.index.tolist()))
    return accumulate_maps(samples, maps, lambda cosines: torch.sigmoid(cosines / tau), histograms=histograms,
                           image_rows=image_rows)


def evaluate_segmentation(ctx: EvalContext, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Run one segmentation dataset (validation then test split); returns its results entry."""
    where = f"segmentation/{name}"
    started = time.perf_counter()
    prompt = str(spec.get("prompt") or "").strip()
    if not prompt:
        raise ValueError(f"{where}: no prompt configured (e.g. prompt: 'There is pneumothorax')")
    test_spec = spec.get("test") or {}
    test = limit(load_samples(test_spec.get("samples"), f"{where}/test"), ctx.max_images)
    rule = str(spec.get("threshold", "validation"))
    if rule not in THRESHOLD_RULES:
        raise ValueError(f"{where}: threshold must be one of {THRESHOLD_RULES}, got {rule!r}")
    val_spec = spec.get("validation") if rule == "validation" else None  # "test": no validation split is read
    validation = limit(load_samples(val_spec.get("samples"), f"{where}/validation"), ctx.max_images) if val_spec else []
    shared = {s.image_id for s in test} & {s.image_id for s in validation}
    if shared:
        raise ValueError(f"{where}: {len(shared)} image(s) are in both validation and test, e.g. {sorted(shared)[:3]}")
    features = encode_prompts(ctx.net, [prompt], ctx.device, ctx.precision)  # (1, D)
    geometry = ctx.geometry_for(spec)
    run = dict(device=ctx.device, geometry=geometry, batch_size=ctx.batch_size, num_workers=ctx.num_workers,
               precision=ctx.precision, minmax_8bit=ctx.minmax_for(spec), dicom_scaling=ctx.dicom_scaling)
    val_acc = accumulate_split(ctx.net, validation, features, **run) if validation else None
    histograms = PixelAUROCBootstrap(int(spec.get("pixel_auroc_bins", 2000)))
    rows: list[dict[str, Any]] = []
    test_acc = accumulate_split(ctx.net, test, features, **run, histograms=histograms, image_rows=rows)
    entry = summarise_segmentation(ctx, test_acc, val_acc, histograms, rows, rule)
    csv_path = write_csv(ctx.path("predictions", "segmentation", f"{name}.csv"), rows, CSV_COLUMNS)
    seconds = time.perf_counter() - started
    n_images = len(test) + len(validation)
    entry["prompt"] = prompt
    entry["files"] = {"predictions": ctx.relative(csv_path)}
    entry["timing"] = {"seconds": round(seconds, 2), "images_per_second": round(n_images / max(seconds, 1e-9), 2)}
    logger.info("%s: %d test + %d validation images, %.1f s", where, len(test), len(validation), seconds)
    return entry


def summarise_segmentation(
    ctx: EvalContext, test: DiceAccumulator, val: DiceAccumulator | None, histograms: PixelAUROCBootstrap,
    rows: list[dict[str, Any]], rule: str = "validation",
) -> dict[str, Any]:
    boot = {"n_resamples": ctx.n_bootstrap, "seed": ctx.seed}
    metrics: dict[str, Any] = {}
    counts = {"n_test_positive": test.n_positive, "n_test_negative": test.n_negative,
              "n_validation_positive": val.n_positive if val else 0,
              "n_validation_negative": val.n_negative if val else 0,
              "n_test_positive_unseen": test.n_positive_unseen}
    thresholds: dict[str, float | None] = {
        "validation": select_threshold(val) if val is not None and val.n_positive else None,
        "oracle": test.best_threshold() if test.n_positive else None,
    }
    labels = {"validation": "validation-chosen threshold", "oracle": "ORACLE: test-chosen threshold, optimistic"}
    suffixes = {"validation": "", "oracle": "_oracle"}
    if rule == "test":  # the authors' protocol: the headline Dice IS the test-chosen one
        labels = {"oracle": "test-chosen threshold (the authors' protocol), optimistic"}
        suffixes = {"oracle": ""}
    for key, label in labels.items():
        suffix = suffixes[key]
        thr = thresholds[key]
        if thr is None:
            reason = ("no validation split with a positive image: the threshold cannot be chosen"
                      if key == "validation" else "no positive test image: the oracle threshold is undefined")
            metrics[f"dice{suffix}"] = undefined_metric(reason, test.n_positive, label)
            metrics[f"specificity{suffix}"] = undefined_metric(reason, test.n_negative, label)
            continue
        label = f"{label} t={thr:.2f}"
        if test.n_positive:
            dice = test.per_image_dice_at(thr)  # (n_positive,)
            metrics[f"dice{suffix}"] = headline(dice.mean(), bootstrap_ci(dice, **boot), dice.size, label)
        else:
            metrics[f"dice{suffix}"] = undefined_metric("no positive test image", 0, label)
        if test.n_negative:
            empty = test.per_image_specificity_at(thr)  # (n_negative,) 1.0 = empty prediction
            metrics[f"specificity{suffix}"] = headline(empty.mean(), bootstrap_ci(empty, **boot), empty.size, label)
        else:
            metrics[f"specificity{suffix}"] = undefined_metric("no negative test image", 0, label)
        _fill_rows(rows, test, thr, "dice" + suffix, "empty_at_" + ("threshold" if not suffix else "oracle_threshold"))
    if rule == "test":
        thresholds.pop("validation")
    metrics["pixel_auroc"] = headline(histograms.value(), histograms.ci(**boot), test.n_positive + test.n_negative,
                                      label=f"all valid test pixels, cosines in {histograms.n_bins} bins")
    return {"metrics": metrics, "thresholds": thresholds, "counts": counts,
            "mean_dice_by_threshold": {"thresholds": test.thresholds.tolist(), "test": test.mean_dice().tolist(),
                                       **({"validation": val.mean_dice().tolist()} if val else {})}}


def _fill_rows(
    rows: list[dict[str, Any]], acc: DiceAccumulator, threshold: float, dice_key: str, empty_key: str
) -> None:
    """Per-image Dice (positives) and empty-prediction flag (negatives) at ``threshold``, by image id."""
    by_id = {r["image_id"]: r for r in rows}
    for key, value in zip(acc.positive_keys, acc.per_image_dice_at(threshold)):
        by_id[key][dice_key] = float(value)
    for key, value in zip(acc.negative_keys, acc.per_image_specificity_at(threshold)):
        by_id[key][empty_key] = bool(value)
