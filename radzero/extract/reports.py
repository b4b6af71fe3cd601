"""Report readers: MIMIC-CXR free-text reports, CSV / JSON tables, IU-CXR (OpenI) XML.

Every reader yields `Report` objects: the input's ids (carried through to the output record), the
FINDINGS and IMPRESSION text, and `error` when the report is unusable (empty, unreadable). A bad
report never stops a run: the runner records it as a failure with its reason. MIMIC-CXR reports
are split into sections by the data layer's parser (``radzero.data.readers.reports``).
"""

from __future__ import annotations

import csv
import json
import logging
import re
import tarfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from radzero.data.readers.reports import DEID_RE, parse_mimic_report

__all__ = [
    "Report",
    "iter_mimic_reports",
    "iter_table_reports",
    "iter_openi_reports",
    "load_reports",
    "expand_with_metadata",
]

log = logging.getLogger(__name__)


@dataclass
class Report:
    """One report to extract from. `ids` go unchanged into the output record."""

    ids: dict[str, Any]
    findings: str = ""
    impression: str = ""
    source: str = ""  # file (and row) the report came from, for error messages
    error: str | None = None
    section_source: str = "sections"  # "sections" | "last_paragraph" | "table" | "xml"
    extra: dict[str, Any] = field(default_factory=dict)  # other input columns, carried through

    @property
    def text(self) -> str:
        """The text the extractor sees (and the cache key hashes)."""
        parts = []
        if self.findings.strip():
            parts.append(f"FINDINGS: {self.findings.strip()}")
        if self.impression.strip():
            parts.append(f"IMPRESSION: {self.impression.strip()}")
        return "\n".join(parts)

    @property
    def is_empty(self) -> bool:
        return not DEID_RE.sub("", self.findings + self.impression).strip(" \t\r\n.,;:-")


def _clean(text: str) -> str:
    """Join wrapped lines and collapse whitespace (keeps `___` as is)."""
    return re.sub(r"\s+", " ", text).strip()


_MIMIC_NAME_RE = re.compile(r"^s(\d+)$")
_MIMIC_SUBJECT_RE = re.compile(r"^p(\d+)$")


