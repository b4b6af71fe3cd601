"""The DDP sampler hands each rank its chunk of the one-device global batches (independent re-statement)."""

from __future__ import annotations

import pytest
import torch

from radzero.data.samplers import EpochSeededRandomSampler, GlobalBatchDistributedSampler


def _one_device_batches(n: int, batch: int, seed: int, epoch: int, drop_last: bool) -> list[list[int]]:
    sampler = EpochSeededRandomSampler(n, seed)
    sampler.set_epoch(epoch)
    order = list(sampler)
    batches = [order[i:i + batch] for i in range(0, n, batch)]
    return [b for b in batches if len(b) == batch or not drop_last]


def _rank_batches(n: int, world: int, per_device: int, seed: int, epoch: int, drop_last: bool) -> list[list[list[int]]]:
    """Per rank, the DataLoader's batches of that rank's sampler (batch_size = per_device)."""
    out = []
    for rank in range(world):
        sampler = GlobalBatchDistributedSampler(n, world, rank, per_device * world, seed, drop_last=drop_last)
        sampler.set_epoch(epoch)
        order = list(sampler)
        assert len(order) == len(sampler)
        out.append([order[i:i + per_device] for i in range(0, len(order), per_device)])
    return out


@pytest.mark.parametrize("n,world,per_device", [(24, 2, 2), (50, 4, 3), (23, 2, 4), (7, 3, 1)])
@pytest.mark.parametrize("drop_last", [True, False])
def test_ranks_concatenated_are_the_one_device_batches(n, world, per_device, drop_last):
    for epoch in (0, 3):
        expected = _one_device_batches(n, per_device * world, seed=5, epoch=epoch, drop_last=drop_last)
        ranks = _rank_batches(n, world, per_device, seed=5, epoch=epoch, drop_last=drop_last)
        counts = {len(r) for r in ranks}
        assert len(counts) == 1  # every rank runs the same number of steps (DDP would hang otherwise)
        got = [sum((ranks[r][k] for r in range(world)), []) for k in range(counts.pop())]
        if not drop_last and expected and len(expected[-1]) < world:
            expected = expected[:-1]  # a last batch with fewer images than ranks is dropped
        assert got == expected
        assert all(len(ranks[r][k]) >= 1 for r in range(world) for k in range(len(got)))


def test_epochs_and_seeds_change_the_order_and_the_augmentation_seed():
    g = torch.Generator()
    s = GlobalBatchDistributedSampler(40, 2, 1, 8, seed=1, loader_generator=g)
    first, seed0 = list(s), g.initial_seed()
    s.set_epoch(1)
    assert list(s) != first and g.initial_seed() != seed0
    s.set_epoch(0)
    assert list(s) == first and g.initial_seed() == seed0
    assert list(GlobalBatchDistributedSampler(40, 2, 1, 8, seed=2)) != first


def test_a_batch_not_divisible_by_the_ranks_is_refused():
    with pytest.raises(ValueError, match="not divisible by 3 ranks"):
        GlobalBatchDistributedSampler(10, 3, 0, 8)
