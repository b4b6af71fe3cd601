from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from radzero.data.collate import ImageTextCollate, collate_images
from radzero.data.datamodule import RadZeroDataModule, per_device_batch_size
from radzero.data.datasets import ImageDataset, ImageTextDataset
from radzero.data.samples import GroundingSample, ImageTextSample
from radzero.data.transforms import ImageTransform

WORDS = "there is a no small large left right pleural effusion pneumothorax of lung basilar atelectasis heart size normal".split()


@pytest.fixture
def tokenizer(tmp_path):
    from transformers import BertTokenizerFast

    tok_dir = tmp_path / "tokenizer"
    tok_dir.mkdir()
    (tok_dir / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]) + "\n")
    tok = BertTokenizerFast.from_pretrained(str(tok_dir), do_lower_case=True)  # local dir: offline
    assert tok.vocab_size == 5 + len(WORDS)
    return tok


@pytest.fixture
def samples(tmp_path, jpeg_factory):
    rng = np.random.default_rng(0)
    out = []
    for i in range(10):
        h, w = (int(v) for v in rng.integers(60, 120, 2))
        p = tmp_path / "images" / f"img{i}.jpg"
        jpeg_factory(p, h, w, seed=i)
        n = 1 + i % 4
        sents = tuple(f"there is {WORDS[5 + (i + k) % 10]} of left lung" for k in range(n))
        out.append(ImageTextSample(p, f"img{i}", sents, study_id=str(i), split="train", view="PA", original_size=(h, w)))
    return out


def test_collate_shapes_and_groups(samples, tokenizer):
    ds = ImageTextDataset(samples[:4], ImageTransform(32, [0.5], [0.25]), train=False)
    batch = ImageTextCollate(tokenizer, max_length=16)([ds[i] for i in range(4)])
    n = sum(len(s.sentences) for s in samples[:4])  # 1 + 2 + 3 + 4
    assert batch["images"].shape == (4, 3, 32, 32) and batch["images"].dtype == torch.float32
    assert batch["input_ids"].shape[0] == n == batch["attention_mask"].shape[0] == len(batch["sentences"])
    assert batch["input_ids"].shape[1] <= 16
    assert batch["group"].dtype == torch.long
    assert batch["group"].tolist() == [0, 1, 1, 2, 2, 2, 3, 3, 3, 3]
    assert batch["image_ids"] == ["img0", "img1", "img2", "img3"]
    assert batch["text_ids"].shape == (n,) and batch["text_ids"].dtype == torch.long
    same_text = [[a == b for b in batch["sentences"]] for a in batch["sentences"]]
    assert ((batch["text_ids"][:, None] == batch["text_ids"][None, :]).tolist()) == same_text
    for s, g in zip(batch["sentences"], batch["group"].tolist()):
        assert s in samples[g].sentences
    # tokens decode back to the sentence (tiny vocab covers every word)
    first = tokenizer.decode(batch["input_ids"][0], skip_special_tokens=True)
    assert first == samples[0].sentences[0]


def test_collate_rejects_empty_sentences(tokenizer):
    item = {"image": torch.zeros(3, 4, 4), "sentences": [], "image_id": "x"}
    with pytest.raises(ValueError, match="no sentences"):
        ImageTextCollate(tokenizer)([item])


def test_dataset_rejects_samples_without_sentences(samples):
    bad = [*samples[:2], ImageTextSample(samples[0].image_path, "empty", ())]
    with pytest.raises(ValueError, match="no sentences"):
        ImageTextDataset(bad, ImageTransform(32), train=True)


def test_normalisation(samples):
    from radzero.data.io import load_image
    from radzero.data.transforms import make_geometry

    t = ImageTransform(32, mean=[0.1, 0.2, 0.3], std=[0.5, 0.25, 0.125], geometry="pad")
    x, p = t(load_image(samples[0].image_path))
    ref, _ = make_geometry("pad", 32)(load_image(samples[0].image_path))
    for c, (m, s) in enumerate(zip([0.1, 0.2, 0.3], [0.5, 0.25, 0.125])):
        torch.testing.assert_close(x[c], (torch.from_numpy(ref) - m) / s)
    assert p.kind == "pad"


