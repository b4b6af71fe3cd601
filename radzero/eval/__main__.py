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
import signal
import sys

import hydra
from omegaconf import DictConfig

from radzero.utils.app_exit import exit_for_input_error
from radzero.utils.resolvers import register_resolvers

logger = logging.getLogger("radzero.eval")
register_resolvers()


@hydra.main(version_base="1.3", config_path="../configs", config_name="eval")
def main(cfg: DictConfig) -> None:
    """Hydra entry point; a bad input exits with status 1 and a one-line reason."""
    from radzero.eval.settings import check_config
    from radzero.utils.errors import ConfigError, RadZeroInputError

    signal.signal(signal.SIGTERM, _interrupt)  # SLURM / kill: mark results.json as interrupted, exit 143
    try:
        check_config(cfg)  # before any heavy import
        from radzero.data.io import ImageLoadError
        from radzero.data.readers import DataFormatError
        from radzero.eval.checkpoint import CheckpointError
        from radzero.eval.runner import run_eval

        try:
            run_eval(cfg)
        except (CheckpointError, DataFormatError, ImageLoadError) as error:
            raise RadZeroInputError(str(error)) from error
    except (ConfigError, RadZeroInputError, FileNotFoundError, ValueError) as error:
        exit_for_input_error(error, logger)  # the traceback at log_level DEBUG
    except KeyboardInterrupt as error:
        logger.error("interrupted (%s)", error or "SIGINT")
        sys.exit(143 if isinstance(error, Terminated) else 130)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the evaluation is, so it can record that it stopped."""


def _interrupt(signum, frame) -> None:
    raise Terminated(f"signal {signal.Signals(signum).name}")


if __name__ == "__main__":
    main()
