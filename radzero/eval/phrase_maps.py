"""Similarity maps of each image's own phrases at original resolution (grounding).

Prompts are encoded once per dataset (unique texts only); images are encoded in batches (bf16
autocast on CUDA) and each image is scored only against its own phrases, so the work grows with
the number of phrases, not phrases x images.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from radzero.data.samples import GroundingSample
from radzero.data.transforms.geometry import GeometryParams, map_to_original
from radzero.eval.inference import (
    encode_images,
    encode_prompts,
    eval_transform,
    image_loader,
)
from radzero.model import RadZero

__all__ = ["PhraseMap", "phrase_image_samples", "phrase_maps"]


@dataclass
class PhraseMap:
    """One phrase: its index and sample, cosine map (H, W) at original resolution (NaN = unseen), logit."""

    index: int
    sample: GroundingSample
    cosine_map: np.ndarray
    logit: float
    geometry: GeometryParams


def phrase_image_samples(samples: Sequence[GroundingSample]) -> list[GroundingSample]:
    """The first sample of each image, in order: the images ``phrase_maps`` encodes (once each)."""
    return list({sample.image_id: sample for sample in reversed(samples)}.values())[::-1]


@torch.no_grad()
def phrase_maps(
    net: RadZero,
    samples: Sequence[GroundingSample],
    prompts: Sequence[str],
    device: torch.device,
    geometry: str = "resize",
    batch_size: int = 32,
    num_workers: int = 0,
    precision: str = "bf16",
    minmax_8bit: bool = False,
    loader: Iterable[dict[str, Any]] | None = None,
    dicom_scaling: str = "radzero",
) -> Iterator[PhraseMap]:
    """Yield a PhraseMap for every sample (``prompts[i]`` is the text of ``samples[i]``), image by image.

    ``loader``: image batches of ``phrase_image_samples(samples)`` (e.g. decoded once and reused by the
    training-time validation); default: built here with the model's eval transform."""
    if len(prompts) != len(samples):
        raise ValueError(f"{len(prompts)} prompts for {len(samples)} grounding samples")
    texts = list(dict.fromkeys(prompts))
    text_index = {t: k for k, t in enumerate(texts)}
    features = encode_prompts(net, texts, device, precision)  # (U, D)
    by_image: dict[str, list[int]] = {}
    for i, sample in enumerate(samples):
        by_image.setdefault(sample.image_id, []).append(i)
    if loader is None:
        transform = eval_transform(net, geometry, minmax_8bit=minmax_8bit)
        loader = image_loader(phrase_image_samples(samples), transform, batch_size, num_workers, dicom_scaling)
    for batch in loader:
        tokens, grid = encode_images(net, batch["images"], device, precision)  # (B, L, D)
        for row, image_id in enumerate(batch["image_ids"]):
            members = by_image[image_id]
            rows = torch.tensor([text_index[prompts[i]] for i in members], device=features.device)
            logits, cosine_maps = net.similarity(features[rows], tokens[row : row + 1], grid)  # (k, 1), (1, k, h, w)
            params = batch["geometry"][row]
            originals = map_to_original(cosine_maps[0].float().cpu().numpy(), params)  # (k, H, W)
            for k, i in enumerate(members):
                yield PhraseMap(i, samples[i], originals[k], float(logits[k, 0]), params)
