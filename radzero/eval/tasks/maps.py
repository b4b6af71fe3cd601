"""Open-vocabulary similarity maps of one image: ``task=maps image=<path> prompts='[...]' [threshold=t]``.

For each prompt: ``maps/<stem>_<k>_<slug>.png``, the cosine map over the radiograph on the fixed
colour scale (``figures.DEFAULT_COSINE_RANGE``), and with ``threshold`` the binary mask
``sigmoid(S) > threshold`` (S = cos / tau undone to the original image) as
``maps/<stem>_<k>_<slug>_mask.png`` (white = inside), outlined on the overlay too. ``maps.json``
lists every prompt with its score (the VL-CABS logit, a cosine) and its files.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from radzero.eval.context import EvalContext
from radzero.eval.figures import DEFAULT_COSINE_RANGE, annotate, overlay_rgb, save_png
from radzero.eval.results import write_results
from radzero.predictor import Predictor
from radzero.utils.atomic import atomic_write
from radzero.utils.checks import RadZeroInputError

logger = logging.getLogger(__name__)

__all__ = ["open_vocabulary_maps", "slug"]


def slug(text: str, max_length: int = 40) -> str:
    """A file-name-safe short form of a prompt."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:max_length] or "prompt"


def open_vocabulary_maps(
    ctx: EvalContext, image: str | Path | None, prompts: Sequence[str] | None, threshold: float | None = None
) -> dict[str, Any]:
    """Write one overlay (and mask) PNG per prompt for ``image``; returns the maps.json content."""
    if not image:
        raise RadZeroInputError("task=maps needs image=<path to a radiograph (JPEG/PNG/DICOM)>")
    prompts = [str(p) for p in (prompts or [])]
    if not prompts:
        raise RadZeroInputError("task=maps needs at least one prompt: prompts='[There is pleural effusion]'")
    if any(not p.strip() for p in prompts):
        raise RadZeroInputError(f"empty prompt in prompts={prompts!r}")
    if threshold is not None and not 0.0 <= float(threshold) <= 1.0:
        raise RadZeroInputError(f"threshold must be a probability in [0, 1], got {threshold}")
    path = Path(image)
    predictor = Predictor(ctx.net, ctx.device, precision=ctx.precision, geometry=ctx.geometry,
                          minmax_8bit=ctx.minmax_8bit)
    picture = predictor.load(path)  # (H, W) in [0, 1]
    prediction = predictor.predict(picture, prompts)
    entries = []
    for k, prompt in enumerate(prompts):
        cosine = prediction.cosine_maps[k]  # (H, W), NaN outside the network's view
        stem = f"{path.stem}_{k:02d}_{slug(prompt)}"
        mask = None
        entry: dict[str, Any] = {"prompt": prompt, "score": float(prediction.cosines[k]),
                                 "probability": float(prediction.probs[k]),
                                 "max_cosine": float(np.nanmax(cosine)), "min_cosine": float(np.nanmin(cosine))}
        if threshold is not None:
            mask = np.nan_to_num(prediction.prob_maps[k], nan=0.0) > float(threshold)  # (H, W) bool
            mask_path = ctx.path("maps", f"{stem}_mask.png")
            white = Image.fromarray(mask.astype(np.uint8) * 255)
            atomic_write(mask_path, lambda tmp, picture=white: picture.save(tmp, format="PNG"))
            entry.update(mask=ctx.relative(mask_path), mask_fraction=float(mask.mean()))
        picture_rgb = annotate(overlay_rgb(picture, cosine, mask=mask),
                               f"{prompt}  (p = {prediction.probs[k]:.3f})")
        overlay = save_png(ctx.path("maps", f"{stem}.png"), picture_rgb)
        entry["overlay"] = ctx.relative(overlay)
        entries.append(entry)
    result = {"image": str(path), "geometry": ctx.geometry, "cosine_colour_range": list(DEFAULT_COSINE_RANGE),
              "threshold": threshold, "tau": prediction.tau, "prompts": entries}
    write_results(ctx.path("maps", "maps.json"), result)
    logger.info("maps: %d prompt(s) for %s written to %s", len(prompts), path, ctx.output_dir / "maps")
    return result
