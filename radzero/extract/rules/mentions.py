"""Finding mentions in a sentence: lexicon matches and organ statements ("heart size is normal"),
and their template sentence ("There is / There may be / There is no ...")."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .. import lexicon as L
from .patterns import ANATOMY_RES, FINDING_NAMES, FINDING_RE, WORD_RE


@dataclass
class Mention:
    """A finding in a normalized sentence (span, canonical name) with its status and modifiers."""

    start: int
    end: int
    canonical: str
    text: str
    kind: str = "lexicon"  # lexicon | anatomy
    anchor: tuple[int, int] | None = None  # span whose surroundings decide the status
    fixed_status: str | None = None
    status: str = "positive"
    severity: list[str] = field(default_factory=list)
    descriptors: list[str] = field(default_factory=list)
    laterality: str | None = None
    region_adj: list[str] = field(default_factory=list)
    location: str | None = None

    def phrase(self) -> str:
        """<severity> <descriptors> <laterality> <region> <finding> [of <location>]."""
        words: list[str] = []
        if self.canonical not in L.GENERIC:
            if self.severity and self.canonical not in L.DEVICES:
                words.append(" to ".join(dict.fromkeys(self.severity)))
            words += [d for d in self.descriptors if d not in L.TYPE_DESCRIPTORS]
            if self.laterality and not (self.location and self.laterality in self.location):
                words.append(self.laterality)
            words += self.region_adj
            words += [d for d in self.descriptors if d in L.TYPE_DESCRIPTORS]
        words.append(self.canonical)
        p = " ".join(w for w in words if w)
        if self.location and self.canonical not in L.GENERIC:
            p += f" of {self.location}"
        return re.sub(r"\s+", " ", p).strip()

    def sentence(self) -> str:
        """The template sentence: "There is" / "There may be" / "There is no" + phrase."""
        head = {"positive": "There is", "negated": "There is no", "uncertain": "There may be"}[self.status]
        return f"{head} {self.phrase()}"


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _find_anatomy(s: str) -> list[Mention]:
    """Organ statements: an organ (subject) with a predicate after or right before it."""
    out: list[Mention] = []
    for subj_re, preds in ANATOMY_RES:
        subjects = list(subj_re.finditer(s))
        for j, sm in enumerate(subjects):
            # window after the subject: up to the next subject of this organ / sentence end, 10 words
            stop = subjects[j + 1].start() if j + 1 < len(subjects) else len(s)
            words_after = list(re.finditer(r"\S+", s[sm.end():stop]))
            if len(words_after) > 10:
                stop = sm.end() + words_after[10].start()
            tail = s[sm.end():stop]
            head_start = max(0, sm.start() - 40)
            head = s[head_start:sm.start()]
            used: set[str] = set()
            for pred_re, canon, pol in preds:
                if canon in used:
                    continue
                pm = pred_re.search(tail)
                span = None
                if pm:
                    gap = tail[:pm.start()]
                    # no clause break between subject and predicate
                    if not re.search(r"\b(?:but|however|although|while|whereas|with|without|which)\b|[;:]", gap):
                        span = (sm.end() + pm.start(), sm.end() + pm.end())
                if span is None:  # predicate right before the subject: "normal heart size"
                    for hm in pred_re.finditer(head):
                        between = head[hm.end():]
                        if re.fullmatch(r"\s*(?:(?:and|the|sized?|in)\s+)?", between):
                            span = (head_start + hm.start(), head_start + hm.end())
                if span is None:
                    continue
                used.add(canon)
                start, end = min(sm.start(), span[0]), max(sm.end(), span[1])
                m = Mention(start, end, canon, s[start:end], kind="anatomy", anchor=span,
                            fixed_status=None if pol == "positive" else pol)
                if pol == "positive":
                    for w in WORD_RE.findall(s[start:end]):
                        if w in L.SEVERITY and L.SEVERITY[w] not in m.severity:
                            m.severity.append(L.SEVERITY[w])
                lat = re.search(r"\b(left|right|both)\b", sm.group(0))
                if lat:
                    m.laterality = L.LATERALITY[lat.group(1)]
                if canon == "consolidation" and m.laterality in ("left", "right"):
                    m.location, m.laterality = f"{m.laterality} lung", None
                out.append(m)
    return out


def find_mentions(s: str) -> list[Mention]:
    """Organ statements and lexicon findings of a normalized sentence, in text order."""
    mentions = _find_anatomy(s)
    # an organ statement wins over a lexicon match inside it
    for fm in FINDING_RE.finditer(s):
        span = (fm.start(), fm.end())
        if any(overlaps(span, (m.start, m.end)) for m in mentions if m.kind == "anatomy"):
            continue
        canon = FINDING_NAMES[fm.lastindex or 0]
        mentions.append(Mention(fm.start(), fm.end(), canon, fm.group(0)))
    mentions.sort(key=lambda m: m.start)
    # drop anatomy mentions that overlap each other (keep the first)
    out: list[Mention] = []
    for m in mentions:
        if any(overlaps((m.start, m.end), (o.start, o.end)) and o.canonical == m.canonical for o in out):
            continue
        out.append(m)
    return out
