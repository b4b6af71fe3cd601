"""Extraction inputs: any folder of .txt reports, binary files skipped with a reason, progress lines."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from hydra import compose, initialize_config_dir

from radzero.extract.__main__ import run
from radzero.extract.reports import load_reports

from radzero import CONFIG_DIR

CONFIGS = str(CONFIG_DIR)
REPORT = "FINDINGS: There is mild cardiomegaly.\nIMPRESSION: Small left pleural effusion.\n"


def _cfg(*overrides: str):
    with initialize_config_dir(config_dir=CONFIGS, version_base="1.3"):
        return compose(config_name="extract", overrides=list(overrides))


def test_a_folder_of_plain_txt_reports_is_read(tmp_path):
    for name in ("report_1", "report_2", "nested/report_3"):
        (tmp_path / f"{name}.txt").parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / f"{name}.txt").write_text(REPORT)
    reports = load_reports(tmp_path)
    assert [r.ids for r in reports] == [{"report_id": "nested/report_3"}, {"report_id": "report_1"},
                                        {"report_id": "report_2"}]
    assert all(r.error is None and r.findings == "There is mild cardiomegaly." for r in reports)


def test_mimic_names_win_over_other_txt_files(tmp_path, caplog):
    (tmp_path / "p10" / "p10000001").mkdir(parents=True)
    (tmp_path / "p10" / "p10000001" / "s50000001.txt").write_text(REPORT)
    (tmp_path / "README.txt").write_text("notes of the download")
    caplog.set_level(logging.INFO)
    reports = load_reports(tmp_path)
    assert [r.ids for r in reports] == [{"subject_id": 10000001, "study_id": 50000001}]
    assert "1 other .txt file(s) ignored" in caplog.text


def test_binary_and_non_utf8_files_are_skipped_with_a_reason(tmp_path):
    (tmp_path / "good.txt").write_text(REPORT)
    (tmp_path / "scan.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "latin.txt").write_bytes(bytes(range(128, 256)) * 4)
    out = tmp_path / "out" / "kp.json"
    summary = run(_cfg(f"input.path={tmp_path}", f"output={out}", f"cache.path={tmp_path / 'c.sqlite'}",
                       "progress=false"))
    reasons = {Path(f["source"]).name: f["reason"] for f in summary["failures"]}
    assert "binary data" in reasons["scan.txt"] and "not UTF-8" in reasons["latin.txt"]
    assert [r["report_id"] for r in json.loads(out.read_text())] == ["good"]


def test_progress_lines_without_a_terminal(tmp_path, caplog):
    for i in range(5):
        (tmp_path / f"r{i}.txt").write_text(REPORT.replace("mild", f"grade {i}"))
    caplog.set_level(logging.INFO, logger="radzero.extract")
    run(_cfg(f"input.path={tmp_path}", f"output={tmp_path / 'out' / 'kp.json'}", "cache.path=null", "progress=true"))
    assert any("extract [rules]: 5/5 reports (100%)" in r.getMessage() and "reports/s" in r.getMessage()
               for r in caplog.records)
