"""Lightning training application for RadZero (the model library never imports this package)."""

from radzero.training.module import NonFiniteLossError, RadZeroLitModule

__all__ = ["NonFiniteLossError", "RadZeroLitModule"]
