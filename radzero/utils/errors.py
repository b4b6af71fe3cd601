"""The error types of radzero's inputs, importable without torch (the apps catch them before any heavy import).

Each message names the file, row or key that is wrong and what to do about it.
"""

from __future__ import annotations


class RadZeroInputError(ValueError):
    """A tensor, image, text or value given to radzero is unusable (wrong shape, empty, not finite, ...)."""


class NonFiniteError(RadZeroInputError):
    """A tensor holds NaN or Inf."""


class ConfigError(ValueError):
    """A config value is unusable; the message names the key, the value and what is expected."""


class CheckpointError(ValueError):
    """A path given as a model (``ckpt_path``, ``init_from``) is not a usable RadZero model; the message says
    what was expected."""


class CheckpointUnusable(RuntimeError):
    """No readable checkpoint to resume from; the message lists what exists."""


class CheckpointMismatch(ValueError):
    """The checkpoint to resume from was written by a run with another model config."""


class NonFiniteLossError(FloatingPointError):
    """The loss became NaN/Inf; training stops before the optimizer touches the weights."""
