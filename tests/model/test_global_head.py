"""The global head (the ablation ladder's CLIP baseline): the authors' global_alignment, save / load, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from model.tiny import tiny_config
from radzero import Predictor
from radzero.loss import RadZeroLoss, clip_nce
from radzero.model import RadZero, RadZeroConfig
from radzero.utils.errors import ConfigError

SENTENCES = ["There is small left pleural effusion", "There is no pneumothorax", "There is cardiomegaly"]


def _global(**vision) -> RadZero:
    torch.manual_seed(0)
    config = tiny_config(head="global")
    config.vision = {**config.vision, **vision}
    return RadZero(config).eval()


@pytest.fixture(scope="module")
def model() -> RadZero:
    return _global(reg_tokens=1)  # [CLS, register, 16 patches]: the register is no patch


def _authors(model: RadZero, images: torch.Tensor, sentences: list[str]) -> dict[str, torch.Tensor]:
    """The RadZero authors' CxrAlignModel, compute_logits_type "global_alignment", re-stated step by step:
    forward_vision_model (align, CLS + mean of patches, L2) and forward_text_model (mean pooling, projector, L2)."""
    vision_tokens = model.vision_proj(model.align(model.vision(images)[0]))  # (B, L, D)
    prefix = model.vision.num_prefix_tokens
    cls_token, patch_tokens = vision_tokens[:, 0], vision_tokens[:, prefix:]
    image_features = F.normalize(torch.cat([cls_token, patch_tokens.mean(dim=1)], dim=1), p=2, dim=1)  # (B, 2D)
    tokens = model.tokenize(sentences)
    text_features = model.text_proj(model.text(tokens["input_ids"], tokens["attention_mask"]))
    text_features = F.normalize(text_features, p=2, dim=1)  # (N, 2D)
    hidden = vision_tokens.shape[-1]
    return {
        "logits": image_features @ text_features.T,  # (B, N)
        "scores": torch.einsum("ind,jd->ijn", patch_tokens, text_features[:, hidden:]),  # (B, N, h*w), their map
        "patch_norms": patch_tokens.norm(dim=-1),  # (B, h*w)
        "text_half_norms": text_features[:, hidden:].norm(dim=-1),  # (N,)
    }


def _ours(model: RadZero, images: torch.Tensor, sentences: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    tokens = model.tokenize(sentences)
    text = model.encode_text(tokens["input_ids"], tokens["attention_mask"])
    image_tokens, grid = model.encode_image(images)
    return model.similarity(text, image_tokens, grid)  # (N, B), (B, N, h, w)


def _images(batch: int = 3) -> torch.Tensor:
    return torch.randn(batch, 3, 32, 32, generator=torch.Generator().manual_seed(1))


def test_logits_and_maps_are_the_authors_global_alignment(model):
    images = _images()
    with torch.no_grad():
        logits, maps = _ours(model, images, SENTENCES)
        theirs = _authors(model, images, SENTENCES)
    assert model.vision.num_prefix_tokens == 2 and logits.shape == (3, 3) and maps.shape == (3, 3, 4, 4)
    torch.testing.assert_close(logits, theirs["logits"].T, atol=1e-6, rtol=1e-5)
    # the map: the authors' patch · text[hidden:], as a cosine (both vectors at unit length)
    norms = theirs["patch_norms"][:, None, :] * theirs["text_half_norms"][None, :, None]  # (B, N, h*w)
    torch.testing.assert_close(maps.flatten(2), theirs["scores"] / norms, atol=1e-5, rtol=1e-5)
    assert float(maps.abs().max()) <= 1.0 + 1e-6
    assert isinstance(model.head.norm, torch.nn.Identity)  # no shared LayerNorm on this path


def test_training_logits_loss_and_tau(model):
    images = _images(4)
    tokens = model.tokenize(["a b", "c d", "e", "f g h"])
    features = model(images, tokens["input_ids"], tokens["attention_mask"])
    assert features.text.shape == (4, 64) and features.tokens.shape == (4, 18, 32)
    out = RadZeroLoss(loss="single_positive")(features.text, features.tokens, torch.arange(4), features.tau,
                                              model.logits)
    torch.testing.assert_close(out.losses["loss"], clip_nce(model.similarity(features.text, features.tokens,
                                                                             features.grid)[0], features.tau))
    out.losses["loss"].backward()
    assert model.head.log_tau.grad is not None and model.text_proj.weight.grad is not None
    assert float(model.tau.detach()) == pytest.approx(0.07, rel=1e-6)  # model.init_tau
    model.zero_grad()


def test_save_load_round_trip_keeps_the_global_head(model, tmp_path):
    model.save_pretrained(tmp_path)
    assert json.loads((tmp_path / "config.json").read_text())["head"] == "global"
    loaded = RadZero.from_pretrained(tmp_path).eval()
    assert loaded.config.head == "global"
    images = _images()
    with torch.no_grad():
        for a, b in zip(_ours(model, images, SENTENCES), _ours(loaded, images, SENTENCES)):
            torch.testing.assert_close(a, b, atol=0, rtol=0)
    out = Predictor(loaded).predict(np.full((40, 48), 0.5, dtype=np.float32), SENTENCES[:2])
    assert out.probs.shape == (2,) and out.cosine_maps.shape == (2, 40, 48)


def test_old_config_without_head_loads_as_vlcabs(tmp_path):
    torch.manual_seed(0)
    RadZero(tiny_config()).save_pretrained(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    assert config.pop("head") == "vlcabs" and config.pop("loss") == "multi_positive"
    (tmp_path / "config.json").write_text(json.dumps(config))
    loaded = RadZero.from_pretrained(tmp_path)
    assert loaded.config.head == "vlcabs" and loaded.config.loss == "multi_positive"


def test_a_global_checkpoint_does_not_load_as_vlcabs(model, tmp_path):
    model.save_pretrained(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps({**config, "head": "vlcabs"}))
    with pytest.raises(ValueError, match="does not match the model config"):
        RadZero.from_pretrained(tmp_path)


@pytest.mark.parametrize("vision", [{"class_token": False}, {"class_token": False, "reg_tokens": 1}])
def test_no_cls_token_is_a_clear_error(vision):
    with pytest.raises(ConfigError, match="model.head=global needs a CLS token.*class_token=true"):
        _global(**vision)


def test_bad_head_or_loss_names_the_key():
    with pytest.raises(ConfigError, match=r"model.head='clip'.*\['vlcabs', 'global'\]"):
        RadZeroConfig(head="clip")
    with pytest.raises(ConfigError, match=r"model.loss='clip'"):
        RadZeroConfig.from_dict({"loss": "clip"})


def test_stage_two_heads_run_on_a_global_model(model):
    from radzero.model.finetune import FinetuneModel, LinearProbe, SegmentationHead

    batch = model.tokenize(["There is pneumothorax"])
    prompt = model.encode_text(batch["input_ids"], batch["attention_mask"]).detach()  # (1, 2D)
    images = _images(2)
    with torch.no_grad():
        segmentation = FinetuneModel(model, SegmentationHead(model.token_dim, out_size=32), prompt).eval()(images)
        probe = LinearProbe(model.token_dim, 3, model.vision.num_prefix_tokens)
        scores = FinetuneModel(model, probe).eval()(images)
    assert model.token_dim == 32 and segmentation.shape == (2, 1, 32, 32) and scores.shape == (2, 3)
