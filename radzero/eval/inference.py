"""Batched zero-shot inference: prompts encoded once, images in batches, bf16 autocast on CUDA.

``precision``: ``bf16`` (default) runs the encoders under bf16 autocast on CUDA, ``fp32`` runs
everything in float32 (the RadZero authors evaluate in fp32); on the CPU both run in float32. The
VL-CABS head and the maps are always computed in float32.
"""

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
from radzero.data.transforms.hf_processor import HFImageProcessorTransform
from radzero.data.transforms.pipeline import ImageTransform
from radzero.eval.settings import PRECISIONS
from radzero.model import RadZero
from radzero.utils.checks import RadZeroInputError


def check_precision(precision: str) -> str:
    if precision not in PRECISIONS:
        raise RadZeroInputError(f"precision={precision!r}: choose one of {list(PRECISIONS)}")
    return precision


def autocast_for(device: torch.device, precision: str = "bf16"):
    """bf16 autocast on CUDA when ``precision == "bf16"``, nothing elsewhere."""
    if check_precision(precision) == "bf16" and device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


@torch.no_grad()
def encode_prompts(net: RadZero, prompts: Sequence[str], device: torch.device, precision: str = "bf16") -> Tensor:
    """Layer-normed text features (P, D) of the prompts, computed once per dataset."""
    if not prompts:
        raise ValueError("the prompt list is empty: give at least one prompt (e.g. 'There is <finding>')")
    tokens = net.tokenize(list(prompts))
    with autocast_for(device, precision):
        features = net.encode_text(tokens["input_ids"].to(device), tokens["attention_mask"].to(device))
    return features.float()


@torch.no_grad()
def encode_images(net: RadZero, images: Tensor, device: torch.device, precision: str = "bf16"):
    """(B, 3, S, S) -> layer-normed tokens (B, L, D) in float32 and the patch grid (h, w)."""
    with autocast_for(device, precision):
        tokens, grid = net.encode_image(images.to(device, non_blocking=True))
    return tokens.float(), grid


def eval_transform(
    net: RadZero, geometry: str = "resize", interpolation: str = "area", minmax_8bit: bool = False
) -> ImageTransform | HFImageProcessorTransform:
    """The evaluation transform of the model: its own transformers image processor when the checkpoint
    carries one (``preprocessor_config.json``, e.g. the authors' snapshot), else radzero's transform at the
    model's input size and normalisation. ``minmax_8bit`` (image-processor checkpoints only): stretch every
    image to 0..255 before the processor, as the authors' batch evaluation does."""
    processor = getattr(net, "image_processor_config", None)
    if processor is not None:
        if geometry != "resize":
            raise RadZeroInputError(
                f"geometry={geometry!r}: this checkpoint's image processor resizes to a square; use geometry=resize"
            )
        return HFImageProcessorTransform(processor, minmax=minmax_8bit)
    vision = net.vision
    return ImageTransform(vision.image_size, vision.mean, vision.std, geometry=geometry, interpolation=interpolation)


def image_loader(
    samples: Sequence[Any], transform, batch_size: int, num_workers: int = 0, dicom_scaling: str = "radzero"
) -> DataLoader:
    """Batches of {"images", "image_ids", "geometry", "index"} for any samples with ``image_path``
    (``dicom_scaling``: see ``radzero.data.io.load_image``)."""
    return DataLoader(
        ImageDataset(samples, transform, dicom_scaling),
        batch_size=batch_size,
        shuffle=False,
        num_workers=num_workers,
        collate_fn=collate_images,
        persistent_workers=False,
    )


@dataclass
class ScoredBatch:
    """Zero-shot outputs for one batch: ``logits`` (B, P) and ``maps`` (B, P, h, w), both cosines."""

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
    precision: str = "bf16",
) -> Iterator[ScoredBatch]:
    """Run every image batch against the (P, D) prompt features; outputs on the CPU in fp32."""
    for batch in loader:
        tokens, grid = encode_images(net, batch["images"], device, precision)  # (B, L, D)
        logits, cosine_maps = net.similarity(text_features, tokens, grid)  # (P, B), (B, P, h, w)
        maps = cosine_maps.float().cpu() if with_maps else None
        yield ScoredBatch(batch["index"], batch["image_ids"], batch["geometry"], logits.T.float().cpu(), maps)
