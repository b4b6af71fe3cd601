"""``python -m radzero.eval task=classification|grounding|segmentation|maps|all ckpt_path=<model>``.

Examples::

    python -m radzero.eval ckpt_path=logs/train/runs/<time>/model              # phantom benchmarks, all tasks
    python -m radzero.eval benchmark=paper paths.data_dir=/data ckpt_path=<run>/checkpoints/last.ckpt
    python -m radzero.eval task=grounding datasets='[ms_cxr]' ckpt_path=...
    python -m radzero.eval task=maps image=cxr.jpg prompts='[There is pleural effusion]' threshold=0.5 ckpt_path=...

Writes results.json, results.md, predictions/, figures/ (or maps/) under ``paths.output_dir``.
"""

from __future__ import annotations

import logging
import sys

import hydra
from omegaconf import DictConfig

from radzero.utils.resolvers import register_resolvers

logger = logging.getLogger("radzero.eval")
register_resolvers()


@hydra.main(version_base="1.3", config_path="../../configs", config_name="eval")
def main(cfg: DictConfig) -> None:
    """Hydra entry point; a bad input exits with status 1 and a one-line reason."""
    from radzero.data.io import ImageLoadError
    from radzero.data.readers import DataFormatError
    from radzero.eval.checkpoint import CheckpointError
    from radzero.eval.tasks import run_eval
    from radzero.utils.checks import RadZeroInputError

    try:
        run_eval(cfg)
    except (CheckpointError, DataFormatError, ImageLoadError, FileNotFoundError, RadZeroInputError) as error:
        logger.error("%s", error)
        sys.exit(1)


if __name__ == "__main__":
    main()
