"""RadZero model: forward shapes, losses, maps, save/load, frozen encoder, bad input."""

from __future__ import annotations

import json

import pytest
import torch

from model.tiny import tiny_config
from radzero.loss import RadZeroLoss
from radzero.model import RadZero, vlcabs
from radzero.utils.checks import RadZeroInputError

SENTENCES = ["There is small left pleural effusion", "There is no pneumothorax", "There is cardiomegaly"]


@pytest.fixture(scope="module")
def model() -> RadZero:
    torch.manual_seed(0)
    return RadZero(tiny_config()).eval()


def _loss(model: RadZero, images, tokens, group, text_ids=None):
    """Training's path: the model's features -> RadZeroLoss (gather, VL-CABS logits, objective)."""
    c = model.config
    features = model(images, tokens["input_ids"], tokens["attention_mask"])
    loss = RadZeroLoss(c.kl_weight, c.row_sum, c.col_sum, c.mask_duplicate_texts)
    return loss(features.text, features.tokens, group, features.tau, model.logits, text_ids)


def _maps(model: RadZero, images, tokens):
    """Logits (N, B) and maps (B, N, h, w) = cos / tau from the model's one map method."""
    features = model(images, tokens["input_ids"], tokens["attention_mask"])
    logits, cosine_maps = model.similarity(features.text, features.tokens, features.grid)
    return logits, cosine_maps / features.tau


def _inputs(model: RadZero, sentences=SENTENCES, images: int = 2):
    tokens = model.tokenize(sentences)
    return torch.randn(images, 3, 32, 32, generator=torch.Generator().manual_seed(1)), tokens


def test_forward_logits_maps_and_losses(model):
    images, tokens = _inputs(model)
    with torch.no_grad():
        out = _loss(model, images, tokens, torch.tensor([0, 0, 1]))
        _, maps = _maps(model, images, tokens)
        # independent path: encoders + reference vlcabs
        text = model.encode_text(tokens["input_ids"], tokens["attention_mask"])
        image_tokens, grid = model.encode_image(images)
        logits, scores = vlcabs(text, image_tokens, model.tau)
    assert out.logits.shape == (3, 2) and set(out.losses) == {"loss", "nce"}
    assert grid == (4, 4) and maps.shape == (2, 3, 4, 4)
    torch.testing.assert_close(out.logits, logits, atol=1e-5, rtol=1e-5)  # lean head == reference
    torch.testing.assert_close(maps.flatten(2), scores[..., 1:])  # CLS column dropped
    assert float(model.tau) == pytest.approx(0.07, rel=1e-6)


def test_save_and_load_round_trip(model, tmp_path):
    model.save_pretrained(tmp_path)
    assert json.loads((tmp_path / "config.json").read_text())["align_depth"] == 1
    loaded = RadZero.from_pretrained(tmp_path).eval()
    images, tokens = _inputs(model)
    with torch.no_grad():
        a = _maps(model, images, tokens)[0]
        b = _maps(loaded, images, tokens)[0]
    torch.testing.assert_close(a, b, atol=0, rtol=0)
    assert loaded.tokenize(SENTENCES)["input_ids"].tolist() == tokens["input_ids"].tolist()


