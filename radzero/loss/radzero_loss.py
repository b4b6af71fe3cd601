"""The RadZero training objective: multi-positive NCE + lambda_kl * KL (no parameters of its own)."""

from __future__ import annotations

from torch import Tensor, nn

from radzero.loss.multi_positive import multi_positive_kl, multi_positive_nce


class RadZeroLoss(nn.Module):
    """Combines the losses; the model owns the temperature and passes it in (open_clip style)."""

    def __init__(self, kl_weight: float = 0.0, row_sum: bool = False, col_sum: bool = False) -> None:
        super().__init__()
        self.kl_weight = kl_weight
        self.row_sum = row_sum
        self.col_sum = col_sum

    def forward(
        self, logits: Tensor, group: Tensor, tau: Tensor, text_ids: Tensor | None = None
    ) -> dict[str, Tensor]:
        """Global logits (N, B), group (N,) and optional text_ids (N,) → {"loss", "nce", "kl"(when weighted)}.

        ``text_ids`` (equal id = equal sentence text) keeps other images' copies of a sentence out of
        its negatives; None is the paper's loss.
        """
        nce = multi_positive_nce(logits, group, tau, row_sum=self.row_sum, col_sum=self.col_sum, text_ids=text_ids)
        losses = {"nce": nce}
        total = nce
        if self.kl_weight:
            kl = multi_positive_kl(logits, group, tau, text_ids=text_ids)
            losses["kl"] = kl
            total = total + self.kl_weight * kl
        losses["loss"] = total
        return losses
