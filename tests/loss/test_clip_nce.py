"""CLIP's single-positive loss: a brute-force loop, open_clip's ClipLoss, and the RadZeroLoss option."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from radzero.loss import RadZeroLoss, clip_nce, multi_positive_nce
from radzero.utils.checks import RadZeroInputError


def _brute_clip(logits: torch.Tensor, tau: float) -> float:
    """(CE over each text's row + CE over each image's column) / 2, text b <-> image b, written as loops."""
    x = logits.tolist()
    n = len(x)
    rows = [-(x[b][b] / tau - math.log(sum(math.exp(x[b][j] / tau) for j in range(n)))) for b in range(n)]
    cols = [-(x[b][b] / tau - math.log(sum(math.exp(x[i][b] / tau) for i in range(n)))) for b in range(n)]
    return (sum(rows) / n + sum(cols) / n) / 2


def _features(batch: int, dim: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    image = F.normalize(torch.randn(batch, dim, generator=generator, dtype=torch.float64), dim=-1)
    text = F.normalize(torch.randn(batch, dim, generator=generator, dtype=torch.float64), dim=-1)
    return image, text


@pytest.mark.parametrize("batch,tau", [(1, 0.07), (5, 0.07), (8, 0.2)])
def test_clip_nce_equals_a_brute_force_loop(batch, tau):
    image, text = _features(batch, 6, seed=batch)
    logits = text @ image.T  # (B_text, B_img)
    assert float(clip_nce(logits, tau)) == pytest.approx(_brute_clip(logits, tau), rel=1e-5)


@pytest.mark.parametrize("tau", [0.07, 0.5])
def test_clip_nce_equals_open_clip_clip_loss(tau):
    from open_clip.loss import ClipLoss

    image, text = _features(7, 16, seed=3)
    reference = ClipLoss()(image.float(), text.float(), logit_scale=torch.tensor(1.0 / tau))
    ours = clip_nce((text @ image.T).float(), torch.tensor(tau))
    torch.testing.assert_close(ours, reference, rtol=1e-5, atol=1e-6)


def test_clip_nce_is_multi_positive_nce_with_one_sentence_per_image():
    image, text = _features(6, 8, seed=4)
    logits = text @ image.T
    torch.testing.assert_close(clip_nce(logits, 0.1), multi_positive_nce(logits, torch.arange(6), 0.1).float())


def test_clip_nce_gradient_matches_open_clip():
    from open_clip.loss import ClipLoss

    image, text = _features(5, 8, seed=5)
    ours_t = text.float().clone().requires_grad_(True)
    ref_t = text.float().clone().requires_grad_(True)
    clip_nce(ours_t @ image.float().T, 0.07).backward()
    ClipLoss()(image.float(), ref_t, logit_scale=torch.tensor(1 / 0.07)).backward()
    torch.testing.assert_close(ours_t.grad, ref_t.grad, rtol=1e-4, atol=1e-6)


def test_radzero_loss_single_positive_option():
    image, text = _features(4, 8, seed=6)
    tau = torch.tensor(0.07)
    loss = RadZeroLoss(loss="single_positive")
    out = loss(text.float(), image.float().unsqueeze(1), torch.arange(4), tau, lambda t, v: t @ v[:, 0].T)
    assert set(out.losses) == {"loss", "nce"}
    assert float(out.losses["loss"]) == pytest.approx(_brute_clip(text @ image.T, 0.07), rel=1e-5)
    with pytest.raises(RadZeroInputError, match="one sentence per image"):
        loss.objective(torch.zeros(5, 4), torch.tensor([0, 0, 1, 2, 3]), tau)  # image 0 has two
    with pytest.raises(RadZeroInputError, match="one sentence per image"):
        loss.objective(torch.zeros(4, 4), torch.tensor([1, 0, 2, 3]), tau)  # not in image order


def test_bad_options_and_shapes():
    with pytest.raises(ValueError, match="choose one of"):
        RadZeroLoss(loss="clip")
    with pytest.raises(ValueError, match="mask_duplicate_texts=true applies to model.loss=multi_positive only"):
        RadZeroLoss(loss="single_positive", mask_duplicate_texts=True)
    with pytest.raises(RadZeroInputError, match="one text per image"):
        clip_nce(torch.zeros(3, 4), 0.07)
