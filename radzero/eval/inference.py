"""Batched zero-shot inference: prompts encoded once, images in batches, bf16 autocast on CUDA."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor
from torch.utils.data import DataLoader

from radzero.data.collate import collate_images
from radzero.data.datasets import ImageDataset
from radzero.data.transforms.geometry import GeometryParams
from radzero.data.transforms.pipeline import ImageTransform
from radzero.model import RadZero


def autocast_for(device: torch.device, enabled: bool = True):
    """bf16 autocast on CUDA, nothing elsewhere."""
    if enabled and device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


@torch.no_grad()
def encode_prompts(net: RadZero, prompts: Sequence[str], device: torch.device) -> Tensor:
    """Layer-normed text features (P, D) of the prompts, computed once per dataset."""
    if not prompts:
        raise ValueError("the prompt list is empty: give at least one prompt (e.g. 'There is <finding>')")
    tokens = net.tokenize(list(prompts))
    with autocast_for(device):
        features = net.encode_text(tokens["input_ids"].to(device), tokens["attention_mask"].to(device))
    return features.float()


def eval_transform(net: RadZero, geometry: str = "resize", interpolation: str = "area") -> ImageTransform:
    """The evaluation transform matching the model's input size and normalisation."""
    vision = net.vision
    return ImageTransform(vision.image_size, vision.mean, vision.std, geometry=geometry, interpolation=interpolation)


def image_loader(samples: Sequence[Any], transform: ImageTransform, batch_size: int, num_workers: int = 0) -> DataLoader:
    """Batches of {"images", "image_ids", "geometry", "index"} for any samples with ``image_path``."""
    return DataLoader(
        ImageDataset(samples, transform),
        batch_size=batch_size,
        shuffle=False,
        num_workers=num_workers,
        collate_fn=collate_images,
        persistent_workers=False,
    )


@dataclass
class ScoredBatch:
    """Zero-shot outputs for one batch: ``logits`` (B, P) cosines, ``maps`` (B, P, h, w) = cos / tau."""

    index: Tensor
    image_ids: list[str]
    geometry: list[GeometryParams]
    logits: Tensor
    maps: Tensor | None


@torch.no_grad()
def score_images(
    net: RadZero,
    text_features: Tensor,
    loader: DataLoader,
    device: torch.device,
    with_maps: bool = False,
) -> Iterator[ScoredBatch]:
    """Run every image batch against the (P, D) prompt features; outputs on the CPU in fp32."""
    from radzero.model.vlcabs import similarity_maps

    for batch in loader:
        images = batch["images"].to(device, non_blocking=True)
        with autocast_for(device):
            tokens, grid = net.encode_image(images)  # (B, L, D)
        logits, scores = net.head(text_features, tokens.float())  # (P, B), (B, P, L)
        maps = similarity_maps(scores, grid, net.vision.num_prefix_tokens).float().cpu() if with_maps else None
        yield ScoredBatch(batch["index"], batch["image_ids"], batch["geometry"], logits.T.float().cpu(), maps)
