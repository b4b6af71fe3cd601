"""The global head: the CLIP baseline of the ablation ladder (docs/model.md, "Global head"; docs/ablation.md).

The RadZero authors' ``compute_logits_type: global_alignment`` (their ``CxrAlignModel``), for align-transformer
tokens V (B, P + h*w, D) with the CLS token first and text features T (N, 2D) (the text projected to 2D):

    image[b]   = unit( concat[ V[b, 0], mean_l V[b, P + l] ] )          (B, 2D)  CLS + mean of the patch tokens
    logit[n, b] = unit(T[n]) · image[b]                                 (N, B)   a cosine in [-1, 1]
    map[b, n, l] = cos( V[b, P + l], T[n, D:] )                          (B, N, h*w)

The authors' map is the dot product of the raw patch tokens with the second half of the unit text feature;
radzero takes the cosine of the same two vectors, so the map has the fixed [-1, 1] scale every evaluation
thresholds (the text's norm is one scale per map; only the patch tokens' norms can reorder the pixels).
There is no shared LayerNorm (the authors' global path has none): the tokens and the text go in as they are.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from radzero.utils.checks import RadZeroInputError, check_ndim, check_not_empty

_NORM_EPS = 1e-12

__all__ = ["GlobalHead", "global_alignment", "global_image_features", "global_logits"]


def global_image_features(tokens: Tensor, num_prefix_tokens: int) -> Tensor:
    """Image tokens (B, P + h*w, D), CLS first -> unit image features (B, 2D) = unit([CLS, mean of patches])."""
    check_ndim("vision tokens", tokens, 3, "(B, L, D)")
    if num_prefix_tokens < 1:
        raise RadZeroInputError("the global head needs a CLS token (num_prefix_tokens >= 1, CLS first)")
    if tokens.shape[1] <= num_prefix_tokens:
        raise RadZeroInputError(f"vision tokens have no patch tokens after the {num_prefix_tokens} prefix token(s)")
    features = torch.cat([tokens[:, 0], tokens[:, num_prefix_tokens:].mean(dim=1)], dim=-1)  # (B, 2D)
    return F.normalize(features, dim=-1, eps=_NORM_EPS)


def _check_text(text: Tensor, tokens: Tensor) -> None:
    check_ndim("text features", text, 2, "(N, 2D)")
    check_not_empty("text features", text, "need at least one sentence / prompt")
    check_not_empty("vision tokens", tokens, "need at least one image")
    if text.shape[-1] != 2 * tokens.shape[-1]:
        raise RadZeroInputError(
            f"the global head scores text of width 2D = {2 * tokens.shape[-1]} against tokens of width "
            f"D = {tokens.shape[-1]}, got text width {text.shape[-1]}"
        )


def global_logits(text: Tensor, tokens: Tensor, num_prefix_tokens: int) -> Tensor:
    """Text (N, 2D) x tokens (B, L, D) -> cosine logits (N, B) between unit text and the global image feature."""
    _check_text(text, tokens)
    image = global_image_features(tokens, num_prefix_tokens)  # (B, 2D)
    return F.normalize(text, dim=-1, eps=_NORM_EPS) @ image.T  # (N, B)


def global_alignment(text: Tensor, tokens: Tensor, num_prefix_tokens: int) -> tuple[Tensor, Tensor]:
    """Text (N, 2D) x tokens (B, P + h*w, D) -> logits (N, B) and patch cosines (B, N, h*w) (see module doc)."""
    logits = global_logits(text, tokens, num_prefix_tokens)  # (N, B)
    dim = tokens.shape[-1]
    local_text = F.normalize(text[:, dim:], dim=-1, eps=_NORM_EPS)  # (N, D): the half the patches meet
    patches = F.normalize(tokens[:, num_prefix_tokens:], dim=-1, eps=_NORM_EPS)  # (B, h*w, D)
    cosines = torch.einsum("bld,nd->bnl", patches, local_text)  # (B, N, h*w)
    return logits, cosines


class GlobalHead(nn.Module):
    """The learnable log-temperature of the CLIP baseline (open_clip's logit_scale = 1 / tau) and no LayerNorm."""

    def __init__(self, num_prefix_tokens: int, init_tau: float = 0.07, learn_tau: bool = True) -> None:
        super().__init__()
        self.num_prefix_tokens = int(num_prefix_tokens)
        self.norm = nn.Identity()  # the authors' global path normalises nothing but the unit vectors
        self.log_tau = nn.Parameter(torch.tensor(math.log(init_tau)), requires_grad=learn_tau)

    @property
    def tau(self) -> Tensor:
        return self.log_tau.exp()

    def logits(self, text: Tensor, tokens: Tensor) -> Tensor:
        """Cosine logits (N, B) only (training)."""
        return global_logits(text, tokens, self.num_prefix_tokens)

    def forward(self, text: Tensor, tokens: Tensor) -> tuple[Tensor, Tensor]:
        """Logits (N, B) and patch cosines (B, N, h*w)."""
        return global_alignment(text, tokens, self.num_prefix_tokens)
