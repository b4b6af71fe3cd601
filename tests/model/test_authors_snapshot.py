"""The RadZero authors' released model (hub ``Deepnoid/RadZero``): radzero reproduces its predictions.

A tiny snapshot in the authors' layout (``helpers.authors_snapshot``) is loaded by ``RadZero.from_pretrained``
/ ``Predictor`` and compared with an independent re-statement, written here in plain torch / NumPy / Pillow,
of what the authors' code computes (hub ``utils.model_inference``): Pillow bicubic resize of the 8-bit RGB
image, x / 255, (x - mean) / std; the Dinov2 trunk with transformers 4.39's pos-embed resize; the
``Dinov2Encoder`` align layers (LayerScale, eps 1e-6); MPNet with masked mean pooling; the shared
LayerNorm, VL-CABS; probability = sigmoid(cos / tau); map = sigmoid(bilinear(S -> H x W)) in one step.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from safetensors.torch import load_file

from helpers.authors_snapshot import ALIGN, build_authors_snapshot, spell
from radzero import Predictor
from radzero.model import RadZero
from radzero.model.authors import AuthorsWeightsError, UnsupportedCheckpointError

TEXTS = ["There is small right pleural effusion", "There is cardiomegaly", "There is no pneumothorax"]
PORTRAIT = (90, 62)  # (H, W): not square, not a multiple of the 70 px input


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory) -> Path:
    return build_authors_snapshot(tmp_path_factory.mktemp("authors") / "RadZero")


@pytest.fixture(scope="module")
def portrait(tmp_path_factory) -> Path:
    rng = np.random.default_rng(3)
    H, W = PORTRAIT
    rows = np.linspace(0, 1, H)[:, None] * np.linspace(1, 0.3, W)[None, :]
    pixels = np.clip(rows * 200 + rng.normal(0, 25, (H, W)), 0, 255).astype(np.uint8)
    path = tmp_path_factory.mktemp("images") / "portrait.png"
    Image.fromarray(pixels).save(path)
    return path


# --------------------------------------------------------------------------- the authors' computation, restated


def _legacy_pos_embed(pos: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """transformers 4.39 Dinov2Embeddings.interpolate_pos_encoding (scale factor with a +0.1 offset)."""
    n = pos.shape[1] - 1
    side = int(math.sqrt(n))
    if n == h * w and h == w:
        return pos
    grid = pos[:, 1:].reshape(1, side, side, -1).permute(0, 3, 1, 2).float()
    grid = F.interpolate(grid, scale_factor=((h + 0.1) / side, (w + 0.1) / side), mode="bicubic", align_corners=False)
    return torch.cat([pos[:, :1], grid.permute(0, 2, 3, 1).reshape(1, h * w, -1)], dim=1)


def _dinov2_layer(x: torch.Tensor, p: dict[str, torch.Tensor], prefix: str, heads: int, eps: float) -> torch.Tensor:
    """One transformers Dinov2Layer: pre-norm attention and MLP, each scaled by LayerScale."""
    b, n, d = x.shape
    h = F.layer_norm(x, (d,), p[prefix + "norm1.weight"], p[prefix + "norm1.bias"], eps)

    def project(name):
        y = F.linear(h, p[f"{prefix}attention.attention.{name}.weight"], p[f"{prefix}attention.attention.{name}.bias"])
        return y.view(b, n, heads, d // heads).transpose(1, 2)  # (B, heads, n, dh)

    q, k, v = project("query"), project("key"), project("value")
    attention = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d // heads), dim=-1)
    context = (attention @ v).transpose(1, 2).reshape(b, n, d)
    out = F.linear(context, p[prefix + "attention.output.dense.weight"], p[prefix + "attention.output.dense.bias"])
    x = x + p[prefix + "layer_scale1.lambda1"] * out
    h = F.layer_norm(x, (d,), p[prefix + "norm2.weight"], p[prefix + "norm2.bias"], eps)
    h = F.linear(F.gelu(F.linear(h, p[prefix + "mlp.fc1.weight"], p[prefix + "mlp.fc1.bias"])),
                 p[prefix + "mlp.fc2.weight"], p[prefix + "mlp.fc2.bias"])
    return x + p[prefix + "layer_scale2.lambda1"] * h


def authors_inference(snapshot: Path, image_path: Path, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(probs (N,), logits (N,), prob maps (N, H, W)) as the authors' code computes them."""
    from transformers import MPNetConfig, MPNetModel, MPNetTokenizer

    config = json.loads((snapshot / "config.json").read_text())
    processor = json.loads((snapshot / "preprocessor_config.json").read_text())
    state = {spell(k, legacy=True): v.double() for k, v in load_file(str(snapshot / "model.safetensors")).items()}
    vision_cfg, align_cfg = config["vision_config"], config["align_transformer_config"]
    # image -> pixels: Pillow bicubic on 8-bit RGB, rescale, normalise
    picture = Image.open(image_path).convert("RGB")
    width, height = picture.size
    size = processor["size"]["height"]
    resized = np.asarray(picture.resize((size, size), Image.Resampling.BICUBIC), dtype=np.float64) / 255.0
    pixels = (resized - np.array(processor["image_mean"])) / np.array(processor["image_std"])
    pixels = torch.from_numpy(pixels).permute(2, 0, 1)[None].float().double()  # (1, 3, S, S)
    # vision trunk (Dinov2Model.last_hidden_state)
    patch = vision_cfg["patch_size"]
    x = F.conv2d(pixels, state["vision_model.embeddings.patch_embeddings.projection.weight"],
                 state["vision_model.embeddings.patch_embeddings.projection.bias"], stride=patch)
    grid = x.shape[-2:]
    x = x.flatten(2).transpose(1, 2)
    x = torch.cat([state["vision_model.embeddings.cls_token"], x], dim=1)
    x = x + _legacy_pos_embed(state["vision_model.embeddings.position_embeddings"], *grid).double()
    for i in range(vision_cfg["num_hidden_layers"]):
        x = _dinov2_layer(x, state, f"vision_model.encoder.layer.{i}.", vision_cfg["num_attention_heads"],
                          vision_cfg["layer_norm_eps"])
    d = x.shape[-1]
    x = F.layer_norm(x, (d,), state["vision_model.layernorm.weight"], state["vision_model.layernorm.bias"],
                     vision_cfg["layer_norm_eps"])
    for i in range(align_cfg["num_hidden_layers"]):  # Dinov2Encoder, no final norm
        x = _dinov2_layer(x, state, f"{ALIGN}{i}.", align_cfg["num_attention_heads"], align_cfg["layer_norm_eps"])
    # text: MPNetModel + masked mean pooling
    tokenizer = MPNetTokenizer.from_pretrained(str(snapshot))
    encoded = tokenizer(texts, padding=True, truncation=True, return_tensors="pt")
    text_model = MPNetModel(MPNetConfig.from_pretrained(config["text_config"]["pretrained_name_or_path"])).eval()
    prefix = "text_model."
    text_model.load_state_dict({k[len(prefix):]: v.float() for k, v in state.items() if k.startswith(prefix)})
    with torch.no_grad():
        hidden = text_model(**encoded).last_hidden_state.double()
    mask = encoded["attention_mask"][..., None].double()
    text = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)  # (N, D)
    # shared LayerNorm (eps 1e-5) and VL-CABS with the learned tau
    (loss_name,) = config["loss"]["apply"]
    ln_w, ln_b = state[f"loss_fns.{loss_name}.layer_norm.weight"], state[f"loss_fns.{loss_name}.layer_norm.bias"]
    tau = float(state[f"loss_fns.{loss_name}.loss_temperature"].exp())
    t = F.normalize(F.layer_norm(text, (d,), ln_w, ln_b, 1e-5), dim=-1)  # (N, D)
    v = F.normalize(F.layer_norm(x[0], (d,), ln_w, ln_b, 1e-5), dim=-1)  # (L, D)
    scores = t @ v.T / tau  # (N, L)
    aggregate = torch.softmax(scores, dim=-1) @ v  # (N, D)
    logits = F.cosine_similarity(t, aggregate, dim=-1)  # (N,)
    maps = F.interpolate(scores[:, 1:].reshape(1, len(texts), *grid), size=(height, width), mode="bilinear",
                         align_corners=False)[0]
    return torch.sigmoid(logits / tau).numpy(), logits.numpy(), torch.sigmoid(maps).numpy()


