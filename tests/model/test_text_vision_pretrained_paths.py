"""The pretrained=True loading code of every hub backend, exercised offline on tiny local checkpoints.

Hub ids are replaced by local directories (transformers `from_pretrained(dir)`, open_clip `local-dir:`),
so the same code that loads StanfordAIMI/dinov2-base-xray-224, all-mpnet-base-v2 and BiomedCLIP runs here
without a download.
"""

from __future__ import annotations

import json
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import socket  # noqa: E402

import pytest  # noqa: E402
import torch  # noqa: E402

from radzero.model.text import build_text_encoder, radiology_tokenizer  # noqa: E402
from radzero.model.vision import build_vision_encoder, resample_pos_embed  # noqa: E402

SENTENCES = ["There is mild cardiomegaly.", "There is a small left pleural effusion with basilar atelectasis."]


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args[1:]!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_dinov2_pretrained_path(tmp_path):
    from transformers import Dinov2Config, Dinov2Model

    torch.manual_seed(0)
    ref = Dinov2Model(Dinov2Config(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, image_size=224))
    ref.save_pretrained(tmp_path)
    enc = build_vision_encoder("dinov2", image_size=518, frozen=True, pretrained=True, model_id=str(tmp_path))
    for key, value in ref.state_dict().items():
        torch.testing.assert_close(enc.backbone.state_dict()[key], value)
    tokens, grid = enc(torch.randn(1, 3, 518, 518))
    assert grid == (37, 37) and tokens.shape == (1, 1370, 32)


def test_dinov2_pretrained_mean_std_come_from_its_processor_and_are_recorded(tmp_path):
    """XrayDINOv2's own image processor sets the normalisation; the saved config records it, so the
    offline rebuild (pretrained=False) normalises the same way."""
    from transformers import Dinov2Config, Dinov2Model

    from radzero.model import RadZero, RadZeroConfig

    trunk = Dinov2Model(Dinov2Config(hidden_size=32, num_hidden_layers=1, num_attention_heads=4, image_size=56))
    trunk.save_pretrained(tmp_path / "trunk")
    processor = {"image_processor_type": "BlipImageProcessor", "image_mean": [0.53] * 3, "image_std": [0.25] * 3}
    (tmp_path / "trunk" / "preprocessor_config.json").write_text(json.dumps(processor))
    config = RadZeroConfig(vision={"name": "dinov2", "image_size": 56, "frozen": True, "pretrained": True,
                                   "model_id": str(tmp_path / "trunk")},
                           text={"name": "local_bert", "hidden": 32, "layers": 1, "heads": 4}, align_depth=1,
                           align_heads=4)
    model = RadZero(config)
    assert model.vision.mean == (0.53, 0.53, 0.53) and model.vision.std == (0.25, 0.25, 0.25)
    model.save_pretrained(tmp_path / "saved")
    saved = json.loads((tmp_path / "saved" / "config.json").read_text())["vision"]
    assert saved["mean"] == [0.53, 0.53, 0.53] and saved["pos_embed_interpolation"] == "legacy"
    assert RadZero.from_pretrained(tmp_path / "saved").vision.std == (0.25, 0.25, 0.25)


def test_hf_text_pretrained_path(tmp_path):
    from transformers import MPNetConfig, MPNetModel

    tok = radiology_tokenizer()
    torch.manual_seed(0)
    cfg = MPNetConfig(vocab_size=len(tok), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                      intermediate_size=64, pad_token_id=tok.pad_token_id)
    ref = MPNetModel(cfg).eval()
    ref.save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    enc = build_text_encoder("hf", pretrained=True, model_id=str(tmp_path)).eval()
    assert enc.backbone.pooler is None  # loaded without the unused pooler
    inputs = enc.tokenize(SENTENCES)
    with torch.no_grad():
        hidden = ref(**inputs).last_hidden_state
        mask = inputs["attention_mask"].unsqueeze(-1).float()
        expected = (hidden * mask).sum(1) / mask.sum(1)
        torch.testing.assert_close(enc(**inputs), expected, rtol=1e-5, atol=1e-5)


@pytest.fixture
def biomedclip_dir(tmp_path):
    """A tiny open_clip checkpoint laid out like BiomedCLIP's hub repo (timm trunk + HF BERT tower)."""
    import open_clip
    from transformers import BertConfig

    tok = radiology_tokenizer()
    bert_dir = tmp_path / "bert"
    BertConfig(vocab_size=len(tok), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
               intermediate_size=64, pad_token_id=tok.pad_token_id).save_pretrained(bert_dir)
    model_dir = tmp_path / "clip"
    model_dir.mkdir()
    config = {
        "model_cfg": {
            "embed_dim": 48,
            "vision_cfg": {"timm_model_name": "vit_tiny_patch16_224", "timm_model_pretrained": False,
                           "timm_pool": "", "timm_proj": "linear", "image_size": 224},
            "text_cfg": {"hf_model_name": str(bert_dir), "hf_tokenizer_name": str(bert_dir),
                         "hf_model_pretrained": False, "hf_proj_type": "mlp",
                         "hf_pooler_type": "cls_last_hidden_state_pooler", "context_length": 64},
        },
        "preprocess_cfg": {"mean": [0.48145466, 0.4578275, 0.40821073], "std": [0.26862954, 0.26130258, 0.27577711]},
    }
    (model_dir / "open_clip_config.json").write_text(json.dumps(config))
    tok.save_pretrained(model_dir)  # local-dir: open_clip reads the tokenizer from the model dir
    torch.manual_seed(0)
    model = open_clip.create_model(f"local-dir:{model_dir}", pretrained_text=False).eval()
    torch.save(model.state_dict(), model_dir / "open_clip_pytorch_model.bin")
    return f"local-dir:{model_dir}", model


def test_biomedclip_vision_pretrained_path(biomedclip_dir):
    model_id, ref = biomedclip_dir
    enc = build_vision_encoder("biomedclip", image_size=448, frozen=True, pretrained=True, model_id=model_id)
    trunk = ref.visual.trunk
    torch.testing.assert_close(enc.backbone.blocks[0].attn.qkv.weight, trunk.blocks[0].attn.qkv.weight)
    expected = resample_pos_embed(trunk.pos_embed.detach(), (28, 28), num_prefix_tokens=1)
    torch.testing.assert_close(enc.backbone.pos_embed.detach(), expected)
    tokens, grid = enc(torch.randn(1, 3, 448, 448))
    assert grid == (28, 28) and tokens.shape == (1, 1 + 28 * 28, 192)


def test_biomedclip_text_pretrained_path(biomedclip_dir):
    model_id, ref = biomedclip_dir
    enc = build_text_encoder("biomedclip", pretrained=True, model_id=model_id).eval()
    assert enc.embed_dim == 48 and enc.max_length == 64
    inputs = enc.tokenize(SENTENCES)
    assert enc.tokenizer.unk_token_id not in inputs["input_ids"]
    with torch.no_grad():
        torch.testing.assert_close(enc(**inputs), ref.text(inputs["input_ids"]), rtol=1e-5, atol=1e-5)
