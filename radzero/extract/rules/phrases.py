"""Sentence analysis (mentions, status, modifiers) and report -> template sentences."""

from __future__ import annotations

from radzero.data.readers.reports import split_sentences

from .. import lexicon as L
from .mentions import Mention, find_mentions
from .modifiers import add_modifiers
from .negation import find_triggers, mention_status, pair_alternatives
from .normalization import normalize
from .patterns import SKIP_RE


def analyze_sentence(sentence: str) -> list[Mention]:
    """Mentions of one sentence with their status and modifiers (the text is normalized here)."""
    s = normalize(sentence)
    if not s or SKIP_RE.search(s):
        return []
    mentions = find_mentions(s)
    if not mentions:
        return []
    blocked = [m.anchor for m in mentions if m.kind == "anatomy" and m.anchor] + \
              [(m.start, m.end) for m in mentions if m.kind == "lexicon"]
    triggers = find_triggers(s, blocked)
    for i, m in enumerate(mentions):
        m.status = m.fixed_status or mention_status(m, s, triggers, mentions)
        if m.kind == "lexicon":
            left = max([0] + [o.end for o in mentions[:i]] + [t.end for t in triggers if t.end <= m.start])
            right = min([len(s)] + [o.start for o in mentions[i + 1:]] +
                        [t.start for t in triggers if t.start >= m.end])
            add_modifiers(m, s, left, right)
    pair_alternatives(s, mentions)
    return mentions


def extract_phrases(findings: str, impression: str = "", include_generic: bool = True) -> list[str]:
    """Template sentences for one report (order of appearance, duplicates removed)."""
    out: dict[str, None] = {}
    for section in (findings, impression):
        for sent in split_sentences(section, line_breaks_end_sentences=True):
            for m in analyze_sentence(sent):
                if not include_generic and m.canonical in L.GENERIC:
                    continue
                out.setdefault(m.sentence(), None)
    return list(out)