# --------------------------------------------------------------------------- fidelity


def test_predictor_reproduces_the_authors_inference(snapshot, portrait):
    """Probabilities <= 5e-5 and full-size maps <= 1e-4 against the re-stated authors' inference, on a
    portrait image, with the pos-embed resized (4 x 4 checkpoint grid, 5 x 5 input grid)."""
    probs, logits, maps = authors_inference(snapshot, portrait, TEXTS)
    out = Predictor.from_pretrained(snapshot, device="cpu", precision="fp32").predict(portrait, TEXTS)
    assert out.prob_maps.shape == (len(TEXTS), *PORTRAIT) and out.cosine_maps.shape == out.prob_maps.shape
    prob_error = float(np.abs(out.probs - probs).max())
    map_error = float(np.abs(out.prob_maps - maps).max())
    print(f"\n[authors' snapshot] max |prob| diff {prob_error:.2e}, max |map| diff {map_error:.2e}, "
          f"max |logit| diff {float(np.abs(out.cosines - logits).max()):.2e}")
    assert prob_error <= 5e-5
    assert map_error <= 1e-4
    np.testing.assert_allclose(torch.sigmoid(torch.from_numpy(out.cosine_maps / out.tau)).numpy(), out.prob_maps,
                               atol=1e-6)
    assert out.tau == pytest.approx(0.1, rel=1e-6)
    # the maps are not trivially flat: the comparison would catch a misplaced map
    assert float(maps.max() - maps.min()) > 0.05


