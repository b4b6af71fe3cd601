"""Build a tiny RadZero authors'-layout Hugging Face snapshot on disk, from transformers' own classes.

The folder looks like the hub's ``Deepnoid/RadZero``: ``config.json`` (``CxrAlignModel``, ``auto_map``,
nested ``vision_config`` / ``align_transformer_config`` / ``text_config``, ``loss``), ``model.safetensors``
with the authors' key names (``vision_model.*`` of a ``Dinov2Model``, the align layers as a
``Dinov2Encoder``'s ``align_transformer.transformer_layers.layer.<i>.*``, ``text_model.*`` of an
``MPNetModel`` with its unused pooler, ``loss_fns.<Loss>.layer_norm`` and ``loss_temperature``),
MPNet tokenizer files and a ``BlipImageProcessor`` ``preprocessor_config.json``. Weights are random;
LayerNorm and LayerScale weights are perturbed so that a wrong eps or a dropped LayerScale shows.
Nothing here uses radzero code.
"""

from __future__ import annotations

import inspect
import json
import math
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import save_file

RADIOLOGY_VOCAB = Path(__file__).resolve().parents[2] / "radzero" / "model" / "assets" / "radiology_vocab.txt"

# the 4.39 spelling of a Dinov2 layer's attention weights, keyed by the transformers 5 one
LEGACY_ATTENTION = {
    "attention.q_proj.": "attention.attention.query.",
    "attention.k_proj.": "attention.attention.key.",
    "attention.v_proj.": "attention.attention.value.",
    "attention.o_proj.": "attention.output.dense.",
}
ALIGN = "align_transformer.transformer_layers.layer."


def spell(key: str, legacy: bool) -> str:
    """``key`` in the 4.39 (legacy) or the transformers 5 spelling."""
    for new, old in LEGACY_ATTENTION.items():
        source, target = (new, old) if legacy else (old, new)
        key = key.replace(source, target)
    return key


