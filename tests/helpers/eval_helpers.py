"""Shared helpers of the eval tests: a tiny random RadZero, a tiny phantom, the composed eval config."""

from __future__ import annotations

from pathlib import Path

import torch
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, open_dict

from radzero.model import RadZero, RadZeroConfig
from radzero.utils.resolvers import register_resolvers

from radzero import CONFIG_DIR as _CONFIG_DIR

CONFIG_DIR = str(_CONFIG_DIR)

# Small enough to generate in seconds; every eval set present.
TINY_PHANTOM = dict(
    n_train=8, n_validate=4, n_mscxr=8, n_chexpert_test=12, n_5x200_per_class=2, n_chestxdet10=8,
    n_siim=12, n_rsna=12, min_size=128, max_size=192, det_size=128, dicom_size=128, workers=1,
)


def tiny_config(**overrides) -> RadZeroConfig:
    values = dict(
        vision={"name": "small_vit", "image_size": 32, "frozen": False, "patch_size": 8, "width": 32, "depth": 1,
                "heads": 2},
        text={"name": "local_bert", "hidden": 32, "layers": 1, "heads": 2, "dropout": 0.0},
        align_depth=1,
        align_heads=2,
    )
    values.update(overrides)
    return RadZeroConfig(**values)


def tiny_model(seed: int = 0, **overrides) -> RadZero:
    torch.manual_seed(seed)
    return RadZero(tiny_config(**overrides)).eval()


def phantom_overrides(cache_dir: Path) -> list[str]:
    """Hydra overrides that point the phantom config group (benchmark=phantom) at a tiny phantom in ``cache_dir``."""
    out = [f"phantom.cache_dir={cache_dir}"]
    for key, value in TINY_PHANTOM.items():
        prefix = "" if key in ("n_train", "seed") else "+"
        out.append(f"{prefix}phantom.{key}={value}")
    return out


def compose_eval(overrides: list[str], output_dir: Path, phantom_cache: Path) -> DictConfig:
    """configs/eval.yaml as Hydra builds it, fast settings, paths pointed at ``output_dir``."""
    register_resolvers()
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = compose(
            config_name="eval",
            return_hydra_config=True,
            overrides=[*phantom_overrides(phantom_cache), "num_workers=0", "batch_size=4", "n_bootstrap=50",
                       "overlays=4", *overrides],
        )
    with open_dict(cfg):
        cfg.paths.root_dir = str(output_dir)
        cfg.paths.output_dir = str(output_dir)
        cfg.paths.log_dir = str(output_dir / "logs")
        cfg.hydra.runtime.output_dir = str(output_dir)
        cfg.hydra.job.num = 0
    HydraConfig().set_config(cfg)
    return cfg
