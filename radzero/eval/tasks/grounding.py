"""Zero-shot grounding: pointing game, mIoU and CNR (MS-CXR) / per-class pointing game (ChestX-Det10).

Maps are cosine maps on the ORIGINAL image (``map_to_original``: one bilinear step from the patch
grid through the recorded resize / pad / crop; unseen pixels NaN and ignored). A
pointing-game hit counts when the argmax pixel lies in ANY box of the phrase; the authors' MS-CXR
code uses only the first box: that value is always in ``authors_protocol`` and, when it differs
from the any-box value, also a separate headline metric ``pointing_game_first_box``.

Dataset config keys (``benchmark.grounding.<name>``):

- ``samples``: reader config returning GroundingSamples (one per phrase / class with all its boxes);
- ``prompt``: "phrase" (the sample's text, MS-CXR) or "template" (``prompt_template`` filled with
  the class name, ChestX-Det10);
  or "json" (``prompts_json``: the authors' prompts file, class k <-> key "k" of ``classes``);
- ``per_class``: true -> headline = pointing game per class, then mean over classes;
- ``geometry``: overrides the run's geometry.

Bootstrap: phrases resampled with replacement (per-class means recomputed in each resample).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from radzero.data.io import load_image
from radzero.data.readers.release import read_prompt_json
from radzero.eval.context import EvalContext
from radzero.eval.figures import overlay_grid, overlay_rgb, overlay_tile
from radzero.eval.metrics import (
    argmax_pixel,
    bootstrap_ci,
    contrast_to_noise_ratio,
    miou_over_thresholds,
    pointing_game_hit,
)
from radzero.eval.phrase_maps import PhraseMap, phrase_maps
from radzero.eval.prompts import default_name
from radzero.eval.results import headline, undefined_metric, write_csv
from radzero.eval.samples import load_classes, load_samples

logger = logging.getLogger(__name__)

__all__ = [
    "GroundingSet", "class_mean", "evaluate_grounding", "grounding_rows", "load_grounding_set", "phrase_metrics",
    "pointing_game",
]

CSV_COLUMNS = ["image_id", "phrase", "category", "prompt", "n_boxes", "hit", "hit_first_box", "miou", "cnr",
               "argmax_row", "argmax_col", "logit"]


def phrase_metrics(cosine_map: np.ndarray, boxes) -> dict[str, Any]:
    """Pointing game (all boxes / first box), mIoU over 0.1..0.5, CNR and the argmax pixel of one phrase."""
    row, col = argmax_pixel(cosine_map)
    return {
        "hit": pointing_game_hit(cosine_map, boxes),
        "hit_first_box": pointing_game_hit(cosine_map, list(boxes)[:1]),
        "miou": miou_over_thresholds(cosine_map, boxes),
        "cnr": contrast_to_noise_ratio(cosine_map, boxes),
        "argmax_row": row,
        "argmax_col": col,
    }


def class_mean(hits: np.ndarray, codes: np.ndarray) -> float:
    """Mean over the classes present of each class's mean hit rate."""
    counts = np.bincount(codes)
    present = counts > 0
    return float((np.bincount(codes, weights=hits)[present] / counts[present]).mean())


def _first_images(samples: list[Any], max_images: int | None) -> list[Any]:
    if not max_images:
        return samples
    keep = list(dict.fromkeys(s.image_id for s in samples))[:max_images]
    chosen = set(keep)
    return [s for s in samples if s.image_id in chosen]


@dataclass
class GroundingSet:
    """One grounding dataset ready to map: its phrase samples and the prompt of each."""

    name: str
    where: str
    spec: dict[str, Any]
    samples: list[Any]
    prompts: list[str]
    per_class: bool  # pointing game as the mean over classes (ChestX-Det10)


def load_grounding_set(ctx: EvalContext, name: str, spec: dict[str, Any]) -> GroundingSet:
    """Read a dataset's phrases (all phrases of its first ``ctx.max_images`` images) and their prompts."""
    where = f"grounding/{name}"
    samples = _first_images(load_samples(spec.get("samples"), where), ctx.max_images)
    mode = spec.get("prompt", "phrase")
    if mode == "phrase":
        prompts = [s.phrase for s in samples]
    elif mode == "template":
        template = spec.get("prompt_template", ctx.prompt_template)
        prompts = [template.format(default_name(s.category)) for s in samples]
    elif mode == "json":  # the authors' prompts file, class k <-> key "k" of ``classes``; first prompt of each
        classes = load_classes(spec.get("classes"), [], where)
        by_class = read_prompt_json(spec.get("prompts_json"), classes, first_only=True)
        unknown = sorted({s.category for s in samples} - set(by_class))
        if unknown:
            raise ValueError(f"{where}: categories {unknown} are not among the prompt classes {classes}")
        prompts = [by_class[s.category][0] for s in samples]
    else:
        raise ValueError(f"{where}: prompt must be 'phrase', 'template' or 'json', got {mode!r}")
    empty = [s.image_id for s, p in zip(samples, prompts) if not str(p).strip()]
    if empty:
        raise ValueError(f"{where}: empty phrase for image(s) {empty[:3]}")
    return GroundingSet(name, where, spec, samples, prompts, bool(spec.get("per_class", False)))


