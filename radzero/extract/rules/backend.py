"""The rules backend: the `Extractor` interface over `extract_phrases`, reading `Report.text`."""

from __future__ import annotations

import hashlib
import json
from typing import Sequence

from radzero.data.readers.reports import (
    FINDINGS_SECTIONS,
    IMPRESSION_SECTIONS,
    SPLITTER_VERSION,
    parse_report_sections,
    section_text,
)

from .. import lexicon as L
from ..base import Extractor, ProgressCallback, Result
from .phrases import extract_phrases

RULES_VERSION = "rules-v1"


def report_text_sections(text: str) -> tuple[str, str]:
    """(findings, impression) of a text as `Report.text` writes it ("FINDINGS: ...\\nIMPRESSION: ...");
    a text without either header is all findings. Line breaks are kept: each line is a statement."""
    sections = parse_report_sections(text, keep_line_breaks=True)
    findings = section_text(sections, "FINDINGS", joiner="\n")
    impression = section_text(sections, "IMPRESSION", joiner="\n")
    if any(name in sections for name in FINDINGS_SECTIONS + IMPRESSION_SECTIONS):
        return findings, impression
    return text, ""


def _rules_digest() -> str:
    """Hash of the word lists and the sentence splitter's version, the same in every process
    (sets sorted: str hashes are salted)."""
    def plain(v):  # type: ignore[no-untyped-def]
        return sorted(v) if isinstance(v, (set, frozenset)) else v

    data = {k: plain(v) for k, v in vars(L).items() if k.isupper()}
    data["_sentence_splitter"] = SPLITTER_VERSION
    src = json.dumps(data, sort_keys=True, default=plain)
    return hashlib.sha256(src.encode()).hexdigest()[:10]


class RulesExtractor(Extractor):
    """The offline default backend."""

    backend = "rules"

    def __init__(self, include_generic: bool = True) -> None:
        self.include_generic = bool(include_generic)

    @property
    def model(self) -> str:
        return f"{RULES_VERSION}{'' if self.include_generic else '-nogeneric'}"

    @property
    def prompt_version(self) -> str:
        # editing the lexicon or the sentence splitter never reuses stale cache rows
        return f"{RULES_VERSION}+{_rules_digest()}"

    def extract_batch(self, texts: Sequence[str],
                      on_result: ProgressCallback | None = None) -> list[Result]:
        out = []
        for i, text in enumerate(texts):
            try:
                findings, impression = report_text_sections(text)
                res = Result(extract_phrases(findings, impression, self.include_generic))
            except Exception as e:  # one odd report must not stop the run
                res = Result.failure(f"rules backend error: {type(e).__name__}: {e}")
            out.append(res)
            if on_result is not None:
                on_result(i, res)
        return out
