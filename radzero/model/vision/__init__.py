"""Vision encoders: images (B, 3, H, W) -> tokens (B, P + h*w, D) (P prefix tokens: CLS or none) and grid (h, w)."""

from radzero.model.vision.base import VisionEncoder
from radzero.model.vision.biomedclip import BiomedCLIPVisionEncoder
from radzero.model.vision.dinov2 import Dinov2VisionEncoder
from radzero.model.vision.factory import VISION_ENCODERS, build_vision_encoder
from radzero.model.vision.pos_embed import resample_pos_embed, set_vit_input_size
from radzero.model.vision.small_vit import SmallViTEncoder

__all__ = [
    "VISION_ENCODERS",
    "BiomedCLIPVisionEncoder",
    "Dinov2VisionEncoder",
    "SmallViTEncoder",
    "VisionEncoder",
    "build_vision_encoder",
    "resample_pos_embed",
    "set_vit_input_size",
]
