"""The RadZero model: frozen ViT + align transformer, text encoder, VL-CABS head (or the global head of the
CLIP baseline, ``head: global``; docs/model.md)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from radzero.model.align import AlignTransformer
from radzero.model.global_head import GlobalHead
from radzero.model.text import build_text_encoder
from radzero.model.vision import build_vision_encoder
from radzero.model.vlcabs import VLCABSHead, similarity_maps
from radzero.utils.errors import ConfigError, RadZeroInputError
from radzero.utils.options import HEADS, LOSSES

logger = logging.getLogger(__name__)



@dataclass
class RadZeroConfig:
    """Everything needed to rebuild a RadZero model; ``vision``/``text`` are builder kwargs with a ``name``."""

    vision: dict[str, Any] = field(default_factory=lambda: {"name": "small_vit", "image_size": 224, "frozen": False})
    text: dict[str, Any] = field(default_factory=lambda: {"name": "local_bert"})
    embed_dim: int | None = None  # project text and tokens to this width; None = encoders must match
    align_depth: int = 2
    align_heads: int = 12
    align_mlp_ratio: float = 4.0
    align_layer_scale: float | None = None  # LayerScale init; the paper's align layers: 1.0 (Dinov2Config default)
    align_norm_eps: float = 1e-6  # LayerNorm eps of the align layers (Dinov2Config's and timm's default)
    init_tau: float = 0.07
    learn_tau: bool = True
    lean_head: bool = True  # memory-lean VL-CABS for the loss
    head_chunk_size: int | None = None
    # the loss options travel with the model config (one `model` config group); the training module
    # builds radzero.loss.RadZeroLoss from them, the model itself never computes a loss
    kl_weight: float = 0.0
    row_sum: bool = False
    col_sum: bool = False
    # leave other images' copies of a sentence out of its negatives (needs text_ids); off = the paper's loss
    mask_duplicate_texts: bool = False
    head: str = "vlcabs"  # HEADS; an old config.json without the key is a VL-CABS model
    loss: str = "multi_positive"  # LOSSES

    def __post_init__(self) -> None:
        if self.head not in HEADS:
            raise ConfigError(f"model.head={self.head!r}: choose one of {list(HEADS)}")
        if self.loss not in LOSSES:
            raise ConfigError(f"model.loss={self.loss!r}: choose one of {list(LOSSES)}")

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> RadZeroConfig:
        """Build from a plain dict, naming any unknown key."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise KeyError(f"unknown RadZero model config key(s) {unknown}; known keys: {sorted(known)}")
        return cls(**values)


@dataclass
class RadZeroFeatures:
    """What ``RadZero.forward`` returns: layer-normed sentence features ``text`` (N, D) (global head: the
    projected text (N, 2D), no LayerNorm), image ``tokens`` (B, P + h*w, D) with the patch ``grid`` (h, w), and
    the temperature ``tau``. Score them with
    ``RadZero.logits`` (training) or ``RadZero.similarity`` (logits + maps); the loss is
    ``radzero.loss.RadZeroLoss``, owned by the training module."""

    text: Tensor
    tokens: Tensor
    grid: tuple[int, int]
    tau: Tensor


