"""Free-text MIMIC-style reports, RadZero finding sentences and CheXpert-labeler output.

``build_report(findings, rng, ...)`` returns the report text in the MIMIC-CXR layout, the
FINDINGS / IMPRESSION section texts, ``key_phrases`` ("There is small left pleural effusion",
"There is no pneumothorax", ...), the CheXpert labels a labeler would read from it (1.0 positive,
-1.0 uncertain, 0.0 negated, missing = not mentioned), and one MS-CXR style phrase per finding.
"""

from __future__ import annotations

import textwrap

import numpy as np

from .spec import CHEXPERT_LABELS

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

_INDICATIONS = (
    "___-year-old {sex} with shortness of breath.",
    "___-year-old {sex} with cough and fever, evaluate for pneumonia.",
    "___ year old {sex} with chest pain.",
    "History: ___{sx} with hypoxia",
    "___-year-old {sex} status post fall, evaluate for acute process.",
    "___ with dyspnea on exertion.",
    "Evaluate for interval change.",
    "___-year-old {sex} with leukocytosis.",
    "History: ___{sx} with fever",
)
_TECHNIQUE = ("PA and lateral views of the chest.", "Portable AP chest radiograph.", "Chest PA and lateral.")


# Real impressions often restate a finding without its location or grade ("Pleural effusion.",
# "Atelectasis."), and the LLM extraction then adds a plain sentence ("There is pleural effusion")
# beside the located one from FINDINGS. Share of confident findings whose impression does that:
GENERIC_IMPRESSION_P = 0.4


def _impress(rep: "_Report", rng: np.random.Generator, specific: str, generic: str, generic_phrase: str,
             hedged: bool = False) -> None:
    """Append the impression for one finding: the specific wording, or (sometimes, never when the
    finding is ``hedged``) a plain one together with its plain finding sentence."""
    if not hedged and rng.random() < GENERIC_IMPRESSION_P:
        rep.impression.append(generic)
        if generic_phrase not in rep.key_phrases:
            rep.key_phrases.append(generic_phrase)
    else:
        rep.impression.append(specific)


def _pick(rng: np.random.Generator, options):
    return options[int(rng.integers(0, len(options)))]


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:] if s else s


def _side_word(f: dict) -> str:
    return "bilateral" if len(f["sides"]) == 2 else (f["sides"][0] if f["sides"] else "")


def _clean(s: str) -> str:
    return " ".join(s.split()).replace(" ,", ",")


class _Report:
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


