"""All-gather of ragged per-rank tensors with gradient (docs/model.md, "Distributed").

Every rank ends up with the same global tensor and computes the same global loss. The backward
sums the incoming gradients over ranks and keeps this rank's slice, so that after DDP averages
parameter gradients they equal the gradients of the one-process run on the concatenated batch.
"""

from __future__ import annotations

import torch
import torch.distributed as dist
from torch import Tensor


def _distributed() -> bool:
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def _gather_sizes(length: int, device: torch.device) -> list[int]:
    """Length along the gathered dim on every rank."""
    local = torch.tensor([length], dtype=torch.long, device=device)
    sizes = [torch.zeros_like(local) for _ in range(dist.get_world_size())]
    dist.all_gather(sizes, local)
    return [int(size) for size in sizes]


def _pad_to(tensor: Tensor, length: int, dim: int) -> Tensor:
    missing = length - tensor.shape[dim]
    if missing == 0:
        return tensor.contiguous()
    pad_shape = list(tensor.shape)
    pad_shape[dim] = missing
    return torch.cat([tensor, tensor.new_zeros(pad_shape)], dim=dim).contiguous()


class _RaggedAllGather(torch.autograd.Function):
    @staticmethod
    def forward(ctx, tensor: Tensor, dim: int) -> Tensor:
        sizes = _gather_sizes(tensor.shape[dim], tensor.device)
        padded = _pad_to(tensor, max(sizes), dim)
        pieces = [torch.empty_like(padded) for _ in sizes]
        dist.all_gather(pieces, padded)
        ctx.dim, ctx.sizes, ctx.rank = dim, sizes, dist.get_rank()
        return torch.cat([piece.narrow(dim, 0, size) for piece, size in zip(pieces, sizes)], dim=dim)

    @staticmethod
    def backward(ctx, grad: Tensor):
        grad = grad.contiguous()
        dist.all_reduce(grad, op=dist.ReduceOp.SUM)
        start = sum(ctx.sizes[: ctx.rank])
        return grad.narrow(ctx.dim, start, ctx.sizes[ctx.rank]), None


def ragged_all_gather(tensor: Tensor, dim: int = 0) -> Tensor:
    """Concatenate ``tensor`` from all ranks along ``dim`` (sizes may differ per rank), with gradient.

    Identity when not running distributed.
    """
    if not _distributed():
        return tensor
    return _RaggedAllGather.apply(tensor, dim)


def gather_group_indices(group: Tensor, num_local_images: int) -> Tensor:
    """Gather per-rank group indices (N_r,) into global ones, offset by the images of earlier ranks."""
    if not _distributed():
        return group
    image_counts = _gather_sizes(num_local_images, group.device)
    offset = sum(image_counts[: dist.get_rank()])
    return ragged_all_gather(group.long() + offset, dim=0)
