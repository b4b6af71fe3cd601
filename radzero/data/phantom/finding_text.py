"""Report wording of one present finding: FINDINGS / IMPRESSION sentences, key phrases, labeler output.

``describe_finding(f, rng, draft)`` adds them to a ``ReportDraft`` (one function per finding kind)
and returns the finding's MS-CXR (label_text, category). Every random choice is drawn from ``rng``
in a fixed order, so a study's report is reproducible from its seed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .finding import Finding

_CARDIO_SEV = {"small": "mild", "moderate": "moderate", "large": "severe"}
_EDEMA_SEV = {"small": "mild", "moderate": "moderate", "large": "severe"}
_ATEL_SEV = {"small": "minimal", "moderate": "mild", "large": "moderate"}
_CONS_SEV = {"small": "patchy", "moderate": "", "large": "extensive"}

_CHANGE_SUFFIX = {
    "unchanged": (", unchanged from the prior study", ", unchanged compared to prior", ", similar to the prior exam"),
    "increased": (", increased compared to the prior study", ", slightly larger than on the prior exam"),
    "decreased": (", decreased since the prior radiograph", ", slightly smaller compared to prior"),
    "new": ("", ),
}
_IMPRESSION_CHANGE = {"unchanged": ", unchanged", "increased": ", increased", "decreased": ", decreased", "new": ", new"}

# Real impressions often restate a finding without its location or grade ("Pleural effusion.",
# "Atelectasis."), and the LLM extraction then adds a plain sentence ("There is pleural effusion")
# beside the located one from FINDINGS. Share of confident findings whose impression does that:
GENERIC_IMPRESSION_P = 0.4


def pick(rng: np.random.Generator, options):
    """One of ``options``, uniformly."""
    return options[int(rng.integers(0, len(options)))]


def cap(s: str) -> str:
    """Capitalise the first letter."""
    return s[:1].upper() + s[1:] if s else s


def clean(s: str) -> str:
    """Collapse runs of spaces and drop the space before commas."""
    return " ".join(s.split()).replace(" ,", ",")


class ReportDraft:
    """The sentences, key phrases and labeler output collected for one report."""

    def __init__(self) -> None:
        self.findings: list[str] = []  # FINDINGS sentences
        self.impression: list[str] = []
        self.key_phrases: list[str] = []
        self.labels: dict[str, float] = {}

    def label(self, name: str, value: float) -> None:
        old = self.labels.get(name)
        # positive beats uncertain beats negative (as the CheXpert labeler aggregates mentions)
        rank = {1.0: 3, -1.0: 2, 0.0: 1}
        if old is None or rank[value] > rank[old]:
            self.labels[name] = value

    def impress(self, rng: np.random.Generator, specific: str, generic: str, generic_phrase: str,
                hedged: bool = False) -> None:
        """Append the impression for one finding: the specific wording, or (sometimes, never when the
        finding is ``hedged``) a plain one together with its plain finding sentence."""
        if not hedged and rng.random() < GENERIC_IMPRESSION_P:
            self.impression.append(generic)
            if generic_phrase not in self.key_phrases:
                self.key_phrases.append(generic_phrase)
        else:
            self.impression.append(specific)


@dataclass(frozen=True)
class _Wording:
    """Words shared by every kind: side, change wording, labeler value."""

    side: str  # "right" | "left" | "bilateral" | ""
    new: str  # "new " or ""
    suffix: str  # comparison clause for FINDINGS (", unchanged from the prior study", ...)
    imp_chg: str  # comparison word for IMPRESSION (", unchanged", ...)
    val: float  # labeler value: -1.0 uncertain, 1.0 positive


def _wording(f: Finding, rng: np.random.Generator) -> _Wording:
    chg = f.change
    side = "bilateral" if len(f.sides) == 2 else (f.sides[0] if f.sides else "")
    suffix = pick(rng, _CHANGE_SUFFIX[chg]) if chg else ""
    imp_chg = _IMPRESSION_CHANGE.get(chg, "") if chg else ""
    return _Wording(side, "new " if chg == "new" else "", suffix, imp_chg, -1.0 if f.uncertain else 1.0)


Phrase = tuple[str, str]  # MS-CXR (label_text, category)


def _cardiomegaly(f: Finding, w: _Wording, rng: np.random.Generator, rep: ReportDraft) -> Phrase:
    cs, new, suffix = _CARDIO_SEV[f.severity], w.new, w.suffix
    if f.uncertain:
        rep.findings.append(f"The heart size is borderline, possibly {cs} cardiomegaly{suffix}.")
        rep.key_phrases.append(f"There may be {cs} cardiomegaly")
    else:
        rep.findings.append(pick(rng, (
            f"There is {new}{cs} cardiomegaly{suffix}.",
            f"The heart is {cs}ly enlarged{suffix}." if cs != "severe" else f"The heart is severely enlarged{suffix}.",
            f"The cardiac silhouette is {cs}ly enlarged{suffix}." if cs != "severe" else f"Severe enlargement of the cardiac silhouette{suffix}.",
        )))
        rep.key_phrases.append(pick(rng, (f"There is {cs} cardiomegaly", "There is cardiomegaly",
                                          "There is enlarged cardiac silhouette")))
    rep.impress(rng, cap(f"{cs} cardiomegaly{w.imp_chg}."), "Cardiomegaly.", "There is cardiomegaly", hedged=f.uncertain)
    rep.label("Cardiomegaly", w.val)
    if rng.random() < 0.5:
        rep.label("Enlarged Cardiomediastinum", w.val)
    return pick(rng, (f"{cs} cardiomegaly", "cardiomegaly", "enlarged cardiac silhouette")), "Cardiomegaly"


def _effusion_present(sev: str, w: _Wording, rng: np.random.Generator, rep: ReportDraft, angle: str) -> None:
    side, new, suffix = w.side, w.new, w.suffix
    if side == "bilateral":
        rep.findings.append(pick(rng, (
            f"There are {new}{sev} bilateral pleural effusions{suffix}.",
            f"{cap(new)}{sev} bilateral pleural effusions are present{suffix}." if new else
            f"{cap(sev)} bilateral pleural effusions are present{suffix}.",
        )))
        if rng.random() < 0.5:
            rep.key_phrases.append(f"There is {sev} bilateral pleural effusion")
        else:
            rep.key_phrases += [f"There is {sev} right pleural effusion", f"There is {sev} left pleural effusion"]
        return
    rep.findings.append(pick(rng, (
        f"There is a {new}{sev} {side} pleural effusion{suffix}.",
        f"A {new}{sev} {side} pleural effusion is present{suffix}.",
        f"{cap(new + sev)} {side} pleural effusion with blunting of the {angle}{suffix}.",
    )))
    rep.key_phrases.append(pick(rng, (f"There is {sev} {side} pleural effusion",
                                      f"There is pleural effusion of {side} side")))


def _effusion(f: Finding, w: _Wording, rng: np.random.Generator, rep: ReportDraft) -> Phrase:
    sev, side = f.severity, w.side
    plural = "s" if side == "bilateral" else ""
    angle = "costophrenic angles" if side == "bilateral" else f"{side} costophrenic angle"
    if f.uncertain:
        rep.findings.append(f"Blunting of the {angle} may represent a {sev} pleural effusion{plural}.")
        rep.key_phrases.append(f"There may be {sev} {side} pleural effusion")
    else:
        _effusion_present(sev, w, rng, rep, angle)
    rep.impress(rng, cap(f"{sev} {side} pleural effusion{plural}{w.imp_chg}."),
                f"Pleural effusion{plural}.", "There is pleural effusion", hedged=f.uncertain)
    rep.label("Pleural Effusion", w.val)
    text = "bilateral pleural effusions" if side == "bilateral" else pick(
        rng, (f"{sev} {side} pleural effusion", f"{side} pleural effusion", f"{side} effusion"))
    return text, "Pleural Effusion"


def _pneumothorax(f: Finding, w: _Wording, rng: np.random.Generator, rep: ReportDraft) -> Phrase:
    sev, side, new, suffix = f.severity, w.side, w.new, w.suffix
    if side == "bilateral":
        rep.findings.append(f"There are {new}{sev} bilateral pneumothoraces{suffix}.")
        rep.key_phrases += [f"There is {sev} right pneumothorax", f"There is {sev} left pneumothorax"]
        rep.impress(rng, cap(f"{sev} bilateral pneumothoraces{w.imp_chg}."), "Pneumothoraces.",
                    "There is pneumothorax")
        text = "bilateral pneumothoraces"
    else:
        apical = pick(rng, ("", "apical "))
        rep.findings.append(pick(rng, (
            f"There is a {new}{sev} {side} {apical}pneumothorax{suffix}.",
            f"A {new}{sev} {side} {apical}pneumothorax is seen, with a visible pleural line{suffix}.",
            f"{cap(side)} {apical}pneumothorax, {sev} in size{suffix}.",
        )))
        rep.key_phrases.append(pick(rng, (f"There is {sev} {side} pneumothorax",
                                          f"There is pneumothorax of {side} lung",
                                          f"There is {side} {apical}pneumothorax")))
        rep.impress(rng, cap(f"{sev} {side} pneumothorax{w.imp_chg}."), "Pneumothorax.", "There is pneumothorax")
        text = pick(rng, (f"{sev} {side} pneumothorax", f"{side} {apical}pneumothorax", f"{side} pneumothorax"))
    rep.label("Pneumothorax", 1.0)
    return clean(text), "Pneumothorax"


def _lung_opacity(adj: str, loc: str, w: _Wording, rng: np.random.Generator, rep: ReportDraft) -> Phrase:
    """Consolidation worded as an opacity (always hedged)."""
    rep.findings.append(pick(rng, (
        f"There is a {w.new}{adj} opacity in the {loc}{w.suffix}, which may represent consolidation.",
        f"{cap(clean(w.new + adj + ' opacity'))} in the {loc}{w.suffix} could reflect consolidation.",
    )))
    rep.key_phrases += [f"There is opacity of {loc}", f"There may be consolidation of {loc}"]
    rep.impression.append(cap(f"{loc} opacity{w.imp_chg}, possibly consolidation."))
    rep.label("Consolidation", -1.0)
    return pick(rng, (f"{loc} opacity", f"opacity in the {loc}", f"{adj} {loc} opacity")), "Lung Opacity"


def _pneumonia(loc: str, w: _Wording, rng: np.random.Generator, rep: ReportDraft) -> Phrase:
    """The pneumonia sentence after a consolidation termed pneumonia (certain half of the time)."""
    certain = rng.random() < 0.5
    if certain:
        rep.findings.append("Findings are consistent with pneumonia.")
        rep.key_phrases.append(f"There is pneumonia of {loc}")
        rep.impress(rng, cap(f"{loc} pneumonia{w.imp_chg}."), "Pneumonia.", "There is pneumonia")
    else:
        rep.findings.append(pick(rng, ("This may represent pneumonia.", "Findings are concerning for pneumonia.")))
        rep.key_phrases.append(f"There may be pneumonia of {loc}")
        rep.impression.append(cap(f"{loc} consolidation{w.imp_chg}, possibly pneumonia."))
    rep.label("Pneumonia", 1.0 if certain else -1.0)
    return pick(rng, (f"{loc} pneumonia", f"consolidation in the {loc} concerning for pneumonia",
                      f"{loc} consolidation")), "Pneumonia"


def _consolidation(f: Finding, w: _Wording, rng: np.random.Generator, rep: ReportDraft) -> Phrase:
    adj = _CONS_SEV[f.severity]
    loc = f"{w.side} {f.lobe} lobe"
    new, suffix = w.new, w.suffix
    rep.label("Lung Opacity", 1.0)
    if f.term == "opacity":
        return _lung_opacity(adj, loc, w, rng, rep)
    if f.uncertain:
        rep.findings.append(f"Ill-defined opacity in the {loc} may represent consolidation.")
        rep.key_phrases.append(f"There may be consolidation of {loc}")
        rep.label("Consolidation", -1.0)
    else:
        rep.findings.append(pick(rng, (
            f"There is {new}{adj} consolidation in the {loc}{suffix}.",
            f"{cap(clean(new + adj + ' ' + loc))} consolidation is present{suffix}.",
            f"{cap(clean(new + adj))} consolidation is seen in the {loc}{suffix}.",
        )))
        rep.key_phrases.append(pick(rng, (f"There is consolidation of {loc}", f"There is {loc} consolidation")))
        rep.label("Consolidation", 1.0)
    if f.term == "pneumonia":
        return _pneumonia(loc, w, rng, rep)
    rep.impress(rng, cap(f"{loc} consolidation{w.imp_chg}."), "Consolidation.", "There is consolidation",
                hedged=f.uncertain)
    return pick(rng, (f"{loc} consolidation", f"consolidation in the {loc}", f"{adj} {loc} consolidation")), "Consolidation"


def _lesion(f: Finding, w: _Wording, rng: np.random.Generator, rep: ReportDraft) -> Phrase:
    """Nodule or mass; neither has an MS-CXR category."""
    kind, new, suffix = f.kind, w.new, w.suffix
    loc = f"{w.side} {f.lobe} lung"
    unit = "mm" if kind == "nodule" else "cm"
    size = f"{f.size:g} {unit}"
    if f.uncertain:
        rep.findings.append(f"A nodular opacity in the {loc} may represent a pulmonary {kind}.")
        rep.key_phrases.append(f"There may be {kind} of {loc}")
        rep.impression.append(cap(f"possible {loc} {kind}; recommend chest CT."))
        rep.label("Lung Lesion", -1.0)
    else:
        rep.findings.append(pick(rng, (
            f"There is a {new}{size} {kind} in the {loc}{suffix}.",
            f"A {new}{f.size:g}-{unit} {loc} {kind} is noted{suffix}.",
            f"{cap(clean(new + 'well-circumscribed'))} {kind} projects over the {loc}, measuring {size}{suffix}.",
        )))
        rep.key_phrases.append(pick(rng, (f"There is {kind} of {loc}", f"There is {size} {kind} in {loc}")))
        rep.impress(rng, cap(f"{size} {loc} {kind}{w.imp_chg}. Recommend chest CT for further evaluation."),
                    f"Pulmonary {kind}. Recommend chest CT for further evaluation.", f"There is pulmonary {kind}")
        rep.label("Lung Lesion", 1.0)
    return f"{loc} {kind}", ""


def _atelectasis_hedged(side: str, rep: ReportDraft) -> Phrase:
    where = "bases" if side == "bilateral" else f"{side} base"
    rep.findings.append(f"Linear opacity at the {where} may reflect atelectasis.")
    rep.key_phrases.append("There may be bibasilar atelectasis" if side == "bilateral"
                           else f"There may be atelectasis of {side} lung base")
    rep.impression.append(cap(f"{where} opacity, possibly atelectasis."))
    rep.label("Atelectasis", -1.0)
    return ("bibasilar atelectasis" if side == "bilateral" else f"{side} basilar atelectasis"), "Atelectasis"


def _atelectasis(f: Finding, w: _Wording, rng: np.random.Generator, rep: ReportDraft) -> Phrase:
    adj, side, new, suffix, imp_chg = _ATEL_SEV[f.severity], w.side, w.new, w.suffix, w.imp_chg
    if f.uncertain:
        return _atelectasis_hedged(side, rep)
    if side == "bilateral":
        rep.findings.append(pick(rng, (f"There is {new}{adj} bibasilar atelectasis{suffix}.",
                                       f"{cap(clean(new + adj))} bibasilar atelectasis is present{suffix}.")))
        rep.key_phrases.append(pick(rng, ("There is bibasilar atelectasis", f"There is {adj} bibasilar atelectasis")))
        rep.impress(rng, cap(f"{adj} bibasilar atelectasis{imp_chg}."), "Atelectasis.", "There is atelectasis")
        text = pick(rng, ("bibasilar atelectasis", f"{adj} bibasilar atelectasis"))
    else:
        rep.findings.append(pick(rng, (
            f"There is {new}{adj} {side} basilar atelectasis{suffix}.",
            f"Plate-like atelectasis is seen at the {side} lung base{suffix}.",
            f"{cap(clean(new + adj))} {side} basilar atelectasis{suffix}.",
        )))
        rep.key_phrases.append(pick(rng, (f"There is {side} basilar atelectasis",
                                          f"There is atelectasis of {side} lung base")))
        rep.impress(rng, cap(f"{side} basilar atelectasis{imp_chg}."), "Atelectasis.", "There is atelectasis")
        text = pick(rng, (f"{side} basilar atelectasis", f"{adj} {side} basilar atelectasis",
                          f"plate-like atelectasis at the {side} lung base"))
    rep.label("Atelectasis", 1.0)
    return clean(text), "Atelectasis"


def _edema(f: Finding, w: _Wording, rng: np.random.Generator, rep: ReportDraft) -> Phrase:
    es, new, suffix = _EDEMA_SEV[f.severity], w.new, w.suffix
    if f.uncertain:
        rep.findings.append("Perihilar haziness may represent mild pulmonary edema.")
        rep.key_phrases.append("There may be pulmonary edema")
        rep.impression.append("Possible mild pulmonary edema.")
        rep.label("Edema", -1.0)
    else:
        rep.findings.append(pick(rng, (
            f"There is {new}{es} pulmonary edema{suffix}.",
            f"{cap(clean(new + es))} interstitial pulmonary edema is present{suffix}.",
            f"Perihilar haziness and vascular indistinctness are consistent with {es} pulmonary edema{suffix}.",
        )))
        rep.key_phrases.append(pick(rng, (f"There is {es} pulmonary edema", "There is pulmonary edema",
                                          "There is perihilar pulmonary edema")))
        rep.impress(rng, cap(f"{es} pulmonary edema{w.imp_chg}."), "Pulmonary edema.", "There is pulmonary edema")
        rep.label("Edema", 1.0)
    if rng.random() < 0.5:
        rep.label("Lung Opacity", 1.0)
    return pick(rng, (f"{es} pulmonary edema", "pulmonary edema", "perihilar edema")), "Edema"


_DESCRIBE: dict[str, Callable[[Finding, _Wording, np.random.Generator, ReportDraft], Phrase]] = {
    "cardiomegaly": _cardiomegaly,
    "effusion": _effusion,
    "pneumothorax": _pneumothorax,
    "consolidation": _consolidation,
    "nodule": _lesion,
    "mass": _lesion,
    "atelectasis": _atelectasis,
    "edema": _edema,
}


def describe_finding(f: Finding, rng: np.random.Generator, rep: ReportDraft) -> Phrase:
    """Add sentences for one present finding to ``rep``; return its MS-CXR (label_text, category)."""
    wording = _wording(f, rng)
    describe = _DESCRIBE.get(f.kind)
    if describe is None:
        raise ValueError(f"unknown finding kind {f.kind!r}")
    return describe(f, wording, rng, rep)