def _positive(f: dict, rng: np.random.Generator, rep: _Report) -> tuple[str, str]:
    """Add sentences for one present finding; return its MS-CXR (label_text, category)."""
    kind, sev, unc, chg = f["kind"], f["severity"], f["uncertain"], f["change"]
    side = _side_word(f)
    new = "new " if chg == "new" else ""
    suffix = _pick(rng, _CHANGE_SUFFIX[chg]) if chg else ""
    imp_chg = _IMPRESSION_CHANGE.get(chg, "") if chg else ""
    val = -1.0 if unc else 1.0

    if kind == "cardiomegaly":
        cs = _CARDIO_SEV[sev]
        if unc:
            rep.findings.append(f"The heart size is borderline, possibly {cs} cardiomegaly{suffix}.")
            rep.key_phrases.append(f"There may be {cs} cardiomegaly")
        else:
            rep.findings.append(_pick(rng, (
                f"There is {new}{cs} cardiomegaly{suffix}.",
                f"The heart is {cs}ly enlarged{suffix}." if cs != "severe" else f"The heart is severely enlarged{suffix}.",
                f"The cardiac silhouette is {cs}ly enlarged{suffix}." if cs != "severe" else f"Severe enlargement of the cardiac silhouette{suffix}.",
            )))
            rep.key_phrases.append(_pick(rng, (f"There is {cs} cardiomegaly", "There is cardiomegaly",
                                              "There is enlarged cardiac silhouette")))
        _impress(rep, rng, _cap(f"{cs} cardiomegaly{imp_chg}."), "Cardiomegaly.", "There is cardiomegaly", hedged=unc)
        rep.label("Cardiomegaly", val)
        if rng.random() < 0.5:
            rep.label("Enlarged Cardiomediastinum", val)
        return _pick(rng, (f"{cs} cardiomegaly", "cardiomegaly", "enlarged cardiac silhouette")), "Cardiomegaly"

    if kind == "effusion":
        plural = "s" if side == "bilateral" else ""
        angle = "costophrenic angles" if side == "bilateral" else f"{side} costophrenic angle"
        if unc:
            rep.findings.append(f"Blunting of the {angle} may represent a {sev} pleural effusion{plural}.")
            rep.key_phrases.append(f"There may be {sev} {side} pleural effusion")
        else:
            if side == "bilateral":
                rep.findings.append(_pick(rng, (
                    f"There are {new}{sev} bilateral pleural effusions{suffix}.",
                    f"{_cap(new)}{sev} bilateral pleural effusions are present{suffix}." if new else
                    f"{_cap(sev)} bilateral pleural effusions are present{suffix}.",
                )))
                if rng.random() < 0.5:
                    rep.key_phrases.append(f"There is {sev} bilateral pleural effusion")
                else:
                    rep.key_phrases += [f"There is {sev} right pleural effusion", f"There is {sev} left pleural effusion"]
            else:
                rep.findings.append(_pick(rng, (
                    f"There is a {new}{sev} {side} pleural effusion{suffix}.",
                    f"A {new}{sev} {side} pleural effusion is present{suffix}.",
                    f"{_cap(new + sev)} {side} pleural effusion with blunting of the {angle}{suffix}.",
                )))
                rep.key_phrases.append(_pick(rng, (f"There is {sev} {side} pleural effusion",
                                                  f"There is pleural effusion of {side} side")))
        _impress(rep, rng, _cap(f"{sev} {side} pleural effusion{plural}{imp_chg}."),
                 f"Pleural effusion{plural}.", "There is pleural effusion", hedged=unc)
        rep.label("Pleural Effusion", val)
        text = "bilateral pleural effusions" if side == "bilateral" else _pick(
            rng, (f"{sev} {side} pleural effusion", f"{side} pleural effusion", f"{side} effusion"))
        return text, "Pleural Effusion"

    if kind == "pneumothorax":
        if side == "bilateral":
            rep.findings.append(f"There are {new}{sev} bilateral pneumothoraces{suffix}.")
            rep.key_phrases += [f"There is {sev} right pneumothorax", f"There is {sev} left pneumothorax"]
            _impress(rep, rng, _cap(f"{sev} bilateral pneumothoraces{imp_chg}."), "Pneumothoraces.",
                     "There is pneumothorax")
            text = "bilateral pneumothoraces"
        else:
            apical = _pick(rng, ("", "apical "))
            rep.findings.append(_pick(rng, (
                f"There is a {new}{sev} {side} {apical}pneumothorax{suffix}.",
                f"A {new}{sev} {side} {apical}pneumothorax is seen, with a visible pleural line{suffix}.",
                f"{_cap(side)} {apical}pneumothorax, {sev} in size{suffix}.",
            )))
            rep.key_phrases.append(_pick(rng, (f"There is {sev} {side} pneumothorax",
                                              f"There is pneumothorax of {side} lung",
                                              f"There is {side} {apical}pneumothorax")))
            _impress(rep, rng, _cap(f"{sev} {side} pneumothorax{imp_chg}."), "Pneumothorax.", "There is pneumothorax")
            text = _pick(rng, (f"{sev} {side} pneumothorax", f"{side} {apical}pneumothorax", f"{side} pneumothorax"))
        rep.label("Pneumothorax", 1.0)
        return _clean(text), "Pneumothorax"

    if kind == "consolidation":
        lobe, term = f["lobe"], f["term"]
        adj = _CONS_SEV[sev]
        loc = f"{side} {lobe} lobe"
        rep.label("Lung Opacity", 1.0)
        if term == "opacity":
            rep.findings.append(_pick(rng, (
                f"There is a {new}{adj} opacity in the {loc}{suffix}, which may represent consolidation.",
                f"{_cap(_clean(new + adj + ' opacity'))} in the {loc}{suffix} could reflect consolidation.",
            )))
            rep.key_phrases += [f"There is opacity of {loc}", f"There may be consolidation of {loc}"]
            rep.impression.append(_cap(f"{loc} opacity{imp_chg}, possibly consolidation."))
            rep.label("Consolidation", -1.0)
            return _pick(rng, (f"{loc} opacity", f"opacity in the {loc}", f"{adj} {loc} opacity")), "Lung Opacity"
        if unc:
            rep.findings.append(f"Ill-defined opacity in the {loc} may represent consolidation.")
            rep.key_phrases.append(f"There may be consolidation of {loc}")
            rep.label("Consolidation", -1.0)
        else:
            rep.findings.append(_pick(rng, (
                f"There is {new}{adj} consolidation in the {loc}{suffix}.",
                f"{_cap(_clean(new + adj + ' ' + loc))} consolidation is present{suffix}.",
                f"{_cap(_clean(new + adj))} consolidation is seen in the {loc}{suffix}.",
            )))
            rep.key_phrases.append(_pick(rng, (f"There is consolidation of {loc}", f"There is {loc} consolidation")))
            rep.label("Consolidation", 1.0)
        if term == "pneumonia":
            certain = rng.random() < 0.5
            if certain:
                rep.findings.append("Findings are consistent with pneumonia.")
                rep.key_phrases.append(f"There is pneumonia of {loc}")
                _impress(rep, rng, _cap(f"{loc} pneumonia{imp_chg}."), "Pneumonia.", "There is pneumonia")
            else:
                rep.findings.append(_pick(rng, ("This may represent pneumonia.", "Findings are concerning for pneumonia.")))
                rep.key_phrases.append(f"There may be pneumonia of {loc}")
                rep.impression.append(_cap(f"{loc} consolidation{imp_chg}, possibly pneumonia."))
            rep.label("Pneumonia", 1.0 if certain else -1.0)
            return _pick(rng, (f"{loc} pneumonia", f"consolidation in the {loc} concerning for pneumonia",
                               f"{loc} consolidation")), "Pneumonia"
        _impress(rep, rng, _cap(f"{loc} consolidation{imp_chg}."), "Consolidation.", "There is consolidation", hedged=unc)
        return _pick(rng, (f"{loc} consolidation", f"consolidation in the {loc}", f"{adj} {loc} consolidation")), "Consolidation"

    if kind in ("nodule", "mass"):
        lobe = f["lobe"]
        loc = f"{side} {lobe} lung"
        unit = "mm" if kind == "nodule" else "cm"
        size = f"{f['size']:g} {unit}"
        if unc:
            rep.findings.append(f"A nodular opacity in the {loc} may represent a pulmonary {kind}.")
            rep.key_phrases.append(f"There may be {kind} of {loc}")
            rep.impression.append(_cap(f"possible {loc} {kind}; recommend chest CT."))
            rep.label("Lung Lesion", -1.0)
        else:
            rep.findings.append(_pick(rng, (
                f"There is a {new}{size} {kind} in the {loc}{suffix}.",
                f"A {new}{f['size']:g}-{unit} {loc} {kind} is noted{suffix}.",
                f"{_cap(_clean(new + 'well-circumscribed'))} {kind} projects over the {loc}, measuring {size}{suffix}.",
            )))
            rep.key_phrases.append(_pick(rng, (f"There is {kind} of {loc}", f"There is {size} {kind} in {loc}")))
            _impress(rep, rng, _cap(f"{size} {loc} {kind}{imp_chg}. Recommend chest CT for further evaluation."),
                     f"Pulmonary {kind}. Recommend chest CT for further evaluation.", f"There is pulmonary {kind}")
            rep.label("Lung Lesion", 1.0)
        return f"{loc} {kind}", ""

    if kind == "atelectasis":
        adj = _ATEL_SEV[sev]
        if unc:
            where = "bases" if side == "bilateral" else f"{side} base"
            rep.findings.append(f"Linear opacity at the {where} may reflect atelectasis.")
            rep.key_phrases.append("There may be bibasilar atelectasis" if side == "bilateral"
                                   else f"There may be atelectasis of {side} lung base")
            rep.impression.append(_cap(f"{where} opacity, possibly atelectasis."))
            rep.label("Atelectasis", -1.0)
            text = "bibasilar atelectasis" if side == "bilateral" else f"{side} basilar atelectasis"
            return text, "Atelectasis"
        if side == "bilateral":
            rep.findings.append(_pick(rng, (f"There is {new}{adj} bibasilar atelectasis{suffix}.",
                                            f"{_cap(_clean(new + adj))} bibasilar atelectasis is present{suffix}.")))
            rep.key_phrases.append(_pick(rng, ("There is bibasilar atelectasis", f"There is {adj} bibasilar atelectasis")))
            _impress(rep, rng, _cap(f"{adj} bibasilar atelectasis{imp_chg}."), "Atelectasis.", "There is atelectasis")
            text = _pick(rng, ("bibasilar atelectasis", f"{adj} bibasilar atelectasis"))
        else:
            rep.findings.append(_pick(rng, (
                f"There is {new}{adj} {side} basilar atelectasis{suffix}.",
                f"Plate-like atelectasis is seen at the {side} lung base{suffix}.",
                f"{_cap(_clean(new + adj))} {side} basilar atelectasis{suffix}.",
            )))
            rep.key_phrases.append(_pick(rng, (f"There is {side} basilar atelectasis",
                                              f"There is atelectasis of {side} lung base")))
            _impress(rep, rng, _cap(f"{side} basilar atelectasis{imp_chg}."), "Atelectasis.", "There is atelectasis")
            text = _pick(rng, (f"{side} basilar atelectasis", f"{adj} {side} basilar atelectasis",
                               f"plate-like atelectasis at the {side} lung base"))
        rep.label("Atelectasis", 1.0)
        return _clean(text), "Atelectasis"

    if kind == "edema":
        es = _EDEMA_SEV[sev]
        if unc:
            rep.findings.append("Perihilar haziness may represent mild pulmonary edema.")
            rep.key_phrases.append("There may be pulmonary edema")
            rep.impression.append("Possible mild pulmonary edema.")
            rep.label("Edema", -1.0)
        else:
            rep.findings.append(_pick(rng, (
                f"There is {new}{es} pulmonary edema{suffix}.",
                f"{_cap(_clean(new + es))} interstitial pulmonary edema is present{suffix}.",
                f"Perihilar haziness and vascular indistinctness are consistent with {es} pulmonary edema{suffix}.",
            )))
            rep.key_phrases.append(_pick(rng, (f"There is {es} pulmonary edema", "There is pulmonary edema",
                                              "There is perihilar pulmonary edema")))
            _impress(rep, rng, _cap(f"{es} pulmonary edema{imp_chg}."), "Pulmonary edema.", "There is pulmonary edema")
            rep.label("Edema", 1.0)
        if rng.random() < 0.5:
            rep.label("Lung Opacity", 1.0)
        return _pick(rng, (f"{es} pulmonary edema", "pulmonary edema", "perihilar edema")), "Edema"

    raise ValueError(f"unknown finding kind {kind!r}")


