"""Single-positive symmetric InfoNCE (CLIP; docs/model.md, "Losses"): the loss of the ablation ladder's first rungs.

``logits`` (B, B) hold one sentence per image, sentence b belonging to image b (the training module keeps one
sentence per image, ``radzero.data.positives``). With scale = 1 / tau this is open_clip's ``ClipLoss``
(the RadZero authors' ``OpenClipLoss`` option): logits_per_image = scale * image @ text.T and

    L = ( CE(logits / tau, arange(B)) + CE(logits.T / tau, arange(B)) ) / 2

which is also ``multi_positive_nce`` with group = arange(B).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from radzero.utils.checks import RadZeroInputError, check_finite, check_ndim, check_tau

__all__ = ["check_one_positive_per_image", "clip_nce"]


def check_one_positive_per_image(group: Tensor, num_images: int) -> None:
    """``group`` (N,) must be arange(num_images): one sentence per image, in image order."""
    check_ndim("group", group, 1, "(N,)")
    expected = torch.arange(num_images, device=group.device)
    if group.shape[0] != num_images or not bool((group.long() == expected).all()):
        raise RadZeroInputError(
            f"loss=single_positive needs exactly one sentence per image, in image order (group == arange(B)); got "
            f"{group.shape[0]} sentences for {num_images} images. The training module keeps one sentence per "
            "image (radzero.data.positives.one_positive_per_image) before the text encoder."
        )


def clip_nce(logits: Tensor, tau: Tensor | float) -> Tensor:
    """Symmetric InfoNCE over (B_text, B_img) logits with text b the one positive of image b; computed in fp32."""
    check_ndim("logits", logits, 2, "(B_text, B_img)")
    num_texts, num_images = logits.shape
    if num_texts == 0 or num_texts != num_images:
        raise RadZeroInputError(
            f"clip_nce needs one text per image, (B, B) logits; got shape {tuple(logits.shape)}"
        )
    check_tau(tau)
    check_finite("logits", logits)
    scaled = logits.float() / (tau.float() if isinstance(tau, Tensor) else float(tau))  # (B, B)
    labels = torch.arange(num_images, device=logits.device)
    return (F.cross_entropy(scaled, labels) + F.cross_entropy(scaled.T, labels)) / 2
