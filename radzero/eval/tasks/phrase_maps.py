"""Similarity maps of each image's own phrases at original resolution (grounding).

Prompts are encoded once per dataset (unique texts only); images are encoded in batches (bf16
autocast on CUDA) and each image is scored only against its own phrases, so the work grows with
the number of phrases, not phrases x images.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from radzero.data.samples import GroundingSample
from radzero.data.transforms.geometry import GeometryParams, map_to_original
from radzero.eval.inference import encode_images, encode_prompts, eval_transform, image_loader
from radzero.model import RadZero

__all__ = ["PhraseMap", "phrase_maps"]


@dataclass
class PhraseMap:
    """One phrase: its index and sample, cosine map (H, W) at original resolution (NaN = unseen), logit."""

    index: int
    sample: GroundingSample
    cosine_map: np.ndarray
    logit: float
    geometry: GeometryParams


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
) -> Iterator[PhraseMap]:
    """Yield a PhraseMap for every sample (``prompts[i]`` is the text of ``samples[i]``), image by image."""
    if len(prompts) != len(samples):
        raise ValueError(f"{len(prompts)} prompts for {len(samples)} grounding samples")
    texts = list(dict.fromkeys(prompts))
    text_index = {t: k for k, t in enumerate(texts)}
    features = encode_prompts(net, texts, device, precision)  # (U, D)
    by_image: dict[str, list[int]] = {}
    for i, sample in enumerate(samples):
        by_image.setdefault(sample.image_id, []).append(i)
    images = [samples[members[0]] for members in by_image.values()]
    loader = image_loader(images, eval_transform(net, geometry, minmax_8bit=minmax_8bit), batch_size, num_workers)
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
