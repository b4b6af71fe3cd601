"""Checks of config values that run before any heavy import or model load, each naming the key.

The apps call these first, so a wrong value is reported in about a second instead of after the
model is built (or minutes into a run, for an output folder that cannot be written).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from radzero.utils.errors import ConfigError

__all__ = ["ConfigError", "check_kwargs", "choice", "device", "number", "writable_dir"]




def number(value: Any, key: str, *, minimum: float | None = None, integer: bool = False,
           allow_none: bool = False) -> float | int | None:
    """``value`` as a float (or int), or ConfigError naming ``key``."""
    if value is None and allow_none:
        return None
    kind = "an integer" if integer else "a number"
    if isinstance(value, bool) or value is None:
        raise ConfigError(f"{key}={value!r} is not {kind}")
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{key}={value!r} is not {kind}") from None
    if result != result or result in (float("inf"), float("-inf")):
        raise ConfigError(f"{key}={value!r} is not a finite number")
    if integer:
        if result != int(result):
            raise ConfigError(f"{key}={value!r} is not an integer")
        result = int(result)
    if minimum is not None and result < minimum:
        raise ConfigError(f"{key}={value!r} must be >= {minimum}")
    return result


def choice(value: Any, key: str, options: tuple[str, ...]) -> str:
    if value not in options:
        raise ConfigError(f"{key}={value!r}: choose one of {list(options)}")
    return str(value)


def writable_dir(path: Any, key: str) -> Path:
    """Create ``path`` (and parents) if needed and prove it can be written, before any work starts."""
    folder = Path(str(path)).expanduser()
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{key}={folder} exists and is not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(dir=folder, prefix=".radzero-write-check-")
        os.close(handle)
        os.unlink(probe)
    except OSError as error:
        reason = error.strerror or error
        raise ConfigError(f"{key}={folder} cannot be written ({reason}); choose another folder") from None
    return folder


def device(name: Any, key: str = "device"):
    """``auto`` (CUDA when available, else CPU) or a torch device that exists on this machine."""
    import torch

    if name in (None, "", "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(str(name))
    except (RuntimeError, ValueError):
        raise ConfigError(f"{key}={name!r} is not a device: use auto, cpu, cuda or cuda:<index>") from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ConfigError(f"{key}={name!r}: no CUDA device is available on this machine (use {key}=cpu)")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ConfigError(f"{key}={name!r}: this machine has {torch.cuda.device_count()} CUDA device(s)")
    elif dev.type not in ("cpu", "mps"):
        raise ConfigError(f"{key}={name!r}: radzero runs on cpu or cuda")
    return dev


def check_kwargs(builder: Any, kwargs: dict[str, Any], where: str) -> None:
    """Keys a builder does not take are an error naming them and the known ones (not a TypeError deep inside)."""
    import inspect

    parameters = inspect.signature(builder).parameters
    known = {name for name, p in parameters.items() if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)} - {"self"}
    unknown = sorted(set(kwargs) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown}; known keys: {sorted(known)}")
