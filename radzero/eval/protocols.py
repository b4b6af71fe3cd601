"""The two evaluation protocols (docs/protocols.md, "Two protocols: radzero and authors").

- ``radzero`` (default): keyed joins, validation-chosen Dice threshold, every box of a phrase, radzero's
  image reading (DICOM LUTs + min-max), the run's precision.
- ``authors``: the published procedure of the authors' evaluation code. Run-wide: their DICOM scaling
  (255 / max, ``radzero.data.io``) and fp32. Per dataset: the entry's ``authors:`` block is merged over
  the entry (e.g. ``threshold: test``, ``minmax_8bit: true``, ``samples: {phrases: entry}``,
  ``prompts: {first_only: true}``). Labels are still joined by image key: the authors' row-order joins
  are the one thing never reproduced.

``protocol=both`` runs radzero then authors; the authors' entries go to ``results["by_protocol"]["authors"]``
and their files under ``<output_dir>/authors/``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from omegaconf import DictConfig, OmegaConf

from radzero.eval.context import EvalContext
from radzero.eval.samples import as_plain
from radzero.utils.errors import ConfigError

__all__ = ["PROTOCOLS", "PROTOCOL_CHOICES", "context_for", "selected_protocols", "spec_for"]

PROTOCOLS = ("radzero", "authors")
PROTOCOL_CHOICES = (*PROTOCOLS, "both")
_RUN_SETTINGS = {"radzero": {}, "authors": {"dicom_scaling": "authors", "precision": "fp32"}}


def selected_protocols(value: Any) -> list[str]:
    """``protocol=radzero|authors|both`` -> the protocols to run, in order."""
    name = str(value or "radzero").strip()
    if name not in PROTOCOL_CHOICES:
        raise ConfigError(f"protocol={value!r}: choose one of {list(PROTOCOL_CHOICES)}")
    return list(PROTOCOLS) if name == "both" else [name]


def context_for(ctx: EvalContext, protocol: str, primary: bool) -> EvalContext:
    """The run context under ``protocol``; a non-primary protocol writes its files under ``<output>/<protocol>/``."""
    output_dir = ctx.output_dir if primary else ctx.output_dir / protocol
    output_dir.mkdir(parents=True, exist_ok=True)
    return replace(ctx, protocol=protocol, output_dir=output_dir, **_RUN_SETTINGS[protocol])


def spec_for(spec: DictConfig | dict[str, Any], protocol: str) -> DictConfig:
    """A dataset entry under ``protocol`` (resolved): without its ``authors:`` / ``paper:`` blocks, with the
    ``authors:`` block merged over it for the authors' protocol."""
    plain = as_plain(spec)
    plain = dict(plain or {})
    overlay = plain.pop("authors", None)
    plain.pop("paper", None)
    if protocol == "authors" and overlay:
        return OmegaConf.merge(OmegaConf.create(plain), OmegaConf.create(overlay))
    return OmegaConf.create(plain)
