"""Align transformer: a few trainable pre-norm Transformer layers over [CLS + patch] tokens."""

from __future__ import annotations

from timm.models.vision_transformer import Block
from torch import Tensor, nn


class AlignTransformer(nn.Module):
    """``depth`` DINOv2-style pre-norm blocks (timm ``Block``); no final norm in the paper config."""

    def __init__(
        self,
        dim: int,
        depth: int = 2,
        num_heads: int = 12,
        mlp_ratio: float = 4.0,
        layer_scale_init: float | None = None,
        drop_path: float = 0.0,
        final_norm: bool = False,
    ) -> None:
        super().__init__()
        if dim % num_heads:
            raise ValueError(f"align transformer: dim {dim} is not divisible by num_heads {num_heads}")
        self.blocks = nn.ModuleList(
            Block(dim, num_heads, mlp_ratio=mlp_ratio, qkv_bias=True, init_values=layer_scale_init, drop_path=drop_path)
            for _ in range(depth)
        )
        self.norm = nn.LayerNorm(dim) if final_norm else nn.Identity()

    def forward(self, tokens: Tensor) -> Tensor:
        """(B, L, D) → (B, L, D)."""
        for block in self.blocks:
            tokens = block(tokens)
        return self.norm(tokens)
