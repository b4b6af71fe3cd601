"""How the command-line apps end on a bad input: a one-line reason, then exit status 1.

Inside a SLURM job (``SLURM_JOB_ID`` set, e.g. a sweep point submitted by hydra/launcher=slurm) the error is
raised instead: submitit then records it as the job's result and the submitting ``-m`` command reports the
reason, instead of waiting on a job that ended without one.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import NoReturn


def exit_for_input_error(error: BaseException, log: logging.Logger) -> NoReturn:
    """Log ``error`` as one line (the traceback at DEBUG) and exit 1; re-raise it inside a SLURM job."""
    log.error("%s", error)
    log.debug("where it was raised", exc_info=error)
    if os.environ.get("SLURM_JOB_ID"):
        raise error
    sys.exit(1)
