"""One positive sentence per image for the single-positive (CLIP) loss of the ablation ladder (docs/ablation.md).

The RadZero authors' ``OpenClipLoss`` option draws ``random.choice(key_phrases)`` per image in the collate.
Here the choice is a pure function of (seed, epoch, image id, the image's sentence count): the same in every
data-loader worker, rank and resumed run, whatever else is in the batch and in whatever order. The training
module applies it to the collated batch (all sentences + ``group``) before the text encoder; validation uses
epoch 0 throughout, so ``val/loss`` compares across epochs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor

__all__ = ["keep_sentences", "one_positive_per_image", "positive_index"]

# batch entries with one row per sentence (radzero.data.collate.ImageTextCollate)
SENTENCE_ROWS = ("input_ids", "attention_mask", "text_ids")


def positive_index(seed: int, epoch: int, image_id: str, num_sentences: int) -> int:
    """Which of an image's ``num_sentences`` sentences is its positive this epoch (BLAKE2b of seed, epoch, id)."""
    if num_sentences < 1:
        raise ValueError(f"image {image_id!r} has no sentence to choose from")
    key = f"{int(seed)}\x1f{int(epoch)}\x1f{image_id}".encode("utf-8")
    digest = hashlib.blake2b(key, digest_size=8, person=b"radzero-pos").digest()
    return int.from_bytes(digest, "little") % num_sentences


def one_positive_per_image(group: Tensor, image_ids: Sequence[str], seed: int, epoch: int) -> Tensor:
    """``group`` (N,) image index of each sentence, ``image_ids`` (B) -> rows (B,) of the kept sentences.

    Row b is the ``positive_index``-th sentence of image b, counting its sentences in batch order."""
    group = group.long().cpu()
    if group.ndim != 1:
        raise ValueError(f"group must be (N,), got shape {tuple(group.shape)}")
    rows = []
    for image, image_id in enumerate(image_ids):
        own = torch.nonzero(group == image).flatten()  # (n_b,)
        rows.append(int(own[positive_index(seed, epoch, str(image_id), own.numel())]))
    return torch.tensor(rows, dtype=torch.long)


def keep_sentences(batch: dict[str, Any], rows: Tensor) -> dict[str, Any]:
    """The batch with only the sentence ``rows`` (one per image, in image order): ``input_ids`` /
    ``attention_mask`` / ``text_ids`` / ``sentences`` cut to those rows, ``group`` = arange(B)."""
    out = dict(batch)
    for key in SENTENCE_ROWS:
        if key in batch:
            out[key] = batch[key][rows.to(batch[key].device)]
    if "sentences" in batch:
        out["sentences"] = [batch["sentences"][int(r)] for r in rows]
    out["group"] = torch.arange(rows.numel(), dtype=torch.long, device=batch["group"].device)
    return out