def _negatives(kinds: set[str], rng: np.random.Generator, rep: _Report, normal: bool) -> None:
    """Normal statements / negations for ABSENT kinds only."""
    lung_findings = kinds & {"consolidation", "nodule", "mass", "atelectasis", "edema"}
    if "consolidation" not in kinds and (normal or rng.random() < 0.7):
        if not lung_findings and rng.random() < 0.5:
            rep.findings.append("The lungs are clear without focal consolidation.")
        else:
            rep.findings.append(_pick(rng, ("No focal consolidation is seen.", "There is no focal consolidation.")))
        rep.key_phrases.append("There is no focal consolidation")
        rep.label("Consolidation", 0.0)
    if "effusion" not in kinds and (normal or rng.random() < 0.7):
        rep.findings.append(_pick(rng, ("No pleural effusion.", "There is no pleural effusion.", "No pleural effusion is seen.")))
        rep.key_phrases.append("There is no pleural effusion")
        rep.label("Pleural Effusion", 0.0)
    if "pneumothorax" not in kinds and (normal or rng.random() < 0.8):
        rep.findings.append(_pick(rng, ("No pneumothorax.", "There is no pneumothorax.", "No pneumothorax is seen.")))
        rep.key_phrases.append("There is no pneumothorax")
        rep.label("Pneumothorax", 0.0)
    if "edema" not in kinds and rng.random() < (0.5 if normal else 0.4):
        rep.findings.append(_pick(rng, ("There is no pulmonary edema.", "No pulmonary edema.",
                                        "There is no pulmonary vascular congestion or edema.")))
        rep.key_phrases.append("There is no pulmonary edema")
        rep.label("Edema", 0.0)
    if "cardiomegaly" not in kinds and (normal or rng.random() < 0.8):
        if rng.random() < 0.35:
            rep.findings.append("The cardiomediastinal silhouette is within normal limits.")
            rep.label("Enlarged Cardiomediastinum", 0.0)
        else:
            rep.findings.append(_pick(rng, ("The heart size is normal.", "Heart size is normal.",
                                            "The heart is normal in size.")))
            rep.label("Cardiomegaly", 0.0)
        rep.key_phrases.append(_pick(rng, ("There is no cardiomegaly", "There is normal heart size")))
    if not (kinds & {"nodule", "mass"}) and rng.random() < 0.1:
        rep.findings.append("No suspicious pulmonary nodules are identified.")
        rep.key_phrases.append("There is no pulmonary nodule")
        rep.label("Lung Lesion", 0.0)
    if rng.random() < 0.3:
        rep.findings.append(_pick(rng, ("No acute osseous abnormality.", "No displaced rib fracture is seen.")))
        if rep.findings[-1].startswith("No displaced"):
            rep.key_phrases.append("There is no rib fracture")
            rep.label("Fracture", 0.0)


