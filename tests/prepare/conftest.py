"""Fixtures of the prepare tests: the real label files inside the installed torchxrayvision wheel (read in
place, never copied), the composed `prepare` config, and one build per dataset shared by a test module."""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Callable
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from radzero import CONFIG_DIR

# the official files as torchxrayvision ships them (CheXpert train.csv of CheXpert-v1.0-small)
TXV_FILES = {
    "siim": "siim-pneumothorax-train-rle.csv.gz",
    "chexpert_5x200": "chexpert_train.csv.gz",
    "padchest": "PADCHEST_chest_x_ray_images_labels_160K_01.02.19.csv.gz",
}


def txv_file(dataset: str) -> Path:
    """The dataset's label file in torchxrayvision's data folder (found without importing torch); skip if absent."""
    spec = importlib.util.find_spec("torchxrayvision")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("torchxrayvision is not installed (pip install -e '.[dev]'): its real label files are the input")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / TXV_FILES[dataset]
    if not path.is_file():
        pytest.skip(f"torchxrayvision has no {TXV_FILES[dataset]} (another release?)")
    return path


def prepare_cfg(*overrides: str) -> DictConfig:
    """The composed `prepare` config with ``overrides``."""
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return compose(config_name="prepare", overrides=list(overrides))


def sorted_ids_sha256(ids) -> str:
    """The manifest's id hash, computed here independently: sorted, joined by newlines, UTF-8."""
    return hashlib.sha256("\n".join(sorted(ids)).encode("utf-8")).hexdigest()


def build(out_dir: Path, dataset: str, *extra: str) -> dict:
    """``run`` on the real file of ``dataset`` into ``out_dir``; -> the manifest."""
    from radzero.prepare.__main__ import run

    return run(prepare_cfg(f"dataset={dataset}", f"source.{dataset}={txv_file(dataset)}", f"out_dir={out_dir}",
                           *extra))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Callable[[str], tuple[Path, dict]]:
    """``built(dataset)`` -> (out_dir, manifest) of one build of the real file, cached per module."""
    cache: dict[str, tuple[Path, dict]] = {}

    def get(dataset: str) -> tuple[Path, dict]:
        if dataset not in cache:
            out = tmp_path_factory.mktemp(f"prepared_{dataset}")
            cache[dataset] = (out, build(out, dataset))
        return cache[dataset]

    return get
