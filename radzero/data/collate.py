"""Batch collation for image-text training (ragged sentences per image) and evaluation."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import torch

__all__ = ["ImageTextCollate", "collate_images", "sentence_ids"]


def sentence_ids(sentences: Sequence[str]) -> torch.Tensor:
    """(N,) int64 id per sentence, equal for texts equal up to case, spacing and a final full stop.

    A stable hash (BLAKE2b, 64 bits), so ids agree across data-loader workers, ranks and runs; the
    loss uses them to keep copies of one sentence from counting as each other's negatives.
    """
    ids = []
    for sentence in sentences:
        normalized = " ".join(sentence.lower().split()).rstrip(" .")
        digest = hashlib.blake2b(normalized.encode("utf-8"), digest_size=8).digest()
        ids.append(int.from_bytes(digest, "little", signed=True))
    return torch.tensor(ids, dtype=torch.long)


class ImageTextCollate:
    """[{"image", "sentences", "image_id"}] ->

    images (B, 3, S, S) | input_ids (N, T) | attention_mask (N, T) | group (N,) long (index of
    the image, local to the batch, each sentence belongs to) | text_ids (N,) long (``sentence_ids``) |
    sentences list[str] (N) | image_ids list[str] (B).

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
            "text_ids": sentence_ids(sentences),
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