def grounding_rows(
    ctx: EvalContext, dataset: GroundingSet, loader: Iterable[dict[str, Any]] | None = None
) -> Iterator[tuple[PhraseMap, dict[str, Any]]]:
    """(phrase map, per-phrase metrics row) of every phrase; ``loader``: batches of the dataset's images."""
    maps = phrase_maps(ctx.net, dataset.samples, dataset.prompts, ctx.device, ctx.geometry_for(dataset.spec),
                       ctx.batch_size, ctx.num_workers, precision=ctx.precision,
                       minmax_8bit=ctx.minmax_for(dataset.spec), loader=loader, dicom_scaling=ctx.dicom_scaling)
    for item in maps:
        sample, prompt = item.sample, dataset.prompts[item.index]
        if not sample.boxes:
            raise ValueError(f"{dataset.where}: phrase {sample.phrase!r} of image {sample.image_id!r} has no box")
        yield item, {"image_id": sample.image_id, "phrase": sample.phrase, "category": sample.category,
                     "prompt": prompt, "n_boxes": len(sample.boxes), "logit": item.logit,
                     **phrase_metrics(item.cosine_map, sample.boxes)}


def pointing_game(rows: list[dict[str, Any]], per_class: bool) -> float:
    """The reported pointing game: hit rate over phrases, or (``per_class``) the mean of per-class rates."""
    hits = np.array([r["hit"] for r in rows], dtype=np.float64)
    if not per_class:
        return float(hits.mean())
    classes = sorted({r["category"] for r in rows})
    return class_mean(hits, np.array([classes.index(r["category"]) for r in rows]))


def evaluate_grounding(ctx: EvalContext, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Run one grounding dataset; writes its per-phrase CSV and overlay grid; returns its results entry."""
    started = time.perf_counter()
    dataset = load_grounding_set(ctx, name, spec)
    rows: list[dict[str, Any]] = []
    tiles: list[np.ndarray] = []
    for item, row in grounding_rows(ctx, dataset):
        rows.append(row)
        if len(tiles) < ctx.overlays:
            rgb = overlay_rgb(load_image(item.sample.image_path), item.cosine_map, item.sample.boxes)
            tiles.append(overlay_tile(rgb, f"{'+' if row['hit'] else '-'} {item.sample.phrase}"))
    where = dataset.where
    entry = _summarise(rows, bool(spec.get("per_class", False)), ctx)
    csv_path = write_csv(ctx.path("predictions", "grounding", f"{name}.csv"), rows, CSV_COLUMNS)
    grid = overlay_grid(ctx.path("figures", "grounding", f"{name}_overlays.png"), tiles,
                        legend="+ pointing-game hit (map maximum inside a box), - miss; green: ground-truth boxes")
    seconds = time.perf_counter() - started
    n_images = len({r["image_id"] for r in rows})
    entry["files"] = {"predictions": ctx.relative(csv_path), **({"overlays": ctx.relative(grid)} if grid else {})}
    entry["timing"] = {"seconds": round(seconds, 2), "images_per_second": round(n_images / max(seconds, 1e-9), 2)}
    logger.info("%s: %d phrases on %d images, %.1f s", where, len(rows), n_images, seconds)
    return entry


def _summarise(rows: list[dict[str, Any]], per_class: bool, ctx: EvalContext) -> dict[str, Any]:
    hits = np.array([r["hit"] for r in rows], dtype=np.float64)
    first = np.array([r["hit_first_box"] for r in rows], dtype=np.float64)
    n = len(rows)
    boot = {"n_resamples": ctx.n_bootstrap, "seed": ctx.seed}
    metrics: dict[str, Any] = {}
    counts: dict[str, Any] = {"n_phrases": n, "n_images": len({r["image_id"] for r in rows}),
                              "n_multi_box_phrases": sum(r["n_boxes"] > 1 for r in rows),
                              "n_first_box_differs": int((hits != first).sum())}
    entry: dict[str, Any] = {"metrics": metrics, "counts": counts}
    if per_class:
        classes = sorted({r["category"] for r in rows})
        codes = np.array([classes.index(r["category"]) for r in rows])
        metrics["pointing_game"] = headline(pointing_game(rows, True), bootstrap_ci((hits, codes), class_mean, **boot),
                                            n, label="mean over classes")
        entry["per_class"] = {"pointing_game": {c: float(hits[codes == k].mean()) for k, c in enumerate(classes)},
                              "n_phrases": {c: int((codes == k).sum()) for k, c in enumerate(classes)}}
        return entry
    metrics["pointing_game"] = headline(pointing_game(rows, False), bootstrap_ci(hits, **boot), n, label="any box")
    entry["authors_protocol"] = {"pointing_game_first_box": float(first.mean()),
                                 "differs": bool(counts["n_first_box_differs"])}
    if counts["n_first_box_differs"]:  # a separate labelled headline only when the protocols disagree
        metrics["pointing_game_first_box"] = headline(first.mean(), bootstrap_ci(first, **boot), n,
                                                      label="first box only, authors' code")
    miou = np.array([r["miou"] for r in rows], dtype=np.float64)
    metrics["miou"] = headline(miou.mean(), bootstrap_ci(miou, **boot), n, label="thresholds 0.1-0.5")
    cnr = np.array([r["cnr"] for r in rows], dtype=np.float64)
    finite = cnr[np.isfinite(cnr)]
    counts["n_cnr_undefined"] = int(n - finite.size)
    metrics["cnr"] = (headline(finite.mean(), bootstrap_ci(finite, **boot), finite.size) if finite.size
                      else undefined_metric("no phrase with pixels both inside and outside its boxes", 0))
    return entry
