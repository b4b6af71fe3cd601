"""RadZero model library: encoders, align transformer, VL-CABS head (never imports the training app)."""

from radzero.model.radzero import RadZero, RadZeroConfig, RadZeroFeatures, load_state_dict_checked
from radzero.model.vlcabs import VLCABSHead, similarity_maps, vlcabs, vlcabs_logits

__all__ = [
    "RadZero",
    "RadZeroConfig",
    "RadZeroFeatures",
    "VLCABSHead",
    "load_state_dict_checked",
    "similarity_maps",
    "vlcabs",
    "vlcabs_logits",
]
