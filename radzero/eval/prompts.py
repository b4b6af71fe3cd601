"""Class prompts for zero-shot classification: "There is <class>" and optional prompt ensembles.

Per class the prompts are, in order of precedence:

1. ``ensembles[class]``: a list of prompts (an ensemble);
2. ``template.format(names.get(class, default_name(class)))``: one prompt; ``default_name`` lower-cases
   the class and turns underscores into spaces ("Pleural_Thickening" -> "pleural thickening").

An ensemble is combined in one of two documented ways (``combine``):

- ``"features"`` (default): the mean of the prompts' layer-normed text features is the class
  feature (VL-CABS normalises it again), so one score per class is computed;
- ``"logits"``: every prompt is scored and the class score is the mean of its prompts' logits.

With one prompt per class both give the same scores.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from radzero.eval.inference import encode_prompts
from radzero.eval.settings import COMBINE_MODES
from radzero.model import RadZero
from radzero.utils.checks import RadZeroInputError

__all__ = ["ClassPrompts", "build_class_prompts", "default_name"]



def default_name(class_name: str) -> str:
    """The class as it is written in a prompt: lower case, underscores as spaces."""
    return " ".join(str(class_name).replace("_", " ").split()).lower()


def build_class_prompts(
    classes: Sequence[str],
    template: str = "There is {}",
    names: Mapping[str, str] | None = None,
    ensembles: Mapping[str, Sequence[str]] | None = None,
    where: str = "",
) -> dict[str, list[str]]:
    """{class: [prompt, ...]} in class order; raises on empty class lists or empty prompts."""
    where = f"{where}: " if where else ""
    if not classes:
        raise RadZeroInputError(f"{where}the class list is empty: nothing to prompt for")
    if "{}" not in template:
        raise RadZeroInputError(f"{where}prompt template {template!r} has no '{{}}' for the class name")
    names, ensembles = dict(names or {}), dict(ensembles or {})
    unknown = sorted((set(names) | set(ensembles)) - set(classes))
    if unknown:
        raise RadZeroInputError(
            f"{where}prompt names/ensembles given for unknown class(es) {unknown}; classes: {list(classes)}"
        )
    prompts: dict[str, list[str]] = {}
    for name in classes:
        if name in ensembles:
            chosen = [str(p) for p in ensembles[name]]
        else:
            chosen = [template.format(names.get(name, default_name(name)))]
        if not chosen or any(not p.strip() for p in chosen):
            raise RadZeroInputError(f"{where}class {name!r} has an empty prompt list or an empty prompt: {chosen!r}")
        prompts[name] = chosen
    return prompts


@dataclass
class ClassPrompts:
    """Encoded prompts of C classes: ``features`` (P, D) and how P prompt scores become C class scores."""

    classes: list[str]
    prompts: dict[str, list[str]]
    features: Tensor  # (P, D): P = C with "features", P = total prompts with "logits"
    owner: Tensor  # (P,) class index of each feature row
    combine: str

    @classmethod
    def encode(
        cls, net: RadZero, prompts: Mapping[str, Sequence[str]], device: torch.device, combine: str = "features",
        precision: str = "bf16",
    ) -> ClassPrompts:
        """Encode every prompt once; with ``combine="features"`` average them per class."""
        if combine not in COMBINE_MODES:
            raise RadZeroInputError(f"prompt combine must be one of {COMBINE_MODES}, got {combine!r}")
        classes = list(prompts)
        flat = [p for name in classes for p in prompts[name]]
        owner = torch.tensor([c for c, name in enumerate(classes) for _ in prompts[name]])
        features = encode_prompts(net, flat, device, precision)  # (P_total, D)
        if combine == "features":
            sums = torch.zeros(len(classes), features.shape[1], device=features.device, dtype=features.dtype)
            sums.index_add_(0, owner.to(features.device), features)
            counts = torch.bincount(owner, minlength=len(classes)).to(features)
            features = sums / counts[:, None]  # (C, D)
            owner = torch.arange(len(classes))
        return cls(classes, {k: list(v) for k, v in prompts.items()}, features, owner, combine)

    def class_scores(self, logits: Tensor) -> Tensor:
        """(B, P) prompt logits -> (B, C) class scores (mean over each class's prompts)."""
        if self.combine == "features":
            return logits
        n_classes = len(self.classes)
        sums = torch.zeros(logits.shape[0], n_classes, dtype=logits.dtype)
        sums.index_add_(1, self.owner, logits)
        return sums / torch.bincount(self.owner, minlength=n_classes).to(logits)[None, :]
