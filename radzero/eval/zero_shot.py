"""Zero-shot metrics on a small held-out set, run by the training loop every validation epoch."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from radzero.data.io import load_image
from radzero.data.samples import ClassificationSample, GroundingSample
from radzero.data.transforms.geometry import map_to_original
from radzero.eval.inference import encode_prompts, eval_transform, image_loader, score_images
from radzero.eval.metrics import macro_auroc, pointing_game_hit
from radzero.model import RadZero

logger = logging.getLogger(__name__)

SampleSource = Sequence[Any] | Callable[[], Sequence[Any]]


@dataclass
class OverlayItem:
    """One grounding phrase with its image, its cosine map at original resolution and its boxes."""

    image: np.ndarray
    cosine_map: np.ndarray
    boxes: tuple
    phrase: str
    image_id: str


def _resolve(source: SampleSource | None, limit: int | None) -> list[Any]:
    if source is None:
        return []
    samples = list(source() if callable(source) else source)
    return samples[:limit] if limit else samples


class ZeroShotValidator:
    """Classification macro AUROC ("There is <class>") and pointing game on held-out samples.

    ``classification``: ClassificationSample source (e.g. a partial CheXpert-test reader);
    ``grounding``: GroundingSample source (e.g. a partial MS-CXR reader). Sources are read lazily.
    """

    def __init__(
        self,
        classification: SampleSource | None = None,
        classes: Sequence[str] = (),
        grounding: SampleSource | None = None,
        prompt_template: str = "There is {}",
        max_images: int | None = 200,
        batch_size: int = 32,
        geometry: str = "resize",
        num_workers: int = 0,
    ) -> None:
        self._classification_source = classification
        self._grounding_source = grounding
        self.classes = list(classes)
        self.prompt_template = prompt_template
        self.max_images = max_images
        self.batch_size = batch_size
        self.geometry = geometry
        self.num_workers = num_workers
        self._classification: list[ClassificationSample] | None = None
        self._grounding: list[GroundingSample] | None = None
        self._batches: dict[tuple, list[dict[str, Any]]] = {}  # decoded once, reused every epoch

    @property
    def classification_samples(self) -> list[ClassificationSample]:
        if self._classification is None:
            self._classification = _resolve(self._classification_source, self.max_images)
        return self._classification

    @property
    def grounding_samples(self) -> list[GroundingSample]:
        if self._grounding is None:
            self._grounding = _resolve(self._grounding_source, self.max_images)
        return self._grounding

    def evaluate(self, net: RadZero, device: torch.device) -> dict[str, float]:
        """{"zs_auroc": macro AUROC, "pointing": pointing-game accuracy} (keys only for configured sets)."""
        was_training = net.training
        net.eval()
        try:
            metrics = {}
            if self.classification_samples and self.classes:
                metrics["zs_auroc"] = self._classification_auroc(net, device)
            if self.grounding_samples:
                metrics["pointing"] = self._pointing_game(net, device)
            return metrics
        finally:
            net.train(was_training)

    def _classification_auroc(self, net: RadZero, device: torch.device) -> float:
        samples = self.classification_samples
        prompts = [self.prompt_template.format(name.lower()) for name in self.classes]
        text = encode_prompts(net, prompts, device)
        scores = np.zeros((len(samples), len(self.classes)))
        for batch in score_images(net, text, self._cached_batches("classification", net, samples), device):
            scores[batch.index.numpy()] = batch.logits.numpy()
        labels = np.array(
            [[_binary(sample.labels.get(name)) for name in self.classes] for sample in samples], dtype=float
        )
        return macro_auroc(labels, scores, self.classes)["macro_auroc"]

    def _grounding_maps(self, net: RadZero, device: torch.device, samples: Sequence[GroundingSample]):
        """Yield (sample, cosine map at original resolution) for each phrase, one prompt per sample."""
        text = encode_prompts(net, [sample.phrase for sample in samples], device)
        batches = self._cached_batches(f"grounding{len(samples)}", net, samples)
        for batch in score_images(net, text, batches, device, with_maps=True):
            for row, index in enumerate(batch.index.tolist()):
                own_map = batch.maps[row, index]  # (h, w) cosines of this sample's own phrase
                yield samples[index], map_to_original(own_map.numpy(), batch.geometry[row])

    def _cached_batches(self, name: str, net: RadZero, samples: Sequence[Any]) -> list[dict[str, Any]]:
        """Image batches of ``samples`` (decoded and transformed on first use, then kept in memory)."""
        key = (name, net.vision.image_size, self.geometry)
        if key not in self._batches:
            loader = image_loader(samples, eval_transform(net, self.geometry), self.batch_size, self.num_workers)
            self._batches[key] = list(loader)
        return self._batches[key]

    def _pointing_game(self, net: RadZero, device: torch.device) -> float:
        hits = [pointing_game_hit(m, s.boxes) for s, m in self._grounding_maps(net, device, self.grounding_samples)]
        return float(np.mean(hits))

    def overlay_items(self, net: RadZero, device: torch.device, count: int) -> list[OverlayItem]:
        """Maps of the first ``count`` grounding phrases (fixed across epochs) for overlays."""
        samples = self.grounding_samples[:count]
        if not samples:
            return []
        was_training = net.training
        net.eval()
        try:
            return [
                OverlayItem(load_image(s.image_path), m, s.boxes, s.phrase, s.image_id)
                for s, m in self._grounding_maps(net, device, samples)
            ]
        finally:
            net.train(was_training)


def _binary(label: float | None) -> float:
    """1 positive, 0 negative; uncertain (-1) and missing labels are left out (NaN)."""
    if label is None or label not in (0.0, 1.0):
        return float("nan")
    return float(label)
