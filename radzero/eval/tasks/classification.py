"""Zero-shot classification: macro AUROC over classes (+ 5-way top-1 accuracy for CheXpert 5x200).

Dataset config keys (``benchmark.classification.<name>``):

- ``samples``: reader config (``_target_``) returning ClassificationSamples;
- ``classes``: class names (default: every label key of the samples);
- ``classes`` may also be a reader config (``_target_``) returning the class list;
- ``prompts``: ``{template, names, ensembles, combine}`` (see ``prompts``), or ``{json: <the authors' prompts
  JSON>, first_only: bool}`` (class k <-> key "k"; ``first_only``: the first prompt of each list, as the
  authors' code; else the whole list is the class's ensemble);
- ``minmax_8bit``: overrides the run's (the authors' protocol stretches classification images);
- ``uncertain``: -1 labels -> "exclude" | "positive" | "negative"; ``missing``: "raise" | "exclude";
  ``absent``: "missing" | "negative" (readers that list only positives);
- ``top1``: true for a one-positive-per-image set (5x200): adds 5-way top-1 accuracy;
- ``subsets``: ``{name: {max_positive: k}}``: macro AUROC over the classes with 1..k positives
  (PadChest20: the rare classes of PadChest), from the same predictions;
- ``frequency_groups``: true adds head / medium / tail macro AUROC (the authors' groups for OpenI and
  PadChest: more positives than the 65th percentile of the classes' counts / 11..that / at most 10);
  every dataset also gets micro and macro AUPRC (``auprc`` entry, the authors' trapezoidal rule);
- ``geometry``: overrides the run's geometry.

The class score is the VL-CABS logit (a cosine; ``logit / tau`` ranks identically). Bootstrap:
images resampled with replacement, ``n_bootstrap`` times; per-class and macro intervals come from
the same resamples.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from radzero.data.readers.release import read_prompt_json
from radzero.eval.context import EvalContext, limit
from radzero.eval.figures import save_roc_png
from radzero.eval.inference import eval_transform, image_loader, score_images
from radzero.eval.labels import join_predictions, label_table
from radzero.eval.metrics import (
    bootstrap_auroc_resamples,
    bootstrap_ci,
    macro_auroc,
    percentile_interval,
    top1_correct,
)
from radzero.eval.metrics.auprc import auprc, frequency_groups
from radzero.eval.prompts import ClassPrompts, build_class_prompts
from radzero.eval.results import headline, undefined_metric, write_csv
from radzero.eval.samples import as_plain, load_classes, load_samples
from radzero.utils.checks import RadZeroInputError

logger = logging.getLogger(__name__)

__all__ = [
    "ClassificationSet", "auroc_summary", "evaluate_classification", "load_classification_set", "one_hot_labels",
    "predict_classification",
]


def one_hot_labels(samples: list[Any], classes: list[str], where: str) -> dict[str, np.ndarray]:
    """{image_id: one-hot (C,)} for sets with exactly one positive class per image (5x200)."""
    table: dict[str, np.ndarray] = {}
    for sample in samples:
        row = np.array([1.0 if sample.labels.get(c) == 1.0 else 0.0 for c in classes])
        if row.sum() != 1:
            raise RadZeroInputError(
                f"{where}: image {sample.image_id!r} has {int(row.sum())} positive classes among {classes}; "
                "top-1 accuracy needs exactly one"
            )
        if sample.image_id in table:
            raise RadZeroInputError(f"{where}: image {sample.image_id!r} appears twice")
        table[sample.image_id] = row
    return table


def auroc_summary(
    labels: np.ndarray, scores: np.ndarray, classes: list[str], n_bootstrap: int, seed: int,
    subsets: dict[str, dict[str, Any]] | None = None, groups: bool = False,
) -> dict[str, Any]:
    """Macro AUROC with its CI, per-class AUROC with CIs, micro / macro AUPRC, counts and undefined classes
    (+ subsets; + head / medium / tail macro AUROC with ``groups``, the authors' frequency groups)."""
    summary = macro_auroc(labels, scores, classes)
    defined = [c for c, name in enumerate(classes) if summary["per_class"][name] is not None]
    per_class_ci: dict[str, list[float] | None] = dict.fromkeys(classes)
    resamples = np.zeros((n_bootstrap, 0))
    if defined:
        resamples = bootstrap_auroc_resamples(labels[:, defined], scores[:, defined],
                                              n_resamples=n_bootstrap, seed=seed)  # (R, C_defined)
        for k, c in enumerate(defined):
            per_class_ci[classes[c]] = list(percentile_interval(resamples[:, k]))
    n_images = labels.shape[0]
    metrics: dict[str, Any] = {}
    if defined:
        metrics["macro_auroc"] = headline(summary["macro_auroc"], _macro_ci(resamples), n_images,
                                          label=f"{len(defined)} of {len(classes)} classes")
    else:
        metrics["macro_auroc"] = undefined_metric("no class has both positive and negative images", n_images)
    subset_classes: dict[str, list[str]] = {}

    def group_metric(name: str, chosen: set[str], what: str) -> None:
        """Macro AUROC (CI from the same resamples) over the defined classes in ``chosen``."""
        members = [k for k, c in enumerate(defined) if classes[c] in chosen]
        subset_classes[name] = [classes[defined[k]] for k in members]
        if members:
            value = float(np.mean([summary["per_class"][classes[defined[k]]] for k in members]))
            metrics[f"{name}_macro_auroc"] = headline(value, _macro_ci(resamples[:, members]), n_images,
                                                      label=f"{len(members)} classes {what}")
        else:
            metrics[f"{name}_macro_auroc"] = undefined_metric(f"no class {what}", n_images)

    for name, rule in (subsets or {}).items():
        top = int(rule["max_positive"])
        group_metric(name, {c for c in classes if summary["n_positive"][c] <= top}, f"with 1-{top} positives")
    if groups:
        for name, chosen in frequency_groups(summary["n_positive"]).items():
            group_metric(name, set(chosen), f"({name}: authors' frequency groups)")
    pr = auprc(labels, scores, classes)
    return {
        "metrics": metrics,
        "per_class": {"auroc": summary["per_class"], "auroc_ci95": per_class_ci, "auprc": pr["per_class"]},
        "auprc": {"macro": pr["macro_auprc"], "micro": pr["micro_auprc"],
                  "rule": "trapezoidal area under the PR curve, as the authors' evaluation"},
        "counts": {"n_images": n_images, "n_positive": summary["n_positive"], "n_negative": summary["n_negative"],
                   "n_classes_used": summary["n_classes_used"]},
        "undefined": summary["undefined"],
        **({"subsets": subset_classes} if subset_classes else {}),
    }


def _macro_ci(per_class_resamples: np.ndarray) -> tuple[float, float]:
    """Percentile interval of the per-resample mean over the classes defined in that resample."""
    defined = ~np.isnan(per_class_resamples)
    n_defined = defined.sum(axis=1)
    macro = np.full(per_class_resamples.shape[0], np.nan)
    np.divide(np.where(defined, per_class_resamples, 0.0).sum(axis=1), n_defined, out=macro, where=n_defined > 0)
    return percentile_interval(macro)


@dataclass
class ClassificationSet:
    """One classification dataset ready to score: samples, classes, label table by image id, prompts."""

    name: str
    where: str
    spec: dict[str, Any]
    samples: list[Any]
    classes: list[str]
    labels: dict[str, np.ndarray]  # image id -> (C,) labels (NaN = left out)
    prompts: dict[str, list[str]]
    prompt_cfg: dict[str, Any]
    top1: bool


def load_classification_set(ctx: EvalContext, name: str, spec: dict[str, Any]) -> ClassificationSet:
    """Read a dataset's samples (the first ``ctx.max_images``), its classes, labels and class prompts."""
    where = f"classification/{name}"
    samples = limit(load_samples(spec.get("samples"), where), ctx.max_images)
    classes = load_classes(spec.get("classes"), samples, where)
    top1 = bool(spec.get("top1", False))
    if top1:
        labels = one_hot_labels(samples, classes, where)
    else:
        labels = label_table(samples, classes, spec.get("uncertain", "exclude"), spec.get("missing", "raise"),
                             spec.get("absent", "missing"), where)
    prompt_cfg = as_plain(spec.get("prompts")) or {}
    ensembles = prompt_cfg.get("ensembles")
    if prompt_cfg.get("json"):  # the authors' prompts file: class k <-> key "k"
        if ensembles:
            raise RadZeroInputError(f"{where}: prompts has both 'json' and 'ensembles'; give one")
        ensembles = read_prompt_json(prompt_cfg["json"], classes, first_only=bool(prompt_cfg.get("first_only")))
    prompts = build_class_prompts(classes, prompt_cfg.get("template", ctx.prompt_template), prompt_cfg.get("names"),
                                  ensembles, where)
    return ClassificationSet(name, where, spec, samples, classes, labels, prompts, prompt_cfg, top1)


def predict_classification(
    ctx: EvalContext, dataset: ClassificationSet, loader: Iterable[dict[str, Any]] | None = None
) -> tuple[list[str], np.ndarray, np.ndarray, ClassPrompts]:
    """Class scores of every image joined onto the labels by image id: ids, labels (M, C), scores (M, C)
    and the encoded prompts. ``loader``: image batches of ``dataset.samples`` (default: built here)."""
    encoded = ClassPrompts.encode(ctx.net, dataset.prompts, ctx.device,
                                  dataset.prompt_cfg.get("combine", ctx.prompt_combine), ctx.precision)
    if loader is None:
        transform = eval_transform(ctx.net, ctx.geometry_for(dataset.spec), minmax_8bit=ctx.minmax_for(dataset.spec))
        loader = image_loader(dataset.samples, transform, ctx.batch_size, ctx.num_workers, ctx.dicom_scaling)
    predictions: dict[str, np.ndarray] = {}
    for batch in score_images(ctx.net, encoded.features, loader, ctx.device, precision=ctx.precision):
        for image_id, row in zip(batch.image_ids, encoded.class_scores(batch.logits).numpy()):
            predictions[image_id] = row  # (C,)
    ids, y, s = join_predictions(dataset.labels, predictions, dataset.where)
    return ids, y, s, encoded


def evaluate_classification(ctx: EvalContext, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Run one classification dataset; writes its prediction CSV and ROC PNG; returns its results entry."""
    started = time.perf_counter()
    dataset = load_classification_set(ctx, name, spec)
    where, classes, prompts, prompt_cfg = dataset.where, dataset.classes, dataset.prompts, dataset.prompt_cfg
    ids, y, s, encoded = predict_classification(ctx, dataset)
    entry = auroc_summary(y, s, classes, ctx.n_bootstrap, ctx.seed, as_plain(spec.get("subsets")),
                          groups=bool(spec.get("frequency_groups", False)))
    if dataset.top1:
        correct = top1_correct(s, y).astype(np.float64)
        ci = bootstrap_ci(correct, n_resamples=ctx.n_bootstrap, seed=ctx.seed)
        entry["metrics"] = {"top1_accuracy": headline(correct.mean(), ci, len(ids), label=f"{len(classes)}-way"),
                            **entry["metrics"]}
    csv_path = ctx.path("predictions", "classification", f"{name}.csv")
    columns = ["image_id", *[f"score:{c}" for c in classes], *[f"label:{c}" for c in classes]]
    rows = ({"image_id": i, **{f"score:{c}": s[k, j] for j, c in enumerate(classes)},
             **{f"label:{c}": y[k, j] for j, c in enumerate(classes)}} for k, i in enumerate(ids))
    write_csv(csv_path, rows, columns)
    roc = save_roc_png(ctx.path("figures", "roc", f"{name}.png"), y, s, classes, f"{name} (zero-shot)")
    seconds = time.perf_counter() - started
    template = prompt_cfg.get("template", ctx.prompt_template)
    entry["prompts"] = dict(prompts) if len(classes) <= 30 else {"template": template}
    entry["prompt_combine"] = encoded.combine
    entry["files"] = {"predictions": ctx.relative(csv_path), **({"roc": ctx.relative(roc)} if roc else {})}
    entry["timing"] = {"seconds": round(seconds, 2), "images_per_second": round(len(ids) / max(seconds, 1e-9), 2)}
    logger.info("%s: %d images, %d classes, %.1f s", where, len(ids), len(classes), seconds)
    return entry
