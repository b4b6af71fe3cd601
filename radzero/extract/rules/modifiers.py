"""Modifiers of a lexicon mention: severity, descriptors, laterality and location, read from the
words around it (only whitelisted words are copied, so comparisons with priors never are)."""

from __future__ import annotations

from .. import lexicon as L
from .mentions import Mention
from .patterns import LOC_POST_RE, NUMBER_RE, ON_SIDE_RE, ORDINAL_RE, WORD_RE


def classify_word(w: str) -> str | None:
    """Modifier class of a word: sev, lat, desc, noun, adj or None."""
    if w in L.SEVERITY:
        return "sev"
    if w in L.LATERALITY:
        return "lat"
    if w in L.DESCRIPTORS:
        return "desc"
    if w in L.REGION_NOUN:
        return "noun"
    if w in L.REGION_ADJ or ORDINAL_RE.match(w):
        return "adj"
    return None


def add_modifiers(m: Mention, s: str, left_bound: int, right_bound: int) -> None:
    """Severity, descriptors, laterality and location from the words around a lexicon mention."""
    inside = WORD_RE.findall(m.text)
    for w in inside:  # words inside the match itself ("elevation of the right hemidiaphragm")
        c = classify_word(w)
        if c == "lat" and not m.laterality:
            m.laterality = L.LATERALITY[w]
        elif c == "desc" and w[:5] not in m.canonical and w not in m.canonical:
            m.descriptors.append(w)
        elif c == "sev" and m.canonical != "interstitial marking":
            m.severity.append(L.SEVERITY[w])
    # look back
    words = WORD_RE.findall(s[left_bound:m.start])
    sev, desc, adj, noun, lat = [], [], [], [], None
    unknown = 0
    for w in reversed(words):
        c = classify_word(w)
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
        elif w in L.FILLERS or w in L.DROP or NUMBER_RE.match(w):
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
    side = ON_SIDE_RE.match(after)
    if side and not m.laterality and not m.location:
        g = side.group(1) or side.group(4)
        m.laterality = "bilateral" if (side.group(2) or "both" in side.group(0) or side.group(3)) else g
    pm = LOC_POST_RE.match(after)
    if pm and not m.location:
        loc_words = []
        for w in WORD_RE.findall(pm.group("loc")):
            c = classify_word(w)
            if c in ("lat", "adj", "noun"):
                loc_words.append(L.LATERALITY.get(w, L.REGION_NOUN.get(w, w)) if c != "adj" else w)
            elif w in ("and",) and loc_words:
                loc_words.append(w)
            else:
                break
        while loc_words and loc_words[-1] == "and":
            loc_words.pop()
        if any(classify_word(w) == "noun" or w in L.REGION_NOUN.values() for w in loc_words):
            if m.laterality and m.laterality in loc_words:
                m.laterality = None
            m.location = " ".join(loc_words)
            if m.location == "lung":  # "hyperinflation of the lungs": no location worth keeping
                m.location = None
        elif loc_words and all(classify_word(w) == "lat" or w in ("left", "right", "bilateral", "and")
                               for w in loc_words) \
                and not m.laterality:
            m.laterality = "bilateral" if ("and" in loc_words or "bilateral" in loc_words) else loc_words[0]
