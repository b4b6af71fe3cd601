"""CheXpert 5x200: MGCA's recipe on the real train.csv (1000 images, 200 per class, one positive each)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from radzero.prepare.__main__ import run
from radzero.prepare.sources import SourceFormatError

from .conftest import prepare_cfg, sorted_ids_sha256, txv_file

CLASSES = ["Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Pleural Effusion"]
OTHERS = ["Enlarged Cardiomediastinum", "Lung Lesion", "Lung Opacity", "Pneumonia", "Pneumothorax", "Pleural Other",
          "Fracture", "Support Devices"]


@pytest.mark.slow
def test_5x200_on_the_real_train_csv(built):
    out, manifest = built("chexpert_5x200")
    entry = manifest["datasets"]["chexpert_5x200"]
    table = pd.read_csv(out / "Chexpert" / "chexpert_5x200.csv")
    assert len(table) == 1000 and table["Path"].is_unique
    assert (table[CLASSES].eq(1.0).sum(axis=1) == 1).all()  # exactly one of the 5 positive
    assert table[CLASSES].eq(1.0).sum().tolist() == [200] * 5
    assert table[CLASSES].idxmax(axis=1).tolist() == [c for c in CLASSES for _ in range(200)]  # class blocks
    assert table[OTHERS].eq(0.0).all().all() and (table["Frontal/Lateral"] == "Frontal").all()
    # MGCA's selection, rewritten here as a plain query per class on the source file
    source = pd.read_csv(txv_file("chexpert_5x200")).fillna(0)
    source = source[source["Frontal/Lateral"] == "Frontal"]
    expected = []
    for name in CLASSES:
        hit = (source[name] == 1) & (source[[c for c in CLASSES if c != name] + OTHERS] == 0).all(axis=1)
        expected += source[hit].sample(n=200, random_state=0)["Path"].tolist()
    assert table["Path"].tolist() == expected
    # radzero's reader takes the file as it is
    from radzero.data.readers import read_chexpert_5x200

    samples = read_chexpert_5x200(out / "Chexpert" / "chexpert_5x200.csv", out, check_images=False)
    assert len(samples) == 1000
    images = pd.read_csv(out / "Chexpert" / "chexpert5x200_image.csv")
    assert list(images.columns) == ["Path"] and images["Path"].tolist() == ["Chexpert/" + p for p in expected]
    prompts = json.loads((out / "Chexpert" / "chexpert5x200_text.json").read_text())
    assert prompts == {str(i): [f"There is {c.lower()}"] for i, c in enumerate(CLASSES)}
    assert entry["splits"]["test"] == {"images": 1000, "ids_sha256": sorted_ids_sha256(table["Path"])}
    assert entry["per_class"] == dict.fromkeys(CLASSES, 200)
    print(f"\nCheXpert 5x200: {len(table)} images from {entry['source']['rows']} rows, per class {entry['per_class']}")


def test_path_root_rewrites_the_first_component(built, tmp_path):
    from .conftest import build

    manifest = build(tmp_path, "chexpert_5x200", "chexpert_5x200.path_root=CheXpert-v1.0")
    paths = pd.read_csv(tmp_path / "Chexpert" / "chexpert_5x200.csv")["Path"]
    original = pd.read_csv(built("chexpert_5x200")[0] / "Chexpert" / "chexpert_5x200.csv")["Path"]
    assert paths.str.startswith("CheXpert-v1.0/train/").all()
    assert paths.tolist() == original.str.replace("CheXpert-v1.0-small/", "CheXpert-v1.0/", n=1).tolist()
    assert manifest["datasets"]["chexpert_5x200"]["recipe"]["path_root"] == "CheXpert-v1.0"


def test_bad_chexpert_inputs_name_file_and_column(tmp_path):
    out = f"out_dir={tmp_path / 'out'}"
    header = ["Path", "Sex", "Age", "Frontal/Lateral", "AP/PA", "No Finding", *CLASSES, *OTHERS]
    row = ["CheXpert-v1.0/train/patient1/study1/view1_frontal.jpg", "Male", "50", "Frontal", "AP", "",
           "1.0", *[""] * 12]
    no_view = tmp_path / "no_view.csv"
    no_view.write_text(",".join(h for h in header if h != "Frontal/Lateral") + "\n")
    with pytest.raises(SourceFormatError,
                       match=r"no_view\.csv: the CheXpert train\.csv has no column 'Frontal/Lateral'"):
        run(prepare_cfg("dataset=chexpert_5x200", f"source.chexpert_5x200={no_view}", out))
    word = tmp_path / "word.csv"
    word.write_text(",".join(header) + "\n" + ",".join(row) + "\n" + ",".join(row[:6] + ["yes"] + row[7:]) + "\n")
    with pytest.raises(SourceFormatError, match=r"word\.csv: column 'Atelectasis' .* 'yes' on line 3"):
        run(prepare_cfg("dataset=chexpert_5x200", f"source.chexpert_5x200={word}", out))
    few = tmp_path / "few.csv"
    few.write_text(",".join(header) + "\n" + ",".join(row) + "\n")
    with pytest.raises(SourceFormatError, match=r"only 1 frontal images with 'Atelectasis'.*200 needed"):
        run(prepare_cfg("dataset=chexpert_5x200", f"source.chexpert_5x200={few}", out))
