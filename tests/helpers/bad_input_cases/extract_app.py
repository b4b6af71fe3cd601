"""Bad inputs of the extract app (through its composed Hydra config)."""

from __future__ import annotations

from helpers.bad_input import _extract, _write, case


@case("extract: input path missing")
def _(tmp):
    return _extract(tmp, tmp / "reports"), FileNotFoundError, [str(tmp / "reports")]


@case("extract: a folder with no reports")
def _(tmp):
    (tmp / "reports").mkdir()
    return _extract(tmp, tmp / "reports"), ValueError, ["no reports found in", str(tmp / "reports")]


@case("extract: CSV with an unbalanced quote")
def _(tmp):
    table = _write(tmp / "reports.csv", 'study,findings,impression\n1,"Clear lungs.,Normal.\n2,Effusion.,Small.\n'
                   '3,Edema.,Mild.\n')
    return _extract(tmp, table), ValueError, ["reports.csv", "line 2"]


@case("extract: CSV row with too many fields")
def _(tmp):
    table = _write(tmp / "reports.csv", "study,findings,impression\n1,Clear.,Normal.\n2,Effusion.,Small.,extra\n")
    return _extract(tmp, table), ValueError, ["reports.csv line 3", "4 fields, the header has 3"]


@case("extract: JSON that is not JSON")
def _(tmp):
    return _extract(tmp, _write(tmp / "reports.json", "[{")), ValueError, ["reports.json", "not valid JSON"]


@case("extract: JSONL with a broken line")
def _(tmp):
    lines = '{"findings": "Clear.", "impression": "Normal."}\n{"findings": \n'
    return _extract(tmp, _write(tmp / "reports.jsonl", lines)), ValueError, ["reports.jsonl line 2"]


@case("extract: table without report columns")
def _(tmp):
    table = _write(tmp / "reports.csv", "study,text\n1,Clear lungs.\n")
    return _extract(tmp, table), ValueError, ["reports.csv", "'findings'", "'impression'"]


@case("extract: input.limit=0")
def _(tmp):
    table = _write(tmp / "reports.csv", "study,findings,impression\n1,Clear.,Normal.\n")
    return _extract(tmp, table, "input.limit=0"), ValueError, ["input.limit=0"]


@case("extract: unknown input format")
def _(tmp):
    return (_extract(tmp, _write(tmp / "reports.docx", "x")), ValueError,
            ["reports.docx", "input.format"])
