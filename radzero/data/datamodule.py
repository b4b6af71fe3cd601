"""Lightning DataModule for image-text alignment training (MIMIC-CXR / the authors' JSON)."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from typing import Any

import torch
from lightning.pytorch import LightningDataModule
from torch.utils.data import DataLoader

from radzero.data.collate import ImageTextCollate
from radzero.data.datasets import ImageTextDataset, drop_samples_without_sentences
from radzero.data.samplers import EpochSeededRandomSampler, GlobalBatchDistributedSampler, mix_seed
from radzero.data.samples import ImageTextSample
from radzero.data.transforms.augment import AugmentConfig
from radzero.data.transforms.pipeline import IMAGENET_MEAN, IMAGENET_STD, ImageTransform

log = logging.getLogger(__name__)

__all__ = ["EpochSeededRandomSampler", "RadZeroDataModule", "per_device_batch_size"]

SampleSource = Sequence[ImageTextSample] | Callable[[], Sequence[ImageTextSample]]


def per_device_batch_size(global_batch_size: int, world_size: int) -> int:
    if global_batch_size < 1 or world_size < 1:
        raise ValueError(f"global_batch_size ({global_batch_size}) and world_size ({world_size}) must be >= 1")
    if global_batch_size % world_size:
        raise ValueError(
            f"global batch size {global_batch_size} is not divisible by the world size {world_size} "
            f"(devices x nodes); choose a multiple of {world_size}"
        )
    return global_batch_size // world_size


class RadZeroDataModule(LightningDataModule):
    """Train / val dataloaders of (image, finding sentences) pairs.

    ``train_samples`` / ``val_samples``: reader output (``read_radzero_json``,
    ``read_mimic_cxr``) or a zero-argument callable returning it (resolved in ``setup``, so
    a Hydra ``_partial_`` reader works). ``tokenizer``: any HF tokenizer.
    ``global_batch_size`` is split over ``trainer.world_size`` (error if not divisible).
    ``max_sentences_per_image``: cap, sampled without replacement in training.
    ``geometry``: "resize" | "center_crop" | "pad" (see radzero.data.transforms.geometry).
    ``augment``: AugmentConfig / dict for training, None = no augmentation.
    ``fast_jpeg_decode``: decode training JPEGs with Pillow's DCT scaling to >= image_size.
    ``cache_images``: keep decoded, resized images in worker memory (small datasets only).
    ``seed``: shuffle / augmentation seed (None: ``PL_GLOBAL_SEED`` set by ``seed_everything``,
    else 0). The order depends only on (seed, epoch) (exact resume); with several devices each rank
    takes its chunk of every one-device global batch (``GlobalBatchDistributedSampler``), so a DDP run
    trains on the one-device batches.
    """

    def __init__(
        self,
        train_samples: SampleSource,
        tokenizer: Any,
        val_samples: SampleSource | None = None,
        *,
        image_size: int = 518,
        mean: Sequence[float] = IMAGENET_MEAN,
        std: Sequence[float] = IMAGENET_STD,
        geometry: str = "center_crop",
        interpolation: str = "area",
        augment: AugmentConfig | dict | None = None,
        global_batch_size: int = 256,
        val_batch_size: int | None = None,
        num_workers: int = 4,
        pin_memory: bool = True,
        persistent_workers: bool = True,
        prefetch_factor: int | None = None,
        max_sentences_per_image: int | None = None,
        max_length: int | None = 128,
        fast_jpeg_decode: bool = True,
        cache_images: bool = False,
        drop_last: bool = True,
        seed: int | None = None,
    ):
        super().__init__()
        self.save_hyperparameters(ignore=["train_samples", "val_samples", "tokenizer"])
        self._train_source = train_samples
        self._val_source = val_samples
        self.tokenizer = tokenizer
        self.collate = ImageTextCollate(tokenizer, max_length=max_length)
        self.train_dataset: ImageTextDataset | None = None
        self.val_dataset: ImageTextDataset | None = None
        self._world_size: int | None = None
        per_device_batch_size(global_batch_size, 1)  # validates the value early

    # ------------------------------------------------------------------ sizes
    @property
    def world_size(self) -> int:
        if self._world_size is not None:
            return self._world_size
        trainer = getattr(self, "trainer", None)
        return int(getattr(trainer, "world_size", 1) or 1) if trainer is not None else 1

    @world_size.setter
    def world_size(self, value: int) -> None:
        self._world_size = int(value)

    @property
    def per_device_batch_size(self) -> int:
        return per_device_batch_size(self.hparams.global_batch_size, self.world_size)

    # ------------------------------------------------------------------ setup
    def _transform(self, train: bool) -> ImageTransform:
        h = self.hparams
        return ImageTransform(
            h.image_size, h.mean, h.std, geometry=h.geometry, interpolation=h.interpolation,
            augment=h.augment if train else None,
        )  # fmt: skip

    @staticmethod
    def _resolve(source: SampleSource | None) -> list[ImageTextSample] | None:
        if source is None:
            return None
        return list(source() if callable(source) else source)

    def setup(self, stage: str | None = None) -> None:
        h = self.hparams
        _ = self.per_device_batch_size  # divisibility error before any work
        if self.train_dataset is None and stage in (None, "fit"):
            train = drop_samples_without_sentences(self._resolve(self._train_source) or [], "train")
            if not train:
                raise ValueError("RadZeroDataModule: the training set is empty")
            self.train_dataset = ImageTextDataset(
                train, self._transform(True), train=True, max_sentences=h.max_sentences_per_image,
                fast_decode_min_side=h.image_size if h.fast_jpeg_decode else None, seed=self.seed,
                cache_images=h.cache_images,
            )  # fmt: skip
            n_sent = sum(len(s.sentences) for s in train)
            log.info(
                "train: %d images, %d sentences (%.2f / image); per-device batch %d x %d devices",
                len(train), n_sent, n_sent / len(train), self.per_device_batch_size, self.world_size,
            )  # fmt: skip
        if self.val_dataset is None and stage in (None, "fit", "validate"):
            val = self._resolve(self._val_source)
            if val is not None:
                val = drop_samples_without_sentences(val, "val")
                self.val_dataset = ImageTextDataset(
                    val, self._transform(False), train=False, max_sentences=h.max_sentences_per_image,
                    fast_decode_min_side=h.image_size if h.fast_jpeg_decode else None, seed=self.seed,
                    cache_images=h.cache_images,
                )  # fmt: skip
                log.info("val: %d images", len(val))

    # ------------------------------------------------------------------ loaders
    @property
    def seed(self) -> int:
        if self.hparams.seed is not None:
            return int(self.hparams.seed)
        return int(os.environ.get("PL_GLOBAL_SEED", 0))

    @property
    def global_rank(self) -> int:
        trainer = getattr(self, "trainer", None)
        return int(getattr(trainer, "global_rank", 0) or 0) if trainer is not None else 0

    def _loader(self, dataset, *, shuffle: bool, batch_size: int, drop_last: bool) -> DataLoader:
        h = self.hparams
        workers = int(h.num_workers)
        if workers > 0:
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        kw: dict[str, Any] = {}
        if workers > 0 and h.prefetch_factor is not None:
            kw["prefetch_factor"] = h.prefetch_factor
        generator = torch.Generator()
        generator.manual_seed(mix_seed(self.seed, self.global_rank, 2))
        if shuffle and self.world_size == 1:
            kw["sampler"] = EpochSeededRandomSampler(len(dataset), self.seed, loader_generator=generator)
            shuffle = False
        elif shuffle:
            kw["sampler"] = GlobalBatchDistributedSampler(
                len(dataset), self.world_size, self.global_rank, batch_size * self.world_size, self.seed,
                drop_last=drop_last, loader_generator=generator)
            shuffle, drop_last = False, False  # the sampler already cut whole global batches
        return DataLoader(
            dataset, batch_size=batch_size, shuffle=shuffle, num_workers=workers, generator=generator,
            collate_fn=self.collate, pin_memory=h.pin_memory,
            persistent_workers=bool(h.persistent_workers and workers > 0), drop_last=drop_last, **kw,
        )  # fmt: skip

    def train_dataloader(self) -> DataLoader:
        if self.train_dataset is None:
            self.setup("fit")
        bs = self.per_device_batch_size
        if self.hparams.drop_last and len(self.train_dataset) < bs * self.world_size:
            raise ValueError(
                f"training set ({len(self.train_dataset)} images) is smaller than one global batch "
                f"({bs * self.world_size}) with drop_last=True"
            )
        return self._loader(self.train_dataset, shuffle=True, batch_size=bs, drop_last=self.hparams.drop_last)

    def val_dataloader(self) -> DataLoader | list:
        if self.val_dataset is None:
            self.setup("validate")
        if self.val_dataset is None:
            return []
        bs = self.hparams.val_batch_size or self.per_device_batch_size
        return self._loader(self.val_dataset, shuffle=False, batch_size=bs, drop_last=False)