def mpnet_tokenizer(model_max_length: int = 512):
    """An MPNet tokenizer over radzero's radiology word pieces, with MPNet's special tokens."""
    from transformers import MPNetTokenizer

    words = [w for w in RADIOLOGY_VOCAB.read_text(encoding="utf-8").splitlines()
             if w not in ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")]
    tokens = ["<s>", "<pad>", "</s>", "<unk>", *words, "<mask>"]
    vocab = {token: i for i, token in enumerate(dict.fromkeys(tokens))}
    kwargs = dict(do_lower_case=True, unk_token="<unk>", model_max_length=model_max_length)
    if "vocab" in inspect.signature(MPNetTokenizer.__init__).parameters:  # transformers >= 5
        return MPNetTokenizer(vocab=vocab, **kwargs)
    import tempfile

    from transformers import MPNetTokenizerFast

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
        return MPNetTokenizerFast(vocab_file=str(Path(tmp) / "vocab.txt"), **kwargs)


def _perturb(module: torch.nn.Module, generator: torch.Generator) -> None:
    """Random LayerNorm weights / biases and LayerScale factors (their defaults 1 / 0 hide mistakes)."""
    with torch.no_grad():
        for name, param in module.named_parameters():
            if "norm" in name.lower() or "lambda1" in name or name.endswith("bias"):
                param.add_(0.2 * torch.randn(param.shape, generator=generator))


def _align_layers(depth: int, width: int, generator: torch.Generator, legacy: bool) -> dict[str, torch.Tensor]:
    def rand(*shape, scale=0.2, offset=0.0):
        return offset + scale * torch.randn(*shape, generator=generator)

    state = {}
    for i in range(depth):
        p = f"{ALIGN}{i}."
        for name in ("norm1", "norm2"):
            state[p + f"{name}.weight"], state[p + f"{name}.bias"] = rand(width, offset=1.0), rand(width)
        for name in ("query", "key", "value"):
            state[p + f"attention.attention.{name}.weight"] = rand(width, width, scale=width**-0.5)
            state[p + f"attention.attention.{name}.bias"] = rand(width)
        state[p + "attention.output.dense.weight"] = rand(width, width)
        state[p + "attention.output.dense.bias"] = rand(width)
        state[p + "layer_scale1.lambda1"] = rand(width, offset=1.0)
        state[p + "layer_scale2.lambda1"] = rand(width, offset=1.0)
        state[p + "mlp.fc1.weight"] = rand(4 * width, width, scale=width**-0.5)
        state[p + "mlp.fc1.bias"] = rand(4 * width)
        state[p + "mlp.fc2.weight"] = rand(width, 4 * width, scale=(4 * width) ** -0.5)
        state[p + "mlp.fc2.bias"] = rand(width)
    return {spell(k, legacy): v for k, v in state.items()}


def build_authors_snapshot(
    root: Path,
    *,
    legacy_keys: bool = True,
    width: int = 32,
    heads: int = 4,
    native_size: int = 56,  # the trunk's pos-embed grid: 4 x 4 patches of 14 px
    img_size: int = 70,  # the input size: 5 x 5 patches, so the pos-embed is resized
    align_depth: int = 2,
    encoder_depth: int = 2,  # layers of the DINOv2 trunk and of MPNet
    tau: float = 0.1,
    loss_name: str = "RadZeroLoss",
    seed: int = 0,
    mean: tuple[float, float, float] = (0.52, 0.51, 0.50),
    std: tuple[float, float, float] = (0.24, 0.25, 0.26),
) -> Path:
    """Write the snapshot into ``root`` (created) and return it; ``root / "mpnet_base"`` holds the
    text architecture the snapshot's ``text_config.pretrained_name_or_path`` points at."""
    from transformers import Dinov2Config, Dinov2Model, MPNetConfig, MPNetModel

    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    vision_cfg = Dinov2Config(hidden_size=width, num_hidden_layers=encoder_depth, num_attention_heads=heads,
                              image_size=native_size,
                              patch_size=14, layerscale_value=1.0, layer_norm_eps=1e-6)
    vision = Dinov2Model(vision_cfg).eval()
    _perturb(vision, generator)
    tokenizer = mpnet_tokenizer()
    text_cfg = MPNetConfig(vocab_size=len(tokenizer), hidden_size=width, num_hidden_layers=encoder_depth,
                           num_attention_heads=heads,
                           intermediate_size=2 * width, pad_token_id=tokenizer.pad_token_id, layer_norm_eps=1e-5,
                           max_position_embeddings=514)
    text = MPNetModel(text_cfg).eval()  # with its (unused) pooler, as the authors' AutoModel
    _perturb(text, generator)
    text_cfg.save_pretrained(root / "mpnet_base")

    state: dict[str, torch.Tensor] = {}
    state.update({"vision_model." + spell(k, legacy_keys): v for k, v in vision.state_dict().items()})
    state.update(_align_layers(align_depth, width, generator, legacy_keys))
    state.update({"text_model." + k: v for k, v in text.state_dict().items()})
    state[f"loss_fns.{loss_name}.layer_norm.weight"] = 1.0 + 0.2 * torch.randn(width, generator=generator)
    state[f"loss_fns.{loss_name}.layer_norm.bias"] = 0.2 * torch.randn(width, generator=generator)
    state[f"loss_fns.{loss_name}.loss_temperature"] = torch.tensor([math.log(tau)])
    save_file({k: v.contiguous() for k, v in state.items()}, str(root / "model.safetensors"), metadata={"format": "pt"})

    align_cfg = Dinov2Config(hidden_size=width, num_hidden_layers=align_depth, num_attention_heads=heads).to_dict()
    config: dict[str, Any] = {
        "architectures": ["CxrAlignModel"],
        "auto_map": {"AutoConfig": "configuration_radzero.CxrAlignConfig",
                     "AutoModel": "modeling_radzero.CxrAlignModel"},
        "vision_config": {**vision_cfg.to_dict(), "model_type": "dinov2", "img_size": img_size,
                          "pretrained_name_or_path": "StanfordAIMI/dinov2-base-xray-224"},
        "align_transformer_config": {**align_cfg, "model_type": "align_transformer", "use_layer_norm": False,
                                     "projector_config": None, "architectures": ["AlignTransformer"]},
        "text_config": {"model_type": "mpnet", "pretrained_name_or_path": str(root / "mpnet_base"),
                        "use_cls_token": False, "use_text_projection": False},
        "loss": {"apply": [loss_name], "ratio": [1.0],
                 loss_name: {"hidden_dim": width, "mpnce_row_sum": False, "mpnce_col_sum": False,
                             "attn_temperature": None, "loss_temperature": 0.07, "text_features_l2_norm": False,
                             "sim_op": "cos"}},
        "compute_logits_type": "radzero",
        "torch_dtype": "float32",
        "transformers_version": "4.39.3",
    }
    (root / "config.json").write_text(json.dumps(config, indent=2, default=str))
    tokenizer.save_pretrained(str(root))
    processor = {
        "do_convert_rgb": True, "do_normalize": True, "do_rescale": True, "do_resize": True,
        "image_mean": list(mean), "image_std": list(std), "image_processor_type": "BlipImageProcessor",
        "processor_class": "BlipProcessor", "resample": 3, "rescale_factor": 1 / 255,
        "size": {"height": img_size, "width": img_size},
    }
    (root / "preprocessor_config.json").write_text(json.dumps(processor, indent=2))
    return root
