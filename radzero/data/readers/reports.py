"""Free-text radiology reports (MIMIC-CXR style): section parsing and sentence splitting.

The one report parser and sentence splitter of the project: the MIMIC-CXR reader
(``radzero.data.readers.mimic``) and the finding-sentence extractor (``radzero.extract``) both
use these functions.
"""

from __future__ import annotations

import re

__all__ = [
    "DEID_RE",
    "FINDINGS_SECTIONS",
    "IMPRESSION_SECTIONS",
    "NON_CLINICAL_SECTIONS",
    "SPLITTER_VERSION",
    "parse_mimic_report",
    "parse_report_sections",
    "report_sentences",
    "section_text",
    "split_sentences",
]

# De-identification placeholders: MIMIC uses "___", IU-CXR/OpenI uses "XXXX".
DEID_RE = re.compile(r"_{2,}|\bX{3,}\b")

# Header names that hold the findings / the impression (in the order their texts are joined).
FINDINGS_SECTIONS = ("FINDINGS", "FINDING", "FINDINGS AND IMPRESSION", "FINDINGS/IMPRESSION")
IMPRESSION_SECTIONS = ("IMPRESSION", "IMPRESSIONS", "CONCLUSION", "CONCLUSIONS", "SUMMARY", "OPINION")
_SECTION_ALIASES = {"FINDINGS": FINDINGS_SECTIONS, "IMPRESSION": IMPRESSION_SECTIONS}
# Sections that never serve as the last-paragraph fallback (they do not describe the image).
NON_CLINICAL_SECTIONS = (
    "INDICATION", "HISTORY", "CLINICAL HISTORY", "CLINICAL INDICATION", "REASON FOR EXAM",
    "REASON FOR EXAMINATION", "COMPARISON", "COMPARISONS", "TECHNIQUE", "EXAMINATION", "EXAM",
    "PROCEDURE", "NOTIFICATION", "RECOMMENDATION", "RECOMMENDATIONS", "RECOMMENDATION(S)",
    "CLINICAL INFORMATION", "FINAL REPORT", "WET READ", "TYPE OF EXAMINATION",
)  # fmt: skip

# A header: upper-case words at the start of a line, ending with a colon ("FINDINGS:",
# "CHEST (PA AND LAT):"); the name ends with a letter or ")" so "AT 8:05" is no header.
_HEADER_RE = re.compile(r"^[ \t]*([A-Z][A-Z0-9 /&(),'-]{0,60}?[A-Z)])[ \t]*:", re.M)
_TITLE_RE = re.compile(r"^[ \t]*FINAL REPORT[ \t]*$", re.M)  # the report's title line, not content
_PARAGRAPH_BREAK_RE = re.compile(r"\n[ \t]*\n")
_WS_RE = re.compile(r"\s+")
_HSPACE_RE = re.compile(r"[^\S\n]+")


