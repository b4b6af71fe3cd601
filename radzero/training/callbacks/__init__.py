"""Lightning callbacks of the training app."""

from radzero.training.callbacks.checkpoint import ResumableModelCheckpoint
from radzero.training.callbacks.progress import ProgressLog, TerminalProgressBar
from radzero.training.callbacks.run_snapshot import RunSnapshot
from radzero.training.callbacks.similarity_overlays import SimilarityOverlays

__all__ = ["ProgressLog", "ResumableModelCheckpoint", "RunSnapshot", "SimilarityOverlays", "TerminalProgressBar"]