def test_both_weight_spellings_load_the_same_model(snapshot, tmp_path):
    """The converter accepts transformers 4.39 (attention.attention.query) and 5 (attention.q_proj) names."""
    renamed = build_authors_snapshot(tmp_path / "new_names", legacy_keys=False)
    keys = set(load_file(str(renamed / "model.safetensors")))
    assert any(".attention.q_proj." in k for k in keys) and not any("attention.attention.query" in k for k in keys)
    a, b = RadZero.from_pretrained(snapshot).state_dict(), RadZero.from_pretrained(renamed).state_dict()
    assert set(a) == set(b)
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_converted_config_is_the_papers_architecture(snapshot):
    model = RadZero.from_pretrained(snapshot)
    config = model.config
    assert config.vision["pos_embed_interpolation"] == "legacy" and config.vision["frozen"]
    assert config.align_layer_scale == 1.0 and config.align_norm_eps == 1e-6 and config.align_depth == 2
    assert all(block.norm1.eps == block.norm2.eps == 1e-6 for block in model.align.blocks)
    assert model.head.norm.eps == 1e-5
    assert config.text["max_length"] is None and model.text.max_length == 512  # the tokenizer's model_max_length
    assert model.vision.mean == (0.52, 0.51, 0.50)  # from preprocessor_config.json
    assert all(not p.requires_grad for p in model.vision.parameters())


# --------------------------------------------------------------------------- strictness and bad input


def _rewrite_weights(snapshot: Path, target: Path, edit) -> Path:
    import shutil

    from safetensors.torch import save_file

    shutil.copytree(snapshot, target)
    state = load_file(str(target / "model.safetensors"))
    edit(state)
    save_file(state, str(target / "model.safetensors"))
    return target


def test_a_missing_tensor_is_named(snapshot, tmp_path):
    key = f"{ALIGN}1.layer_scale2.lambda1"
    broken = _rewrite_weights(snapshot, tmp_path / "missing", lambda state: state.pop(key))
    with pytest.raises(AuthorsWeightsError, match=r"1 missing: " + key.replace(".", r"\.")):
        RadZero.from_pretrained(broken)


