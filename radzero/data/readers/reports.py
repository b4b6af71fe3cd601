"""MIMIC-CXR free-text reports: section parsing and a simple sentence splitter."""

from __future__ import annotations

import re

__all__ = ["parse_report_sections", "report_sentences", "split_sentences"]

# An upper-case header at the start of a line, ending with a colon: " FINDINGS:", "IMPRESSION:"
_HEADER = re.compile(r"^[ \t]*([A-Z][A-Z &/()\-]*[A-Z)])[ \t]*:", re.MULTILINE)
_SENT_END = re.compile(r"(?<=[.!?])\s+")
_WS = re.compile(r"\s+")


def parse_report_sections(text: str) -> dict[str, str]:
    """{'FINDINGS': '...', 'IMPRESSION': '...', ...}; whitespace collapsed; text before the
    first header goes under ''. A header repeated later is appended to."""
    sections: dict[str, str] = {}
    matches = list(_HEADER.finditer(text))
    starts = [(m.group(1).strip(), m.end(), m.start()) for m in matches]
    pre = text[: starts[0][2]] if starts else text
    if pre.strip():
        sections[""] = _WS.sub(" ", pre).strip()
    for k, (name, body_start, _) in enumerate(starts):
        body_end = starts[k + 1][2] if k + 1 < len(starts) else len(text)
        body = _WS.sub(" ", text[body_start:body_end]).strip()
        if name in sections and body:
            sections[name] = (sections[name] + " " + body).strip()
        else:
            sections.setdefault(name, body)
    return sections


def split_sentences(text: str) -> list[str]:
    """Split on ., ! or ? followed by whitespace; drop pieces without letters (list numbers)."""
    out = []
    for piece in _SENT_END.split(_WS.sub(" ", text).strip()):
        piece = piece.strip()
        if piece and re.search(r"[A-Za-z]", piece):
            out.append(piece)
    return out


def report_sentences(text: str, sections: tuple[str, ...] = ("FINDINGS", "IMPRESSION")) -> list[str]:
    """Sentences of the given sections, in report order of ``sections``."""
    parsed = parse_report_sections(text)
    out: list[str] = []
    for name in sections:
        out.extend(split_sentences(parsed.get(name, "")))
    return out