def test_load_mismatched_config_names_keys(model, tmp_path):
    model.save_pretrained(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    config["align_depth"] = 2
    (tmp_path / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match=r"missing: align\.blocks\.1"):
        RadZero.from_pretrained(tmp_path)
    config["align_depth"], config["bogus_key"] = 1, 3
    (tmp_path / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match=r"config\.json: unknown RadZero model config key\(s\) \['bogus_key'\]"):
        RadZero.from_pretrained(tmp_path)
    with pytest.raises(FileNotFoundError, match="save_pretrained"):
        RadZero.from_pretrained(tmp_path / "nowhere")


def test_frozen_vision_is_excluded_from_trainable_parameters():
    torch.manual_seed(0)
    config = tiny_config()
    config.vision = {**config.vision, "frozen": True}
    model = RadZero(config).train()
    trainable = {id(p) for p in model.trainable_parameters()}
    assert not any(id(p) in trainable for p in model.vision.parameters())
    assert not model.vision.training  # kept in eval mode
    images, tokens = _inputs(model)
    _loss(model, images, tokens, torch.tensor([0, 1, 1])).losses["loss"].backward()
    assert all(p.grad is None for p in model.vision.parameters())
    assert model.head.log_tau.grad is not None and any(p.grad is not None for p in model.align.parameters())


def test_bad_input_errors(model):
    images, tokens = _inputs(model)
    with pytest.raises(ValueError, match="empty"):
        model.tokenize([])
    with pytest.raises(RadZeroInputError, match="zero sentences"):
        _loss(model, images, tokens, torch.tensor([0, 0, 0]))
    nan_images = images.clone()
    nan_images[0, 0, 0, 0] = float("nan")
    with pytest.raises(RadZeroInputError, match="non-finite"):
        _loss(model, nan_images, tokens, torch.tensor([0, 0, 1]))


def test_repeated_sentences_are_encoded_once_with_the_same_features_and_gradients():
    torch.manual_seed(3)
    model = RadZero(tiny_config()).train()  # dropout 0 in the tiny config: encoding is deterministic
    sentences = ["There is no pneumothorax", "There is cardiomegaly", "There is no pneumothorax",
                 "There is small left pleural effusion", "There is no pneumothorax"]
    tokens = model.tokenize(sentences)
    calls = []
    hook = model.text.register_forward_hook(lambda module, args, out: calls.append(args[0].shape[0]))
    features = model.encode_text(tokens["input_ids"], tokens["attention_mask"])
    hook.remove()
    assert calls == [3]  # three distinct sentences went through the encoder
    # independent reference: every sentence on its own
    reference = torch.cat([model.encode_text(**model.tokenize([s])) for s in sentences])
    torch.testing.assert_close(features, reference, atol=1e-5, rtol=1e-5)
    weights = torch.randn_like(features)
    (features * weights).sum().backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
    model.zero_grad()
    (reference * weights).sum().backward()
    for name, param in model.named_parameters():
        if name in grads:
            torch.testing.assert_close(grads[name], param.grad, atol=1e-5, rtol=1e-4)


def test_mask_duplicate_texts_changes_the_loss_only_when_enabled():
    torch.manual_seed(4)
    images = torch.randn(3, 3, 32, 32)
    sentences = ["There is no pneumothorax", "There is no pneumothorax", "There is cardiomegaly",
                 "There is no pneumothorax"]
    group = torch.tensor([0, 1, 1, 2])
    from radzero.data.collate import sentence_ids
    from radzero.loss import multi_positive_nce

    losses = {}
    for mask in (False, True):
        torch.manual_seed(5)
        model = RadZero(tiny_config(mask_duplicate_texts=mask)).eval()
        tokens = model.tokenize(sentences)
        with torch.no_grad():
            out = _loss(model, images, tokens, group, text_ids=sentence_ids(sentences))
        text_ids = sentence_ids(sentences) if mask else None
        expected = multi_positive_nce(out.logits, group, model.tau, text_ids=text_ids)
        assert float(out.losses["nce"]) == pytest.approx(float(expected), abs=1e-6)
        losses[mask] = float(out.losses["nce"])
    assert losses[True] != pytest.approx(losses[False])


def test_small_vit_without_class_token_gives_patch_only_tokens_and_full_maps():
    torch.manual_seed(6)
    vision = {"name": "small_vit", "image_size": 32, "frozen": False, "patch_size": 8, "width": 32, "depth": 1,
              "heads": 2, "class_token": False}
    model = RadZero(tiny_config(vision=vision)).eval()
    assert model.vision.num_prefix_tokens == 0
    images, tokens = _inputs(model)
    with torch.no_grad():
        _, maps = _maps(model, images, tokens)
        image_tokens, grid = model.encode_image(images)
        text = model.encode_text(tokens["input_ids"], tokens["attention_mask"])
        _, scores = vlcabs(text, image_tokens, model.tau)
    assert image_tokens.shape[1] == 16 and grid == (4, 4)
    torch.testing.assert_close(maps.flatten(2), scores)  # every column is a patch


def test_small_vit_register_tokens_are_attended_but_not_mapped():
    torch.manual_seed(7)
    vision = {"name": "small_vit", "image_size": 32, "frozen": False, "patch_size": 8, "width": 32, "depth": 1,
              "heads": 2, "reg_tokens": 3}
    model = RadZero(tiny_config(vision=vision)).eval()
    assert model.vision.num_prefix_tokens == 4  # CLS + 3 registers
    images, tokens = _inputs(model)
    with torch.no_grad():
        out_logits, maps = _maps(model, images, tokens)
        image_tokens, grid = model.encode_image(images)
        text = model.encode_text(tokens["input_ids"], tokens["attention_mask"])
        logits, scores = vlcabs(text, image_tokens, model.tau)  # reference: all 4 + 16 tokens attended
    assert image_tokens.shape[1] == 4 + 16 and grid == (4, 4)
    torch.testing.assert_close(out_logits, logits)
    torch.testing.assert_close(maps.flatten(2), scores[..., 4:])  # the map is the 16 patch columns only
    # the logits do depend on the register tokens: replacing them by a patch token changes them
    emptied = image_tokens.clone()
    emptied[:, 1:4] = image_tokens[:, 4:5]
    assert not torch.allclose(vlcabs(text, emptied, model.tau)[0], logits)