def test_an_unexpected_or_mis_shaped_tensor_is_named(snapshot, tmp_path):
    extra = _rewrite_weights(snapshot, tmp_path / "extra", lambda state: state.update(stray=torch.zeros(3)))
    with pytest.raises(AuthorsWeightsError, match="1 unexpected: stray"):
        RadZero.from_pretrained(extra)
    key = "text_model.encoder.layer.0.output.dense.bias"
    shaped = _rewrite_weights(snapshot, tmp_path / "shape", lambda state: state.update({key: torch.zeros(7)}))
    with pytest.raises(AuthorsWeightsError, match=key.replace(".", r"\.") + r" \(7,\) vs model \(32,\)"):
        RadZero.from_pretrained(shaped)


def _with_config(snapshot: Path, target: Path, edit) -> Path:
    import shutil

    shutil.copytree(snapshot, target)
    config = json.loads((target / "config.json").read_text())
    edit(config)
    (target / "config.json").write_text(json.dumps(config))
    return target


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (lambda c: c["vision_config"].update(model_type="biomedclip"), "vision_config.model_type='biomedclip'"),
        (lambda c: c["text_config"].update(use_text_projection=True), "text_config.use_text_projection=True"),
        (lambda c: c["text_config"].update(model_type="bioclinicalmpbert"),
         "text_config.model_type='bioclinicalmpbert'"),
        (lambda c: c["align_transformer_config"].update(use_layer_norm=True),
         "align_transformer_config.use_layer_norm=True"),
        (lambda c: c["loss"]["RadZeroLoss"].update(sim_op="dot"), "loss.RadZeroLoss.sim_op='dot'"),
        (lambda c: c.update(compute_logits_type="global_alignment"), "compute_logits_type='global_alignment'"),
    ],
)
def test_an_unsupported_architecture_is_named(snapshot, tmp_path, edit, named):
    broken = _with_config(snapshot, tmp_path / "unsupported", edit)
    with pytest.raises(UnsupportedCheckpointError, match=named.replace(".", r"\.").replace("(", r"\(")):
        RadZero.from_pretrained(broken)


def test_a_folder_of_neither_format_is_refused(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "bert", "hidden_size": 8}))
    with pytest.raises(ValueError, match="neither a radzero model config .* nor the RadZero authors' config"):
        RadZero.from_pretrained(tmp_path)
    with pytest.raises(FileNotFoundError, match="RadZero.save_pretrained or the RadZero authors' Hugging Face"):
        RadZero.from_pretrained(tmp_path / "empty")


def test_truncated_weights_and_bad_processor_files_are_named(snapshot, tmp_path):
    import shutil

    from radzero.data.transforms.hf_processor import HFImageProcessorTransform

    broken = tmp_path / "truncated"
    shutil.copytree(snapshot, broken)
    data = (broken / "model.safetensors").read_bytes()
    (broken / "model.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"model\.safetensors is not a readable safetensors file"):
        RadZero.from_pretrained(broken)
    (broken / "preprocessor_config.json").write_text("{not json")
    with pytest.raises(ValueError, match=r"preprocessor_config\.json is not valid JSON"):
        RadZero.from_pretrained(broken)
    processor = json.loads((snapshot / "preprocessor_config.json").read_text())
    with pytest.raises(ValueError, match="'EvilImageProcessor' is not an image processor of transformers"):
        HFImageProcessorTransform({**processor, "image_processor_type": "EvilImageProcessor"})
    with pytest.raises(ValueError, match="resize to a square"):
        HFImageProcessorTransform({**processor, "size": {"height": 70, "width": 84}})
    (broken / "tokenizer_config.json").unlink()
    with pytest.raises(FileNotFoundError, match=r"tokenizer_config\.json not found"):
        from radzero.model.text.tokenizers import load_tokenizer

        load_tokenizer(broken)
