"""The fine-tuning data: train / validation / test samples of one dataset, the nested label-fraction subset of
the training split, and batches of (image, mask) or (image, labels) in the model's evaluation geometry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import lightning as L
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, DistributedSampler

from radzero.data.readers import segmentation_to_classification
from radzero.data.fractions import FractionSubset, nested_fraction_subsets
from radzero.data.io import load_image
from radzero.eval.samples import load_samples
from radzero.utils.errors import ConfigError

__all__ = ["FinetuneData", "FinetuneDataModule", "load_finetune_data"]

SPLITS = ("train", "validation", "test")


@dataclass
class FinetuneData:
    """One dataset's splits for one task: ``train`` is already the label-fraction subset."""

    task: str
    name: str
    classes: list[str]
    prompt: str
    train: list[Any]
    validation: list[Any]
    test: list[Any]
    subset: FractionSubset
    n_train_full: int


def _labels(samples: list[Any], classes: list[str]) -> np.ndarray:
    """(N, C) 0 / 1 / NaN (unknown)."""
    return np.array([[np.nan if s.labels.get(c) in (None, -1.0) else float(s.labels[c]) for c in classes]
                     for s in samples], dtype=float)


def load_finetune_data(cfg: Any, task: str, fraction: float, seed: int) -> FinetuneData:
    """Read the three splits of ``cfg`` (the ``data`` node), check they share no image, take the fraction."""
    name = str(cfg.get("name"))
    splits = {split: load_samples(cfg.get(split), f"data/{name}/{split}") for split in SPLITS}
    seen: dict[str, str] = {}
    for split, samples in splits.items():
        for sample in samples:
            if sample.image_id in seen and seen[sample.image_id] != split:
                raise ConfigError(f"data/{name}: image {sample.image_id!r} is in both {seen[sample.image_id]} and {split}")
            seen[sample.image_id] = split
    class_name = str(cfg.get("class_name"))
    if task == "segmentation":
        classes = [class_name]
        labels = np.array([[float(s.positive)] for s in splits["train"]])
    else:
        if hasattr(splits["train"][0], "positive"):  # presence labels of a segmentation set (SIIM / RSNA)
            splits = {k: segmentation_to_classification(v, class_name) for k, v in splits.items()}
        classes = list(cfg.get("classes") or [class_name])
        labels = _labels(splits["train"], classes)
    ids = [s.image_id for s in splits["train"]]
    subsets = nested_fraction_subsets(ids, labels, classes, sorted({fraction, 1.0}), seed)
    subset = subsets[fraction]
    for c, name_c in enumerate(classes):
        if subset.per_class_positive.get(name_c, 0) == 0:
            total = int(np.nansum(labels[:, c]))
            raise ConfigError(
                f"data/{name}: data_fraction={fraction} (seed {seed}) leaves class {name_c!r} without a positive "
                f"training image ({total} in the whole training split of {len(ids)}); use a larger fraction or "
                "another dataset"
            )
    chosen = set(subset.ids)
    train = [s for s in splits["train"] if s.image_id in chosen]
    return FinetuneData(task, name, classes, str(cfg.get("prompt") or f"There is {class_name.lower()}"), train,
                        splits["validation"], splits["test"], subset, len(ids))


class _Items(Dataset):
    """(image (3, S, S), target): a mask (1, S, S) in [0, 1] (area-resampled) or labels (C,) with NaN = unknown."""

    def __init__(self, samples: list[Any], transform, task: str, classes: list[str]) -> None:
        self.samples, self.transform, self.task, self.classes = samples, transform, task, classes

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        sample = self.samples[index]
        image, geometry = self.transform(load_image(sample.image_path))
        if self.task == "segmentation":
            mask = self.transform.geometry.apply(sample.mask().astype(np.float32), geometry)  # (S, S)
            return image, torch.from_numpy(np.ascontiguousarray(mask, dtype=np.float32))[None]
        labels = [np.nan if sample.labels.get(c) in (None, -1.0) else float(sample.labels[c]) for c in self.classes]
        return image, torch.tensor(labels, dtype=torch.float32)


class FinetuneDataModule(L.LightningDataModule):
    """Train (shuffled, the fraction subset) and validation loaders; the test split is read by the evaluation."""

    def __init__(self, data: FinetuneData, transform, batch_size: int, num_workers: int = 0, seed: int = 0) -> None:
        super().__init__()
        self.data, self.transform = data, transform
        self.batch_size, self.num_workers, self.seed = int(batch_size), int(num_workers), int(seed)

    def _loader(self, samples: list[Any], shuffle: bool) -> DataLoader:
        items = _Items(samples, self.transform, self.data.task, self.data.classes)
        trainer = getattr(self, "trainer", None)
        world, rank = (trainer.world_size, trainer.global_rank) if trainer is not None else (1, 0)
        # the order of epoch e depends only on (seed, e) (Lightning calls set_epoch): a resumed run sees the
        # same batches as an uninterrupted one, on one process or several
        sampler = DistributedSampler(items, num_replicas=world, rank=rank, shuffle=shuffle, seed=self.seed,
                                     drop_last=False)
        return DataLoader(items, batch_size=self.batch_size, sampler=sampler, num_workers=self.num_workers)

    def train_dataloader(self) -> DataLoader:
        return self._loader(self.data.train, shuffle=True)

    def val_dataloader(self) -> DataLoader:
        return self._loader(self.data.validation, shuffle=False)
