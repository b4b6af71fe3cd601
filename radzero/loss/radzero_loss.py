"""The RadZero training objective: multi-positive NCE + lambda_kl * KL over the GLOBAL batch (``loss=
"single_positive"``: CLIP's symmetric InfoNCE, one sentence per image, for the ablation ladder's first rungs).

open_clip's pattern: the model returns features, this loss module gathers them across ranks (ragged:
ranks hold different numbers of sentences and images), scores them and applies the objective
(docs/model.md, "Losses" and "Distributed"). It has no parameters of its own: the model owns tau.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from torch import Tensor, nn

from radzero.loss.clip import check_one_positive_per_image, clip_nce
from radzero.loss.gather import gather_group_indices, ragged_all_gather
from radzero.loss.multi_positive import multi_positive_kl, multi_positive_nce
from radzero.utils.errors import ConfigError
from radzero.utils.options import LOSSES

__all__ = ["LossOutput", "RadZeroLoss"]


# (text (N, D), image tokens (B, L, D)) -> VL-CABS logits (N, B): the model's ``RadZero.logits``
Scorer = Callable[[Tensor, Tensor], Tensor]


@dataclass
class LossOutput:
    """``losses`` {"loss", "nce", "kl" (when weighted)}; the global ``logits`` (N, B) and ``group`` (N,)."""

    losses: dict[str, Tensor]
    logits: Tensor
    group: Tensor


class RadZeroLoss(nn.Module):
    """Gathers text features across ranks, scores them against this rank's image tokens, gathers the
    logits and applies the multi-positive objective; every rank gets the same global loss.

    ``loss="single_positive"``: ``clip_nce`` over the (B, B) logits of one sentence per image (every rank
    holds its images' sentences in image order, so the gathered group is arange(B) as well)."""

    def __init__(
        self,
        kl_weight: float = 0.0,
        row_sum: bool = False,
        col_sum: bool = False,
        mask_duplicate_texts: bool = False,
        loss: str = "multi_positive",
    ) -> None:
        super().__init__()
        if loss not in LOSSES:
            raise ConfigError(f"model.loss={loss!r}: choose one of {list(LOSSES)}")
        if loss == "single_positive" and mask_duplicate_texts:
            raise ConfigError("model.mask_duplicate_texts=true applies to model.loss=multi_positive only; "
                              "set it to false")
        self.kl_weight = kl_weight
        self.row_sum = row_sum
        self.col_sum = col_sum
        self.mask_duplicate_texts = mask_duplicate_texts  # off = the paper's loss
        self.loss = loss

    def forward(
        self, text: Tensor, tokens: Tensor, group: Tensor, tau: Tensor, score: Scorer, text_ids: Tensor | None = None
    ) -> LossOutput:
        """This rank's text (N_r, D), tokens (B_r, L, D), group (N_r,) of local image indices, and
        ``text_ids`` (N_r,) (used only with ``mask_duplicate_texts``) -> the loss of the global batch."""
        global_text = ragged_all_gather(text, dim=0)  # (N, D)
        global_group = gather_group_indices(group, tokens.shape[0])  # (N,)
        logits = ragged_all_gather(score(global_text, tokens), dim=1)  # (N, B_r) -> (N, B)
        global_ids = None
        if self.mask_duplicate_texts and text_ids is not None:
            global_ids = ragged_all_gather(text_ids, dim=0)  # (N,)
        return LossOutput(self.objective(logits, global_group, tau, global_ids), logits, global_group)

    def objective(
        self, logits: Tensor, group: Tensor, tau: Tensor, text_ids: Tensor | None = None
    ) -> dict[str, Tensor]:
        """Global logits (N, B), group (N,) and optional text_ids (N,) → {"loss", "nce", "kl"(when weighted)}.

        ``text_ids`` (equal id = equal sentence text) keeps other images' copies of a sentence out of
        its negatives; None is the paper's loss.
        """
        if self.loss == "single_positive":
            check_one_positive_per_image(group, logits.shape[1])
            nce = clip_nce(logits, tau)
        else:
            nce = multi_positive_nce(logits, group, tau, row_sum=self.row_sum, col_sum=self.col_sum,
                                     text_ids=text_ids)
        losses = {"nce": nce}
        total = nce
        if self.kl_weight:
            kl = multi_positive_kl(logits, group, tau, text_ids=text_ids)
            losses["kl"] = kl
            total = total + self.kl_weight * kl
        losses["loss"] = total
        return losses
