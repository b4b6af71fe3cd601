"""``Predictor``: one radiograph + texts -> zero-shot probabilities and similarity maps at the image's size.

    from radzero import Predictor
    predictor = Predictor.from_pretrained("RadZero", device="cuda", precision="fp32")  # a snapshot folder
    out = predictor.predict("cxr.jpg", ["There is pleural effusion", "There is cardiomegaly"])
    out.probs        # (N,)  sigmoid(cos / tau): the zero-shot probability of each text
    out.prob_maps    # (N, H, W) sigmoid(cosine map / tau) at the ORIGINAL image size (NaN where unseen)
    out.cosine_maps  # (N, H, W) the VL-CABS cosine map, same grid

``path`` is anything ``python -m radzero.eval ckpt_path=`` accepts: a radzero folder, a training run,
a Lightning .ckpt or the RadZero authors' Hugging Face snapshot. Preprocessing comes from the checkpoint
(the snapshot's ``preprocessor_config.json`` through transformers' own image-processor class, else
radzero's transform); the map goes back to the original size in one bilinear step
(``map_to_original``). For the authors' snapshot this is exactly the hub's ``model_inference``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from radzero.data.io import load_image, pil_to_float
from radzero.data.transforms.geometry import map_to_original
from radzero.eval.inference import check_precision, encode_images, encode_prompts, eval_transform
from radzero.model import RadZero
from radzero.utils.checks import RadZeroInputError
from radzero.utils.validate import device as validate_device

__all__ = ["Prediction", "Predictor"]


@dataclass
class Prediction:
    """Outputs for one image and N texts; maps are (N, H, W) at the original image size."""

    texts: list[str]
    probs: np.ndarray  # (N,) sigmoid(cos / tau)
    cosines: np.ndarray  # (N,) VL-CABS logits (cosines)
    prob_maps: np.ndarray  # (N, H, W) sigmoid(cosine map / tau); NaN outside the network's view
    cosine_maps: np.ndarray  # (N, H, W) cosine maps
    tau: float


class Predictor:
    """Zero-shot probabilities and similarity maps of one model (see module doc)."""

    def __init__(
        self,
        net: RadZero,
        device: str | torch.device = "auto",
        precision: str = "fp32",
        geometry: str = "resize",
        minmax_8bit: bool = False,
    ) -> None:
        """``precision``: ``fp32`` (the authors' inference) or ``bf16`` (autocast on CUDA);
        ``geometry``: radzero folders only (resize | center_crop | pad); ``minmax_8bit``: see ``eval_transform``."""
        self.device = validate_device(device)
        self.net = net.eval().to(self.device)
        self.precision = check_precision(precision)
        self.transform = eval_transform(net, geometry, minmax_8bit=minmax_8bit)

    @classmethod
    def from_pretrained(cls, path: str | Path, device: str | torch.device = "auto", precision: str = "fp32",
                        **kwargs) -> Predictor:
        """Load any checkpoint ``python -m radzero.eval`` accepts (offline, no remote code)."""
        from radzero.eval.checkpoint import load_model

        return cls(load_model(path), device, precision, **kwargs)

    @staticmethod
    def load(image) -> np.ndarray:
        """A path (JPEG / PNG / DICOM), a PIL image or an array -> float32 (H, W) in [0, 1].

        Arrays: uint8 (H, W) or (H, W, 3) are read as 8-bit (x / 255, RGB as luminance); float (H, W) must
        already lie in [0, 1]."""
        if isinstance(image, (str, Path)):
            return load_image(image)
        if hasattr(image, "mode") and hasattr(image, "size"):  # a PIL image
            return pil_to_float(image)
        array = np.asarray(image)
        if array.dtype == np.uint8 and (array.ndim == 2 or (array.ndim == 3 and array.shape[-1] in (3, 4))):
            from PIL import Image

            return pil_to_float(Image.fromarray(array))
        if array.ndim == 2 and np.issubdtype(array.dtype, np.floating):
            if not np.isfinite(array).all() or array.min() < 0 or array.max() > 1:
                raise RadZeroInputError("a float image must be finite and in [0, 1]; scale it first (or pass uint8)")
            return array.astype(np.float32, copy=False)
        raise RadZeroInputError(
            f"image must be a path, a PIL image, a uint8 (H, W) / (H, W, 3) array or a float (H, W) array in [0, 1]; "
            f"got {type(image).__name__} with shape {getattr(array, 'shape', None)} and dtype {array.dtype}"
        )

    @torch.no_grad()
    def predict(self, image, texts: str | Sequence[str]) -> Prediction:
        """Score ``texts`` against ``image`` (see ``load`` for the accepted images)."""
        texts = [texts] if isinstance(texts, str) else [str(t) for t in texts]
        if not texts or any(not t.strip() for t in texts):
            raise RadZeroInputError(f"give at least one non-empty text, got {texts!r}")
        picture = self.load(image)  # (H, W)
        pixels, geometry = self.transform(picture)  # (3, S, S)
        features = encode_prompts(self.net, texts, self.device, self.precision)  # (N, D)
        tokens, grid = encode_images(self.net, pixels[None], self.device, self.precision)  # (1, L, D)
        logits, cosine_maps = self.net.similarity(features, tokens, grid)  # (N, 1), (1, N, h, w)
        tau = self.net.tau.detach().float()
        cosine = map_to_original(cosine_maps[0].float().cpu(), geometry)  # (N, H, W)
        return Prediction(
            texts=texts,
            probs=torch.sigmoid(logits[:, 0].float().cpu() / tau.cpu()).numpy(),
            cosines=logits[:, 0].float().cpu().numpy(),
            prob_maps=torch.sigmoid(cosine / tau.cpu()).numpy(),
            cosine_maps=cosine.numpy(),
            tau=float(tau),
        )
