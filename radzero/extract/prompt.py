"""The versioned chat prompt (system + one-shot example) used by the LLM backends."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Mapping

__all__ = ["Prompt", "default_prompt_path"]


def default_prompt_path() -> Path:
    """radzero/configs/extractor/prompt/v1.yaml (shipped with the package)."""
    from radzero import CONFIG_DIR

    return CONFIG_DIR / "extractor" / "prompt" / "v1.yaml"


@dataclass(frozen=True)
class Prompt:
    version: str
    system: str
    example_report: str
    example_output: str
    user_template: str = "Report:\n{report}"
    reask_template: str = ("That answer could not be used: {error}\n"
                           'Reply again with only a JSON object {"key_phrases": ["...", "..."]}.')

    @classmethod
    def load(cls, spec: "Prompt | Mapping[str, Any] | str | Path | None") -> "Prompt":
        """From a Prompt, a mapping (Hydra config group `extractor/prompt`) or a YAML file."""
        if isinstance(spec, Prompt):
            return spec
        if spec is None:
            spec = default_prompt_path()
        if isinstance(spec, (str, Path)):
            from omegaconf import OmegaConf

            spec = OmegaConf.to_container(OmegaConf.load(spec), resolve=True)  # type: ignore[assignment]
        fields = {k: str(v) for k, v in dict(spec).items() if k in cls.__dataclass_fields__}  # type: ignore[arg-type]
        missing = {"version", "system", "example_report", "example_output"} - set(fields)
        if missing:
            raise ValueError(f"prompt config lacks {sorted(missing)}")
        return cls(**fields)

    @property
    def cache_version(self) -> str:
        """Version id plus a hash of the full prompt text: editing the prompt never reuses old
        cache rows, even when the version id was not bumped."""
        digest = hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:10]
        return f"{self.version}+{digest}"

    def user(self, report: str) -> str:
        return self.user_template.replace("{report}", report)

    def messages(self, report: str) -> list[dict[str, str]]:
        return [
            {"role": "system", "content": self.system},
            {"role": "user", "content": self.user(self.example_report)},
            {"role": "assistant", "content": self.example_output},
            {"role": "user", "content": self.user(report)},
        ]

    def reask(self, error: str) -> dict[str, str]:
        return {"role": "user", "content": self.reask_template.replace("{error}", error)}
