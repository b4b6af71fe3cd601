from __future__ import annotations

import csv
import io
import json
import tarfile

from radzero.data.readers import reports as data_reports
from radzero.data.readers.reports import parse_mimic_report, split_sentences
from radzero.extract.reports import Report, expand_with_metadata, iter_openi_reports, load_reports
from radzero.extract.rules import extract_phrases
from radzero.extract.rules.backend import report_text_sections

from .conftest import MIMIC_REPORT


def test_mimic_sections():
    sec = parse_mimic_report(MIMIC_REPORT)
    assert sec["section_source"] == "sections"
    assert sec["findings"].startswith("There is a small left pleural effusion, slightly larger")
    assert sec["findings"].endswith("No pneumothorax.")
    assert "\n" not in sec["findings"] and "  " not in sec["findings"]
    assert sec["impression"] == "Small left pleural effusion, increased."


def test_mimic_last_paragraph_fallback_skips_non_clinical_sections():
    text = (" FINAL REPORT\n EXAMINATION:  CHEST\n\n INDICATION: ___ with fever\n\n"
            " Frontal view of the chest. Low lung volumes.\n\n NOTIFICATION: discussed with Dr. ___\n")
    sec = parse_mimic_report(text)
    assert sec["section_source"] == "last_paragraph"
    assert sec["findings"] == "Frontal view of the chest. Low lung volumes."


def test_mimic_tree_ids_and_empty_report(mimic_tree):
    reps = load_reports(mimic_tree)  # format auto -> mimic
    assert [r.ids for r in reps] == [{"subject_id": 10000001, "study_id": 50000001},
                                     {"subject_id": 10000002, "study_id": 50000002},
                                     {"subject_id": 11000003, "study_id": 50000003}]
    assert reps[0].error is None and reps[1].error is None
    assert reps[1].section_source == "last_paragraph"
    assert reps[2].error and "empty report" in reps[2].error and "s50000003.txt" in reps[2].error
    assert reps[0].text.startswith("FINDINGS: There is a small") and "\nIMPRESSION: Small" in reps[0].text


def test_table_inputs_csv_and_json(tmp_path):
    rows = [{"dicom_id": "a.jpg", "study_id": 1, "findings": "No effusion.", "impression": ""},
            {"dicom_id": "b.jpg", "study_id": 2, "findings": "", "impression": "  "},
            {"dicom_id": "c.jpg", "study_id": 3, "findings": None, "impression": "Cardiomegaly.",
             "key_phrases": ["old"]}]
    jpath = tmp_path / "in.json"
    jpath.write_text(json.dumps(rows))
    reps = load_reports(jpath)
    assert [r.ids for r in reps] == [{"dicom_id": "a.jpg", "study_id": 1}, {"dicom_id": "b.jpg", "study_id": 2},
                                     {"dicom_id": "c.jpg", "study_id": 3}]
    assert reps[1].error and "in.json row 1" in reps[1].error
    assert reps[2].impression == "Cardiomegaly." and reps[2].findings == ""

    cpath = tmp_path / "in.csv"
    with cpath.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["id", "Findings", "Impression"])
        w.writeheader()
        w.writerow({"id": "x", "Findings": "Small left effusion.", "Impression": "Effusion."})
    reps = load_reports(cpath, findings_col="Findings", impression_col="Impression", id_cols=["id"])
    assert reps[0].ids == {"id": "x"} and reps[0].findings == "Small left effusion."


def test_openi_tgz(tmp_path):
    xml = (b'<?xml version="1.0"?><eCitation><uId id="CXR7"/><MedlineCitation><Article><Abstract>'
           b'<AbstractText Label="FINDINGS">Heart size normal. XXXX opacity.</AbstractText>'
           b'<AbstractText Label="IMPRESSION">No acute disease.</AbstractText>'
           b'</Abstract></Article></MedlineCitation></eCitation>')
    tgz = tmp_path / "r.tgz"
    with tarfile.open(tgz, "w:gz") as tar:
        info = tarfile.TarInfo("ecgen-radiology/7.xml")
        info.size = len(xml)
        tar.addfile(info, io.BytesIO(xml))
    (rep,) = list(iter_openi_reports(tgz))
    assert rep.ids == {"report_id": "CXR7"} and rep.impression == "No acute disease."


def test_expand_with_metadata(tmp_path):
    meta = tmp_path / "meta.csv"
    meta.write_text("dicom_id,subject_id,study_id,ViewPosition\nd1,10,50,PA\nd2,10,50,LATERAL\nd3,11,51,AP\n")
    split = tmp_path / "split.csv"
    split.write_text("dicom_id,study_id,subject_id,split\nd1,50,10,train\nd2,50,10,train\nd3,51,11,test\n")
    recs = [{"subject_id": 10, "study_id": 50, "findings": "f", "impression": "", "key_phrases": ["There is x"]}]
    out = expand_with_metadata(recs, meta, split)
    assert [(r["dicom_id"], r["view_position"], r["split"]) for r in out] == [("d1.jpg", "PA", "train"),
                                                                         ("d2.jpg", "LATERAL", "train")]
    assert list(out[0]) == ["study_id", "subject_id", "dicom_id", "view_position", "split", "findings",
                            "impression", "key_phrases"]


def test_report_empty_detection():
    assert Report(ids={}, findings="___ .", impression="").is_empty
    assert not Report(ids={}, findings="", impression="No effusion.").is_empty


def test_extractor_and_mimic_reader_share_one_parser_and_splitter(mimic_tree):
    """The extractor's MIMIC sections are the data layer's, and the rules backend splits them with
    the same sentence splitter the MIMIC reader uses."""
    text = (mimic_tree / "p10" / "p10000001" / "s50000001.txt").read_text()
    rep = load_reports(mimic_tree)[0]
    sec = parse_mimic_report(text)
    assert (rep.findings, rep.impression) == (sec["findings"], sec["impression"])
    # the reader's sentences are the extractor's sections split by the shared splitter
    assert data_reports.report_sentences(text) == split_sentences(rep.findings) + split_sentences(rep.impression)
    # Report.text goes back into the same sections through the shared parser
    assert report_text_sections(rep.text) == (rep.findings, rep.impression)
    assert report_text_sections("No effusion.\nMild cardiomegaly.") == ("No effusion.\nMild cardiomegaly.", "")
    assert report_text_sections("FINDINGS:\nNo effusion\nMild cardiomegaly\nIMPRESSION: Stable.") == (
        "No effusion\nMild cardiomegaly", "Stable.")
    # one statement per line stays one sentence each for the rules backend
    assert extract_phrases("No effusion\nMild cardiomegaly") == ["There is no pleural effusion",
                                                                   "There is mild cardiomegaly"]
