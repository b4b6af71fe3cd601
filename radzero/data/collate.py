"""Batch collation for image-text training (ragged sentences per image) and evaluation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

__all__ = ["ImageTextCollate", "collate_images"]


class ImageTextCollate:
    """[{"image", "sentences", "image_id"}] ->

    images (B, 3, S, S) | input_ids (N, T) | attention_mask (N, T) | group (N,) long (index of
    the image, local to the batch, each sentence belongs to) | sentences list[str] (N) |
    image_ids list[str] (B).

    ``tokenizer`` is any HF tokenizer, called as ``tokenizer(list_of_str, padding=True,
    truncation=True, max_length=max_length, return_tensors="pt")``. An item with zero sentences
    is an error (filter such images before).
    """

    def __init__(self, tokenizer, max_length: int | None = 128):
        self.tokenizer = tokenizer
        self.max_length = max_length

    def __call__(self, items: Sequence[dict[str, Any]]) -> dict[str, Any]:
        if not items:
            raise ValueError("empty batch")
        sentences: list[str] = []
        group: list[int] = []
        for b, it in enumerate(items):
            sents = it["sentences"]
            if not sents:
                raise ValueError(f"image {it.get('image_id')!r} has no sentences; it must not reach the collate")
            sentences.extend(sents)
            group.extend([b] * len(sents))
        tok = self.tokenizer(
            sentences, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt"
        )
        return {
            "images": torch.stack([it["image"] for it in items]),
            "input_ids": tok["input_ids"],
            "attention_mask": tok["attention_mask"],
            "group": torch.tensor(group, dtype=torch.long),
            "sentences": sentences,
            "image_ids": [it["image_id"] for it in items],
        }


def collate_images(items: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Evaluation batches: images stacked, everything else kept as lists
    (``image_ids``, ``geometry`` (GeometryParams), ``index``)."""
    return {
        "images": torch.stack([it["image"] for it in items]),
        "image_ids": [it["image_id"] for it in items],
        "geometry": [it["geometry"] for it in items],
        "index": torch.tensor([it["index"] for it in items], dtype=torch.long),
    }
