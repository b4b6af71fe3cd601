"""``Finding``: one rendered abnormality of a phantom study (what the renderer draws and the report says)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class Finding:
    """One finding; picklable (process pool) and convertible to / from its JSON dict (truth files).

    kind: cardiomegaly | effusion | pneumothorax | consolidation | nodule | mass | atelectasis | edema.
    sides: patient sides, () for cardiomegaly, edema is always ("right", "left").
    severity: small | moderate | large.
    lobe: consolidation: upper | middle | lower (middle: right only); nodule / mass: the lung zone.
    term: consolidation: consolidation | pneumonia | opacity.
    uncertain: the report hedges ("may represent") -> CheXpert -1.0.
    change: comparison wording: new | unchanged | increased | decreased.
    size: nodule: mm, mass: cm (report wording only).
    """

    kind: str
    sides: tuple[str, ...] = ()
    severity: str = "moderate"
    lobe: str | None = None
    term: str | None = None
    uncertain: bool = False
    change: str | None = None
    size: int | float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "sides", tuple(self.sides))  # lists from JSON / callers become tuples

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (field order as declared, ``sides`` a list)."""
        return {
            "kind": self.kind,
            "sides": list(self.sides),
            "severity": self.severity,
            "lobe": self.lobe,
            "term": self.term,
            "uncertain": self.uncertain,
            "change": self.change,
            "size": self.size,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        """Inverse of ``to_dict``; keys other than the fields (the truth files' ``parts``) are ignored."""
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})
