"""Text encoders: token ids (N, T) + attention mask -> sentence features (N, D)."""

from radzero.model.text.base import TextEncoder
from radzero.model.text.biomedclip import BiomedCLIPTextEncoder
from radzero.model.text.factory import TEXT_ENCODERS, build_text_encoder
from radzero.model.text.hf import HFMeanPoolTextEncoder
from radzero.model.text.local_bert import LocalBertTextEncoder
from radzero.model.text.pooling import cls_pool, mean_pool
from radzero.model.text.tokenizers import radiology_tokenizer

__all__ = [
    "TEXT_ENCODERS",
    "BiomedCLIPTextEncoder",
    "HFMeanPoolTextEncoder",
    "LocalBertTextEncoder",
    "TextEncoder",
    "build_text_encoder",
    "cls_pool",
    "mean_pool",
    "radiology_tokenizer",
]
