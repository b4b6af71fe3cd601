"""Offline tokenizers from the shipped WordPiece radiology vocab."""

from __future__ import annotations

import inspect
from pathlib import Path

from radzero.model.assets import RADIOLOGY_VOCAB


def radiology_tokenizer(vocab_file: str | Path | None = None, model_max_length: int = 512):
    """`BertTokenizerFast` over `radzero/model/assets/radiology_vocab.txt` (lower-cased; no network).

    Every printable ASCII character and its `##` continuation is in the vocab, so ASCII text never
    maps to [UNK]; common chest-radiology words are whole tokens.
    """
    from transformers import BertTokenizerFast

    path = Path(vocab_file) if vocab_file is not None else RADIOLOGY_VOCAB
    if not path.is_file():
        raise FileNotFoundError(f"vocab file not found: {path} (regenerate with scripts/make_radiology_vocab.py)")
    vocab = load_vocab(path)
    if "vocab" in inspect.signature(BertTokenizerFast.__init__).parameters:
        # transformers >= 5: BertTokenizerFast is BertTokenizer(vocab=dict | None, ...) and silently
        # ignores a `vocab_file` keyword (it would give a 5-token vocab and map every word to [UNK])
        tok = BertTokenizerFast(vocab=vocab, do_lower_case=True, model_max_length=model_max_length)
    else:  # transformers 4.x
        tok = BertTokenizerFast(vocab_file=str(path), do_lower_case=True, model_max_length=model_max_length)
    if len(tok) != len(vocab):
        raise RuntimeError(f"tokenizer loaded {len(tok)} tokens from {path}, expected {len(vocab)}")
    return tok


def load_vocab(path: str | Path) -> dict[str, int]:
    """WordPiece vocab file -> {token: line number} (BERT's format: one token per line)."""
    vocab: dict[str, int] = {}
    with Path(path).open(encoding="utf-8") as f:
        for line in f:
            token = line.rstrip("\n")
            if token in vocab:
                raise ValueError(f"duplicate token {token!r} in {path}")
            vocab[token] = len(vocab)
    return vocab


def hub_tokenizer(model_id: str):
    """The hub tokenizer of a pretrained model (downloads; trust_remote_code=False)."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(model_id, trust_remote_code=False)


# the files a transformers tokenizer may be saved as (never config.json: it may point at remote code)
TOKENIZER_FILES = (
    "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json", "vocab.txt",
    "vocab.json", "merges.txt", "spiece.model", "sentencepiece.bpe.model", "tokenizer.model",
)


def load_tokenizer(directory: str | Path):
    """The tokenizer saved in ``directory``, through transformers' built-in class named by its
    ``tokenizer_config.json`` (``tokenizer_class``), never through remote code.

    Only the tokenizer files are read (copied to a private folder first), so a ``config.json`` beside
    them that carries an ``auto_map`` (the RadZero authors' snapshot) is never consulted: no
    trust-remote-code prompt, no remote code.
    """
    import json
    import shutil
    import tempfile

    from transformers import PreTrainedTokenizerFast
    from transformers.models.auto.tokenization_auto import tokenizer_class_from_name

    directory = Path(directory)
    config_path = directory / "tokenizer_config.json"
    if not config_path.is_file():
        raise FileNotFoundError(f"{config_path} not found: {directory} holds no saved tokenizer")
    try:
        name = json.loads(config_path.read_text(encoding="utf-8")).get("tokenizer_class")
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{config_path} is not valid JSON ({error})") from error
    # the fast (tokenizers) class first, as AutoTokenizer picks it; transformers 5 has only that one
    candidates = (f"{name.removesuffix('Fast')}Fast", name) if name else ()
    cls = next((c for c in map(tokenizer_class_from_name, candidates) if c is not None), None)
    if cls is None:
        if not (directory / "tokenizer.json").is_file():
            raise ValueError(
                f"{config_path}: tokenizer_class {name!r} is not a transformers tokenizer and there is no "
                "tokenizer.json to fall back on; radzero loads built-in tokenizer classes only"
            )
        cls = PreTrainedTokenizerFast
    with tempfile.TemporaryDirectory(prefix="radzero-tokenizer-") as private:
        for file_name in TOKENIZER_FILES:
            if (directory / file_name).is_file():
                shutil.copy2(directory / file_name, Path(private) / file_name)
        return cls.from_pretrained(private, trust_remote_code=False)