class RadZero(nn.Module):
    """Vision encoder → align transformer → shared LayerNorm ← text encoder; VL-CABS logits and maps.

    ``config.head == "global"``: the CLIP baseline instead (radzero.model.global_head): no LayerNorm, text
    projected to 2D, logits from [CLS, mean of patches], maps from patch-token cosines."""

    def __init__(self, config: RadZeroConfig, tokenizer: Any | None = None) -> None:
        """``tokenizer``: the text encoder's tokenizer (e.g. the one saved with a checkpoint) instead of
        the one its builder makes; ``image_processor_config`` (a transformers image-processor dict or
        None) travels with the weights and tells evaluation how to preprocess (``preprocessor_config.json``)."""
        super().__init__()
        self.config = config
        self.image_processor_config: dict[str, Any] | None = None
        self.vision = build_vision_encoder(**config.vision)
        config.vision = {**config.vision, **self.vision.resolved_kwargs()}  # e.g. the hub model's mean / std
        self.text = build_text_encoder(**config.text, tokenizer=tokenizer)
        vision_dim, text_dim = self.vision.embed_dim, self.text.embed_dim
        dim = config.embed_dim or vision_dim
        if config.embed_dim is None and vision_dim != text_dim:
            raise ValueError(
                f"vision width {vision_dim} != text width {text_dim}: set model.embed_dim to project both"
            )
        self.align = AlignTransformer(
            vision_dim,
            depth=config.align_depth,
            num_heads=config.align_heads,
            mlp_ratio=config.align_mlp_ratio,
            layer_scale_init=config.align_layer_scale,
            norm_eps=config.align_norm_eps,
        )
        self.vision_proj = nn.Linear(vision_dim, dim) if vision_dim != dim else nn.Identity()
        self.token_dim = dim
        self.head: VLCABSHead | GlobalHead
        if config.head == "global":
            prefix = self.vision.num_prefix_tokens
            if not getattr(self.vision, "has_class_token", prefix > 0) or prefix < 1:
                raise ConfigError(
                    "model.head=global needs a CLS token (the image feature is [CLS, mean of the patch tokens]), "
                    f"and this vision encoder ({config.vision.get('name')}) has none: set "
                    "model.vision.class_token=true, or use model.head=vlcabs"
                )
            self.text_proj = nn.Linear(text_dim, 2 * dim)  # the authors' text_projector: hidden -> 2 x hidden
            self.head = GlobalHead(prefix, init_tau=config.init_tau, learn_tau=config.learn_tau)
        else:
            self.text_proj = nn.Linear(text_dim, dim) if text_dim != dim else nn.Identity()
            self.head = VLCABSHead(dim, init_tau=config.init_tau, learn_tau=config.learn_tau)

    @property
    def tokenizer(self):
        return self.text.tokenizer

    @property
    def tau(self) -> Tensor:
        return self.head.tau

    def encode_image(self, images: Tensor) -> tuple[Tensor, tuple[int, int]]:
        """(B, 3, H, W) → layer-normed tokens (B, P + h*w, D) and the patch grid (h, w).

        P = ``vision.num_prefix_tokens`` (1 for a CLS token, 0 for a patch-only encoder). Global head: the
        align transformer's tokens as they are (no LayerNorm)."""
        tokens, grid = self.vision(images)
        tokens = self.vision_proj(self.align(tokens))
        return self.head.norm(tokens), grid

    def encode_text(self, input_ids: Tensor, attention_mask: Tensor) -> Tensor:
        """(N, T) token ids → layer-normed sentence features (N, D) (global head: projected to (N, 2D)).

        Repeated sentences (identical token rows, e.g. "There is no pneumothorax" of many images) run
        through the text encoder once; their copies share the features and sum their gradients
        (in training mode they also share one dropout mask).
        """
        rows = torch.cat([input_ids, attention_mask.to(input_ids.dtype)], dim=1)  # (N, 2T)
        unique_rows, inverse = torch.unique(rows, dim=0, return_inverse=True)  # (U, 2T), (N,)
        if unique_rows.shape[0] == rows.shape[0]:
            return self.head.norm(self.text_proj(self.text(input_ids, attention_mask)))
        length = input_ids.shape[1]
        unique_ids, unique_mask = unique_rows[:, :length], unique_rows[:, length:].to(attention_mask.dtype)
        features = self.head.norm(self.text_proj(self.text(unique_ids, unique_mask)))  # (U, D)
        return features[inverse]  # (N, D)

    def similarity(self, text: Tensor, tokens: Tensor, grid: tuple[int, int]) -> tuple[Tensor, Tensor]:
        """THE map method: layer-normed text (N, D) x image tokens (B, L, D) -> VL-CABS logits (N, B) and
        cosine maps (B, N, h, w) on the patch grid (prefix tokens left out), both cosines in [-1, 1].
        Global head: text (N, 2D) -> [CLS, mean patch] logits and patch-token cosine maps, same shapes.

        Zero-shot probability = sigmoid(logit / tau); probability map = sigmoid(cosine map / tau)
        after upsampling (``radzero.data.transforms.geometry.map_to_original``).
        """
        if isinstance(self.head, GlobalHead):
            logits, cosines = self.head(text, tokens)  # (N, B), (B, N, h*w)
            return logits, similarity_maps(cosines, grid, num_prefix_tokens=0)  # (B, N, h, w)
        logits, scores = self.head(text, tokens)  # (N, B), (B, N, L) = cos / tau
        cosine_maps = similarity_maps(scores, grid, self.vision.num_prefix_tokens) * self.tau  # (B, N, h, w)
        return logits, cosine_maps

    def tokenize(self, sentences: list[str]) -> dict[str, Tensor]:
        """Tokenize sentences with the text encoder's tokenizer (padding + truncation)."""
        if not sentences:
            raise ValueError("no sentences / prompts to encode: the text list is empty")
        return self.text.tokenize(sentences)

    def logits(self, text: Tensor, tokens: Tensor) -> Tensor:
        """VL-CABS logits (N, B) of layer-normed text (N, D) against image tokens (B, L, D), in the
        configured training form (``lean_head``: memory-lean, chunked; same values as ``similarity``).
        Global head: its cosine logits (N, B)."""
        if isinstance(self.head, GlobalHead):
            return self.head.logits(text, tokens)
        logits, _ = self.head(text, tokens, lean=self.config.lean_head, chunk_size=self.config.head_chunk_size)
        return logits

    def forward(self, images: Tensor, input_ids: Tensor, attention_mask: Tensor) -> RadZeroFeatures:
        """Encode images (B, 3, H, W) and sentences (N, T) into the features VL-CABS scores."""
        if not images.is_floating_point():
            raise RadZeroInputError(
                f"images must be a float tensor of normalised pixels, got {images.dtype}: preprocess with the "
                "model's transform (radzero.eval.inference.eval_transform) or use radzero.Predictor"
            )
        if input_ids.ndim != 2 or input_ids.shape[0] == 0:
            raise RadZeroInputError(
                f"input_ids must be (N, T) with N >= 1 sentences, got shape {tuple(input_ids.shape)}"
            )
        tokens, grid = self.encode_image(images)  # (B, L, D)
        text = self.encode_text(input_ids, attention_mask)  # (N, D)
        return RadZeroFeatures(text=text, tokens=tokens, grid=grid, tau=self.tau)

    def trainable_parameters(self) -> list[nn.Parameter]:
        """Parameters the optimizer should see (frozen encoder excluded)."""
        return [p for p in self.parameters() if p.requires_grad]

    # ----------------------------------------------------------------------------- persistence
    def save_pretrained(self, directory: str | Path) -> Path:
        """Write ``config.json``, ``model.safetensors``, ``tokenizer/`` (and ``preprocessor_config.json``)."""
        from radzero.model.persistence import save_model

        return save_model(self, directory)

    @classmethod
    def from_pretrained(
        cls, directory: str | Path, map_location: str | torch.device = "cpu", overrides: dict[str, Any] | None = None
    ) -> RadZero:
        """Rebuild a ``save_pretrained`` folder, or convert the RadZero authors' Hugging Face snapshot
        (detected from its ``config.json``), offline and without remote code; the load is strict.

        ``overrides``: RadZeroConfig fields to replace before building (e.g. the loss options of a
        fine-tuning run); weights are loaded unchanged.
        """
        from radzero.model.persistence import load_model

        return load_model(directory, map_location, overrides)


