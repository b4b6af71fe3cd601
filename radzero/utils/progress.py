"""Progress where there is no terminal (SLURM logs, ``| tee``): periodic log lines instead of a live bar."""

from __future__ import annotations

import logging
import sys
import time


def is_interactive() -> bool:
    """True when stderr is a terminal (a live progress bar is readable there, and only there)."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def format_duration(seconds: float | None) -> str:
    """'1h02m', '3m05s', '12s' or '?'."""
    if seconds is None or seconds != seconds or seconds == float("inf"):
        return "?"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


class RateLog:
    """Logs ``what: done/total (pct), rate/s, ETA`` at most every ``every_seconds`` (and at the end)."""

    def __init__(self, logger: logging.Logger, what: str, total: int, unit: str = "items",
                 every_seconds: float = 30.0) -> None:
        self.logger, self.what, self.total, self.unit = logger, what, int(total), unit
        self.every = float(every_seconds)
        self.done = 0
        self.started = self.last = time.monotonic()

    def update(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if now - self.last >= self.every or self.done >= self.total:
            self.last = now
            self.log()

    def log(self) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rate = self.done / elapsed
        eta = (self.total - self.done) / rate if rate > 0 else None
        share = 100.0 * self.done / self.total if self.total else 100.0
        self.logger.info("%s: %d/%d %s (%.0f%%), %.1f %s/s, elapsed %s, ETA %s", self.what, self.done, self.total,
                         self.unit, share, rate, self.unit, format_duration(elapsed), format_duration(eta))
