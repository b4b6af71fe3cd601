"""Local model configs and vocab files shipped with radzero (no hub access needed).

| file | what |
|---|---|
| dinov2_base.json | `Dinov2Config` of DINOv2 ViT-B/14 (XrayDINOv2 architecture), native 224 px = 16x16 grid |
| biomedclip_vit_b16_pubmedbert_256.json | open_clip model config of BiomedCLIP (timm ViT-B/16 + PubMedBERT, 512-d) |
| biomedbert_base_uncased_abstract.json | `BertConfig` of the BiomedCLIP text tower (BERT-base, vocab 30522) |
| all_mpnet_base_v2.json | `MPNetConfig` of sentence-transformers/all-mpnet-base-v2 |
| biobert_base_cased_v1.1.json | `BertConfig` of dmis-lab/biobert-v1.1 |
| radiology_vocab.txt | WordPiece vocab for offline tokenizers (made by scripts/make_radiology_vocab.py) |
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ASSETS_DIR = Path(__file__).resolve().parent
RADIOLOGY_VOCAB = ASSETS_DIR / "radiology_vocab.txt"


def asset_path(name: str) -> Path:
    path = ASSETS_DIR / name
    if not path.is_file():
        available = sorted(p.name for p in ASSETS_DIR.iterdir() if p.suffix in {".json", ".txt"})
        raise FileNotFoundError(f"no asset {name!r} in {ASSETS_DIR}; available: {available}")
    return path


def load_json(name_or_path: str | Path) -> dict[str, Any]:
    """Load a shipped asset by file name, or any JSON file by path."""
    path = Path(name_or_path)
    if not path.is_file():
        path = asset_path(str(name_or_path))
    with path.open(encoding="utf-8") as f:
        return json.load(f)