def _wrap(text: str) -> str:
    return "\n".join(textwrap.wrap(text, width=78, initial_indent=" ", subsequent_indent=" ",
                                   break_on_hyphens=False))


def build_report(findings: list[dict], rng: np.random.Generator, *, examination: str, sex: str,
                 has_prior: bool) -> dict:
    """Report for one study. Returns {text, findings, impression, key_phrases, labels, phrases}.

    ``phrases``: one (label_text, ms_cxr_category) per finding, "" category when the kind has no
    MS-CXR category (nodule, mass).
    """
    rep = _Report()
    order = sorted(range(len(findings)), key=lambda i: ("consolidation", "nodule", "mass", "atelectasis", "edema",
                                                       "effusion", "pneumothorax", "cardiomegaly").index(findings[i]["kind"]))
    phrases: list[tuple[str, str]] = [("", "")] * len(findings)
    for i in order:
        text, cat = _positive(findings[i], rng, rep)
        phrases[i] = (_clean(text), cat)
    kinds = {f["kind"] for f in findings}
    normal = not findings
    _negatives(kinds, rng, rep, normal)
    if normal:
        rep.impression = [_pick(rng, ("No acute cardiopulmonary process.", "No acute cardiopulmonary abnormality.",
                                      "No acute intrathoracic process."))]
        rep.key_phrases.append("There is no acute cardiopulmonary process")
        rep.label("No Finding", 1.0)
        if has_prior and rng.random() < 0.3:
            rep.impression.append("No significant interval change.")
    findings_text = _clean("  ".join(rep.findings)).replace(". ", ".  ")
    impression_text = _clean(" ".join(rep.impression)).replace(". ", ".  ")
    has_findings_section = rng.random() > 0.05
    sexw = "man" if sex == "M" else "woman"
    indication = _pick(rng, _INDICATIONS).format(sex=sexw, sx=sex)
    comparison = _pick(rng, ("Chest radiograph ___.", "___.", "Prior chest radiograph from ___.")) if has_prior else \
        _pick(rng, ("None.", "None available."))
    lines = ["                                 FINAL REPORT",
             f" EXAMINATION:  {examination}", " ",
             f" INDICATION:  {indication}", " "]
    if rng.random() < 0.3:
        lines += [f" TECHNIQUE:  {_pick(rng, _TECHNIQUE)}", " "]
    lines += [f" COMPARISON:  {comparison}", " "]
    if has_findings_section:
        lines += [" FINDINGS: ", " ", _wrap(findings_text), " "]
    lines += [" IMPRESSION: ", " ", _wrap(impression_text), ""]
    labels = {k: rep.labels[k] for k in CHEXPERT_LABELS if k in rep.labels}
    return {
        "text": "\n".join(lines),
        "findings": _clean(findings_text) if has_findings_section else "",
        "impression": _clean(impression_text),
        "key_phrases": rep.key_phrases,
        "labels": labels,
        "phrases": phrases,
    }
