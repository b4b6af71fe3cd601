"""The named choices of the model config, in one torch-free place (the apps check them before importing torch)."""

from __future__ import annotations

__all__ = ["HEADS", "LOSSES"]

# ``model.head``: "vlcabs" (RadZero) or "global" (the CLIP baseline of the ablation ladder: [CLS, mean patch] x text)
HEADS = ("vlcabs", "global")
# ``model.loss``: "multi_positive" (every sentence of an image is a positive) or "single_positive" (CLIP's symmetric
# InfoNCE; the training module keeps one sentence per image, radzero.data.positives)
LOSSES = ("multi_positive", "single_positive")
