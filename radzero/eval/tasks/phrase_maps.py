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
from radzero.eval.inference import autocast_for, encode_prompts, eval_transform, image_loader
from radzero.model import RadZero, similarity_maps

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
) -> Iterator[PhraseMap]:
    """Yield a PhraseMap for every sample (``prompts[i]`` is the text of ``samples[i]``), image by image."""
    if len(prompts) != len(samples):
        raise ValueError(f"{len(prompts)} prompts for {len(samples)} grounding samples")
    texts = list(dict.fromkeys(prompts))
    text_index = {t: k for k, t in enumerate(texts)}
    features = encode_prompts(net, texts, device)  # (U, D)
    by_image: dict[str, list[int]] = {}
    for i, sample in enumerate(samples):
        by_image.setdefault(sample.image_id, []).append(i)
    images = [samples[members[0]] for members in by_image.values()]
    loader = image_loader(images, eval_transform(net, geometry), batch_size, num_workers)
    tau = float(net.tau.detach())
    for batch in loader:
        with autocast_for(device):
            tokens, grid = net.encode_image(batch["images"].to(device, non_blocking=True))  # (B, L, D)
        tokens = tokens.float()
        for row, image_id in enumerate(batch["image_ids"]):
            members = by_image[image_id]
            rows = torch.tensor([text_index[prompts[i]] for i in members], device=features.device)
            logits, scores = net.head(features[rows], tokens[row : row + 1])  # (k, 1), (1, k, L)
            prefix = net.vision.num_prefix_tokens
            cosines = similarity_maps(scores, grid, prefix)[0].float().cpu() * tau  # (k, h, w)
            params = batch["geometry"][row]
            originals = map_to_original(cosines.numpy(), params)  # (k, H, W)
            for k, i in enumerate(members):
                yield PhraseMap(i, samples[i], originals[k], float(logits[k, 0]), params)
