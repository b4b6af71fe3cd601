"""Stage-2 heads: the segmentation head starts from the zero-shot map, frozen parts get no gradient and stay in
eval mode, the linear probe pools as documented."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from radzero.model import RadZero
from radzero.model.finetune import FinetuneModel, LinearProbe, SegmentationHead
from model.tiny import tiny_config


@pytest.fixture()
def net() -> RadZero:
    torch.manual_seed(0)
    return RadZero(tiny_config(text={"name": "local_bert", "hidden": 32, "layers": 1, "heads": 2, "dropout": 0.3})).eval()


def _prompt(net: RadZero) -> torch.Tensor:
    batch = net.tokenize(["There is pneumothorax"])
    return net.encode_text(batch["input_ids"], batch["attention_mask"]).detach()  # (1, D)


def test_segmentation_head_starts_from_the_zero_shot_map(net):
    prompt = _prompt(net)
    model = FinetuneModel(net, SegmentationHead(32, out_size=32), prompt)
    images = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        logits = model(images)  # (2, 1, 32, 32)
        tokens, grid = net.encode_image(images)
        _, cosine = net.similarity(prompt, tokens, grid)  # (2, 1, 4, 4)
        h, w = grid
        expected = F.interpolate(F.interpolate(cosine / net.tau, size=(2 * h, 2 * w), mode="bilinear"),
                                 size=(32, 32), mode="bilinear")
    assert logits.shape == (2, 1, 32, 32)
    torch.testing.assert_close(logits, expected)


@pytest.mark.parametrize("train_align", [False, True])
def test_frozen_parts_get_no_gradient_and_stay_in_eval_mode(net, train_align):
    model = FinetuneModel(net, SegmentationHead(32, out_size=32), _prompt(net), train_align=train_align)
    model.train()
    assert not net.vision.training and not net.text.training
    assert net.align.training == train_align and model.head.training
    before = {n: p.detach().clone() for n, p in net.named_parameters()}
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.5)
    loss = model(torch.randn(2, 3, 32, 32)).sigmoid().mean()
    loss.backward()
    optimizer.step()
    for name, param in net.named_parameters():
        trainable = train_align and (name.startswith("align.") or name.startswith("vision_proj."))
        assert (param.grad is not None) == trainable, name
        assert torch.equal(param, before[name]) != trainable or param.grad.abs().sum() == 0, name
    assert all(p.grad is not None for p in model.head.parameters())


def test_linear_probe_pools_cls_and_patch_mean(net):
    probe = LinearProbe(32, num_classes=3, num_prefix_tokens=net.vision.num_prefix_tokens)
    model = FinetuneModel(net, probe)
    images = torch.randn(4, 3, 32, 32)
    with torch.no_grad():
        tokens, _ = net.encode_image(images)
        p = net.vision.num_prefix_tokens
        patch_mean = tokens[:, p:].mean(1)
        first = tokens[:, 0] if p else patch_mean
        expected = torch.cat([first, patch_mean], 1) @ probe.linear.weight.T + probe.linear.bias
        torch.testing.assert_close(model(images), expected)


def test_a_head_without_the_prompt_map_needs_none(net):
    model = FinetuneModel(net, SegmentationHead(32, out_size=32, use_prompt_map=False))
    assert model(torch.randn(1, 3, 32, 32)).shape == (1, 1, 32, 32)
    with pytest.raises(ValueError, match="needs the prompt's cosine map"):
        SegmentationHead(32, out_size=32)(torch.randn(1, 32, 4, 4))
