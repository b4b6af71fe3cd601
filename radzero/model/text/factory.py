"""`build_text_encoder(name, ...)`: one entry point for every text backend."""

from __future__ import annotations

from typing import Any, Callable

from radzero.model.text.base import TextEncoder
from radzero.model.text.biomedclip import BiomedCLIPTextEncoder
from radzero.model.text.hf import HFMeanPoolTextEncoder
from radzero.model.text.local_bert import LocalBertTextEncoder
from radzero.utils.validate import check_kwargs

TEXT_ENCODERS: dict[str, Callable[..., TextEncoder]] = {
    "hf": HFMeanPoolTextEncoder,
    "biomedclip": BiomedCLIPTextEncoder,
    "local_bert": LocalBertTextEncoder,
}


def build_text_encoder(
    name: str, *, pretrained: bool = True, proj_dim: int | None = None, **kwargs: Any
) -> TextEncoder:
    """Build a text encoder by name.

    name:
      hf          AutoModel (MPNet / BERT) + attention-masked mean pooling. kwargs: model_id
                  ("sentence-transformers/all-mpnet-base-v2"; "dmis-lab/biobert-v1.1" also has a local
                  config), tokenizer_id, max_length (None), config_file / config_overrides / vocab_file
                  (pretrained=False only).
      biomedclip  BiomedCLIP PubMedBERT tower, CLS pooling + MLP projection to 512. kwargs: model_id,
                  max_length (256), clip_config_file, config_file / config_overrides / vocab_file.
      local_bert  small random BERT + mean pooling + offline radiology tokenizer. kwargs: hidden (128),
                  layers (2), heads (4), intermediate, max_length (128), dropout, vocab_file
                  (pretrained is ignored).
    proj_dim: optional final nn.Linear to proj_dim (embed_dim becomes proj_dim).
    tokenizer: a tokenizer to use instead of the builder's own (e.g. the one saved with a checkpoint);
    its pad id and size then define the embedding table of a random-weight build.
    max_length=None (hf): truncate at the tokenizer's model_max_length.
    pretrained=False never touches the hub: random weights from radzero/model/assets configs and the
    offline radiology-vocab tokenizer.
    """
    try:
        cls = TEXT_ENCODERS[name]
    except KeyError:
        raise ValueError(f"unknown text encoder {name!r}; choose from {sorted(TEXT_ENCODERS)}") from None
    check_kwargs(cls, kwargs, f"model.text (name: {name})")
    return cls(pretrained=pretrained, proj_dim=proj_dim, **kwargs)
