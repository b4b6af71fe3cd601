"""NegEx / ConText-style status of a mention: triggers ("no", "possibly", "resolved", ...), their
scope, and alternatives ("atelectasis or pneumonia") made uncertain."""

from __future__ import annotations

from dataclasses import dataclass

from .. import lexicon as L
from .mentions import Mention, overlaps
from .modifiers import classify_word
from .patterns import BIDIRECTIONAL, TRIGGER_RES, WORD_RE


@dataclass
class Trigger:
    """A NegEx trigger span; kind: pseudo, unc_post, cont, neg_post, unc_pre, neg_pre, neg_bi, term."""

    start: int
    end: int
    kind: str
    text: str


def find_triggers(s: str, blocked: list[tuple[int, int]]) -> list[Trigger]:
    """Non-overlapping triggers outside the `blocked` spans (the mentions), in text order."""
    cands = []  # the longest trigger wins an overlap, then the class order
    for prio, (kind, rx) in enumerate(TRIGGER_RES):
        for m in rx.finditer(s):
            if m.end() > m.start():
                cands.append((-(m.end() - m.start()), prio, m.start(), m.end(), kind, m.group(0)))
    cands.sort()
    taken: list[tuple[int, int]] = list(blocked)
    out = []
    for _, _, a, b, kind, text in cands:
        if any(overlaps((a, b), t) for t in taken):
            continue
        taken.append((a, b))
        if kind in ("neg_pre", "neg_post") and text in BIDIRECTIONAL:
            kind = "neg_bi"
        out.append(Trigger(a, b, kind, text))
    out.sort(key=lambda t: t.start)
    return out


def mention_status(m: Mention, s: str, triggers: list[Trigger], mentions: list[Mention]) -> str:
    """positive / negated / uncertain from the nearest trigger before the mention and the first after it."""
    a0, a1 = m.anchor or (m.start, m.end)
    back = None
    before = [t for t in triggers if t.end <= a0 and t.kind != "pseudo"]
    for i in range(len(before) - 1, -1, -1):
        t = before[i]
        if t.kind in ("neg_pre", "neg_bi"):
            back = "negated"
        elif t.kind == "unc_pre":
            back = "uncertain"
        elif t.kind == "cont":  # inherits the status of the trigger before it
            back = "uncertain"
            for u in reversed(before[:i]):
                if u.kind in ("neg_pre", "neg_bi"):
                    back = "negated"
                    break
                if u.kind in ("term", "unc_pre", "neg_post", "unc_post"):
                    break
        break  # the nearest trigger decides; terminators and post-triggers end the scope
    fwd = None
    other_spans = [(o.start, o.end) for o in mentions if o is not m]
    for t in triggers:
        if t.start < a1 or t.kind == "pseudo":
            continue
        gap = s[a1:t.start]
        for o0, o1 in sorted(other_spans, reverse=True):  # other findings in a list do not break it
            if o0 >= a1 and o1 <= t.start:
                gap = gap[:o0 - a1] + " " + gap[o1 - a1:]
        if len(WORD_RE.findall(gap)) > 8:
            break
        if t.kind in ("neg_post", "neg_bi"):
            fwd = "negated"
        elif t.kind == "unc_post":
            fwd = "uncertain"
        break
    if fwd == "uncertain":
        return "uncertain"
    return back or fwd or "positive"


def pair_alternatives(s: str, mentions: list[Mention]) -> None:
    """"atelectasis or pneumonia", "effusion versus thickening": both are uncertain."""
    for a, b in zip(mentions, mentions[1:]):
        gap = [w for w in WORD_RE.findall(s[a.end:b.start])
               if classify_word(w) is None and w not in L.FILLERS and w not in L.DROP and w != ","]
        if gap and gap[0] in ("or", "versus", "vs", "and/or") and len(gap) <= 2 and \
                a.status == "positive" and b.status in ("positive", "uncertain"):
            a.status = "uncertain"
            b.status = "uncertain"