def test_max_sentences_sampling(samples):
    s = samples[3]  # 4 sentences
    ds = ImageTextDataset([s], ImageTransform(32), train=True, max_sentences=2)
    seen = set()
    for _ in range(30):
        out = ds[0]["sentences"]
        assert len(out) == 2 and len(set(out)) == 2  # without replacement
        assert [s.sentences.index(x) for x in out] == sorted(s.sentences.index(x) for x in out)
        seen.add(tuple(out))
    assert len(seen) > 1  # random in training
    ev = ImageTextDataset([s], ImageTransform(32), train=False, max_sentences=2)
    assert ev[0]["sentences"] == ev[0]["sentences"]  # fixed in evaluation
    with pytest.raises(ValueError):
        ImageTextDataset([s], ImageTransform(32), train=True, max_sentences=0)


def test_per_device_batch_size():
    assert per_device_batch_size(256, 4) == 64
    with pytest.raises(ValueError, match="not divisible"):
        per_device_batch_size(10, 4)


def test_datamodule_end_to_end(samples, tokenizer):
    dm = RadZeroDataModule(
        samples, tokenizer, samples[:3], image_size=32, mean=[0.5], std=[0.25], global_batch_size=4,
        num_workers=0, pin_memory=False, persistent_workers=False, max_sentences_per_image=3,
        augment={"affine_p": 1.0, "noise_p": 1.0}, max_length=12,
    )  # fmt: skip
    dm.setup("fit")
    batches = list(dm.train_dataloader())
    assert len(batches) == 2  # 10 images, batch 4, drop_last
    for b in batches:
        assert b["images"].shape == (4, 3, 32, 32)
        assert b["group"].max().item() == 3 and (torch.bincount(b["group"]) <= 3).all()
        assert b["input_ids"].shape == b["attention_mask"].shape
        assert torch.isfinite(b["images"]).all()
    val = list(dm.val_dataloader())
    assert sum(len(b["image_ids"]) for b in val) == 3
    assert [i for b in val for i in b["image_ids"]] == ["img0", "img1", "img2"]


def test_datamodule_world_size_division(samples, tokenizer):
    dm = RadZeroDataModule(samples, tokenizer, global_batch_size=6, num_workers=0)
    dm.world_size = 4
    with pytest.raises(ValueError, match="not divisible"):
        dm.setup("fit")
    dm.world_size = 2
    assert dm.per_device_batch_size == 3


def test_datamodule_callable_source_and_filter(samples, tokenizer, caplog):
    bad = ImageTextSample(samples[0].image_path, "empty", ())
    dm = RadZeroDataModule(lambda: [*samples, bad], tokenizer, image_size=32, global_batch_size=2, num_workers=0)
    with caplog.at_level("WARNING"):
        dm.setup("fit")
    assert len(dm.train_dataset) == 10
    assert "dropped 1 of 11" in caplog.text


@pytest.mark.timeout(300)
def test_datamodule_with_workers(samples, tokenizer):
    """Two worker processes: the dataset, transform and tokenizer pickle; workers draw
    different augmentations."""
    dm = RadZeroDataModule(
        samples[:8] * 2, tokenizer, image_size=32, global_batch_size=16, num_workers=2,
        pin_memory=False, persistent_workers=False, augment={"affine_p": 1.0, "rotate": 20.0},
    )  # fmt: skip
    dm.setup("fit")
    pickle.dumps(dm.train_dataset)
    ds = dm.train_dataset
    loader = torch.utils.data.DataLoader(ds, batch_size=1, num_workers=2, collate_fn=lambda x: x[0])
    imgs = {}
    for item in loader:
        imgs.setdefault(item["image_id"], []).append(item["image"])
    diffs = [float((a[0] - a[1]).abs().max()) for a in imgs.values()]
    assert max(diffs) > 0  # the two copies of an image got different augmentations
    b = next(iter(dm.train_dataloader()))
    assert b["images"].shape == (16, 3, 32, 32)


def test_image_dataset_eval(tmp_path, jpeg_factory):
    p = tmp_path / "g.jpg"
    jpeg_factory(p, 90, 60)
    s = GroundingSample(p, "g", "there is effusion", "Effusion", ((1, 2, 3, 4),), (90, 60))
    ds = ImageDataset([s], ImageTransform(32, geometry="pad"))
    batch = collate_images([ds[0]])
    assert batch["images"].shape == (1, 3, 32, 32)
    assert batch["geometry"][0].original_size == (90, 60) and batch["geometry"][0].kind == "pad"
    wrong = GroundingSample(p, "g", "x", "x", (), (60, 90))
    with pytest.raises(ValueError, match="original_size"):
        ImageDataset([wrong], ImageTransform(32))[0]


