"""The settings of ``python -m radzero.eval``, checked before any heavy import or model load.

Each error names its key; ``python -m radzero.eval`` runs these checks first, so a wrong value is
reported in about a second.
"""

from __future__ import annotations

from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf

from radzero.data.transforms.geometry import GEOMETRIES
from radzero.utils.errors import ConfigError
from radzero.utils.validate import choice, device, number, writable_dir

__all__ = ["COMBINE_MODES", "PRECISIONS", "check_config", "maps_prompts"]

PRECISIONS = ("bf16", "fp32")
COMBINE_MODES = ("features", "logits")  # prompt ensembles: mean of the prompt features or of the logits


def check_config(cfg: DictConfig) -> dict[str, Any]:
    """The run settings, checked (each error names its key) before the model is loaded."""
    max_images = cfg.get("max_images")
    settings = dict(
        output_dir=writable_dir(cfg.paths.output_dir, "paths.output_dir"),
        batch_size=number(cfg.get("batch_size", 32), "batch_size", minimum=1, integer=True),
        num_workers=number(cfg.get("num_workers", 0), "num_workers", minimum=0, integer=True),
        geometry=choice(str(cfg.get("geometry") or "resize"), "geometry", tuple(GEOMETRIES)),
        n_bootstrap=number(cfg.get("n_bootstrap", 1000), "n_bootstrap", minimum=1, integer=True),
        seed=number(cfg.get("seed", 0), "seed", integer=True),
        # null = every image; 0 or a negative number is an error (not "all", not "all but one")
        max_images=number(max_images, "max_images", minimum=1, integer=True, allow_none=True),
        overlays=number(cfg.get("overlays", 16), "overlays", minimum=0, integer=True),
        prompt_template=str(cfg.get("prompt_template", "There is {}")),
        prompt_combine=choice(str(cfg.get("prompt_combine", "features")), "prompt_combine", COMBINE_MODES),
        precision=choice(str(cfg.get("precision", "bf16")), "precision", PRECISIONS),
        minmax_8bit=bool(cfg.get("minmax_8bit", False)),
        device=device(cfg.get("device")),
    )
    if "{}" not in settings["prompt_template"]:
        raise ConfigError(f"prompt_template={settings['prompt_template']!r} has no {{}} for the class name")
    return settings


def maps_prompts(value: Any) -> list[str]:
    """``prompts`` of task=maps: a list, or one plain string taken as ONE prompt (never split into letters)."""
    if isinstance(value, (DictConfig, ListConfig)):
        value = OmegaConf.to_container(value, resolve=True)
    if isinstance(value, str):
        return [value]
    if value is None:
        return []
    if not isinstance(value, (list, tuple)) or not all(isinstance(p, (str, int, float)) for p in value):
        raise ConfigError(f"prompts={value!r}: give a list, e.g. prompts='[There is pleural effusion,There is edema]'")
    return [str(p) for p in value]