def read_text_report(path: Path) -> tuple[str | None, str | None]:
    """(text, None) for a UTF-8 text file, or (None, reason) for an unreadable or binary one."""
    try:
        data = path.read_bytes()
    except OSError as e:
        return None, f"cannot read report {path}: {e}"
    if b"\x00" in data:
        return None, f"not a text report {path}: the file holds binary data (NUL bytes); skipped"
    text = data.decode("utf-8", errors="replace")
    if text.count("\ufffd") > max(2, len(text) // 100):
        return None, f"not a text report {path}: more than 1% of it is not UTF-8; skipped"
    return text, None


def _mimic_report(path: Path, root: Path | None = None) -> Report:
    """A report file: MIMIC-CXR's ``p<subject>/s<study>.txt`` (ids subject_id, study_id) or any other
    ``.txt`` (id ``report_id``: its path below ``root`` without the suffix)."""
    study = _MIMIC_NAME_RE.match(path.stem)
    subject = _MIMIC_SUBJECT_RE.match(path.parent.name)
    ids: dict[str, Any] = {}
    if study:
        if subject:
            ids["subject_id"] = int(subject.group(1))
        ids["study_id"] = int(study.group(1))
    else:
        relative = path.relative_to(root) if root is not None and path.is_relative_to(root) else Path(path.name)
        ids["report_id"] = relative.with_suffix("").as_posix()
    raw, reason = read_text_report(path)
    if raw is None:
        return Report(ids=ids, source=str(path), error=reason)
    sec = parse_mimic_report(raw)
    rep = Report(ids=ids, findings=sec["findings"], impression=sec["impression"], source=str(path),
                 section_source=sec["section_source"])
    if rep.is_empty:
        rep.error = f"empty report {path}: no FINDINGS/IMPRESSION text and no usable last paragraph"
    return rep


def iter_mimic_reports(root: str | Path) -> Iterator[Report]:
    """Walk `root` in sorted order: a MIMIC-CXR tree (the `files/` folder, its parent or any sub-folder;
    its `s<study>.txt` reports), else a folder of `.txt` reports (one report per file)."""
    root = Path(root)
    if root.is_file():
        yield _mimic_report(root)
        return
    if not root.exists():
        raise FileNotFoundError(f"report folder not found: {root}")
    files = sorted(p for p in root.rglob("*.txt") if p.is_file())
    studies = [p for p in files if _MIMIC_NAME_RE.match(p.stem)]
    if studies and len(studies) < len(files):
        log.info("%s: reading the %d MIMIC-CXR reports s<study>.txt; %d other .txt file(s) ignored",
                 root, len(studies), len(files) - len(studies))
    for path in studies or files:
        yield _mimic_report(path, root)


def _table_rows(path: Path) -> list[dict[str, Any]]:
    if path.suffix.lower() in (".json",):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ValueError(f"{path} is not valid JSON ({e})") from None
        if isinstance(data, dict):  # {"records": [...]} or {id: record}
            data = data.get("records", list(data.values()))
        if not isinstance(data, list):
            raise ValueError(f"{path}: expected a JSON list of records")
        return data
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        rows = []
        with path.open(encoding="utf-8") as f:
            for number, line in enumerate(f, start=1):
                if line.strip():
                    try:
                        rows.append(json.loads(line))
                    except json.JSONDecodeError as e:
                        raise ValueError(f"{path} line {number} is not valid JSON ({e})") from None
        return rows
    return _csv_rows(path)


def _csv_rows(path: Path) -> list[dict[str, Any]]:
    """CSV rows as dicts; a row with the wrong number of fields, or one that swallowed the lines after
    it (an unbalanced quote), is an error naming its line and how many rows would be lost."""
    rows: list[dict[str, Any]] = []
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f, strict=True)
        try:
            header = next(reader, None)
            if header is None:
                return []
            start = reader.line_num + 1
            for values in reader:
                if len(values) != len(header):
                    raise ValueError(f"{path} line {start}: {len(values)} fields, the header has {len(header)}")
                swallowed = [line for value in values for line in value.split("\n")[1:]
                             if line.count(",") >= len(header) - 1]
                if swallowed:
                    raise ValueError(
                        f"{path} line {start}: a quoted field runs over {len(swallowed)} line(s) that look like "
                        f"rows of their own (an unbalanced quote?); {len(swallowed)} row(s) would be lost. "
                        "Fix the quoting of that row."
                    )
                rows.append(dict(zip(header, values)))
                start = reader.line_num + 1
        except csv.Error as e:
            raise ValueError(
                f"{path} line {start}: {e} (an unbalanced quote swallows every row after it; "
                f"{len(rows)} row(s) were read before it)"
            ) from None
    return rows


def _as_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v != v:  # NaN from pandas-written CSVs
        return ""
    return _clean(str(v))


def iter_table_reports(path: str | Path, findings_col: str = "findings",
                       impression_col: str = "impression", id_cols: Iterable[str] | None = None,
                       drop_cols: Iterable[str] = ("key_phrases",)) -> Iterator[Report]:
    """CSV / JSON / JSONL rows with findings and impression columns.

    `id_cols=None` carries every other column through to the output (the authors' JSON keeps its
    dicom_id, study_id, subject_id, view_position, split); `key_phrases` is dropped (re-extracted).
    """
    path = Path(path)
    rows = _table_rows(path)
    if rows and findings_col not in rows[0] and impression_col not in rows[0]:
        raise ValueError(f"{path}: neither column {findings_col!r} nor {impression_col!r} found "
                         f"(columns: {sorted(rows[0])})")
    drop = set(drop_cols) | {findings_col, impression_col}
    for i, row in enumerate(rows):
        if id_cols is None:
            ids = {k: v for k, v in row.items() if k not in drop}
        else:
            ids = {k: row.get(k) for k in id_cols}
        rep = Report(ids=ids, findings=_as_text(row.get(findings_col)),
                     impression=_as_text(row.get(impression_col)), source=f"{path}:row {i}",
                     section_source="table")
        if rep.is_empty:
            rep.error = f"empty report {path} row {i}: columns {findings_col!r} and {impression_col!r} are empty"
        yield rep


