"""VL-CABS: vision-language cross-attention based similarity (docs/model.md).

For text features T (N, D) and vision tokens V (B, L, D), both already layer-normed:

    T̂, V̂ = unit vectors; S = T̂·V̂ᵀ / τ (B, N, L); A = softmax_L(S); Z = A·V̂ (B, N, D);
    logit[n, b] = cos(T̂[n], Z[b, n])

``vlcabs`` is the reference form that returns the scores S (similarity maps).
``vlcabs_logits`` is the memory-lean training form: it processes images in chunks and recomputes
S and A in the backward pass, so no (B, N, L) tensor of the whole batch is ever alive.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from radzero.utils.checks import check_finite, check_ndim, check_not_empty, check_tau, RadZeroInputError

_NORM_EPS = 1e-12
# Elements of one (chunk, N, L) score block in the memory-lean path (~8 MB in fp32): small enough
# that the per-chunk temporaries stay far below the (B, L, D) token gradient, large enough for BLAS.
DEFAULT_CHUNK_ELEMENTS = 2 * 1024 * 1024


def _validate(text: Tensor, tokens: Tensor, tau: Tensor | float, check_values: bool) -> None:
    check_ndim("text features", text, 2, "(N, D)")
    check_ndim("vision tokens", tokens, 3, "(B, L, D)")
    check_not_empty("text features", text, "need at least one sentence / prompt")
    check_not_empty("vision tokens", tokens, "need at least one image")
    if tokens.shape[1] == 0:
        raise RadZeroInputError("vision tokens have zero tokens per image (L = 0)")
    if text.shape[-1] != tokens.shape[-1]:
        raise RadZeroInputError(
            f"text feature dim {text.shape[-1]} != vision token dim {tokens.shape[-1]}; "
            "set model.embed_dim to add projections, or pick encoders of equal width"
        )
    check_tau(tau)
    if check_values:
        check_finite("text features", text)
        check_finite("vision tokens", tokens)


def vlcabs(
    text: Tensor, tokens: Tensor, tau: Tensor | float, check_values: bool = True
) -> tuple[Tensor, Tensor]:
    """Reference VL-CABS. Returns ``logits`` (N, B) as cosines and ``scores`` (B, N, L) = cos / tau."""
    _validate(text, tokens, tau, check_values)
    text_unit = F.normalize(text, dim=-1, eps=_NORM_EPS)  # (N, D)
    token_unit = F.normalize(tokens, dim=-1, eps=_NORM_EPS)  # (B, L, D)
    scores = torch.matmul(text_unit, token_unit.transpose(1, 2)) / tau  # (B, N, L)
    attention = scores.softmax(dim=-1)  # (B, N, L)
    aggregate = torch.matmul(attention, token_unit)  # (B, N, D)
    logits = F.cosine_similarity(text_unit.unsqueeze(0), aggregate, dim=-1, eps=_NORM_EPS)  # (B, N)
    return logits.transpose(0, 1), scores


def default_chunk_size(num_texts: int, num_tokens: int, budget: int = DEFAULT_CHUNK_ELEMENTS) -> int:
    """Images per chunk so that one (chunk, N, L) block holds about ``budget`` elements."""
    return max(1, budget // max(1, num_texts * num_tokens))


class _LeanVLCABS(torch.autograd.Function):
    """Chunked VL-CABS with a hand-written backward that recomputes scores and attention."""

    @staticmethod
    def forward(ctx, text: Tensor, tokens: Tensor, inv_tau: Tensor, chunk: int) -> Tensor:
        with torch.autocast(text.device.type, enabled=False):
            return _LeanVLCABS._forward(ctx, text, tokens, inv_tau, chunk)

    @staticmethod
    def backward(ctx, grad_logits: Tensor):
        with torch.autocast(grad_logits.device.type, enabled=False):
            return _LeanVLCABS._backward(ctx, grad_logits)

    @staticmethod
    def _forward(ctx, text: Tensor, tokens: Tensor, inv_tau: Tensor, chunk: int) -> Tensor:
        text_unit = F.normalize(text, dim=-1, eps=_NORM_EPS)  # (N, D)
        logits = text.new_empty(tokens.shape[0], text.shape[0])  # (B, N)
        for start in range(0, tokens.shape[0], chunk):
            token_unit = F.normalize(tokens[start : start + chunk], dim=-1, eps=_NORM_EPS)  # (b, L, D)
            attention = torch.matmul(text_unit, token_unit.transpose(1, 2)).mul_(inv_tau).softmax(-1)  # (b, N, L)
            aggregate = torch.matmul(attention, token_unit)  # (b, N, D)
            logits[start : start + chunk] = F.cosine_similarity(text_unit.unsqueeze(0), aggregate, dim=-1, eps=_NORM_EPS)
        ctx.chunk = chunk
        ctx.save_for_backward(text, tokens, inv_tau, logits)
        return logits.transpose(0, 1)  # (N, B)

    @staticmethod
    def _backward(ctx, grad_logits: Tensor):
        text, tokens, inv_tau, logits = ctx.saved_tensors
        grad_logits = grad_logits.to(text.dtype).transpose(0, 1)  # (B, N)
        chunk = ctx.chunk
        text_norm = text.norm(dim=-1, keepdim=True).clamp_min(_NORM_EPS)  # (N, 1)
        text_unit = text / text_norm  # (N, D)
        grad_text_unit = torch.zeros_like(text)  # (N, D)
        grad_tokens = torch.empty_like(tokens)  # (B, L, D)
        grad_inv_tau = torch.zeros((), dtype=text.dtype, device=text.device)
        for start in range(0, tokens.shape[0], chunk):
            stop = start + chunk
            block = tokens[start:stop]
            token_norm = block.norm(dim=-1, keepdim=True).clamp_min_(_NORM_EPS)  # (b, L, 1)
            token_unit = block / token_norm  # (b, L, D)
            raw = torch.matmul(text_unit, token_unit.transpose(1, 2))  # (b, N, L) cosines
            attention = (raw * inv_tau).softmax(-1)  # (b, N, L)
            aggregate = torch.matmul(attention, token_unit)  # (b, N, D), recomputed
            norm = aggregate.norm(dim=-1).clamp_min_(_NORM_EPS)  # (b, N)
            scale = grad_logits[start:stop] / norm  # (b, N)
            # d cos(t, z) / d z = (t - cos * z / |z|) / |z|  (t unit)
            grad_aggregate = text_unit.unsqueeze(0) - (logits[start:stop] / norm).unsqueeze(-1) * aggregate
            grad_aggregate.mul_(scale.unsqueeze(-1))  # (b, N, D)
            grad_text_unit += torch.einsum("bn,bnd->nd", scale, aggregate)
            # softmax backward: dS = A * (dA - <A, dA>) with dA = dZ·V̂ᵀ and <A, dA> = <dZ, Z>
            # (zero in exact arithmetic; subtracting it keeps float rounding equal to autograd's)
            centre = (grad_aggregate * aggregate).sum(-1, keepdim=True)  # (b, N, 1)
            del aggregate
            grad_scores = torch.matmul(grad_aggregate, token_unit.transpose(1, 2))  # (b, N, L) = dA
            grad_scores.sub_(centre).mul_(attention)
            grad_inv_tau += (grad_scores * raw).sum()
            del raw
            grad_scores.mul_(inv_tau)  # d / d cosines
            grad_block = grad_tokens[start:stop]  # (b, L, D) view, filled in place
            torch.matmul(attention.transpose(1, 2), grad_aggregate, out=grad_block)
            del attention, grad_aggregate
            grad_block.baddbmm_(grad_scores.transpose(1, 2), text_unit.expand(grad_block.shape[0], -1, -1))
            grad_text_unit += torch.einsum("bnl,bld->nd", grad_scores, token_unit)
            del grad_scores
            # unit-normalisation backward: (g - u <g, u>) / |x|
            radial = (grad_block * token_unit).sum(-1, keepdim=True)
            grad_block.sub_(token_unit.mul_(radial)).div_(token_norm)
        radial = (grad_text_unit * text_unit).sum(-1, keepdim=True)
        grad_text = (grad_text_unit - text_unit * radial) / text_norm
        return grad_text, grad_tokens, grad_inv_tau.reshape(inv_tau.shape), None


def vlcabs_logits(
    text: Tensor,
    tokens: Tensor,
    tau: Tensor | float,
    chunk_size: int | None = None,
    check_values: bool = True,
) -> Tensor:
    """Memory-lean VL-CABS logits (N, B): same values and gradients as ``vlcabs``, no (B, N, L) batch tensor."""
    _validate(text, tokens, tau, check_values)
    chunk = chunk_size or default_chunk_size(text.shape[0], tokens.shape[1])
    if not isinstance(tau, Tensor):
        tau = torch.tensor(float(tau), dtype=text.dtype, device=text.device)
    # The hand-written kernel runs in one dtype, at least fp32 (autocast may hand us bf16 tokens).
    dtype = torch.promote_types(torch.promote_types(text.dtype, tokens.dtype), torch.float32)
    inv_tau = tau.reciprocal().to(dtype)
    return _LeanVLCABS.apply(text.to(dtype), tokens.to(dtype), inv_tau, chunk)


def similarity_maps(scores: Tensor, grid: tuple[int, int], num_prefix_tokens: int = 1) -> Tensor:
    """Drop the prefix (CLS) columns of ``scores`` (B, N, L) and reshape to the patch grid (B, N, h, w)."""
    height, width = grid
    patches = scores[..., num_prefix_tokens:]
    if patches.shape[-1] != height * width:
        raise RadZeroInputError(
            f"scores have {patches.shape[-1]} patch columns but the grid {height}x{width} needs {height * width}"
        )
    return patches.reshape(*scores.shape[:-1], height, width)


class VLCABSHead(nn.Module):
    """Shared LayerNorm for text and vision features plus the learnable log-temperature."""

    def __init__(self, dim: int, init_tau: float = 0.07, learn_tau: bool = True) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.log_tau = nn.Parameter(torch.tensor(math.log(init_tau)), requires_grad=learn_tau)

    @property
    def tau(self) -> Tensor:
        return self.log_tau.exp()

    def forward(
        self, text: Tensor, tokens: Tensor, lean: bool = False, chunk_size: int | None = None
    ) -> tuple[Tensor, Tensor | None]:
        """Layer-normed inputs → (logits (N, B), scores (B, N, L) or None when ``lean``)."""
        if lean:
            return vlcabs_logits(text, tokens, self.tau, chunk_size), None
        return vlcabs(text, tokens, self.tau)