def load_state_dict_checked(module: nn.Module, state: dict[str, Tensor], source: str) -> None:
    """``load_state_dict(strict=True)`` with an error that lists what differs and what to do."""
    own = module.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    mis_shaped = sorted(k for k in set(own) & set(state) if own[k].shape != state[k].shape)
    if missing or unexpected or mis_shaped:
        shapes = [f"{k} {tuple(state[k].shape)} vs model {tuple(own[k].shape)}" for k in mis_shaped]
        raise ValueError(
            f"checkpoint {source} does not match the model config "
            f"({describe_key_mismatch(missing, unexpected, shapes)}). "
            "Use the model config the checkpoint was trained with (its config.json / hparams)."
        )
    module.load_state_dict(state, strict=True)


def describe_key_mismatch(missing: list[str], unexpected: list[str], mis_shaped: list[str]) -> str:
    """'3 missing: a, b, c; 1 unexpected: d' (at most 8 names per list)."""

    def head(keys: list[str]) -> str:
        return ", ".join(keys[:8]) + (f" … (+{len(keys) - 8})" if len(keys) > 8 else "")

    parts = []
    if missing:
        parts.append(f"{len(missing)} missing: {head(missing)}")
    if unexpected:
        parts.append(f"{len(unexpected)} unexpected: {head(unexpected)}")
    if mis_shaped:
        parts.append(f"{len(mis_shaped)} with other shapes: {head(mis_shaped)}")
    return "; ".join(parts)
