"""Reports, finding sentences and CheXpert labels agree with the rendered findings."""

from __future__ import annotations

import csv
import json
from collections import defaultdict

import numpy as np
import pytest

from radzero.data.phantom.finding import Finding
from radzero.data.phantom.report import build_report
from radzero.data.phantom.spec import (
    FINDING_KEYWORDS,
    LATERALIZED,
    sample_findings,
    true_labels,
)

KIND_LABEL = {
    "cardiomegaly": "Cardiomegaly",
    "effusion": "Pleural Effusion",
    "pneumothorax": "Pneumothorax",
    "consolidation": "Consolidation",
    "nodule": "Lung Lesion",
    "mass": "Lung Lesion",
    "atelectasis": "Atelectasis",
    "edema": "Edema",
}
NEGATION_KIND = {
    "There is no pneumothorax": {"pneumothorax"},
    "There is no pleural effusion": {"effusion"},
    "There is no focal consolidation": {"consolidation"},
    "There is no pulmonary edema": {"edema"},
    "There is no cardiomegaly": {"cardiomegaly"},
    "There is normal heart size": {"cardiomegaly"},
    "There is no pulmonary nodule": {"nodule", "mass"},
    "There is no rib fracture": set(),
    "There is no acute cardiopulmonary process": set(KIND_LABEL),
}


def _is_negative(s: str) -> bool:
    return s.startswith("There is no ") or s.startswith("There is normal ")


def check_consistency(findings: list[Finding], key_phrases: list[str], labels: dict[str, float]) -> None:
    kinds = {f.kind for f in findings}
    positives = [s for s in key_phrases if not _is_negative(s)]
    expected: dict[str, set] = {}
    for s in key_phrases:
        assert s.startswith(("There is ", "There may be ", "There are ")), s
        assert not any(w in s.lower() for w in (" new ", "unchanged", "increased", "prior")), s
    for f in findings:
        words = FINDING_KEYWORDS[f.kind]
        mine = [s for s in positives if any(w in s for w in words)]
        assert mine, (f, key_phrases)
        if f.kind in LATERALIZED:
            for side in f.sides:
                assert any(side in s or "bilateral" in s or "bibasilar" in s for s in mine), (f, key_phrases)
        if f.uncertain:
            assert any(s.startswith("There may be") for s in mine), (f, key_phrases)
        label = KIND_LABEL[f.kind]
        hedged = f.uncertain or (f.kind == "consolidation" and f.term == "opacity")
        expected.setdefault(label, set()).add(-1.0 if hedged else 1.0)
        if f.kind == "consolidation":
            assert labels.get("Lung Opacity") == 1.0
    for label, vals in expected.items():
        # the CheXpert labeler keeps the strongest mention: positive > uncertain > negative
        assert labels.get(label) == max(vals), (label, labels, findings)
    for s in key_phrases:
        if _is_negative(s):
            assert s in NEGATION_KIND, s
            assert not (NEGATION_KIND[s] & kinds), (s, findings)
    for kind, label in KIND_LABEL.items():
        if not ({k for k, lab in KIND_LABEL.items() if lab == label} & kinds):
            assert labels.get(label) in (None, 0.0), (label, labels, findings)
    assert (labels.get("No Finding") == 1.0) == (not findings)
    if not findings:
        assert "There is no acute cardiopulmonary process" in key_phrases


@pytest.mark.parametrize("profile", ["mimic", "mscxr"])
def test_reports_agree_with_findings_many(profile):
    for i in range(400):
        rng = np.random.default_rng([7, i])
        has_prior = bool(i % 2)
        findings = sample_findings(rng, profile, has_prior=has_prior)
        rep = build_report(findings, rng, examination="CHEST (PA AND LAT)", sex="F", has_prior=has_prior)
        check_consistency(findings, rep["key_phrases"], rep["labels"])
        assert rep["impression"]
        assert "IMPRESSION:" in rep["text"]
        for f, (text, cat) in zip(findings, rep["phrases"]):
            assert text and text == " ".join(text.split())
            if profile == "mscxr":
                assert cat
            if f.kind in LATERALIZED and cat:
                assert any(s in text for s in f.sides) or "bilateral" in text or "bibasilar" in text, (f, text)


def test_report_wording_variety():
    texts, phrases = [], []
    for i in range(300):
        rng = np.random.default_rng([8, i])
        f = sample_findings(rng, "mimic", has_prior=True)
        rep = build_report(f, rng, examination="CHEST (PA AND LAT)", sex="M", has_prior=True)
        texts.append(rep["text"])
        phrases += rep["key_phrases"]
    blob = "\n".join(texts)
    for word in ("No pneumothorax", "heart size is normal", "may represent", "unchanged", "new ", "increased",
                 "compared to", "prior", "No acute cardiopulmonary process"):
        assert word.lower() in blob.lower(), word
    for start in ("There is no ", "There may be ", "There is small left pleural effusion", "There is consolidation of "):
        assert any(p.startswith(start) for p in phrases), start
    assert len(set(texts)) == len(texts)


def test_dataset_reports_agree_with_truth(phantom_root):
    truth = json.loads((phantom_root / "truth/mimic.json").read_text())
    recs = {r["dicom_id"][:-4]: r for r in json.loads((phantom_root / "radzero/radzero_mimic.json").read_text())}
    with open(phantom_root / "mimic-cxr-jpg/2.0.0/mimic-cxr-2.0.0-chexpert.csv", newline="") as f:
        chex = {(r["subject_id"], r["study_id"]): r for r in csv.DictReader(f)}
    by_study = defaultdict(list)
    for t in truth:
        by_study[t["study_id"]].append(t)
        rec = recs[t["dicom_id"]]
        row = chex[(str(t["subject_id"]), str(t["study_id"]))]
        labels = {k: float(v) for k, v in row.items() if k not in ("subject_id", "study_id") and v != ""}
        findings = [Finding.from_dict(d) for d in t["findings"]]
        check_consistency(findings, rec["key_phrases"], labels)
        assert t["labels"] == true_labels(findings)
    # all images of a study share the report
    for imgs in by_study.values():
        assert len({json.dumps(recs[t["dicom_id"]]["key_phrases"]) for t in imgs}) == 1


def test_normal_share_and_cooccurrence():
    n_normal = n_multi = 0
    for i in range(1000):
        f = sample_findings(np.random.default_rng([9, i]), "mimic")
        n_normal += not f
        n_multi += len(f) >= 2
    assert 0.15 < n_normal / 1000 < 0.25
    assert n_multi > 200
