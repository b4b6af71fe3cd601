"""Free-text MIMIC-style reports, RadZero finding sentences and CheXpert-labeler output.

``build_report(findings, rng, ...)`` returns the report text in the MIMIC-CXR layout, the
FINDINGS / IMPRESSION section texts, ``key_phrases`` ("There is small left pleural effusion",
"There is no pneumothorax", ...), the CheXpert labels a labeler would read from it (1.0 positive,
-1.0 uncertain, 0.0 negated, missing = not mentioned), and one MS-CXR style phrase per finding.
"""

from __future__ import annotations

import textwrap

import numpy as np

from radzero.data.readers.chexpert import CHEXPERT_LABELS

from .finding import Finding
from .finding_text import ReportDraft, clean, describe_finding, pick

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
# FINDINGS sentences follow this order of kinds (lung parenchyma first, heart last)
_SENTENCE_ORDER = ("consolidation", "nodule", "mass", "atelectasis", "edema", "effusion", "pneumothorax", "cardiomegaly")
_TECHNIQUE = ("PA and lateral views of the chest.", "Portable AP chest radiograph.", "Chest PA and lateral.")


def _negatives(kinds: set[str], rng: np.random.Generator, rep: ReportDraft, normal: bool) -> None:
    """Normal statements / negations for ABSENT kinds only."""
    lung_findings = kinds & {"consolidation", "nodule", "mass", "atelectasis", "edema"}
    if "consolidation" not in kinds and (normal or rng.random() < 0.7):
        if not lung_findings and rng.random() < 0.5:
            rep.findings.append("The lungs are clear without focal consolidation.")
        else:
            rep.findings.append(pick(rng, ("No focal consolidation is seen.", "There is no focal consolidation.")))
        rep.key_phrases.append("There is no focal consolidation")
        rep.label("Consolidation", 0.0)
    if "effusion" not in kinds and (normal or rng.random() < 0.7):
        rep.findings.append(pick(rng, ("No pleural effusion.", "There is no pleural effusion.", "No pleural effusion is seen.")))
        rep.key_phrases.append("There is no pleural effusion")
        rep.label("Pleural Effusion", 0.0)
    if "pneumothorax" not in kinds and (normal or rng.random() < 0.8):
        rep.findings.append(pick(rng, ("No pneumothorax.", "There is no pneumothorax.", "No pneumothorax is seen.")))
        rep.key_phrases.append("There is no pneumothorax")
        rep.label("Pneumothorax", 0.0)
    if "edema" not in kinds and rng.random() < (0.5 if normal else 0.4):
        rep.findings.append(pick(rng, ("There is no pulmonary edema.", "No pulmonary edema.",
                                       "There is no pulmonary vascular congestion or edema.")))
        rep.key_phrases.append("There is no pulmonary edema")
        rep.label("Edema", 0.0)
    if "cardiomegaly" not in kinds and (normal or rng.random() < 0.8):
        if rng.random() < 0.35:
            rep.findings.append("The cardiomediastinal silhouette is within normal limits.")
            rep.label("Enlarged Cardiomediastinum", 0.0)
        else:
            rep.findings.append(pick(rng, ("The heart size is normal.", "Heart size is normal.",
                                           "The heart is normal in size.")))
            rep.label("Cardiomegaly", 0.0)
        rep.key_phrases.append(pick(rng, ("There is no cardiomegaly", "There is normal heart size")))
    if not (kinds & {"nodule", "mass"}) and rng.random() < 0.1:
        rep.findings.append("No suspicious pulmonary nodules are identified.")
        rep.key_phrases.append("There is no pulmonary nodule")
        rep.label("Lung Lesion", 0.0)
    if rng.random() < 0.3:
        rep.findings.append(pick(rng, ("No acute osseous abnormality.", "No displaced rib fracture is seen.")))
        if rep.findings[-1].startswith("No displaced"):
            rep.key_phrases.append("There is no rib fracture")
            rep.label("Fracture", 0.0)


def _wrap(text: str) -> str:
    return "\n".join(textwrap.wrap(text, width=78, initial_indent=" ", subsequent_indent=" ",
                                   break_on_hyphens=False))


def build_report(findings: list[Finding], rng: np.random.Generator, *, examination: str, sex: str,
                 has_prior: bool) -> dict:
    """Report for one study. Returns {text, findings, impression, key_phrases, labels, phrases}.

    ``phrases``: one (label_text, ms_cxr_category) per finding, "" category when the kind has no
    MS-CXR category (nodule, mass).
    """
    rep = ReportDraft()
    order = sorted(range(len(findings)), key=lambda i: _SENTENCE_ORDER.index(findings[i].kind))
    phrases: list[tuple[str, str]] = [("", "")] * len(findings)
    for i in order:
        text, cat = describe_finding(findings[i], rng, rep)
        phrases[i] = (clean(text), cat)
    kinds = {f.kind for f in findings}
    normal = not findings
    _negatives(kinds, rng, rep, normal)
    if normal:
        rep.impression = [pick(rng, ("No acute cardiopulmonary process.", "No acute cardiopulmonary abnormality.",
                                     "No acute intrathoracic process."))]
        rep.key_phrases.append("There is no acute cardiopulmonary process")
        rep.label("No Finding", 1.0)
        if has_prior and rng.random() < 0.3:
            rep.impression.append("No significant interval change.")
    findings_text = clean("  ".join(rep.findings)).replace(". ", ".  ")
    impression_text = clean(" ".join(rep.impression)).replace(". ", ".  ")
    has_findings_section = rng.random() > 0.05
    sexw = "man" if sex == "M" else "woman"
    indication = pick(rng, _INDICATIONS).format(sex=sexw, sx=sex)
    comparison = pick(rng, ("Chest radiograph ___.", "___.", "Prior chest radiograph from ___.")) if has_prior else \
        pick(rng, ("None.", "None available."))
    lines = ["                                 FINAL REPORT",
             f" EXAMINATION:  {examination}", " ",
             f" INDICATION:  {indication}", " "]
    if rng.random() < 0.3:
        lines += [f" TECHNIQUE:  {pick(rng, _TECHNIQUE)}", " "]
    lines += [f" COMPARISON:  {comparison}", " "]
    if has_findings_section:
        lines += [" FINDINGS: ", " ", _wrap(findings_text), " "]
    lines += [" IMPRESSION: ", " ", _wrap(impression_text), ""]
    labels = {k: rep.labels[k] for k in CHEXPERT_LABELS if k in rep.labels}
    return {
        "text": "\n".join(lines),
        "findings": clean(findings_text) if has_findings_section else "",
        "impression": clean(impression_text),
        "key_phrases": rep.key_phrases,
        "labels": labels,
        "phrases": phrases,
    }
