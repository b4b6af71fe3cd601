"""Compose the real train config, shrunk to a tiny phantom dataset and a tiny model."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, open_dict

from radzero import CONFIG_DIR as _CONFIG_DIR

CONFIG_DIR = str(_CONFIG_DIR)

# A phantom small enough to generate in seconds; every eval set present.
TINY_PHANTOM = [
    "phantom.n_train=24", "+phantom.n_validate=8", "+phantom.n_mscxr=8",
    "+phantom.n_chexpert_test=12", "+phantom.n_5x200_per_class=2", "+phantom.n_chestxdet10=4",
    "+phantom.n_siim=4", "+phantom.n_rsna=4", "+phantom.min_size=128", "+phantom.max_size=192",
    "+phantom.det_size=128", "+phantom.dicom_size=128", "+phantom.workers=1",
]
TINY_MODEL = [
    "model.vision.image_size=32", "model.vision.patch_size=8", "model.vision.width=32", "model.vision.depth=0",
    "model.vision.heads=2", "model.text.hidden=32", "model.text.layers=1", "model.text.heads=2",
    "model.text.dropout=0.0", "model.align_depth=1", "model.align_heads=2", "model.embed_dim=null",
]
FAST_DATA = ["data.datamodule.global_batch_size=4", "data.datamodule.num_workers=0",
             "data.datamodule.persistent_workers=false"]
FAST_ZERO_SHOT = ["callbacks.zero_shot.max_images=8", "callbacks.zero_shot.batch_size=4", "callbacks.zero_shot.overlays=1"]


@pytest.fixture(scope="session")
def phantom_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("phantom_cache")


def compose_train(overrides: list[str], output_dir: Path, phantom_cache: Path, tiny_model: bool = True,
                  phantom: bool = True) -> DictConfig:
    """The train config as Hydra would build it, with paths pointed at tmp folders."""
    zero_shot = [] if "callbacks.zero_shot=null" in overrides else FAST_ZERO_SHOT
    data = [f"phantom.cache_dir={phantom_cache}", *TINY_PHANTOM] if phantom else []
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = compose(
            config_name="train",
            return_hydra_config=True,
            overrides=[*data, *(TINY_MODEL if tiny_model else []),
                       *FAST_DATA, *zero_shot, "trainer.max_epochs=1", "trainer.log_every_n_steps=1", *overrides],
        )
    with open_dict(cfg):
        cfg.paths.root_dir = str(output_dir)
        cfg.paths.output_dir = str(output_dir)
        cfg.paths.log_dir = str(output_dir / "logs")
        cfg.hydra.runtime.output_dir = str(output_dir)
        cfg.hydra.job.num = 0
    HydraConfig().set_config(cfg)
    return cfg
