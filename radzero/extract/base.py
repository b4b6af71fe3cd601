"""The extractor interface, its result type, and the JSON output contract shared by LLM backends."""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import jsonschema

__all__ = ["Result", "Extractor", "KEY_PHRASES_SCHEMA", "InvalidOutput", "parse_key_phrases",
           "find_json_object"]

# What every backend must produce for one report.
KEY_PHRASES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "key_phrases": {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
        }
    },
    "required": ["key_phrases"],
}
_VALIDATOR = jsonschema.Draft7Validator(KEY_PHRASES_SCHEMA)


@dataclass
class Result:
    """Outcome for one report. `key_phrases is None` means failure, with `error` saying why."""

    key_phrases: list[str] | None
    error: str | None = None
    attempts: int = 1  # model calls made (1 for the rules backend)
    raw: str | None = None  # last raw model output, kept for failure diagnostics (truncated)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.key_phrases is not None

    @classmethod
    def failure(cls, error: str, attempts: int = 1, raw: str | None = None) -> "Result":
        return cls(None, error=error, attempts=attempts, raw=None if raw is None else raw[:2000])


ProgressCallback = Callable[[int, Result], None]


class Extractor(ABC):
    """One backend. `extract_batch(texts)` returns one Result per text, in order, and never raises
    for a single bad report (a failure is a Result); it may raise for a broken setup."""

    backend: str = "base"

    @property
    def model(self) -> str:
        return ""

    @property
    def prompt_version(self) -> str:
        return ""

    def identity(self) -> dict[str, str]:
        """What, besides the report text, decides the output: part of the cache key."""
        return {"backend": self.backend, "model": self.model, "prompt_version": self.prompt_version}

    @abstractmethod
    def extract_batch(self, texts: Sequence[str],
                      on_result: ProgressCallback | None = None) -> list[Result]:
        """`on_result(i, result)` is called as each result is ready (any order)."""

    def close(self) -> None:  # release clients / models
        pass

    def __enter__(self) -> "Extractor":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class InvalidOutput(ValueError):
    """The model's text is not a valid {"key_phrases": [...]} object; the message says why."""


_FENCE_RE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.S)


def find_json_object(text: str) -> Any:
    """The first JSON object in `text`: the whole text, a ```json fence, or the first decodable
    `{...}` found by scanning. Pure parsing with json.JSONDecoder: never eval."""
    text = text.strip()
    candidates = [text] + [m.group(1).strip() for m in _FENCE_RE.finditer(text)]
    for cand in candidates:
        try:
            return json.loads(cand)
        except (json.JSONDecodeError, ValueError):
            pass
    decoder = json.JSONDecoder()
    for i, ch in enumerate(text):
        if ch == "{":
            try:
                obj, _ = decoder.raw_decode(text, i)
            except json.JSONDecodeError:
                continue
            if isinstance(obj, dict):
                return obj
    raise InvalidOutput("no JSON object found in the response")


def parse_key_phrases(text: str) -> list[str]:
    """Parse and validate a model response; returns cleaned sentences or raises InvalidOutput."""
    if not text or not text.strip():
        raise InvalidOutput("empty response")
    obj = find_json_object(text)
    errors = sorted(_VALIDATOR.iter_errors(obj), key=lambda e: list(e.path))
    if errors:
        e = errors[0]
        where = "/".join(str(p) for p in e.path) or "(root)"
        raise InvalidOutput(f"JSON does not match the schema {{\"key_phrases\": [string, ...]}}: "
                            f"at {where}: {e.message}")
    out, seen = [], set()
    for s in obj["key_phrases"]:
        s = re.sub(r"\s+", " ", s).strip().rstrip(".").strip()
        if s and s.lower() not in seen:
            seen.add(s.lower())
            out.append(s)
    return out
