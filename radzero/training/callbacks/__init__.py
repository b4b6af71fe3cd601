"""Lightning callbacks of the training app."""

from radzero.training.callbacks.checkpoint import ResumableModelCheckpoint
from radzero.training.callbacks.progress import ProgressLog, TerminalProgressBar
from radzero.training.callbacks.run_snapshot import RunSnapshot
from radzero.training.callbacks.zero_shot import ZeroShotValidation

__all__ = ["ProgressLog", "ResumableModelCheckpoint", "RunSnapshot", "TerminalProgressBar", "ZeroShotValidation"]
