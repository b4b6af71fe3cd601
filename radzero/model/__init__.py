"""RadZero model library: encoders, align transformer, VL-CABS head (never imports the training app)."""

from radzero.model.global_head import GlobalHead, global_alignment
from radzero.model.radzero import HEADS, LOSSES, RadZero, RadZeroConfig, RadZeroFeatures, load_state_dict_checked
from radzero.model.vlcabs import VLCABSHead, similarity_maps, vlcabs, vlcabs_logits

__all__ = [
    "GlobalHead",
    "HEADS",
    "LOSSES",
    "RadZero",
    "RadZeroConfig",
    "RadZeroFeatures",
    "VLCABSHead",
    "global_alignment",
    "load_state_dict_checked",
    "similarity_maps",
    "vlcabs",
    "vlcabs_logits",
]
