"""The authors' OpenI labelling rule on the REAL OpenI (IU X-ray) MeSH terms: the reports shipped in the
torchxrayvision wheel (``NLMCXR_reports.tgz``, 3,955 reports, 7,470 images) rebuilt into the authors'
``custom.csv`` layout (one row per image, ``labels_automatic`` = the report's automatic MeSH terms)."""

from __future__ import annotations

import importlib.util
import tarfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from radzero.data.readers.release_classification import read_release_openi

OPENI = ["Atelectasis", "Cardiomegaly", "Effusion", "Infiltration", "Mass", "Nodule", "Pneumonia", "Pneumothorax",
         "Edema", "Emphysema", "Fibrosis", "Pleural_Thickening", "Hernia", "Fracture", "Opacity", "Lesion",
         "Calcified Granuloma", "Granuloma"]
SYNONYMS = {"Pleural_Thickening": ["pleural thickening"], "Infiltration": ["infiltrate"], "Atelectasis": ["atelectases"]}


def _reports() -> Path:
    spec = importlib.util.find_spec("torchxrayvision")  # found, not imported (its import clashes with tests/ names)
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("torchxrayvision is not installed: the IU reports ship in its wheel")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "NLMCXR_reports.tgz"
    if not path.is_file():
        pytest.skip(f"{path} not in this torchxrayvision build")
    return path


@pytest.fixture(scope="module")
def openi_folder(tmp_path_factory) -> Path:
    rows = []
    with tarfile.open(_reports()) as tar:
        for member in tar.getmembers():
            if not member.name.endswith(".xml"):
                continue
            root = ET.fromstring(tar.extractfile(member).read())
            major = ";".join(e.text or "" for e in root.iter("major"))
            automatic = ";".join(e.text or "" for e in root.iter("automatic"))
            for image in root.iter("parentImage"):
                rows.append({"uid": member.name.split("/")[-1][:-4], "file_name": f"{image.get('id')}.png",
                             "labels_major": major, "labels_automatic": automatic})
    folder = tmp_path_factory.mktemp("openi_real")
    (folder / "OpenI").mkdir()
    frame = pd.DataFrame(rows)
    frame.to_csv(folder / "OpenI" / "custom.csv", index=False)
    pd.DataFrame({"Path": "OpenI/images/" + frame["file_name"]}).sample(frac=1.0, random_state=0).to_csv(
        folder / "OpenI" / "openi_multi_label_image.csv", index=False)  # another order than the label file
    return folder


@pytest.mark.parametrize("case_sensitive", [False, True])
def test_openi_rule_on_the_real_mesh_terms(openi_folder, case_sensitive):
    started = time.perf_counter()
    samples = read_release_openi(openi_folder / "OpenI/custom.csv", openi_folder / "OpenI/openi_multi_label_image.csv",
                                 openi_folder, case_sensitive=case_sensitive, check_images=False)
    seconds = time.perf_counter() - started
    frame = pd.read_csv(openi_folder / "OpenI/custom.csv", keep_default_na=False)
    text = frame["labels_automatic"].replace("", "-1")
    text = text if case_sensitive else text.str.lower()
    expected = {c: int(sum(text.map(lambda t, c=c: any(p in t for p in [c.lower(), *SYNONYMS.get(c, [])]))))
                for c in OPENI}
    got = {c: int(sum(s.labels[c] for s in samples)) for c in OPENI}
    print(f"\nOpenI (IU X-ray reports, case_sensitive={case_sensitive}): {len(samples)} images in {seconds:.2f} s; "
          f"positives {got}")
    assert len(samples) == 7470  # the published OpenI image count (3,955 reports)
    assert got == expected
    by_name = {s.image_id.split("/")[-1]: s for s in samples}
    for file_name, cell in zip(frame["file_name"], text):  # labels follow the image, not the row
        assert by_name[file_name].labels["Cardiomegaly"] == float("cardiomegaly" in cell)
