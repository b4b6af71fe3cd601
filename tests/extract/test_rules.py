from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from radzero.data.readers.reports import parse_mimic_report, split_sentences
from radzero.extract.reports import iter_openi_reports
from radzero.extract.rules import RulesExtractor, analyze_sentence, extract_phrases

from .conftest import FIXTURES, MIMIC_REPORT, iu_reports_path


def phrases(text: str) -> list[str]:
    return extract_phrases(text)


def test_mimic_example_report():
    sec = parse_mimic_report(MIMIC_REPORT)
    out = extract_phrases(sec["findings"], sec["impression"])
    assert out == ["There is small left pleural effusion", "There is basilar atelectasis",
                   "There is no consolidation of right lung", "There is no cardiomegaly",
                   "There is no pneumothorax"]


@pytest.mark.parametrize("text,expected", [
    # negation scope over a list, with a terminator
    ("No pneumothorax, pleural effusion, or focal consolidation.",
     ["There is no pneumothorax", "There is no pleural effusion", "There is no focal consolidation"]),
    ("Small right pleural effusion without pneumothorax.",
     ["There is small right pleural effusion", "There is no pneumothorax"]),
    ("Cardiomegaly but no pulmonary edema.", ["There is cardiomegaly", "There is no pulmonary edema"]),
    # uncertainty
    ("Left lower lobe opacity, possibly pneumonia.",
     ["There is opacity of left lower lobe", "There may be pneumonia"]),
    ("A small pneumothorax cannot be excluded.", ["There may be small pneumothorax"]),
    ("Right basilar opacity concerning for aspiration.",
     ["There is right basilar opacity", "There may be aspiration"]),
    ("Bibasilar atelectasis or scarring.", ["There may be bibasilar atelectasis", "There may be scarring"]),
    # comparison wording is dropped, severity and location kept
    ("New moderate right pleural effusion, increased compared to prior.",
     ["There is moderate right pleural effusion"]),
    ("Unchanged mild cardiomegaly.", ["There is mild cardiomegaly"]),
    ("Again seen is a calcified granuloma in the left upper lobe.",
     ["There is calcified granuloma of left upper lobe"]),
    ("Previously seen right apical pneumothorax has resolved.", ["There is no right apical pneumothorax"]),
    ("Interval removal of the endotracheal tube.", ["There is no endotracheal tube"]),
    ("No change in large hiatal hernia.", ["There is large hiatal hernia"]),
    # normal statements -> sensible negatives
    ("The heart size is normal. The lungs are clear.", ["There is no cardiomegaly", "There is no consolidation"]),
    ("Heart size and pulmonary vascularity within normal limits.",
     ["There is no cardiomegaly", "There is no pulmonary vascular congestion"]),
    ("The heart is not enlarged.", ["There is no cardiomegaly"]),
    ("The heart is mildly enlarged.", ["There is mild cardiomegaly"]),
    ("Costophrenic angles are sharp.", ["There is no pleural effusion"]),
    ("The left hemidiaphragm is elevated.", ["There is left hemidiaphragm elevation"]),
    ("Lungs are hyperinflated.", ["There is hyperinflation"]),
    # devices, bones, de-identification
    ("Right internal jugular central venous catheter tip in the SVC.",
     ["There is right internal jugular central venous catheter"]),
    ("Healed left 6th rib fracture.", ["There is healed fracture of left 6th rib"]),
    ("Mild thoracic dextroscoliosis.", ["There is mild thoracic scoliosis"]),
    ("XXXX opacity in the ___ right lower lobe.", ["There is opacity of right lower lobe"]),
    # advice is not a finding
    ("Recommend CT to evaluate for pulmonary nodule.", []),
])
def test_templates(text, expected):
    assert phrases(text) == expected


def test_sentence_splitting():
    assert split_sentences("1. No effusion. 2. Heart size normal.The lungs are clear; no pneumothorax") == [
        "No effusion.", "Heart size normal.", "The lungs are clear;", "no pneumothorax"]
    assert split_sentences("A 1.5 cm nodule.") == ["A 1.5 cm nodule."]


def test_negation_accuracy_on_hand_labelled_sentences(capsys):
    """50 sentences quoted from the IU-CXR reports, labelled by hand (positive/negated/uncertain)
    for one target finding each, before the rules were run on them."""
    rows = [json.loads(line) for line in (FIXTURES / "negation_50.jsonl").read_text().splitlines() if line]
    assert len(rows) == 50
    wrong = []
    for r in rows:
        statuses = [m.status for m in analyze_sentence(r["sentence"]) if m.canonical == r["finding"]]
        pred = statuses[0] if statuses else "missing"
        if pred != r["label"]:
            wrong.append((r["id"], r["finding"], r["label"], pred, r["sentence"]))
    acc = 1 - len(wrong) / len(rows)
    with capsys.disabled():
        print(f"\n[rules] negation/uncertainty accuracy on {len(rows)} hand-labelled sentences: {acc:.3f}")
        for w in wrong:
            print("   wrong:", w)
    assert acc >= 0.90


def test_rules_extractor_batch_and_identity():
    ex = RulesExtractor()
    res = ex.extract_batch(["FINDINGS: No effusion.\nIMPRESSION: Mild cardiomegaly.", ""])
    assert res[0].key_phrases == ["There is no pleural effusion", "There is mild cardiomegaly"]
    assert res[1].ok and res[1].key_phrases == []
    ident = ex.identity()
    assert ident["backend"] == "rules" and ident["prompt_version"].startswith("rules-v1+")


def test_rules_cache_identity_is_the_same_in_every_process():
    """The cache key must not depend on str-hash salting (set order) or anything per-process."""
    code = "from radzero.extract.rules import RulesExtractor; print(RulesExtractor().prompt_version)"
    repo = str(Path(__file__).resolve().parents[2])
    seen = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=repo,
                           env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": repo}).stdout.strip()
            for seed in ("1", "2", "3")}
    assert seen == {RulesExtractor().prompt_version}


def _iu_stats(limit: int | None):
    path = iu_reports_path()
    if path is None:
        pytest.skip("torchxrayvision is not installed (or lacks data/NLMCXR_reports.tgz): "
                    "pip install torchxrayvision (dev extra) to run the IU-CXR report tests")
    reps = list(itertools.islice(iter_openi_reports(path), limit))
    t0 = time.perf_counter()
    outs = [extract_phrases(r.findings, r.impression) if not r.error else [] for r in reps]
    dt = time.perf_counter() - t0
    n = len(reps)
    share = sum(1 for o in outs if o) / n
    mean = sum(len(o) for o in outs) / n
    return n, share, mean, dt, sum(r.error is not None for r in reps)


def test_rules_on_iu_reports_sample(capsys):
    n, share, mean, dt, empty = _iu_stats(limit=400)
    with capsys.disabled():
        print(f"\n[rules] IU-CXR first {n} reports: share with >=1 sentence {share:.3f}, "
              f"mean sentences/report {mean:.2f}, {n / dt:.0f} reports/s")
    assert share > 0.95 and 3 <= mean <= 12


@pytest.mark.slow
def test_rules_on_full_iu_corpus(capsys):
    n, share, mean, dt, empty = _iu_stats(limit=None)
    with capsys.disabled():
        print(f"\n[rules] IU-CXR all {n} reports ({empty} with empty FINDINGS+IMPRESSION): "
              f"share with >=1 sentence {share:.4f}, mean sentences/report {mean:.2f}, "
              f"{n / dt:.0f} reports/s")
    assert n == 3955
    assert share > 0.98 and 4 <= mean <= 10
