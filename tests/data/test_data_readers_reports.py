"""Report text: sections, the FINDINGS / IMPRESSION fallback and sentence splitting."""

from __future__ import annotations

from radzero.data.readers.reports import (
    parse_mimic_report,
    parse_report_sections,
    report_sentences,
    split_sentences,
)


def test_report_sections_title_line_ends_and_variants():
    text = ("WET READ: ___ 8:05 PM\r\n                FINAL REPORT\r\n FINDINGS AND IMPRESSION:  Heart size is\r\n"
            " normal.  Lungs clear.\r\n\r\n IMPRESSIONS: \r\n 1. No acute process.\r\n AT 8:05 a line that is no header.")
    sections = parse_report_sections(text)
    assert list(sections) == ["WET READ", "FINDINGS AND IMPRESSION", "IMPRESSIONS"]  # no "FINAL REPORT" preamble
    assert sections["FINDINGS AND IMPRESSION"] == "Heart size is normal. Lungs clear."
    assert sections["IMPRESSIONS"] == "1. No acute process. AT 8:05 a line that is no header."
    # FINDINGS / IMPRESSION collect their variants, for the reader and the extractor alike
    assert report_sentences(text) == ["Heart size is normal.", "Lungs clear.", "No acute process.",
                                      "AT 8:05 a line that is no header."]
    sec = parse_mimic_report(text)
    assert sec["findings"] == "Heart size is normal. Lungs clear." and sec["impression"].startswith("1. No acute")
    assert parse_report_sections("FINDINGS:\n No effusion\n Mild   cardiomegaly", keep_line_breaks=True) == {
        "FINDINGS": "No effusion\nMild cardiomegaly"}


def test_last_paragraph_fallback_title_and_header_inside_paragraph():
    text = " FINAL REPORT\n EXAMINATION:  CHEST\n\n INDICATION:  ___\n"
    assert parse_mimic_report(text)["section_source"] == "none"  # the title is no finding text
    text = "INDICATION: cough\n\nLungs clear. No effusion.\nNOTIFICATION: called Dr. ___ at 8:05 AM.\n"
    sec = parse_mimic_report(text)
    assert sec == {"findings": "Lungs clear. No effusion.", "impression": "", "section_source": "last_paragraph"}


def test_split_sentences_abbreviations_decimals_numbering_and_line_breaks():
    text = "Discussed with Dr. ___ at 8 am. Effusion vs. atelectasis.  1.5 cm nodule; 2) XXXX. No. normal.The end"
    assert split_sentences(text) == ["Discussed with Dr. ___ at 8 am.", "Effusion vs. atelectasis.",
                                     "1.5 cm nodule;", "normal.", "The end"]
    wrapped = "There is a small effusion,\n with atelectasis.\n\nLungs clear"
    assert split_sentences(wrapped) == ["There is a small effusion, with atelectasis.", "Lungs clear"]
    assert split_sentences("No effusion\nMild cardiomegaly", line_breaks_end_sentences=True) == [
        "No effusion", "Mild cardiomegaly"]
    assert split_sentences("No effusion\nMild cardiomegaly") == ["No effusion Mild cardiomegaly"]
