"""`python -m radzero.prepare dataset=siim|chexpert_5x200|padchest|all source.<dataset>=<file> out_dir=<folder>`

Examples:
    python -m radzero.prepare dataset=siim source.siim=/data/siim/train-rle.csv out_dir=/data/radzero
    python -m radzero.prepare dataset=siim source.siim=/data/siim/train-rle.csv \\
        siim.dicom_root=/data/radzero/SIIM/dicom-images-train out_dir=/data/radzero
    python -m radzero.prepare dataset=chexpert_5x200 source.chexpert_5x200=/data/CheXpert-v1.0/train.csv out_dir=...
    python -m radzero.prepare dataset=all source.siim=... source.chexpert_5x200=... source.padchest=... out_dir=...
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hydra
from omegaconf import DictConfig, ListConfig, OmegaConf

from radzero.prepare import DATASETS, OUTPUTS
from radzero.prepare.manifest import check_overwrite, update_manifest
from radzero.prepare.sources import require_source
from radzero.utils.app_exit import exit_for_input_error
from radzero.utils.errors import ConfigError
from radzero.utils.validate import choice, number, writable_dir

log = logging.getLogger("radzero.prepare")

SOURCE_WHAT = {
    "siim": "SIIM-ACR train-rle.csv",
    "chexpert_5x200": "CheXpert train.csv",
    "padchest": "PADCHEST_chest_x_ray_images_labels_160K_01.02.19.csv[.gz]",
}


def selected(value: Any) -> list[str]:
    """``dataset``: one name, ``all`` or a list of names -> the names, in :data:`DATASETS` order."""
    names = list(value) if isinstance(value, (list, tuple, ListConfig)) else [value]
    if names == ["all"]:
        return list(DATASETS)
    for name in names:
        choice(name, "dataset", (*DATASETS, "all"))
    if "all" in names:
        raise ConfigError(f"dataset={names}: 'all' cannot be combined with other names")
    return [d for d in DATASETS if d in names]


def _options(cfg: DictConfig, name: str) -> dict[str, Any]:
    """The checked keyword arguments of one dataset's step."""
    opts = dict(OmegaConf.to_container(cfg[name], resolve=True))
    if name == "siim":
        opts["seed"] = number(opts.get("seed"), "siim.seed", minimum=0, integer=True)
        fraction = number(opts.get("test_fraction"), "siim.test_fraction")
        if not 0 < fraction < 0.5:
            raise ConfigError(f"siim.test_fraction={fraction}: must be in (0, 0.5) (validation = test = fraction)")
        opts["test_fraction"] = fraction
        choice(opts.get("missing_dicom"), "siim.missing_dicom", ("error", "drop"))
        splits = opts.get("write_splits") or ["train", "validation", "test"]
        for split in splits:
            choice(split, "siim.write_splits", ("train", "validation", "test"))
        opts["write_splits"] = list(splits)
        if opts.get("exclude_csv") is not None:
            opts["exclude_csv"] = require_source(opts["exclude_csv"], "siim.exclude_csv", "SIIM CSV with an ImageId column")
        root = opts.get("dicom_root")
        if root is not None:
            opts["dicom_root"] = Path(str(root)).expanduser()
            if not opts["dicom_root"].is_dir():
                raise FileNotFoundError(f"siim.dicom_root={opts['dicom_root']}: folder not found")
    elif name == "chexpert_5x200":
        opts["seed"] = number(opts.get("seed"), "chexpert_5x200.seed", minimum=0, integer=True)
        opts["per_class"] = number(opts.get("per_class"), "chexpert_5x200.per_class", minimum=1, integer=True)
    return opts


def _outputs(name: str, options: dict[str, Any]) -> list[str]:
    """The files the dataset's step will write (SIIM: only the splits of ``write_splits``)."""
    if name != "siim":
        return list(OUTPUTS[name])
    return [rel for rel in OUTPUTS[name] if Path(rel).stem in options["write_splits"]]


def _step(name: str) -> Callable[..., dict[str, Any]]:
    """The dataset's builder (imported on use)."""
    if name == "siim":
        from radzero.prepare.siim import prepare_siim

        return prepare_siim
    if name == "chexpert_5x200":
        from radzero.prepare.chexpert_5x200 import prepare_chexpert_5x200

        return prepare_chexpert_5x200
    from radzero.prepare.padchest import prepare_padchest

    return prepare_padchest


def run(cfg: DictConfig) -> dict[str, Any]:
    """Build the selected datasets from a composed `prepare` config; -> the manifest written."""
    logging.getLogger("radzero").setLevel(cfg.get("log_level", "INFO"))
    names = selected(cfg.dataset)
    if OmegaConf.is_missing(cfg, "out_dir"):
        raise ConfigError("out_dir is not set: give the data root to write into (out_dir=/path/to/data)")
    out_dir = writable_dir(cfg.out_dir, "out_dir")
    # every check before any work: a bad source or option of the third dataset fails in a second
    sources = {n: require_source(cfg.source.get(n), f"source.{n}", SOURCE_WHAT[n]) for n in names}
    options = {n: _options(cfg, n) for n in names}
    if not bool(cfg.get("overwrite", False)):
        check_overwrite(out_dir, [rel for n in names for rel in _outputs(n, options[n])])
    entries = {}
    for name in names:
        log.info("%s: reading %s", name, sources[name])
        entries[name] = _step(name)(sources[name], out_dir, **options[name])
    manifest = update_manifest(out_dir, entries)
    log.info("wrote %s (%s)", out_dir / "manifest.json", ", ".join(names))
    return manifest


@hydra.main(version_base="1.3", config_path="../configs", config_name="prepare")
def main(cfg: DictConfig) -> None:
    """Hydra entry point; a bad input exits with status 1 and a one-line reason naming the file, column or key."""
    log.debug("config:\n%s", OmegaConf.to_yaml(cfg))
    try:
        run(cfg)
    except (ValueError, FileNotFoundError, FileExistsError) as error:  # ConfigError, SourceFormatError, files
        exit_for_input_error(error, log)


if __name__ == "__main__":
    main()
