"""Vision encoders: token shapes, frozen semantics, pos-embed resampling; all offline (no hub)."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import socket  # noqa: E402

import pytest  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from radzero.model.vision import (  # noqa: E402
    VISION_ENCODERS,
    VisionEncoder,
    build_vision_encoder,
    resample_pos_embed,
)

TINY_DINO = dict(hidden_size=32, num_hidden_layers=1, num_attention_heads=2)
TINY_VIT = dict(depth=1, embed_dim=32, num_heads=2)


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any connection attempt (a hub download) fails the test."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args[1:]!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def tiny(name: str, image_size: int, frozen: bool) -> VisionEncoder:
    if name == "dinov2":
        return build_vision_encoder(
            "dinov2", image_size=image_size, frozen=frozen, pretrained=False, config_overrides=TINY_DINO
        )
    if name == "biomedclip":
        return build_vision_encoder(
            "biomedclip", image_size=image_size, frozen=frozen, pretrained=False, config_overrides=TINY_VIT
        )
    return build_vision_encoder("small_vit", image_size=image_size, frozen=frozen, width=32, depth=1, heads=2)


# ---------------------------------------------------------------- resample_pos_embed


def test_resample_pos_embed_unchanged_grid_is_identity():
    pe = torch.randn(1, 1 + 14 * 14, 16)
    out = resample_pos_embed(pe, (14, 14), num_prefix_tokens=1)
    assert torch.equal(out, pe)


@pytest.mark.parametrize("new_grid", [(32, 32), (7, 7), (20, 24)])
def test_resample_pos_embed_matches_timm_and_keeps_cls(new_grid):
    from timm.layers import resample_abs_pos_embed

    torch.manual_seed(0)
    pe = torch.randn(1, 1 + 14 * 14, 16)
    out = resample_pos_embed(pe, new_grid, num_prefix_tokens=1)
    assert out.shape == (1, 1 + new_grid[0] * new_grid[1], 16)
    assert torch.equal(out[:, :1], pe[:, :1])  # CLS pos-embed kept as is
    ref = resample_abs_pos_embed(pe, list(new_grid), num_prefix_tokens=1, interpolation="bicubic", antialias=True)
    torch.testing.assert_close(out, ref, rtol=0, atol=1e-6)


def test_resample_pos_embed_preserves_constant_and_dtype():
    pe = torch.full((1, 1 + 4 * 4, 8), 0.25, dtype=torch.bfloat16)
    out = resample_pos_embed(pe, (9, 9), num_prefix_tokens=1)
    assert out.dtype == torch.bfloat16
    torch.testing.assert_close(out.float(), torch.full((1, 82, 8), 0.25), rtol=0, atol=1e-2)


def test_resample_pos_embed_rejects_non_square_without_old_grid():
    with pytest.raises(ValueError):
        resample_pos_embed(torch.randn(1, 1 + 12, 4), (4, 4), num_prefix_tokens=1)
    out = resample_pos_embed(torch.randn(1, 1 + 12, 4), (6, 8), num_prefix_tokens=1, old_grid=(3, 4))
    assert out.shape == (1, 49, 4)


# ---------------------------------------------------------------- token shapes


@pytest.mark.parametrize("image_size", [224, 518])
def test_dinov2_tokens_shape(image_size):
    enc = tiny("dinov2", image_size, frozen=True)
    g = image_size // 14
    tokens, grid = enc(torch.randn(2, 3, image_size, image_size))
    assert grid == (g, g)
    assert tokens.shape == (2, 1 + g * g, 32)
    assert enc.num_tokens == 1 + g * g and enc.embed_dim == 32 and enc.patch_size == 14
    assert enc.mean == (0.485, 0.456, 0.406) and enc.std == (0.229, 0.224, 0.225)


def test_dinov2_returns_last_hidden_state_after_final_layernorm():
    enc = tiny("dinov2", 224, frozen=True)
    x = torch.randn(1, 3, 224, 224)
    tokens, _ = enc(x)
    with torch.no_grad():
        out = enc.backbone(pixel_values=x, output_hidden_states=True)
    torch.testing.assert_close(tokens, out.last_hidden_state)
    torch.testing.assert_close(tokens, enc.backbone.layernorm(out.hidden_states[-1]))


def test_dinov2_any_multiple_of_patch_and_grayscale():
    enc = tiny("dinov2", 518, frozen=True)
    tokens, grid = enc(torch.randn(1, 1, 14 * 5, 14 * 7))  # non-square, 1 channel
    assert grid == (5, 7) and tokens.shape == (1, 36, 32)
    with pytest.raises(ValueError, match="multiple of the patch size"):
        enc(torch.randn(1, 3, 520, 520))


@pytest.mark.parametrize("image_size", [224, 448, 512])
def test_biomedclip_tokens_shape_at_new_size(image_size):
    enc = tiny("biomedclip", image_size, frozen=True)
    g = image_size // 16
    tokens, grid = enc(torch.randn(1, 3, image_size, image_size))
    assert grid == (g, g) and tokens.shape == (1, 1 + g * g, 32)
    assert enc.backbone.pos_embed.shape == (1, 1 + g * g, 32)
    assert tuple(enc.backbone.patch_embed.grid_size) == (g, g)
    assert enc.mean == pytest.approx((0.48145466, 0.4578275, 0.40821073))


def test_biomedclip_pos_embed_resampled_from_native_grid():
    torch.manual_seed(0)
    native = tiny("biomedclip", 224, frozen=True)
    assert native.backbone.pos_embed.shape == (1, 1 + 14 * 14, 32)
    torch.manual_seed(0)  # same random init -> same native pos-embed
    big = tiny("biomedclip", 512, frozen=True)
    expected = resample_pos_embed(native.backbone.pos_embed.detach(), (32, 32), num_prefix_tokens=1)
    torch.testing.assert_close(big.backbone.pos_embed.detach(), expected)
    torch.testing.assert_close(big.backbone.pos_embed[:, :1], native.backbone.pos_embed[:, :1])


def test_set_vit_input_size_matches_timm_set_input_size():
    from radzero.model.vision import set_vit_input_size
    from radzero.model.vision.biomedclip import build_biomedclip_trunk

    torch.manual_seed(0)
    ours = build_biomedclip_trunk(overrides=TINY_VIT).eval()
    torch.manual_seed(0)
    ref = build_biomedclip_trunk(overrides=TINY_VIT).eval()
    set_vit_input_size(ours, 448)
    ref.set_input_size(img_size=(448, 448))
    torch.testing.assert_close(ours.pos_embed, ref.pos_embed, rtol=0, atol=1e-6)
    x = torch.randn(1, 3, 448, 448)
    with torch.no_grad():
        torch.testing.assert_close(ours.forward_features(x), ref.forward_features(x), rtol=1e-5, atol=1e-5)


def test_biomedclip_tokens_are_unpooled_forward_features():
    enc = tiny("biomedclip", 224, frozen=True)
    x = torch.randn(1, 3, 224, 224)
    tokens, _ = enc(x)
    with torch.no_grad():
        torch.testing.assert_close(tokens, enc.backbone.forward_features(x))
        torch.testing.assert_close(tokens, enc.backbone(x))  # global_pool='' and no head: trunk(x) is the same


def test_biomedclip_rejects_size_not_multiple_of_16():
    with pytest.raises(ValueError, match="multiple of 16"):
        tiny("biomedclip", 518, frozen=True)


def test_small_vit_shapes_and_grayscale():
    enc = tiny("small_vit", 64, frozen=False)
    tokens, grid = enc(torch.randn(3, 1, 64, 64))
    assert grid == (4, 4) and tokens.shape == (3, 17, 32)
    assert enc.image_size == 64 and enc.frozen is False


def test_small_vit_conv_stem_keeps_the_token_grid_and_trains():
    from radzero.model.vision.small_vit import conv_stem

    enc = build_vision_encoder("small_vit", image_size=64, frozen=False, patch_size=16, width=32, depth=1,
                               heads=2, stem="conv")
    convs = [m for m in enc.backbone.patch_embed.proj.modules() if isinstance(m, nn.Conv2d)]
    assert [c.stride for c in convs] == [(2, 2)] * 4 + [(1, 1)]  # log2(16) stride-2 3x3 convs, then 1x1
    tokens, grid = enc(torch.randn(3, 1, 64, 64))
    assert grid == (4, 4) and tokens.shape == (3, 17, 32)
    tokens.mean().backward()
    assert all(p.grad is not None for p in enc.parameters() if p.requires_grad)
    assert conv_stem(3, 64, 8)(torch.randn(1, 3, 40, 48)).shape == (1, 64, 5, 6)
    with pytest.raises(ValueError, match="power-of-two"):
        conv_stem(3, 32, 14)
    with pytest.raises(ValueError, match="stem must be"):
        build_vision_encoder("small_vit", image_size=64, frozen=False, patch_size=16, width=32, depth=1, heads=2,
                             stem="resnet")


@pytest.mark.parametrize("depth", [0, 1])
def test_small_vit_depth_zero_conv_stem_gives_local_tokens(depth):
    """depth=0 + conv stem: patch token i sees only pixels 8i-7 .. 8i+7 (3 stride-2 3x3 convs), so
    changing the top-left corner leaves far tokens bit-identical; one global attention block does not."""
    torch.manual_seed(0)
    enc = build_vision_encoder("small_vit", image_size=64, frozen=False, patch_size=8, width=32, depth=depth,
                               heads=2, stem="conv").eval()
    image = torch.randn(1, 1, 64, 64)
    changed = image.clone()
    changed[..., :12, :12] += 3.0  # pixels of patch rows / cols 0-1
    with torch.no_grad():
        (before, grid), (after, _) = enc(image), enc(changed)
    patches = lambda t: t[0, 1:].reshape(*grid, -1)  # noqa: E731  (h, w, D) patch tokens
    delta = (patches(after) - patches(before)).abs().amax(-1)  # (h, w)
    assert delta[:2, :2].min() > 0  # the tokens over the change move
    far = delta[3:, 3:]  # their receptive fields (pixels 8i-7 .. 8i+7) start at pixel 17
    if depth == 0:
        assert torch.equal(far, torch.zeros_like(far))
    else:
        assert far.min() > 0  # global self-attention spreads the change everywhere


# ---------------------------------------------------------------- frozen / trainable


@pytest.mark.parametrize("name", sorted(VISION_ENCODERS))
def test_frozen_encoder_gets_no_grads_and_stays_eval(name):
    size = 56 if name == "dinov2" else 64
    enc = tiny(name, size, frozen=True)
    head = nn.Linear(enc.embed_dim, 1)
    parent = nn.ModuleDict({"enc": enc, "head": head})
    parent.train()
    assert parent.training and head.training
    assert not enc.training and all(not m.training for m in enc.modules())
    assert all(not p.requires_grad for p in enc.parameters())

    tokens, _ = enc(torch.randn(2, 3, size, size))
    assert not tokens.requires_grad
    head(tokens).sum().backward()
    assert head.weight.grad is not None and head.weight.grad.abs().sum() > 0
    for p in enc.parameters():
        assert p.grad is None or torch.count_nonzero(p.grad) == 0

    parent.eval()
    parent.train(True)
    assert not enc.training


@pytest.mark.parametrize("name", sorted(VISION_ENCODERS))
def test_trainable_encoder_follows_train_mode_and_gets_grads(name):
    size = 56 if name == "dinov2" else 64
    enc = tiny(name, size, frozen=False)
    enc.train()
    assert enc.training
    tokens, _ = enc(torch.randn(2, 3, size, size))
    assert tokens.requires_grad
    tokens.pow(2).mean().backward()
    # every trainable parameter is used (DDP without find_unused_parameters needs this; DINOv2's
    # pre-training mask_token is therefore not trainable)
    unused = [n for n, p in enc.named_parameters() if p.requires_grad and p.grad is None]
    assert unused == []
    assert sum(p.requires_grad for p in enc.parameters()) >= len(list(enc.parameters())) - 1
    enc.eval()
    assert not enc.training


def test_unknown_vision_encoder():
    with pytest.raises(ValueError, match="unknown vision encoder"):
        build_vision_encoder("resnet", image_size=224, frozen=True)


# ---------------------------------------------------------------- real base configs (slow)


@pytest.mark.slow
def test_real_base_architectures_construct_offline():
    """DINOv2-base at 518 px, BiomedCLIP ViT-B/16 trunk at 512 px, MPNet-base and the BiomedCLIP text tower,
    random weights from the shipped configs, batch 1 forward."""
    from radzero.model.text import build_text_encoder

    dino = build_vision_encoder("dinov2", image_size=518, frozen=True, pretrained=False)
    assert sum(p.numel() for p in dino.parameters()) > 85_000_000
    tokens, grid = dino(torch.randn(1, 3, 518, 518))
    assert grid == (37, 37) and tokens.shape == (1, 1370, 768)
    del dino

    bmc = build_vision_encoder("biomedclip", image_size=512, frozen=True, pretrained=False)
    assert bmc.backbone.pos_embed.shape == (1, 1 + 32 * 32, 768)
    tokens, grid = bmc(torch.randn(1, 3, 512, 512))
    assert grid == (32, 32) and tokens.shape == (1, 1025, 768)
    del bmc

    sentences = ["There is mild cardiomegaly.", "There is no pneumothorax."]
    mpnet = build_text_encoder("hf", pretrained=False).eval()
    assert type(mpnet.backbone).__name__ == "MPNetModel" and mpnet.backbone.config.num_hidden_layers == 12
    with torch.no_grad():
        assert mpnet(**mpnet.tokenize(sentences)).shape == (2, 768)
    del mpnet

    pubmedbert = build_text_encoder("biomedclip", pretrained=False).eval()
    assert pubmedbert.backbone.config.vocab_size == 30522 and pubmedbert.max_length == 256
    with torch.no_grad():
        assert pubmedbert(**pubmedbert.tokenize(sentences)).shape == (2, 512)
