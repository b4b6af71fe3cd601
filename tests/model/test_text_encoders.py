"""Text encoders: pooling, padding invariance, shapes, offline tokenizer; all offline (no hub)."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import importlib.util  # noqa: E402
import socket  # noqa: E402
import unicodedata  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
import torch  # noqa: E402

from radzero.model.assets import RADIOLOGY_VOCAB  # noqa: E402
from radzero.model.text import (  # noqa: E402
    TEXT_ENCODERS,
    TextEncoder,
    build_text_encoder,
    mean_pool,
    radiology_tokenizer,
)

REPO = Path(__file__).resolve().parents[2]
TINY_HF = dict(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64)

SENTENCES = [
    "There is mild cardiomegaly.",
    "There is a small left pleural effusion with adjacent basilar atelectasis.",
    "There is no pneumothorax.",
    "There may be a right upper lobe opacity, possibly pneumonia.",
    "Right-sided PICC line tip terminates in the mid SVC; 3.2 cm nodule at T10.",
    "There is interval improvement of pulmonary edema (compared to 2019-03-04).",
    "Sternotomy wires and mediastinal clips are unchanged; ET tube 4 cm above the carina.",
    "There is a displaced fracture of the left 5th posterior rib & subcutaneous emphysema!",
    "No focal consolidation, effusion, or pneumothorax; cardiomediastinal silhouette is WNL.",
]


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any connection attempt (a hub download) fails the test."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args[1:]!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def tiny(name: str, proj_dim: int | None = None) -> TextEncoder:
    if name == "local_bert":
        enc = build_text_encoder("local_bert", proj_dim=proj_dim, hidden=32, layers=2, heads=2)
    else:
        enc = build_text_encoder(name, pretrained=False, proj_dim=proj_dim, config_overrides=TINY_HF)
    return enc.eval()


# ---------------------------------------------------------------- pooling


def test_mean_pool_matches_loop():
    torch.manual_seed(0)
    hidden = torch.randn(4, 7, 5)
    mask = torch.tensor([[1] * 7, [1, 1, 1, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1, 0]])
    out = mean_pool(hidden, mask)
    for i in range(4):
        rows = [hidden[i, t] for t in range(7) if mask[i, t] == 1]
        torch.testing.assert_close(out[i], torch.stack(rows).mean(0), rtol=0, atol=1e-6)


def test_mean_pool_empty_mask_is_zero_and_keeps_dtype():
    hidden = torch.randn(2, 3, 4, dtype=torch.bfloat16)
    out = mean_pool(hidden, torch.tensor([[0, 0, 0], [1, 1, 0]]))
    assert out.dtype == torch.bfloat16
    assert torch.count_nonzero(out[0]) == 0


# ---------------------------------------------------------------- encoders


@pytest.mark.parametrize("name", sorted(TEXT_ENCODERS))
def test_padding_does_not_change_embedding(name):
    enc = tiny(name)
    short = SENTENCES[0]
    with torch.no_grad():
        alone = enc(**enc.tokenize([short]))
        batch_inputs = enc.tokenize([SENTENCES[1], short, SENTENCES[7]])
        assert batch_inputs["attention_mask"][1].sum() < batch_inputs["attention_mask"].shape[1]  # padded
        batch = enc(**batch_inputs)
    torch.testing.assert_close(batch[1], alone[0], rtol=0, atol=1e-5)


@pytest.mark.parametrize("name", sorted(TEXT_ENCODERS))
@pytest.mark.parametrize("proj_dim", [None, 24])
def test_output_shapes(name, proj_dim):
    enc = tiny(name, proj_dim)
    native = 512 if name == "biomedclip" else 32
    assert enc.embed_dim == (proj_dim or native)
    inputs = enc.tokenize(SENTENCES)
    assert set(inputs) == {"input_ids", "attention_mask"}
    assert inputs["input_ids"].shape[0] == len(SENTENCES)
    with torch.no_grad():
        out = enc(**inputs)
    assert out.shape == (len(SENTENCES), enc.embed_dim)
    assert torch.isfinite(out).all()


@pytest.mark.parametrize("name", sorted(TEXT_ENCODERS))
def test_trainable_and_truncates_to_max_length(name):
    enc = tiny(name).train()
    assert all(p.requires_grad for p in enc.parameters())
    inputs = enc.tokenize(SENTENCES[:2])
    enc(**inputs).pow(2).mean().backward()
    # every parameter gets a grad: no dangling BERT/MPNet pooler (DDP without find_unused_parameters needs this)
    unused = [n for n, p in enc.named_parameters() if p.grad is None]
    assert unused == []
    enc.max_length = 8
    assert enc.tokenize(["word " * 50])["input_ids"].shape[1] == 8


def test_default_max_lengths():
    assert tiny("hf").max_length == 512
    assert tiny("biomedclip").max_length == 256
    assert tiny("local_bert").max_length == 128


def test_hf_offline_uses_local_mpnet_and_biobert_configs():
    mpnet = tiny("hf")
    assert type(mpnet.backbone).__name__ == "MPNetModel"
    # the offline tokenizer pads with id 0, so the model's padding index follows it
    assert mpnet.backbone.config.pad_token_id == mpnet.tokenizer.pad_token_id == 0
    assert mpnet.backbone.config.vocab_size == 30527
    bio = build_text_encoder("hf", pretrained=False, model_id="dmis-lab/biobert-v1.1", config_overrides=TINY_HF)
    assert type(bio.backbone).__name__ == "BertModel" and bio.backbone.config.vocab_size == 28996
    with pytest.raises(ValueError, match="no local config"):
        build_text_encoder("hf", pretrained=False, model_id="some/unknown-model")


def test_biomedclip_offline_matches_open_clip_text_tower():
    """Same pooling and projection as open_clip's HFTextEncoder (BiomedCLIP's text tower) for the same weights."""
    from open_clip.hf_model import HFTextEncoder
    from transformers import BertConfig

    ours = tiny("biomedclip")
    cfg = BertConfig(**{**ours.backbone.config.to_dict()})
    ref = HFTextEncoder(
        "offline-bert", output_dim=512, config=cfg, pooler_type="cls_last_hidden_state_pooler", proj_type="mlp"
    ).eval()
    state = {f"transformer.{k}": v for k, v in ours.backbone.state_dict().items()}
    state.update({f"proj.{k}": v for k, v in ours.tower_proj.state_dict().items()})
    missing, unexpected = ref.load_state_dict(state, strict=False)
    assert unexpected == [] and all(k.startswith("transformer.pooler.") for k in missing)
    inputs = ours.tokenize(SENTENCES)
    with torch.no_grad():
        torch.testing.assert_close(ours(**inputs), ref(inputs["input_ids"]), rtol=1e-5, atol=1e-5)


def test_unknown_text_encoder():
    with pytest.raises(ValueError, match="unknown text encoder"):
        build_text_encoder("clip")


# ---------------------------------------------------------------- offline tokenizer / vocab


def test_radiology_tokenizer_round_trip_has_no_unk():
    tok = radiology_tokenizer()
    assert len(tok) > 1500 and tok.pad_token_id == 0 and tok.unk_token_id == 1
    for s in SENTENCES:
        ids = tok(s)["input_ids"]
        assert tok.unk_token_id not in ids, tok.convert_ids_to_tokens(ids)
        decoded = tok.decode(ids, skip_special_tokens=True)
        assert "".join(decoded.split()) == "".join(s.lower().split())


def test_radiology_tokenizer_any_ascii_text_and_common_words():
    tok = radiology_tokenizer()
    text = "".join(chr(c) for c in range(32, 127)) + " qwxz zzyzx Pneumothorax"
    ids = tok(text)["input_ids"]
    assert tok.unk_token_id not in ids
    for word in ["pneumothorax", "cardiomegaly", "effusion", "atelectasis", "consolidation", "there", "is"]:
        assert tok.tokenize(word) == [word]
    # accents are stripped by the normaliser, common report symbols are in the vocab
    accents = unicodedata.normalize("NFC", "café 5° ±2 mm “quoted”")
    assert tok.unk_token_id not in tok(accents)["input_ids"]


def test_vocab_file_is_up_to_date():
    spec = importlib.util.spec_from_file_location("make_radiology_vocab", REPO / "scripts" / "make_radiology_vocab.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check", "--out", str(RADIOLOGY_VOCAB)]) == 0
    lines = RADIOLOGY_VOCAB.read_text(encoding="utf-8").splitlines()
    assert lines[:5] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    assert len(lines) == len(set(lines))
