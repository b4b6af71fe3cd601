"""Two gloo processes on two halves of a batch give the loss and gradients of one process on the whole."""

from __future__ import annotations

import socket

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.nn.parallel import DistributedDataParallel

from model.tiny import tiny_config
from radzero.loss import RadZeroLoss
from radzero.model import RadZero

# Ragged on purpose: rank 0 has 2 images / 3 sentences, rank 1 has 3 images / 6 sentences.
SENTENCES = [
    "There is small left pleural effusion", "There is no pneumothorax",
    "There is cardiomegaly",
    "There is consolidation of right lower lobe", "There is no edema", "There may be atelectasis",
    "There is nodule of left upper lobe", "There is large right pneumothorax", "There is mild edema",
]
GROUP = [0, 0, 1, 2, 2, 2, 3, 4, 4]
SPLIT = {0: (slice(0, 2), slice(0, 3)), 1: (slice(2, 5), slice(3, 9))}  # rank -> (images, sentences)
# The ablation ladder's CLIP rung: global head, one sentence per image (rank 0: 2 images, rank 1: 3)
ONE_EACH = [SENTENCES[i] for i in (0, 2, 3, 6, 7)]
VARIANTS = {
    "multi_positive": ({"kl_weight": 0.3}, SENTENCES, GROUP, SPLIT),
    "clip": ({"head": "global", "loss": "single_positive"}, ONE_EACH, list(range(5)),
             {0: (slice(0, 2), slice(0, 2)), 1: (slice(2, 5), slice(2, 5))}),
}


def _batch(variant: str):
    images = torch.randn(5, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    return images, torch.tensor(VARIANTS[variant][2])


def _model(variant: str) -> RadZero:
    torch.manual_seed(0)
    return RadZero(tiny_config(**VARIANTS[variant][0]))


def _loss(net, model: RadZero, images, tokens, group):
    """The training path: features from ``net`` (the model, or its DDP wrapper) -> RadZeroLoss (ragged gather)."""
    features = net(images, tokens["input_ids"], tokens["attention_mask"])
    loss = RadZeroLoss(model.config.kl_weight, loss=model.config.loss)
    return loss(features.text, features.tokens, group, features.tau, model.logits)


def _trainable_grads(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {name: p.grad.detach().clone() for name, p in model.named_parameters() if p.requires_grad}


def _worker(rank: int, port: int, results, variant: str) -> None:
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=2)
    try:
        model = _model(variant)
        ddp = DistributedDataParallel(model)
        images, group = _batch(variant)
        _, sentences, _, split = VARIANTS[variant]
        image_slice, text_slice = split[rank]
        tokens = model.tokenize(sentences[text_slice])
        local_group = group[text_slice] - image_slice.start
        output = _loss(ddp, model, images[image_slice], tokens, local_group)
        output.losses["loss"].backward()
        results[rank] = (float(output.losses["loss"]), _trainable_grads(model), output.logits.shape)
    finally:
        dist.destroy_process_group()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.timeout(300)
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_ddp_two_processes_equal_one_process(variant):
    model = _model(variant)
    images, group = _batch(variant)
    tokens = model.tokenize(VARIANTS[variant][1])
    output = _loss(model, model, images, tokens, group)
    output.losses["loss"].backward()
    expected_loss, expected_grads = float(output.losses["loss"]), _trainable_grads(model)

    manager = mp.get_context("spawn").Manager()
    results = manager.dict()
    mp.spawn(_worker, args=(_free_port(), results, variant), nprocs=2, join=True)
    assert len(expected_grads) > 10
    for rank in (0, 1):
        loss, grads, logits_shape = results[rank]
        assert logits_shape == (len(VARIANTS[variant][1]), 5)  # global sentences x global images on every rank
        assert loss == pytest.approx(expected_loss, abs=1e-5)
        assert grads.keys() == expected_grads.keys()
        for name, grad in grads.items():
            torch.testing.assert_close(grad, expected_grads[name], atol=1e-5, rtol=1e-4, msg=name)
