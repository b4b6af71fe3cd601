"""Losses and distributed helpers for RadZero training."""

from radzero.loss.clip import clip_nce
from radzero.loss.gather import gather_group_indices, ragged_all_gather
from radzero.loss.multi_positive import multi_positive_kl, multi_positive_nce
from radzero.loss.radzero_loss import LossOutput, RadZeroLoss

__all__ = [
    "LossOutput",
    "RadZeroLoss",
    "clip_nce",
    "gather_group_indices",
    "multi_positive_kl",
    "multi_positive_nce",
    "ragged_all_gather",
]
