"""Lightning training application for RadZero (the model library never imports this package).

``RadZeroLitModule`` is imported on first use, so ``radzero.training.<light module>`` stays cheap.
"""

from __future__ import annotations

from typing import Any

from radzero.utils.errors import NonFiniteLossError

__all__ = ["NonFiniteLossError", "RadZeroLitModule"]


def __getattr__(name: str) -> Any:
    if name == "RadZeroLitModule":
        from radzero.training.module import RadZeroLitModule

        return RadZeroLitModule
    raise AttributeError(f"module 'radzero.training' has no attribute {name!r}")
