"""Regexes compiled once from the word lists (``radzero.extract.lexicon``): findings, NegEx
triggers, organ statements and the modifier patterns."""

from __future__ import annotations

import re
from typing import Sequence

from .. import lexicon as L


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


FINDING_RE, FINDING_NAMES = _finding_regex()

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
BIDIRECTIONAL = {"resolved", "removed", "absent"}  # "resolved effusion" / "effusion resolved"
TRIGGER_RES = [(kind, re.compile(r"(?<![\w-])(?:" + _alt(pats) + r")(?![\w-])" if kind != "unc_post"
                                  else r"(?<![\w-])(?:" + _alt([p for p in pats if p != r"\?"]) + r")(?![\w-])|\?"))
                for kind, pats in _TRIGGER_CLASSES]
ANATOMY_RES = [(re.compile(r"(?<![\w-])" + subj + r"(?![\w-])"),
                [(re.compile(r"(?<![\w-])(?:" + pred + r")(?![\w-])"), canon, pol) for pred, canon, pol in preds])
               for subj, preds in L.ANATOMY]
SKIP_RE = re.compile(L.SKIP_SENTENCE)
WORD_RE = re.compile(r"[a-z0-9]+(?:['/-][a-z0-9]+)*|[,;:()]")
ORDINAL_RE = re.compile(r"^\d+(?:st|nd|rd|th)$|"
                        r"^(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth)$")
NUMBER_RE = re.compile(r"^\d+(?:\.\d+)?$")
ON_SIDE_RE = re.compile(r"^[\s,]*(?:(?:is|are|seen|noted|present)\s+)*"
                        r"(?:on the (left|right)|(bilaterally)|in both lungs|"
                        r"(left|right) (?:greater|more) than (?:left|right)|(left|right)-sided)\b")
LOC_POST_RE = re.compile(
    r"^[\s,]*(?:(?:is|are|was|were|seen|noted|present|identified|demonstrated|again|also|projecting|projects|"
    r"located|predominantly|mainly|mostly|greatest|most|prominent|evident)\s+)*"
    r"(?:(?:in|at|of|within|involving|along|over|throughout|near|overlying|to)\s+)?(?:the\s+|both\s+)?"
    r"(?P<loc>(?:[a-z0-9-]+\s*){1,6})")
