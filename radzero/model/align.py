"""Align transformer: a few trainable pre-norm Transformer layers over [CLS + patch] tokens."""

from __future__ import annotations

from functools import partial

from timm.models.vision_transformer import Block
from torch import Tensor, nn


class AlignTransformer(nn.Module):
    """``depth`` DINOv2-style pre-norm blocks (timm ``Block``); no final norm in the paper config.

    A timm ``Block`` computes what a transformers ``Dinov2Layer`` (the authors' align layers) computes:
    LayerNorm -> attention (fused qkv = the concatenated query / key / value weights) -> LayerScale ->
    residual, LayerNorm -> MLP (exact GELU) -> LayerScale -> residual. The paper's layers use
    ``Dinov2Config`` defaults: LayerScale init 1.0 (``layer_scale_init``) and LayerNorm eps 1e-6 (``norm_eps``;
    set explicitly because timm's own default norm layer changed between versions).
    """

    def __init__(
        self,
        dim: int,
        depth: int = 2,
        num_heads: int = 12,
        mlp_ratio: float = 4.0,
        layer_scale_init: float | None = None,
        drop_path: float = 0.0,
        final_norm: bool = False,
        norm_eps: float = 1e-6,
    ) -> None:
        super().__init__()
        if dim % num_heads:
            raise ValueError(f"align transformer: dim {dim} is not divisible by num_heads {num_heads}")
        self.blocks = nn.ModuleList(
            Block(
                dim, num_heads, mlp_ratio=mlp_ratio, qkv_bias=True, init_values=layer_scale_init, drop_path=drop_path,
                norm_layer=partial(nn.LayerNorm, eps=norm_eps),
            )
            for _ in range(depth)
        )
        self.norm = nn.LayerNorm(dim, eps=norm_eps) if final_norm else nn.Identity()

    def forward(self, tokens: Tensor) -> Tensor:
        """(B, L, D) → (B, L, D)."""
        for block in self.blocks:
            tokens = block(tokens)
        return self.norm(tokens)
