"""The single-positive choice: one sentence per image, a function of (seed, epoch, image) only."""

from __future__ import annotations

import torch

from radzero.data.collate import ImageTextCollate
from radzero.data.positives import keep_sentences, one_positive_per_image


class _Tokenizer:
    """Whitespace tokenizer with HF's call signature (ids = word lengths), enough for the collate."""

    def __call__(self, texts, padding=True, truncation=True, max_length=None, return_tensors="pt"):
        rows = [[len(w) for w in t.split()] for t in texts]
        width = max(len(r) for r in rows)
        return {"input_ids": torch.tensor([r + [0] * (width - len(r)) for r in rows]),
                "attention_mask": torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in rows])}


IMAGES = {f"img{i}": [f"image {i} sentence {k} " + "word " * k for k in range(1 + i % 4)] for i in range(12)}


def _batch(ids: list[str]) -> dict:
    items = [{"image": torch.zeros(1, 2, 2), "sentences": IMAGES[i], "image_id": i} for i in ids]
    return ImageTextCollate(_Tokenizer())(items)


def _choice(ids: list[str], seed: int, epoch: int) -> dict[str, str]:
    """image id -> the sentence it keeps."""
    batch = _batch(ids)
    kept = keep_sentences(batch, one_positive_per_image(batch["group"], batch["image_ids"], seed, epoch))
    return dict(zip(kept["image_ids"], kept["sentences"]))


def test_exactly_one_own_sentence_per_image_and_rows_kept_together():
    ids = list(IMAGES)
    batch = _batch(ids)
    rows = one_positive_per_image(batch["group"], batch["image_ids"], seed=0, epoch=0)
    kept = keep_sentences(batch, rows)
    assert rows.shape == (len(ids),)
    assert torch.equal(batch["group"][rows], torch.arange(len(ids)))  # row b is a sentence of image b
    assert torch.equal(kept["group"], torch.arange(len(ids)))
    for b, row in enumerate(rows.tolist()):
        assert kept["sentences"][b] == batch["sentences"][row] and kept["sentences"][b] in IMAGES[ids[b]]
        assert torch.equal(kept["input_ids"][b], batch["input_ids"][row])
        assert torch.equal(kept["attention_mask"][b], batch["attention_mask"][row])
        assert kept["text_ids"][b] == batch["text_ids"][row]
    assert torch.equal(kept["images"], batch["images"]) and kept["image_ids"] == batch["image_ids"]


def test_deterministic_per_seed_and_epoch_and_changing_across_them():
    ids = list(IMAGES)
    assert _choice(ids, 0, 0) == _choice(ids, 0, 0)
    assert _choice(ids, 0, 0) != _choice(ids, 0, 1)  # another epoch: other positives
    assert _choice(ids, 0, 0) != _choice(ids, 1, 0)  # another seed: other positives
    # over epochs every sentence of a 4-sentence image gets its turn
    four = [i for i in ids if len(IMAGES[i]) == 4][0]
    assert {_choice([four], 0, epoch)[four] for epoch in range(40)} == set(IMAGES[four])


def test_independent_of_batch_composition_and_order():
    ids = list(IMAGES)
    whole = _choice(ids, 3, 2)
    assert _choice(ids[::-1], 3, 2) == whole  # reversed batch
    assert _choice(ids[5:], 3, 2) == {i: whole[i] for i in ids[5:]}  # another batch split
    for i in ids[:4]:
        assert _choice([i], 3, 2) == {i: whole[i]}  # alone in its batch