def _openi_report(name: str, data: bytes) -> Report:
    root = ET.fromstring(data)
    sec = {a.get("Label", "").upper(): _clean(a.text or "") for a in root.iter("AbstractText")}
    uid = root.find("uId")
    rid = uid.get("id") if uid is not None else Path(name).stem
    rep = Report(ids={"report_id": rid}, findings=sec.get("FINDINGS", ""),
                 impression=sec.get("IMPRESSION", ""), source=name, section_source="xml")
    if rep.is_empty:
        rep.error = f"empty report {name}: FINDINGS and IMPRESSION are empty"
    return rep


def iter_openi_reports(path: str | Path) -> Iterator[Report]:
    """IU-CXR / OpenI reports: a folder of `ecgen-radiology/*.xml` or the `.tgz` that holds it."""
    path = Path(path)
    if path.is_dir():
        for p in sorted(path.rglob("*.xml")):
            yield _openi_report(str(p), p.read_bytes())
        return
    with tarfile.open(path, "r:*") as tar:
        members = sorted((m for m in tar.getmembers() if m.isfile() and m.name.endswith(".xml")),
                         key=lambda m: m.name)
        for m in members:
            f = tar.extractfile(m)
            if f is not None:
                yield _openi_report(f"{path}:{m.name}", f.read())


def load_reports(path: str | Path, fmt: str = "auto", findings_col: str = "findings",
                 impression_col: str = "impression", id_cols: Iterable[str] | None = None,
                 limit: int | None = None) -> list[Report]:
    """Read reports from `path` in format `fmt` (auto | mimic | table | openi)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"input.path {path} does not exist: give a report folder or table")
    if fmt == "auto":
        if path.is_dir():
            fmt = "openi" if next(path.rglob("*.xml"), None) is not None else "mimic"
        elif path.suffix.lower() in (".csv", ".json", ".jsonl", ".ndjson"):
            fmt = "table"
        elif path.suffix.lower() in (".txt",):
            fmt = "mimic"
        elif path.name.endswith((".tgz", ".tar.gz", ".tar")):
            fmt = "openi"
        else:
            raise ValueError(f"cannot guess the input format of {path}; set input.format")
    if fmt == "mimic":
        it: Iterable[Report] = iter_mimic_reports(path)
    elif fmt == "table":
        it = iter_table_reports(path, findings_col, impression_col, id_cols)
    elif fmt == "openi":
        it = iter_openi_reports(path)
    else:
        raise ValueError(f"unknown input format {fmt!r} (auto | mimic | table | openi)")
    out = []
    for rep in it:
        out.append(rep)
        if limit is not None and len(out) >= limit:
            break
    if not out:
        raise ValueError(
            f"no reports found in {path} (format {fmt}). Expected a MIMIC-CXR tree of s<study>.txt files, a "
            "folder of .txt reports, a .csv / .json / .jsonl table with findings / impression columns, or "
            "IU-CXR (OpenI) .xml files / .tgz"
        )
    return out


def expand_with_metadata(records: list[dict[str, Any]], metadata_csv: str | Path,
                         split_csv: str | Path | None = None) -> list[dict[str, Any]]:
    """One record per image, as in the authors' JSON: join study-level records to
    `mimic-cxr-2.0.0-metadata.csv` (dicom_id, view_position) and `-split.csv` (split) by study_id."""
    by_study: dict[int, list[dict[str, str]]] = {}
    with open(metadata_csv, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            by_study.setdefault(int(row["study_id"]), []).append(row)
    split: dict[str, str] = {}
    if split_csv:
        with open(split_csv, newline="", encoding="utf-8") as f:
            split = {row["dicom_id"]: row["split"] for row in csv.DictReader(f)}
    out = []
    for rec in records:
        images = by_study.get(int(rec.get("study_id", -1)), [])
        for row in images:
            new = {"study_id": rec["study_id"], "subject_id": rec.get("subject_id", int(row["subject_id"])),
                   "dicom_id": f"{row['dicom_id']}.jpg", "view_position": row.get("ViewPosition", "")}
            if split_csv:
                new["split"] = split.get(row["dicom_id"], "")
            new.update({k: v for k, v in rec.items() if k not in new})
            out.append(new)
    return out
