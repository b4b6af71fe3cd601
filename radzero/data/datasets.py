"""Torch Datasets over reader samples."""

from __future__ import annotations

import logging
import os
import random
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from radzero.data.io import load_image
from radzero.data.samples import ImageTextSample
from radzero.data.transforms.pipeline import ImageTransform

log = logging.getLogger(__name__)

__all__ = ["ImageDataset", "ImageTextDataset", "PackedStrings", "drop_samples_without_sentences"]


class PackedStrings:
    """A list of string lists stored as one UTF-8 buffer plus offsets (NumPy arrays).

    DataLoader workers that touch Python objects copy their memory pages (reference counts);
    hundreds of thousands of sample objects per worker add up, flat arrays do not."""

    def __init__(self, groups: Sequence[Sequence[str]]):
        encoded = [[t.encode("utf-8") for t in g] for g in groups]
        lengths = np.fromiter((len(b) for g in encoded for b in g), dtype=np.int64)
        self._str_offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        counts = np.fromiter((len(g) for g in encoded), dtype=np.int64, count=len(encoded))
        self._group_offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self._data = np.frombuffer(b"".join(b for g in encoded for b in g), dtype=np.uint8).copy()

    def __len__(self) -> int:
        return len(self._group_offsets) - 1

    def __getitem__(self, i: int) -> list[str]:
        a, b = self._group_offsets[i], self._group_offsets[i + 1]
        o = self._str_offsets
        return [self._data[o[k] : o[k + 1]].tobytes().decode("utf-8") for k in range(a, b)]


def drop_samples_without_sentences(samples: Sequence[ImageTextSample], what: str = "") -> list[ImageTextSample]:
    kept = [s for s in samples if len(s.sentences) > 0]
    if len(kept) != len(samples):
        n_drop = len(samples) - len(kept)
        log.warning("%s: dropped %d of %d images without sentences", what or "dataset", n_drop, len(samples))
    return kept


class _WorkerSeeded:
    """Re-seeds per process/worker: torch seeds each DataLoader worker differently
    (``torch.initial_seed()``), but objects pickled into the workers (python Random,
    albumentations' generator) would otherwise replay the same stream in every worker."""

    _seeded_for: tuple[int, int] | None = None
    _rng: random.Random

    def _ensure_seeded(self) -> None:
        info = torch.utils.data.get_worker_info()
        key = (os.getpid(), info.id if info is not None else -1)
        if self._seeded_for == key:
            return
        seed = torch.initial_seed() % (2**32)
        self._rng = random.Random(seed)
        # NB: never call cv2.setNumThreads here: in a forked worker it waits forever on the
        # parent's thread-pool condition variables (seen with opencv 5.0 / glibc 2.36).
        aug = getattr(self.transform, "_augment", None)
        if aug is not None and hasattr(aug, "compose"):
            aug.compose.set_random_seed(seed)
        self._seeded_for = key


class ImageTextDataset(_WorkerSeeded, Dataset):
    """ImageTextSample -> {"image": (3, S, S), "sentences": list[str], "image_id": str}.

    ``max_sentences``: at most this many sentences per image; with ``train=True`` a random
    subset (without replacement, order kept) every time, else a fixed subset per index.
    ``fast_decode_min_side``: decode JPEGs at a reduced size (Pillow draft) whose shorter
    side is still >= this (training only: the geometry is then relative to the reduced image).
    ``cache_images``: keep each decoded, resized image (float16, before augmentation) in the
    worker's memory, so later epochs skip decoding; for small datasets such as the phantoms
    (2,000 images at 128 px = 65 MB per worker), not for MIMIC-CXR.
    """

    def __init__(
        self,
        samples: Sequence[ImageTextSample],
        transform: ImageTransform,
        *,
        train: bool,
        max_sentences: int | None = None,
        fast_decode_min_side: int | None = None,
        seed: int = 0,
        cache_images: bool = False,
    ):
        if max_sentences is not None and max_sentences < 1:
            raise ValueError(f"max_sentences must be >= 1 or None, got {max_sentences}")
        empty = [s.image_id for s in samples if not s.sentences]
        if empty:
            raise ValueError(
                f"{len(empty)} sample(s) have no sentences (e.g. {empty[:3]}); filter them first "
                "(drop_samples_without_sentences)"
            )
        self._sentences = PackedStrings([s.sentences for s in samples])
        self._paths = PackedStrings([[str(s.image_path), s.image_id] for s in samples])
        self.transform = transform
        self.train = train
        self.max_sentences = max_sentences
        self.fast_decode_min_side = fast_decode_min_side
        self.seed = seed
        self.cache_images = cache_images
        self._cache: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self._paths)

    def image_id(self, index: int) -> str:
        return self._paths[index][1]

    def _choose(self, index: int, sentences: Sequence[str]) -> list[str]:
        k = self.max_sentences
        if k is None or len(sentences) <= k:
            return list(sentences)
        rng = self._rng if self.train else random.Random(self.seed * 1_000_003 + index)
        keep = sorted(rng.sample(range(len(sentences)), k))
        return [sentences[i] for i in keep]

    def __getitem__(self, index: int) -> dict[str, Any]:
        self._ensure_seeded()
        path, image_id = self._paths[index]
        resized = self._cache.get(index)
        if resized is None:
            resized, _ = self.transform.geometry(load_image(path, min_side=self.fast_decode_min_side))
            if self.cache_images:  # later epochs see exactly what this one sees
                resized = self._cache[index] = resized.astype(np.float16)
        image = self.transform.finish(resized.astype(np.float32))
        return {"image": image, "sentences": self._choose(index, self._sentences[index]), "image_id": image_id}


class ImageDataset(_WorkerSeeded, Dataset):
    """Any sample with ``image_path`` / ``image_id`` -> {"image": (3, S, S), "image_id",
    "geometry": GeometryParams, "index": int} for evaluation (full-resolution decode)."""

    def __init__(self, samples: Sequence[Any], transform: ImageTransform, dicom_scaling: str = "radzero"):
        self.samples = list(samples)
        self.transform = transform
        self.dicom_scaling = dicom_scaling  # radzero.data.io.load_image

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> dict[str, Any]:
        self._ensure_seeded()
        s = self.samples[index]
        img = load_image(s.image_path, dicom_scaling=self.dicom_scaling)
        want = getattr(s, "original_size", None)
        if want is not None and tuple(want) != img.shape:
            raise ValueError(
                f"{s.image_path}: decoded size {img.shape} != recorded original_size {tuple(want)} "
                f"(image_id={s.image_id})"
            )
        image, geometry = self.transform(img)
        return {"image": image, "image_id": s.image_id, "geometry": geometry, "index": index}
