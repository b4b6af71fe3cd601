"""Multi-positive contrastive losses over (sentences x images) logits (docs/model.md, "Losses").

``logits`` (N, B) are VL-CABS cosines, ``group[n]`` is the image sentence n belongs to, and every
image has at least one sentence. Everything is computed in log-space (log-sum-exp), in fp32.

Optional ``text_ids`` (N,) name each sentence's text (equal ids = equal text, e.g. from
``radzero.data.collate.sentence_ids``). With them, a pair (sentence n, image b) where b is not n's
image but owns a sentence with the same text is a *false negative* ("There is no pneumothorax" of
two different images): it is dropped from every softmax denominator instead of being pushed apart.
"""

from __future__ import annotations

import torch
from torch import Tensor

from radzero.utils.checks import RadZeroInputError, check_finite, check_ndim, check_tau


def _prepare(logits: Tensor, group: Tensor, tau: Tensor | float) -> tuple[Tensor, Tensor]:
    """Validate and return (logits / tau in fp32 (N, B), group as long (N,))."""
    check_ndim("logits", logits, 2, "(N, B)")
    check_ndim("group", group, 1, "(N,)")
    num_texts, num_images = logits.shape
    if num_texts == 0 or num_images == 0:
        raise RadZeroInputError(f"logits are empty (shape {tuple(logits.shape)}): need sentences and images")
    if group.shape[0] != num_texts:
        raise RadZeroInputError(f"group has {group.shape[0]} entries but logits have {num_texts} rows")
    if group.dtype.is_floating_point or group.dtype == torch.bool:
        raise RadZeroInputError(f"group must hold integer image indices, got dtype {group.dtype}")
    group = group.long()
    if int(group.min()) < 0 or int(group.max()) >= num_images:
        raise RadZeroInputError(
            f"group indices must lie in [0, {num_images}), got min {int(group.min())} max {int(group.max())}"
        )
    counts = torch.bincount(group, minlength=num_images)
    if bool((counts == 0).any()):
        empty = torch.nonzero(counts == 0).flatten()[:10].tolist()
        raise RadZeroInputError(
            f"image(s) {empty} have zero sentences; drop images without finding sentences "
            "before batching (the data filters do this)"
        )
    check_tau(tau)
    check_finite("logits", logits)
    scaled = logits.float() / (tau.float() if isinstance(tau, Tensor) else float(tau))
    return scaled, group


def _masked_logsumexp(values: Tensor, keep: Tensor, dim: int) -> Tensor:
    """log Σ exp(values) over ``dim`` where ``keep``; -inf-free (fully masked slices give a huge negative)."""
    fill = torch.finfo(values.dtype).min / 4
    return torch.logsumexp(values.masked_fill(~keep, fill), dim=dim)


def _membership(group: Tensor, num_images: int) -> Tensor:
    """(B, N) bool: image b owns sentence n."""
    return group.unsqueeze(0) == torch.arange(num_images, device=group.device).unsqueeze(1)


def _kept_pairs(group: Tensor, text_ids: Tensor | None, num_images: int) -> Tensor | None:
    """(N, B) bool: the pair enters the softmaxes (False for false negatives); None without ``text_ids``."""
    if text_ids is None:
        return None
    check_ndim("text_ids", text_ids, 1, "(N,)")
    if text_ids.shape[0] != group.shape[0]:
        raise RadZeroInputError(f"text_ids has {text_ids.shape[0]} entries but there are {group.shape[0]} sentences")
    _, text_index = torch.unique(text_ids, return_inverse=True)  # (N,) in [0, U)
    owns_text = torch.zeros(int(text_index.max()) + 1, num_images, dtype=torch.bool, device=group.device)
    owns_text[text_index, group] = True  # (U, B): image b has a sentence with text u
    kept = ~owns_text[text_index]  # (N, B)
    kept[torch.arange(group.shape[0], device=group.device), group] = True  # the true pair stays
    return kept


def multi_positive_nce(
    logits: Tensor,
    group: Tensor,
    tau: Tensor | float,
    row_sum: bool = False,
    col_sum: bool = False,
    text_ids: Tensor | None = None,
) -> Tensor:
    """Multi-positive NCE: mean of the sentence→image (row) and image→sentence (column) terms.

    Default rows: -log softmax_b of each sentence's own image. Default columns (UniCLIP MP-NCE):
    each positive alone against the image's negative sentences. ``row_sum`` sums the positives of an
    image before the ratio (one term per image); ``col_sum`` is MIL-NCE (one term per image).
    ``text_ids`` drops false negatives (same text, other image) from the denominators.
    """
    scaled, group = _prepare(logits, group, tau)  # (N, B), (N,)
    num_texts, num_images = scaled.shape
    rows = torch.arange(num_texts, device=scaled.device)
    positive = scaled[rows, group]  # (N,)
    member = _membership(group, num_images)  # (B, N)
    kept = _kept_pairs(group, text_ids, num_images)  # (N, B) or None
    everything = torch.ones_like(scaled, dtype=torch.bool) if kept is None else kept

    row_lse = _masked_logsumexp(scaled, everything, 1)  # (N,)
    if row_sum:
        # per image: -log( Σ_{n∈b} pos[n] / Σ_{n∈b} Σ_b' E[n, b'] )
        row_loss = _masked_logsumexp(row_lse.unsqueeze(0), member, 1) - _masked_logsumexp(
            positive.unsqueeze(0), member, 1
        )  # (B,)
    else:
        row_loss = row_lse - positive  # (N,)

    columns = scaled.transpose(0, 1)  # (B, N): column b over all sentences
    if col_sum:
        # MIL-NCE per image: -log( Σ_{n∈b} E[n, b] / Σ_n E[n, b] )
        col_loss = _masked_logsumexp(columns, everything.T, 1) - _masked_logsumexp(columns, member, 1)  # (B,)
    else:
        negative_lse = _masked_logsumexp(columns, everything.T & ~member, 1)  # (B,): sentences of other images
        col_loss = torch.logaddexp(positive, negative_lse[group]) - positive  # (N,)
    return (row_loss.mean() + col_loss.mean()) / 2


def multi_positive_kl(logits: Tensor, group: Tensor, tau: Tensor | float, text_ids: Tensor | None = None) -> Tensor:
    """mean_b KL(q_b ‖ p_b): q_b uniform over image b's sentences, p_b = softmax_n(logits[:, b] / tau).

    With ``text_ids`` the softmax p_b leaves out other images' copies of b's own texts.
    """
    scaled, group = _prepare(logits, group, tau)  # (N, B)
    num_images = scaled.shape[1]
    member = _membership(group, num_images)  # (B, N)
    columns = scaled.transpose(0, 1)  # (B, N)
    kept = _kept_pairs(group, text_ids, num_images)  # (N, B) or None
    if kept is not None:
        columns = columns.masked_fill(~kept.T, torch.finfo(columns.dtype).min / 4)
    log_p = torch.log_softmax(columns, dim=1)  # (B, N)
    counts = member.sum(dim=1).to(scaled.dtype)  # (B,)
    mean_log_p_own = (log_p * member).sum(dim=1) / counts  # (B,)
    kl = -torch.log(counts) - mean_log_p_own  # Σ_n q log q - Σ_n q log p
    return kl.mean()
