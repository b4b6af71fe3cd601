"""Training samplers whose order depends only on (seed, epoch): exact resume, and DDP = one device.

``EpochSeededRandomSampler`` (one device) shuffles with a permutation of (seed, epoch).
``GlobalBatchDistributedSampler`` (several devices) takes the SAME permutation, cuts it into global
batches and hands rank r the r-th contiguous chunk of every global batch. Concatenated in rank order,
the ranks' batches are exactly the one-device batches, so the gathered loss (radzero.loss.gather) of a
DDP run sees the global batch of a one-device run, image for image and in the same order
(docs/cluster.md).
"""

from __future__ import annotations

import torch
from torch.utils.data import DistributedSampler, Sampler

__all__ = ["EpochSeededRandomSampler", "GlobalBatchDistributedSampler", "epoch_permutation", "mix_seed"]


def mix_seed(*values: int) -> int:
    """A 63-bit seed from integers (splitmix64-style), stable across processes and Python versions."""
    h = 0x9E3779B97F4A7C15
    for v in values:
        h = (h ^ (int(v) & 0xFFFFFFFFFFFFFFFF)) * 0xBF58476D1CE4E5B9 & 0xFFFFFFFFFFFFFFFF
        h ^= h >> 31
    return h & 0x7FFFFFFFFFFFFFFF


def epoch_permutation(n: int, seed: int, epoch: int) -> list[int]:
    """The shuffle of epoch ``epoch``: a permutation of range(n) that depends only on (seed, epoch)."""
    generator = torch.Generator()
    generator.manual_seed(mix_seed(seed, epoch, 0))
    return torch.randperm(n, generator=generator).tolist()


class EpochSeededRandomSampler(Sampler[int]):
    """Shuffle order that depends only on (seed, epoch), so a run resumed from a checkpoint sees
    the same batches as an uninterrupted one (Lightning calls ``set_epoch`` before each epoch).

    ``loader_generator`` (the DataLoader's ``generator``) is re-seeded from (seed, epoch) too:
    the DataLoader draws its workers' base seed from it, hence augmentation streams are
    reproducible as well (with ``persistent_workers=False``)."""

    def __init__(self, n: int, seed: int = 0, loader_generator: torch.Generator | None = None):
        self.n = int(n)
        self.seed = int(seed)
        self.epoch = 0
        self.loader_generator = loader_generator
        self.set_epoch(0)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)
        if self.loader_generator is not None:
            self.loader_generator.manual_seed(mix_seed(self.seed, self.epoch, 1))

    def __iter__(self):
        return iter(epoch_permutation(self.n, self.seed, self.epoch))

    def __len__(self) -> int:
        return self.n


def _chunk_bounds(size: int, parts: int) -> list[int]:
    """Start offsets (parts + 1) that split ``size`` items into ``parts`` contiguous chunks, sizes differing by <= 1."""
    base, extra = divmod(size, parts)
    bounds = [0]
    for rank in range(parts):
        bounds.append(bounds[-1] + base + (1 if rank < extra else 0))
    return bounds


class GlobalBatchDistributedSampler(DistributedSampler):
    """Rank ``rank``'s share of the one-device order: chunk ``rank`` of every global batch.

    A ``DistributedSampler`` subclass, so Lightning keeps it (``use_distributed_sampler`` replaces only
    other samplers). ``global_batch_size`` = per-device batch x ``num_replicas``. ``drop_last``: leave
    out the final partial global batch (as the one-device loader does); without it that batch is split
    as evenly as possible, and dropped only when it has fewer images than ranks (a rank would be empty).
    """

    def __init__(self, n: int, num_replicas: int, rank: int, global_batch_size: int, seed: int = 0,
                 drop_last: bool = True, shuffle: bool = True, loader_generator: torch.Generator | None = None):
        if global_batch_size % num_replicas:
            raise ValueError(f"global batch {global_batch_size} is not divisible by {num_replicas} ranks")
        if not 0 <= rank < num_replicas:
            raise ValueError(f"rank {rank} is outside [0, {num_replicas})")
        # DistributedSampler's own bookkeeping (dataset only used for len); we override the order
        super().__init__(range(n), num_replicas=num_replicas, rank=rank, shuffle=shuffle, seed=seed,
                         drop_last=drop_last)
        self.n = int(n)
        self.global_batch_size = int(global_batch_size)
        self.loader_generator = loader_generator
        self.set_epoch(0)

    def set_epoch(self, epoch: int) -> None:
        super().set_epoch(epoch)
        if self.loader_generator is not None:  # augmentation workers' base seed, per rank and epoch
            self.loader_generator.manual_seed(mix_seed(self.seed, self.epoch, 1, self.rank))

    def _global_batches(self) -> list[list[int]]:
        order = epoch_permutation(self.n, self.seed, self.epoch) if self.shuffle else list(range(self.n))
        size = self.global_batch_size
        batches = [order[start:start + size] for start in range(0, self.n, size)]
        if batches and len(batches[-1]) < size and (self.drop_last or len(batches[-1]) < self.num_replicas):
            batches.pop()
        return batches

    def __iter__(self):
        mine: list[int] = []
        for batch in self._global_batches():
            bounds = _chunk_bounds(len(batch), self.num_replicas)
            mine.extend(batch[bounds[self.rank]:bounds[self.rank + 1]])
        return iter(mine)

    def __len__(self) -> int:
        full, rest = divmod(self.n, self.global_batch_size)
        per_rank = full * (self.global_batch_size // self.num_replicas)
        if rest and not self.drop_last and rest >= self.num_replicas:  # the kept partial batch, split
            bounds = _chunk_bounds(rest, self.num_replicas)
            per_rank += bounds[self.rank + 1] - bounds[self.rank]
        return per_rank
