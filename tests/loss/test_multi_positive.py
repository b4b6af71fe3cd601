"""Multi-positive NCE / KL against brute-force loops written from DESIGN.md section 2."""

from __future__ import annotations

import math

import pytest
import torch

from radzero.loss import RadZeroLoss, multi_positive_kl, multi_positive_nce
from radzero.utils.checks import RadZeroInputError


def _random_batch(sentence_counts: list[int], seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    group = torch.cat([torch.full((count,), image) for image, count in enumerate(sentence_counts)])
    group = group[torch.randperm(len(group), generator=generator)]  # sentences need not be sorted
    logits = torch.rand(len(group), len(sentence_counts), generator=generator, dtype=torch.float64) * 2 - 1
    return logits, group


def _brute_nce(logits, group, tau, row_sum=False, col_sum=False) -> float:
    x = logits.tolist()
    g = group.tolist()
    n_texts, n_images = len(x), len(x[0])
    e = [[math.exp(x[n][b] / tau) for b in range(n_images)] for n in range(n_texts)]
    pos = [e[n][g[n]] for n in range(n_texts)]
    own = [[n for n in range(n_texts) if g[n] == b] for b in range(n_images)]
    if row_sum:
        rows = [-math.log(sum(pos[n] for n in own[b]) / sum(sum(e[n]) for n in own[b])) for b in range(n_images)]
    else:
        rows = [-math.log(pos[n] / sum(e[n])) for n in range(n_texts)]
    if col_sum:
        cols = [
            -math.log(sum(e[n][b] for n in own[b]) / sum(e[m][b] for m in range(n_texts))) for b in range(n_images)
        ]
    else:
        cols = []
        for n in range(n_texts):
            negatives = sum(e[m][g[n]] for m in range(n_texts) if g[m] != g[n])
            cols.append(-math.log(pos[n] / (pos[n] + negatives)))
    return (sum(rows) / len(rows) + sum(cols) / len(cols)) / 2


def _brute_kl(logits, group, tau) -> float:
    x = logits.tolist()
    g = group.tolist()
    n_texts, n_images = len(x), len(x[0])
    total = 0.0
    for b in range(n_images):
        column = [math.exp(x[n][b] / tau) for n in range(n_texts)]
        norm = sum(column)
        own = [n for n in range(n_texts) if g[n] == b]
        q = 1.0 / len(own)
        total += sum(q * math.log(q / (column[n] / norm)) for n in own)
    return total / n_images


COUNTS = [
    [1, 1, 1, 1],
    [10, 1, 3, 7, 1],
    [1, 10],
    [6, 6, 6, 5, 8, 2, 9, 1],
]


@pytest.mark.parametrize("counts", COUNTS)
@pytest.mark.parametrize("tau", [0.07, 0.5])
@pytest.mark.parametrize("row_sum,col_sum", [(False, False), (True, False), (False, True), (True, True)])
def test_nce_matches_brute_force(counts, tau, row_sum, col_sum):
    logits, group = _random_batch(counts, seed=len(counts) + sum(counts))
    expected = _brute_nce(logits, group, tau, row_sum, col_sum)
    got = multi_positive_nce(logits.float(), group, tau, row_sum=row_sum, col_sum=col_sum)
    assert float(got) == pytest.approx(expected, abs=1e-5, rel=1e-5)


@pytest.mark.parametrize("counts", COUNTS)
@pytest.mark.parametrize("tau", [0.07, 0.5])
def test_kl_matches_brute_force(counts, tau):
    logits, group = _random_batch(counts, seed=7 * len(counts))
    expected = _brute_kl(logits, group, tau)
    got = multi_positive_kl(logits.float(), group, torch.tensor(tau))
    assert float(got) == pytest.approx(expected, abs=1e-5, rel=1e-5)


def test_perfect_alignment_gives_low_loss_and_kl_zero_when_uniform():
    group = torch.tensor([0, 0, 1, 1, 1, 2])
    logits = torch.full((6, 3), -1.0)
    logits[torch.arange(6), group] = 1.0
    assert float(multi_positive_nce(logits, group, 0.05)) < 1e-6
    # own sentences share the same logit -> p restricted to them is uniform -> KL ~ 0
    assert float(multi_positive_kl(logits, group, 0.05)) < 1e-6


def test_gradients_finite_at_small_tau():
    logits, group = _random_batch([10, 1, 4, 1, 7], seed=3)
    logits = logits.float().requires_grad_()
    tau = torch.tensor(0.01, requires_grad=True)
    for loss_fn in (
        lambda: multi_positive_nce(logits, group, tau),
        lambda: multi_positive_nce(logits, group, tau, row_sum=True, col_sum=True),
        lambda: multi_positive_kl(logits, group, tau),
    ):
        logits.grad, tau.grad = None, None
        loss = loss_fn()
        loss.backward()
        assert torch.isfinite(loss)
        assert torch.isfinite(logits.grad).all() and torch.isfinite(tau.grad)
        assert logits.grad.abs().sum() > 0


def test_radzero_loss_combines_terms():
    logits, group = _random_batch([3, 2, 4], seed=11)
    tau = torch.tensor(0.07)
    out = RadZeroLoss(kl_weight=0.5)(logits.float(), group, tau)
    expected = _brute_nce(logits, group, 0.07) + 0.5 * _brute_kl(logits, group, 0.07)
    assert float(out["loss"]) == pytest.approx(expected, abs=1e-5)
    assert set(out) == {"loss", "nce", "kl"}
    assert set(RadZeroLoss()(logits.float(), group, tau)) == {"loss", "nce"}


def test_bad_inputs_raise_clear_errors():
    logits, group = _random_batch([2, 2], seed=0)
    logits = logits.float()
    with pytest.raises(RadZeroInputError, match="zero sentences"):
        multi_positive_nce(torch.rand(4, 3), group, 0.07)  # image 2 has no sentence
    with pytest.raises(RadZeroInputError, match="non-finite"):
        bad = logits.clone()
        bad[0, 0] = float("nan")
        multi_positive_nce(bad, group, 0.07)
    with pytest.raises(RadZeroInputError, match="rows"):
        multi_positive_nce(logits, group[:-1], 0.07)
    with pytest.raises(RadZeroInputError, match=r"\(N, B\)"):
        multi_positive_kl(logits[0], group, 0.07)
    with pytest.raises(RadZeroInputError, match="empty"):
        multi_positive_nce(torch.zeros(0, 2), torch.zeros(0, dtype=torch.long), 0.07)
    with pytest.raises(RadZeroInputError, match="tau"):
        multi_positive_nce(logits, group, 0.0)
    with pytest.raises(RadZeroInputError, match=r"\[0, 2\)"):
        multi_positive_nce(logits, torch.tensor([0, 1, 2, 1]), 0.07)