def _clean(text: str, keep_line_breaks: bool = False) -> str:
    """Collapse whitespace (joins wrapped lines); with ``keep_line_breaks`` only within lines."""
    if not keep_line_breaks:
        return _WS_RE.sub(" ", text).strip()
    lines = (_HSPACE_RE.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _header_name(match: re.Match[str]) -> str:
    return _WS_RE.sub(" ", match.group(1)).strip()


def _prepare(text: str) -> str:
    """Unify line ends and blank out the "FINAL REPORT" title line."""
    return _TITLE_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def parse_report_sections(text: str, *, keep_line_breaks: bool = False) -> dict[str, str]:
    """{'FINDINGS': '...', 'IMPRESSION': '...', ...} keyed by the header as written (whitespace
    collapsed); text before the first header goes under ''. A header repeated later is appended to.

    Bodies have their whitespace collapsed (wrapped lines joined); ``keep_line_breaks`` keeps one
    line per line instead, for texts whose lines are separate statements.
    """
    text = _prepare(text)
    heads = list(_HEADER_RE.finditer(text))
    sections: dict[str, str] = {}
    preamble = _clean(text[: heads[0].start()] if heads else text, keep_line_breaks)
    if preamble:
        sections[""] = preamble
    joiner = "\n" if keep_line_breaks else " "
    for k, head in enumerate(heads):
        stop = heads[k + 1].start() if k + 1 < len(heads) else len(text)
        body = _clean(text[head.end() : stop], keep_line_breaks)
        name = _header_name(head)
        if sections.get(name) and body:  # a repeated header: keep both parts
            sections[name] = sections[name] + joiner + body
        else:
            sections[name] = sections.get(name) or body
    return sections


def section_text(sections: dict[str, str], name: str, joiner: str = " ") -> str:
    """The text of section ``name``; "FINDINGS" and "IMPRESSION" also collect their variants
    (``FINDINGS_SECTIONS`` / ``IMPRESSION_SECTIONS``), in that order."""
    names = _SECTION_ALIASES.get(name, (name,))
    return joiner.join(sections[n] for n in names if sections.get(n))


def _blocks(text: str) -> list[str]:
    """Paragraphs (split at blank lines), each split again where a header starts a line."""
    out = []
    for para in _PARAGRAPH_BREAK_RE.split(text):
        starts = [0] + [m.start() for m in _HEADER_RE.finditer(para) if m.start() > 0]
        out.extend(para[a:b] for a, b in zip(starts, starts[1:] + [len(para)]))
    return [b for b in out if b.strip()]


def parse_mimic_report(text: str) -> dict[str, str]:
    """Split a MIMIC-CXR report into {"findings", "impression", "section_source"}.

    Findings / impression are the texts of their sections (and variants, see ``section_text``).
    When neither is present, the last paragraph of the report that is not a non-clinical section
    (indication, comparison, technique, ...) is the findings, as MIMIC-CXR's own section script
    does: ``section_source`` says "sections", "last_paragraph" or "none".
    """
    sections = parse_report_sections(text)
    findings = section_text(sections, "FINDINGS")
    impression = section_text(sections, "IMPRESSION")
    if findings or impression:
        return {"findings": findings, "impression": impression, "section_source": "sections"}
    for block in reversed(_blocks(_prepare(text))):
        head = _HEADER_RE.match(block)
        if head and _header_name(head) in NON_CLINICAL_SECTIONS:
            continue
        body = _clean(block[head.end() :] if head else block)
        if body:
            return {"findings": body, "impression": "", "section_source": "last_paragraph"}
    return {"findings": "", "impression": "", "section_source": "none"}


# Words whose period does not end a sentence ("Dr. ___", "effusion vs. atelectasis").
_ABBREVIATIONS = ("Dr", "Drs", "Mr", "Mrs", "Ms", "Prof", "vs", "approx", "e.g", "i.e", "cf")
_NOT_ABBREVIATION = "".join(
    f"(?<!\\b{re.escape(form)}\\.)"
    for word in _ABBREVIATIONS
    for form in sorted({word, word.lower(), word.capitalize(), word.upper()})
)
_SENTENCE_BREAK = (
    rf"(?<=[.!?;]){_NOT_ABBREVIATION}\s+"  # after . ! ? ; and whitespace (not "1.5 cm", not "Dr. X")
    rf"|(?<=[a-z)]\.){_NOT_ABBREVIATION}(?=[A-Z])"  # a missing space: "normal.The lungs"
    r"|\s+(?=\d{1,2}[.)]\s+[A-Z])"  # before a list number: "... 2. Heart size"
    r"|\s*\n[ \t]*\n\s*"  # a blank line
)
_SENTENCE_BREAK_RE = re.compile(_SENTENCE_BREAK)
_LINE_SENTENCE_BREAK_RE = re.compile(_SENTENCE_BREAK + r"|\s*\n\s*")
_NUMBERING_RE = re.compile(r"^(?:\d{1,2}[.)](?!\d)|[-*\u2022])\s*")  # "1." "2)" "-" "*" "•", not "1.5"
# Bump when the splitting rules change: caches of per-report results key on it.
SPLITTER_VERSION = "2"
_MIN_CONTENT_CHARS = 3  # letters/digits besides de-identification placeholders ("___.", "No." go)


def split_sentences(text: str, *, line_breaks_end_sentences: bool = False) -> list[str]:
    """Sentences of a report section: split after . ! ? ; (not after "Dr." / "vs." nor inside
    "1.5 cm"), at a missing space ("normal.The"), before list numbers and at blank lines; list
    numbering removed, whitespace collapsed, pieces with under 3 letters/digits dropped.

    A single line break is a wrapped line (MIMIC-CXR) unless ``line_breaks_end_sentences``.
    """
    splitter = _LINE_SENTENCE_BREAK_RE if line_breaks_end_sentences else _SENTENCE_BREAK_RE
    out = []
    for piece in splitter.split(text or ""):
        piece = _NUMBERING_RE.sub("", _clean(piece))
        if len(re.sub(r"[\W_]", "", DEID_RE.sub("", piece))) >= _MIN_CONTENT_CHARS:
            out.append(piece)
    return out


def report_sentences(text: str, sections: tuple[str, ...] = ("FINDINGS", "IMPRESSION")) -> list[str]:
    """Sentences of the given sections (variants included, see ``section_text``), in the order
    of ``sections``."""
    parsed = parse_report_sections(text)
    out: list[str] = []
    for name in sections:
        out.extend(split_sentences(section_text(parsed, name)))
    return out
