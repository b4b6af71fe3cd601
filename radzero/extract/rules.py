"""Offline rule-based backend: no model, deterministic, fast.

Per sentence: find finding mentions (lexicon + organ statements such as "heart size is normal"),
find NegEx/ConText-style triggers, give each mention a status (positive / negated / uncertain),
collect its severity, descriptors and location, and print it with a template:

    positive   "There is <severity> <descriptor> <laterality> <finding> [of <location>]"
    uncertain  "There may be ..."
    negated    "There is no ..."

Comparison with earlier studies ("new", "unchanged", "increased", "compared to prior", ...) is
never printed: only whitelisted modifier words are copied into the sentence.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Sequence

from . import lexicon as L
from .base import Extractor, ProgressCallback, Result
from .reports import DEID_RE

__all__ = ["RulesExtractor", "Mention", "analyze_sentence", "split_sentences", "extract_phrases",
           "RULES_VERSION"]

RULES_VERSION = "rules-v1"

# ---------------------------------------------------------------- compiled patterns


def _alt(patterns: Sequence[str]) -> str:
    return "|".join(f"(?:{p})" for p in sorted(patterns, key=len, reverse=True))


def _first_chars(pattern: str) -> set[str]:
    """Characters a match of `pattern` can start with (for the dispatch below)."""
    try:
        import re._constants as sc  # Python >= 3.11
        import re._parser as sp
    except ImportError:  # pragma: no cover
        import sre_constants as sc  # type: ignore[no-redef]
        import sre_parse as sp  # type: ignore[no-redef]

    def seq(items: list) -> tuple[set[str], bool]:
        out: set[str] = set()
        for op, av in items:
            f, nullable = item(op, av)
            out |= f
            if not nullable:
                return out, False
        return out, True

    def item(op, av) -> tuple[set[str], bool]:  # type: ignore[no-untyped-def]
        if op is sc.LITERAL:
            return {chr(av)}, False
        if op is sc.SUBPATTERN:
            return seq(list(av[-1]))
        if op is sc.BRANCH:
            out, nullable = set(), False
            for b in av[1]:
                f, n = seq(list(b))
                out |= f
                nullable |= n
            return out, nullable
        if op in (sc.MAX_REPEAT, sc.MIN_REPEAT):
            f, n = seq(list(av[2]))
            return f, n or av[0] == 0
        if op is sc.AT:
            return set(), True
        if op is sc.IN:
            chars = {chr(v) for o, v in av if o is sc.LITERAL}
            if len(chars) != len(av):
                raise ValueError
            return chars, False
        raise ValueError(op)

    try:
        chars, nullable = seq(list(sp.parse(pattern)))
    except ValueError:
        return set()
    return set() if nullable else chars


def _finding_regex() -> tuple[re.Pattern[str], list[str]]:
    """One regex for all synonyms. Python tries alternatives one by one, so the synonyms are
    grouped by their first character behind a lookahead: a word start only tries its own group.
    Each synonym is one capturing group; `lastindex` names the canonical finding."""
    items = [(canon, syn) for canon, syns in L.FINDINGS.items() for syn in syns]
    items.sort(key=lambda cs: len(cs[1]), reverse=True)  # longer alternatives first at one position
    by_char: dict[str, list[int]] = {}
    rest: list[int] = []
    for i, (_, syn) in enumerate(items):
        chars = _first_chars(syn)
        if not chars:
            rest.append(i)
        for c in chars:
            by_char.setdefault(c, []).append(i)
    names: list[str] = [""]  # group 0 = whole match
    parts = []
    for c in sorted(by_char):
        alts = []
        for i in by_char[c]:
            names.append(items[i][0])
            alts.append(f"({items[i][1]})")
        parts.append(f"(?={re.escape(c)})(?:{'|'.join(alts)})")
    for i in rest:
        names.append(items[i][0])
        parts.append(f"({items[i][1]})")
    rx = re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w-])")
    if rx.groups != len(names) - 1:
        raise AssertionError("lexicon patterns must not contain capturing groups")
    return rx, names


_FINDING_RE, _FINDING_NAMES = _finding_regex()

# trigger classes; of two overlapping triggers the longer wins, then the earlier class
_TRIGGER_CLASSES = [
    ("pseudo", L.PSEUDO),
    ("unc_post", L.UNC_POST),
    ("cont", L.CONTINUE),
    ("neg_post", L.NEG_POST),
    ("unc_pre", L.UNC_PRE),
    ("neg_pre", L.NEG_PRE),
    ("term", L.TERMINATORS),
]
_BIDIRECTIONAL = {"resolved", "removed", "absent"}  # "resolved effusion" / "effusion resolved"
_TRIGGER_RES = [(kind, re.compile(r"(?<![\w-])(?:" + _alt(pats) + r")(?![\w-])" if kind != "unc_post"
                                  else r"(?<![\w-])(?:" + _alt([p for p in pats if p != r"\?"]) + r")(?![\w-])|\?"))
                for kind, pats in _TRIGGER_CLASSES]
_ANATOMY = [(re.compile(r"(?<![\w-])" + subj + r"(?![\w-])"),
             [(re.compile(r"(?<![\w-])(?:" + pred + r")(?![\w-])"), canon, pol) for pred, canon, pol in preds])
            for subj, preds in L.ANATOMY]
_SKIP_RE = re.compile(L.SKIP_SENTENCE)
_WORD_RE = re.compile(r"[a-z0-9]+(?:['/-][a-z0-9]+)*|[,;:()]")
_ORDINAL_RE = re.compile(r"^\d+(?:st|nd|rd|th)$|^(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth)$")
_NUMBER_RE = re.compile(r"^\d+(?:\.\d+)?$")
_ON_SIDE_RE = re.compile(r"^[\s,]*(?:(?:is|are|seen|noted|present)\s+)*(?:on the (left|right)|(bilaterally)|in both lungs|"
                         r"(left|right) (?:greater|more) than (?:left|right)|(left|right)-sided)\b")
_LOC_POST_RE = re.compile(
    r"^[\s,]*(?:(?:is|are|was|were|seen|noted|present|identified|demonstrated|again|also|projecting|projects|"
    r"located|predominantly|mainly|mostly|greatest|most|prominent|evident)\s+)*"
    r"(?:(?:in|at|of|within|involving|along|over|throughout|near|overlying|to)\s+)?(?:the\s+|both\s+)?"
    r"(?P<loc>(?:[a-z0-9-]+\s*){1,6})")


# ---------------------------------------------------------------- text preparation
def normalize(text: str) -> str:
    t = DEID_RE.sub(" ", text)
    t = t.replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&")
    t = t.lower()
    t = re.sub(r"\bair[- ]space", "airspace", t)
    t = re.sub(r"\bcardio[- ]mediastinal", "cardiomediastinal", t)
    t = re.sub(r"\bcardio[- ]pulmonary", "cardiopulmonary", t)
    t = re.sub(r"\bmid[- ]lung", "midlung", t)
    t = re.sub(r"\bwell[- ]expanded", "well-expanded", t)
    t = re.sub(r"\bx-?ray", "xray", t)
    t = re.sub(r"\b(?:left|right) (?:side )?(?:greater|more|worse|larger) than (?:left|right)(?: side)?", "bilateral", t)
    t = re.sub(r"\s+", " ", t)
    return t.strip()


_SPLIT_RE = re.compile(r"(?<=[.!?;])\s+|(?<=[a-z)]\.)(?=[A-Z])|\s+(?=\d{1,2}[.)]\s+[A-Z])|\n+")
_NUMBERING_RE = re.compile(r"^\s*(?:\d{1,2}[.)]|[-*\u2022])\s*")


def split_sentences(text: str) -> list[str]:
    """Sentences of a report section (numbering removed, decimals kept)."""
    out = []
    for s in _SPLIT_RE.split(text or ""):
        s = _NUMBERING_RE.sub("", s).strip()
        if len(re.sub(r"[\W_]", "", DEID_RE.sub("", s))) >= 3:
            out.append(s)
    return out


# ---------------------------------------------------------------- data
@dataclass
class Trigger:
    start: int
    end: int
    kind: str
    text: str


@dataclass
class Mention:
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
        head = {"positive": "There is", "negated": "There is no", "uncertain": "There may be"}[self.status]
        return f"{head} {self.phrase()}"


# ---------------------------------------------------------------- analysis
def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _find_anatomy(s: str) -> list[Mention]:
    out: list[Mention] = []
    for subj_re, preds in _ANATOMY:
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
                    for w in _WORD_RE.findall(s[start:end]):
                        if w in L.SEVERITY and L.SEVERITY[w] not in m.severity:
                            m.severity.append(L.SEVERITY[w])
                lat = re.search(r"\b(left|right|both)\b", sm.group(0))
                if lat:
                    m.laterality = L.LATERALITY[lat.group(1)]
                if canon == "consolidation" and m.laterality in ("left", "right"):
                    m.location, m.laterality = f"{m.laterality} lung", None
                out.append(m)
    return out


def _find_mentions(s: str) -> list[Mention]:
    mentions = _find_anatomy(s)
    # an organ statement wins over a lexicon match inside it
    for fm in _FINDING_RE.finditer(s):
        span = (fm.start(), fm.end())
        if any(_overlaps(span, (m.start, m.end)) for m in mentions if m.kind == "anatomy"):
            continue
        canon = _FINDING_NAMES[fm.lastindex or 0]
        mentions.append(Mention(fm.start(), fm.end(), canon, fm.group(0)))
    mentions.sort(key=lambda m: m.start)
    # drop anatomy mentions that overlap each other (keep the first)
    out: list[Mention] = []
    for m in mentions:
        if any(_overlaps((m.start, m.end), (o.start, o.end)) and o.canonical == m.canonical for o in out):
            continue
        out.append(m)
    return out


def _find_triggers(s: str, blocked: list[tuple[int, int]]) -> list[Trigger]:
    cands = []  # the longest trigger wins an overlap, then the class order
    for prio, (kind, rx) in enumerate(_TRIGGER_RES):
        for m in rx.finditer(s):
            if m.end() > m.start():
                cands.append((-(m.end() - m.start()), prio, m.start(), m.end(), kind, m.group(0)))
    cands.sort()
    taken: list[tuple[int, int]] = list(blocked)
    out = []
    for _, _, a, b, kind, text in cands:
        if any(_overlaps((a, b), t) for t in taken):
            continue
        taken.append((a, b))
        if kind in ("neg_pre", "neg_post") and text in _BIDIRECTIONAL:
            kind = "neg_bi"
        out.append(Trigger(a, b, kind, text))
    out.sort(key=lambda t: t.start)
    return out


def _status(m: Mention, s: str, triggers: list[Trigger], mentions: list[Mention]) -> str:
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
        if len(_WORD_RE.findall(gap)) > 8:
            break
        if t.kind in ("neg_post", "neg_bi"):
            fwd = "negated"
        elif t.kind == "unc_post":
            fwd = "uncertain"
        break
    if fwd == "uncertain":
        return "uncertain"
    return back or fwd or "positive"


def _classify_word(w: str) -> str | None:
    if w in L.SEVERITY:
        return "sev"
    if w in L.LATERALITY:
        return "lat"
    if w in L.DESCRIPTORS:
        return "desc"
    if w in L.REGION_NOUN:
        return "noun"
    if w in L.REGION_ADJ or _ORDINAL_RE.match(w):
        return "adj"
    return None


def _modifiers(m: Mention, s: str, left_bound: int, right_bound: int) -> None:
    """Severity, descriptors, laterality and location from the words around a lexicon mention."""
    inside = _WORD_RE.findall(m.text)
    for w in inside:  # words inside the match itself ("elevation of the right hemidiaphragm")
        c = _classify_word(w)
        if c == "lat" and not m.laterality:
            m.laterality = L.LATERALITY[w]
        elif c == "desc" and w[:5] not in m.canonical and w not in m.canonical:
            m.descriptors.append(w)
        elif c == "sev" and m.canonical != "interstitial marking":
            m.severity.append(L.SEVERITY[w])
    # look back
    words = _WORD_RE.findall(s[left_bound:m.start])
    sev, desc, adj, noun, lat = [], [], [], [], None
    unknown = 0
    for w in reversed(words):
        c = _classify_word(w)
        if c == "sev":
            sev.insert(0, L.SEVERITY[w])
        elif c == "lat":
            lat = lat or L.LATERALITY[w]
        elif c == "desc":
            if w not in desc and w[:5] not in m.canonical:
                desc.insert(0, w)
        elif c == "adj":
            adj.insert(0, w)
        elif c == "noun":
            noun.insert(0, L.REGION_NOUN[w])
        elif w in L.FILLERS or w in L.DROP or _NUMBER_RE.match(w):
            continue
        elif w in L.HARD_STOP or not w[0].isalnum():
            break
        else:
            unknown += 1
            if unknown > 1:
                break
    if "bilateral" in desc:
        desc.remove("bilateral")
        lat = lat or "bilateral"
    m.severity = sev + [x for x in m.severity if x not in sev]
    m.descriptors = desc + [d for d in m.descriptors if d not in desc]
    if noun:
        # "left lower lobe atelectasis" -> "atelectasis of left lower lobe"
        loc = ([lat] if lat else []) + adj + noun[-1:]
        m.location = " ".join(loc)
    else:
        if lat and not m.laterality:
            m.laterality = lat
        m.region_adj = adj
    if m.canonical in L.GENERIC:
        m.location = None
        return
    if m.canonical in L.DEVICES:  # tip positions are not locations of a finding
        return
    # look forward: "opacity in the right upper lobe", "effusions bilaterally"
    after = s[m.end:right_bound]
    side = _ON_SIDE_RE.match(after)
    if side and not m.laterality and not m.location:
        g = side.group(1) or side.group(4)
        m.laterality = "bilateral" if (side.group(2) or "both" in side.group(0) or side.group(3)) else g
    pm = _LOC_POST_RE.match(after)
    if pm and not m.location:
        loc_words = []
        for w in _WORD_RE.findall(pm.group("loc")):
            c = _classify_word(w)
            if c in ("lat", "adj", "noun"):
                loc_words.append(L.LATERALITY.get(w, L.REGION_NOUN.get(w, w)) if c != "adj" else w)
            elif w in ("and",) and loc_words:
                loc_words.append(w)
            else:
                break
        while loc_words and loc_words[-1] == "and":
            loc_words.pop()
        if any(_classify_word(w) == "noun" or w in L.REGION_NOUN.values() for w in loc_words):
            if m.laterality and m.laterality in loc_words:
                m.laterality = None
            m.location = " ".join(loc_words)
            if m.location == "lung":  # "hyperinflation of the lungs": no location worth keeping
                m.location = None
        elif loc_words and all(_classify_word(w) == "lat" or w in ("left", "right", "bilateral", "and") for w in loc_words) \
                and not m.laterality:
            m.laterality = "bilateral" if ("and" in loc_words or "bilateral" in loc_words) else loc_words[0]


def _pair_alternatives(s: str, mentions: list[Mention]) -> None:
    """"atelectasis or pneumonia", "effusion versus thickening": both are uncertain."""
    for a, b in zip(mentions, mentions[1:]):
        gap = [w for w in _WORD_RE.findall(s[a.end:b.start])
               if _classify_word(w) is None and w not in L.FILLERS and w not in L.DROP and w != ","]
        if gap and gap[0] in ("or", "versus", "vs", "and/or") and len(gap) <= 2 and \
                a.status == "positive" and b.status in ("positive", "uncertain"):
            a.status = "uncertain"
            b.status = "uncertain"


def analyze_sentence(sentence: str) -> list[Mention]:
    """Mentions of one sentence with their status and modifiers (the text is normalized here)."""
    s = normalize(sentence)
    if not s or _SKIP_RE.search(s):
        return []
    mentions = _find_mentions(s)
    if not mentions:
        return []
    blocked = [m.anchor for m in mentions if m.kind == "anatomy" and m.anchor] + \
              [(m.start, m.end) for m in mentions if m.kind == "lexicon"]
    triggers = _find_triggers(s, blocked)
    for i, m in enumerate(mentions):
        m.status = m.fixed_status or _status(m, s, triggers, mentions)
        if m.kind == "lexicon":
            left = max([0] + [o.end for o in mentions[:i]] + [t.end for t in triggers if t.end <= m.start])
            right = min([len(s)] + [o.start for o in mentions[i + 1:]] +
                        [t.start for t in triggers if t.start >= m.end])
            _modifiers(m, s, left, right)
    _pair_alternatives(s, mentions)
    return mentions


def extract_phrases(findings: str, impression: str = "", include_generic: bool = True) -> list[str]:
    """Template sentences for one report (order of appearance, duplicates removed)."""
    out: dict[str, None] = {}
    for section in (findings, impression):
        for sent in split_sentences(section):
            for m in analyze_sentence(sent):
                if not include_generic and m.canonical in L.GENERIC:
                    continue
                out.setdefault(m.sentence(), None)
    return list(out)


_SECTION_RE = re.compile(r"^(FINDINGS|IMPRESSION):\s?", re.M)


def _split_report_text(text: str) -> tuple[str, str]:
    """Inverse of Report.text: 'FINDINGS: ...\\nIMPRESSION: ...' -> (findings, impression)."""
    parts = _SECTION_RE.split(text)
    if len(parts) == 1:
        return text, ""
    sec = {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    return sec.get("FINDINGS", ""), sec.get("IMPRESSION", "")


def _lexicon_digest() -> str:
    """Hash of the word lists, the same in every process (sets sorted: str hashes are salted)."""
    def plain(v):  # type: ignore[no-untyped-def]
        return sorted(v) if isinstance(v, (set, frozenset)) else v

    data = {k: plain(v) for k, v in vars(L).items() if k.isupper()}
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
        # a hash of the word lists: editing the lexicon never reuses stale cache rows
        return f"{RULES_VERSION}+{_lexicon_digest()}"

    def extract_batch(self, texts: Sequence[str],
                      on_result: ProgressCallback | None = None) -> list[Result]:
        out = []
        for i, text in enumerate(texts):
            try:
                findings, impression = _split_report_text(text)
                res = Result(extract_phrases(findings, impression, self.include_generic))
            except Exception as e:  # one odd report must not stop the run
                res = Result.failure(f"rules backend error: {type(e).__name__}: {e}")
            out.append(res)
            if on_result is not None:
                on_result(i, res)
        return out