def test_augment_no_flip_by_default():
    from radzero.data.transforms import AugmentConfig, build_train_augment

    cfg = AugmentConfig()
    assert cfg.hflip_p == 0.0
    aug = build_train_augment(cfg)
    names = [type(t).__name__ for t in aug.compose.transforms]
    assert "HorizontalFlip" not in names and "Affine" in names
    img = np.random.default_rng(0).random((32, 32)).astype(np.float32)
    out = aug(img)
    assert out.shape == img.shape and out.dtype == np.float32 and 0 <= out.min() and out.max() <= 1
    with pytest.raises(ValueError, match="unknown augmentation"):
        AugmentConfig.from_any({"flip": True})
    assert build_train_augment(None) is None and build_train_augment({"enabled": False}) is None


def test_paths_are_paths(samples):
    assert all(isinstance(s.image_path, Path) for s in samples)


def test_packed_strings():
    from radzero.data.datasets import PackedStrings

    groups = [["a", "ünïcode ✓"], [], ["x" * 1000], ["", "b"]]
    p = PackedStrings(groups)
    assert len(p) == 4 and [p[i] for i in range(4)] == groups
    assert len(PackedStrings([])) == 0


def test_epoch_seeded_sampler():
    from radzero.data.datamodule import EpochSeededRandomSampler

    g = torch.Generator()
    s = EpochSeededRandomSampler(50, seed=3, loader_generator=g)
    e0 = list(s)
    assert sorted(e0) == list(range(50)) and list(s) == e0
    g_state0 = g.get_state()
    s.set_epoch(1)
    e1 = list(s)
    assert e1 != e0
    s2 = EpochSeededRandomSampler(50, seed=3, loader_generator=torch.Generator())
    s2.set_epoch(1)
    assert list(s2) == e1  # depends only on (seed, epoch): a resumed run gets the same order
    assert torch.equal(s2.loader_generator.get_state(), g.get_state())
    assert not torch.equal(g_state0, g.get_state())
    assert list(EpochSeededRandomSampler(50, seed=4)) != e0


def test_datamodule_order_reproducible_per_epoch(samples, tokenizer):
    def ids(epoch):
        dm = RadZeroDataModule(samples, tokenizer, image_size=16, global_batch_size=2, num_workers=0, seed=7, pin_memory=False)
        dm.setup("fit")
        loader = dm.train_dataloader()
        loader.sampler.set_epoch(epoch)
        return [i for b in loader for i in b["image_ids"]]

    assert ids(0) == ids(0) and ids(1) == ids(1) and ids(0) != ids(1)


def test_cache_images_decodes_each_image_once(tmp_path, monkeypatch):
    """With cache_images the second epoch reads no file; the tensors equal the uncached ones."""
    import numpy as np
    from PIL import Image

    from radzero.data import datasets as datasets_module
    from radzero.data.datasets import ImageTextDataset
    from radzero.data.samples import ImageTextSample
    from radzero.data.transforms.pipeline import ImageTransform

    samples = []
    for k in range(3):
        path = tmp_path / f"img{k}.png"
        Image.fromarray((np.random.default_rng(k).random((40, 30)) * 255).astype(np.uint8)).save(path)
        samples.append(ImageTextSample(image_path=path, image_id=f"img{k}", sentences=("There is effusion",)))
    calls = []
    real_load = datasets_module.load_image
    monkeypatch.setattr(datasets_module, "load_image", lambda *a, **k: calls.append(a[0]) or real_load(*a, **k))
    transform = ImageTransform(16, geometry="resize")
    cached = ImageTextDataset(samples, transform, train=False, cache_images=True)
    plain = ImageTextDataset(samples, transform, train=False)
    first = [cached[i]["image"] for i in range(3)]
    second = [cached[i]["image"] for i in range(3)]
    assert len(calls) == 3  # decoded once each
    for a, b, c in zip(first, second, [plain[i]["image"] for i in range(3)]):
        assert torch.equal(a, b)
        torch.testing.assert_close(a, c, atol=2e-3, rtol=0)  # float16 storage of values in [0, 1]
