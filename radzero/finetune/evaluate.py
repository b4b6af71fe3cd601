"""Test metrics of a fine-tuned model and of the zero-shot model on the same split, through the evaluation's own
code (one path): segmentation via ``accumulate_maps`` + ``summarise_segmentation`` (threshold chosen on the
validation split), classification via ``auroc_summary``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import torch

from radzero.eval.context import EvalContext
from radzero.eval.inference import encode_prompts, eval_transform, image_loader
from radzero.eval.labels import label_table
from radzero.eval.metrics import PixelAUROCBootstrap
from radzero.eval.prompts import ClassPrompts, build_class_prompts
from radzero.eval.tasks.classification import auroc_summary
from radzero.eval.tasks.segmentation import accumulate_maps, accumulate_split, summarise_segmentation
from radzero.finetune.data import FinetuneData
from radzero.model.finetune import FinetuneModel

__all__ = ["evaluate_finetuned", "evaluate_zero_shot"]


@torch.no_grad()
def _head_maps(model: FinetuneModel, samples: list[Any], ctx: EvalContext) -> Iterator[tuple[int, torch.Tensor, Any]]:
    loader = image_loader(samples, eval_transform(model.net, ctx.geometry), ctx.batch_size, ctx.num_workers)
    for batch in loader:
        logits = model(batch["images"].to(ctx.device)).float().cpu()  # (B, 1, S, S)
        for row, index in enumerate(batch["index"].tolist()):
            yield index, logits[row, 0], batch["geometry"][row]


@torch.no_grad()
def _probe_scores(model: FinetuneModel, samples: list[Any], ctx: EvalContext) -> dict[str, np.ndarray]:
    loader = image_loader(samples, eval_transform(model.net, ctx.geometry), ctx.batch_size, ctx.num_workers)
    scores: dict[str, np.ndarray] = {}
    for batch in loader:
        logits = model(batch["images"].to(ctx.device)).float().cpu().numpy()  # (B, C)
        scores.update(zip(batch["image_ids"], logits))
    return scores


def _headlines(entry: dict[str, Any]) -> dict[str, Any]:
    return {"metrics": entry["metrics"], **{k: entry[k] for k in ("thresholds", "counts") if k in entry}}


def evaluate_finetuned(model: FinetuneModel, data: FinetuneData, ctx: EvalContext) -> dict[str, Any]:
    """The fine-tuned model's test metrics (segmentation: Dice / specificity at the validation-chosen threshold,
    pixel AUROC; classification: macro AUROC with CIs)."""
    model.eval()
    if data.task == "segmentation":
        prob, rank = torch.sigmoid, lambda logits: torch.tanh(logits / 2)  # tanh(x / 2) = 2 sigmoid(x) - 1
        val = accumulate_maps(data.validation, _head_maps(model, data.validation, ctx), prob, rank)
        histograms = PixelAUROCBootstrap(2000)
        rows: list[dict[str, Any]] = []
        test = accumulate_maps(data.test, _head_maps(model, data.test, ctx), prob, rank, histograms, rows)
        return _headlines(summarise_segmentation(ctx, test, val, histograms, rows, "validation"))
    labels = label_table(data.test, data.classes, missing="exclude", where=f"finetune/{data.name}/test")
    scores = _probe_scores(model, data.test, ctx)
    ids = list(labels)
    return auroc_summary(np.stack([labels[i] for i in ids]), np.stack([scores[i] for i in ids]), data.classes,
                         ctx.n_bootstrap, ctx.seed)


def evaluate_zero_shot(data: FinetuneData, ctx: EvalContext) -> dict[str, Any]:
    """The stage-1 model zero-shot on the same splits, with the same code (``ctx.net``)."""
    net = ctx.net.eval()
    if data.task == "segmentation":
        features = encode_prompts(net, [data.prompt], ctx.device, ctx.precision)  # (1, D)
        run = dict(device=ctx.device, geometry=ctx.geometry, batch_size=ctx.batch_size, num_workers=ctx.num_workers,
                   precision=ctx.precision)
        val = accumulate_split(net, data.validation, features, **run)
        histograms = PixelAUROCBootstrap(2000)
        rows: list[dict[str, Any]] = []
        test = accumulate_split(net, data.test, features, **run, histograms=histograms, image_rows=rows)
        return _headlines(summarise_segmentation(ctx, test, val, histograms, rows, "validation"))
    prompts = build_class_prompts(data.classes, ctx.prompt_template)
    encoded = ClassPrompts.encode(net, prompts, ctx.device, ctx.prompt_combine, ctx.precision)
    from radzero.eval.inference import score_images

    loader = image_loader(data.test, eval_transform(net, ctx.geometry), ctx.batch_size, ctx.num_workers)
    scores: dict[str, np.ndarray] = {}
    for batch in score_images(net, encoded.features, loader, ctx.device, precision=ctx.precision):
        scores.update(zip(batch.image_ids, encoded.class_scores(batch.logits).numpy()))
    labels = label_table(data.test, data.classes, missing="exclude", where=f"finetune/{data.name}/test")
    ids = list(labels)
    return auroc_summary(np.stack([labels[i] for i in ids]), np.stack([scores[i] for i in ids]), data.classes,
                         ctx.n_bootstrap, ctx.seed)
