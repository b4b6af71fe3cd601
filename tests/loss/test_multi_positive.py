"""Multi-positive NCE / KL against brute-force loops written from docs/model.md, "Losses"."""

from __future__ import annotations

import math

import pytest
import torch

from radzero.data.collate import sentence_ids
from radzero.loss import RadZeroLoss, multi_positive_kl, multi_positive_nce
from radzero.utils.checks import RadZeroInputError


def _random_batch(sentence_counts: list[int], seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    group = torch.cat([torch.full((count,), image) for image, count in enumerate(sentence_counts)])
    group = group[torch.randperm(len(group), generator=generator)]  # sentences need not be sorted
    logits = torch.rand(len(group), len(sentence_counts), generator=generator, dtype=torch.float64) * 2 - 1
    return logits, group


def _brute_kept(g: list[int], texts: list | None, n: int, b: int) -> bool:
    """Pair (sentence n, image b) enters the softmaxes unless b is another image holding n's text."""
    if texts is None or g[n] == b:
        return True
    return not any(g[m] == b and texts[m] == texts[n] for m in range(len(g)))


def _brute_nce(logits, group, tau, row_sum=False, col_sum=False, texts=None) -> float:
    x = logits.tolist()
    g = group.tolist()
    n_texts, n_images = len(x), len(x[0])
    e = [[math.exp(x[n][b] / tau) for b in range(n_images)] for n in range(n_texts)]
    # false negatives (same text, other image) count as zero in every denominator
    d = [[e[n][b] if _brute_kept(g, texts, n, b) else 0.0 for b in range(n_images)] for n in range(n_texts)]
    pos = [e[n][g[n]] for n in range(n_texts)]
    own = [[n for n in range(n_texts) if g[n] == b] for b in range(n_images)]
    if row_sum:
        rows = [-math.log(sum(pos[n] for n in own[b]) / sum(sum(d[n]) for n in own[b])) for b in range(n_images)]
    else:
        rows = [-math.log(pos[n] / sum(d[n])) for n in range(n_texts)]
    if col_sum:
        cols = [
            -math.log(sum(e[n][b] for n in own[b]) / sum(d[m][b] for m in range(n_texts))) for b in range(n_images)
        ]
    else:
        cols = []
        for n in range(n_texts):
            negatives = sum(d[m][g[n]] for m in range(n_texts) if g[m] != g[n])
            cols.append(-math.log(pos[n] / (pos[n] + negatives)))
    return (sum(rows) / len(rows) + sum(cols) / len(cols)) / 2


def _brute_kl(logits, group, tau, texts=None) -> float:
    x = logits.tolist()
    g = group.tolist()
    n_texts, n_images = len(x), len(x[0])
    total = 0.0
    for b in range(n_images):
        column = [math.exp(x[n][b] / tau) if _brute_kept(g, texts, n, b) else 0.0 for n in range(n_texts)]
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


def _random_texts(group: torch.Tensor, vocabulary: int, seed: int) -> list[str]:
    """A sentence text per row, drawn from a few, so images share texts (and may repeat their own)."""
    generator = torch.Generator().manual_seed(seed)
    picks = torch.randint(0, vocabulary, (len(group),), generator=generator).tolist()
    return [f"There is finding {k}" for k in picks]


@pytest.mark.parametrize("counts", COUNTS)
@pytest.mark.parametrize("vocabulary", [1, 3, 1000])
@pytest.mark.parametrize("row_sum,col_sum", [(False, False), (True, False), (False, True), (True, True)])
def test_duplicate_text_masking_matches_brute_force(counts, vocabulary, row_sum, col_sum):
    logits, group = _random_batch(counts, seed=3 * len(counts) + vocabulary)
    texts = _random_texts(group, vocabulary, seed=sum(counts))
    text_ids = sentence_ids(texts)
    expected = _brute_nce(logits, group, 0.1, row_sum, col_sum, texts=texts)
    got = multi_positive_nce(logits.float(), group, 0.1, row_sum=row_sum, col_sum=col_sum, text_ids=text_ids)
    assert float(got) == pytest.approx(expected, abs=1e-5, rel=1e-5)
    expected_kl = _brute_kl(logits, group, 0.1, texts=texts)
    assert float(multi_positive_kl(logits.float(), group, 0.1, text_ids=text_ids)) == pytest.approx(
        expected_kl, abs=1e-5, rel=1e-5
    )


def test_all_distinct_texts_give_the_paper_loss():
    logits, group = _random_batch([4, 2, 5], seed=5)
    text_ids = torch.arange(len(group)) * 7919
    plain = multi_positive_nce(logits.float(), group, 0.07)
    masked = multi_positive_nce(logits.float(), group, 0.07, text_ids=text_ids)
    assert float(masked) == pytest.approx(float(plain), abs=1e-6)


def test_shared_sentence_is_not_pushed_away_from_the_other_image():
    # both images say "There is no pneumothorax"; image 1 also has an effusion sentence
    group = torch.tensor([0, 1, 1])
    texts = ["There is no pneumothorax", "There is no pneumothorax.", "There is large left pleural effusion"]
    logits = torch.zeros(3, 2, requires_grad=True)
    multi_positive_nce(logits, group, 0.1, text_ids=sentence_ids(texts)).backward()
    # the copies' cross pairs are masked: no gradient on them at all
    assert float(logits.grad[0, 1]) == 0.0 and float(logits.grad[1, 0]) == 0.0
    # whereas the effusion sentence is still a negative of image 0
    assert float(logits.grad[2, 0]) > 0.0


def test_sentence_ids_normalise_case_space_and_full_stop():
    ids = sentence_ids(["There is no pneumothorax", "there is  no pneumothorax.", "There is a pneumothorax"])
    assert ids.dtype == torch.long and ids[0] == ids[1] and ids[0] != ids[2]
    assert torch.equal(ids, sentence_ids(["There is no pneumothorax", "x", "There is a pneumothorax"])[[0, 0, 2]])


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
    out = RadZeroLoss(kl_weight=0.5).objective(logits.float(), group, tau)
    expected = _brute_nce(logits, group, 0.07) + 0.5 * _brute_kl(logits, group, 0.07)
    assert float(out["loss"]) == pytest.approx(expected, abs=1e-5)
    assert set(out) == {"loss", "nce", "kl"}
    assert set(RadZeroLoss().objective(logits.float(), group, tau)) == {"loss", "nce"}
    texts = _random_texts(group, 2, seed=1)
    masked = RadZeroLoss(kl_weight=0.5).objective(logits.float(), group, tau, sentence_ids(texts))
    expected = _brute_nce(logits, group, 0.07, texts=texts) + 0.5 * _brute_kl(logits, group, 0.07, texts=texts)
    assert float(masked["loss"]) == pytest.approx(expected, abs=1e-5)


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
