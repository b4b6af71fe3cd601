"""PadChest: the physician-labelled set from the real labels CSV; unparsable Labels cells reported and dropped."""

from __future__ import annotations

import ast
import json

import pandas as pd
import pytest

from radzero.prepare.__main__ import run
from radzero.prepare.sources import SourceFormatError

from .conftest import prepare_cfg, sorted_ids_sha256, txv_file


def _literal(cell: str) -> list[str] | None:
    """An independent parse (ast.literal_eval: literals only, never code) -> list of labels or None."""
    try:
        value = ast.literal_eval(cell)
    except (ValueError, SyntaxError):
        return None
    return [str(v).strip().lower() for v in value if str(v).strip()] if isinstance(value, list) else None


@pytest.mark.slow
def test_physician_set_on_the_real_csv(built):
    out, manifest = built("padchest")
    entry = manifest["datasets"]["padchest"]
    source = pd.read_csv(txv_file("padchest"), usecols=["ImageID", "MethodLabel", "Labels"], dtype=str,
                         keep_default_na=False)
    physician = source[source["MethodLabel"] == "Physician"]
    parsed = physician["Labels"].map(_literal)
    expected = physician.assign(labels=parsed)[parsed.notna()]
    images = json.loads((out / "PadChest" / "manual_image.json").read_text())
    print(f"\nPadChest: {len(source)} rows, {len(physician)} Physician, {len(expected)} with parsable labels; "
          f"written {len(images)} images, {entry['classes']} classes, dropped {entry['dropped']}")
    assert len(images) == len(expected) == entry["splits"]["test"]["images"]
    assert entry["dropped"]["unparsable_labels"] == int(parsed.isna().sum())
    assert list(images) == expected["ImageID"].tolist()  # CSV order
    assert list(images.values()) == expected["labels"].tolist()
    paths = pd.read_csv(out / "PadChest" / "padchest_multi_label_image.csv")
    assert list(paths.columns) == ["Path"] and paths["Path"].tolist() == [f"PadChest/images/{i}" for i in images]
    prompts = json.loads((out / "PadChest" / "padchest_multi_label_text.json").read_text())
    classes = sorted({t for terms in expected["labels"] for t in terms} - {"normal"})
    assert list(prompts) == [str(k) for k in range(len(classes))]
    assert [p[0] for p in prompts.values()] == [f"There is {c}" for c in classes]
    assert "There is normal" not in [p[0] for p in prompts.values()] and classes == sorted(classes)
    assert entry["splits"]["test"]["ids_sha256"] == sorted_ids_sha256(images)


def test_unparsable_rows_are_dropped_and_counted(tmp_path):
    csv = tmp_path / "padchest.csv"
    rows = [("a.png", "Physician", "['normal']"), ("b.png", "Physician", "[' Cardiomegaly', 'pleural effusion']"),
            ("c.png", "Physician", "['pleural effusion'"), ("d.png", "RNN_model", "['pneumonia']"),
            ("e.png", "Physician", "__import__('os')")]
    pd.DataFrame(rows, columns=["ImageID", "MethodLabel", "Labels"]).to_csv(csv, index=False)
    manifest = run(prepare_cfg("dataset=padchest", f"source.padchest={csv}", f"out_dir={tmp_path / 'out'}"))
    entry = manifest["datasets"]["padchest"]
    assert json.loads((tmp_path / "out/PadChest/manual_image.json").read_text()) == {
        "a.png": ["normal"], "b.png": ["cardiomegaly", "pleural effusion"]}
    assert entry["dropped"]["unparsable_labels"] == 2 and entry["rows_method_label"] == 4
    prompts = json.loads((tmp_path / "out/PadChest/padchest_multi_label_text.json").read_text())
    assert prompts == {"0": ["There is cardiomegaly"], "1": ["There is pleural effusion"]}


def test_bad_padchest_inputs_name_file_and_column(tmp_path):
    out = f"out_dir={tmp_path / 'out'}"
    csv = tmp_path / "labels.csv"
    pd.DataFrame({"ImageID": ["a.png"], "Labels": ["['normal']"]}).to_csv(csv, index=False)
    with pytest.raises(SourceFormatError, match=r"labels\.csv: the PadChest labels CSV has no column 'MethodLabel'"):
        run(prepare_cfg("dataset=padchest", f"source.padchest={csv}", out))
    with pytest.raises(FileNotFoundError, match=r"source\.padchest=.*missing\.csv\.gz: file not found"):
        run(prepare_cfg("dataset=padchest", f"source.padchest={tmp_path / 'missing.csv.gz'}", out))
