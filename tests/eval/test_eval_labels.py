"""Label tables keyed by image id: uncertain / missing / absent policies on reader-shaped samples
(the labels below are what read_label_csv and read_padchest return: tests/data/test_data_readers_classification.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from radzero.data.samples import ClassificationSample
from radzero.eval.labels import label_table
from radzero.utils.checks import RadZeroInputError


def read_like(rows):
    return [ClassificationSample(Path(f"/x/{i}.png"), i, labels) for i, labels in rows]


def test_label_table_of_openi_labels_uncertain_positive_missing_excluded():
    samples = read_like([
        ("images/CXR1_1_IM-0001-3001.png", {"Atelectasis": 1.0, "Cardiomegaly": 0.0, "Effusion": None}),
        ("images/CXR2_IM-0652-1001.png", {"Atelectasis": 0.0, "Cardiomegaly": -1.0, "Effusion": 1.0}),
    ])
    table = label_table(samples, ["Atelectasis", "Cardiomegaly", "Effusion"], uncertain="positive", missing="exclude")
    np.testing.assert_array_equal(table["images/CXR2_IM-0652-1001.png"], [0.0, 1.0, 1.0])
    assert np.isnan(table["images/CXR1_1_IM-0001-3001.png"][2])


def test_label_table_of_padchest_positives_absent_negative():
    samples = read_like([("a.png", {"pleural effusion": 1.0, "cardiomegaly": 1.0}), ("b.png", {}),
                         ("d.png", {"copd signs": 1.0, "emphysema": 1.0})])
    classes = ["cardiomegaly", "copd signs", "emphysema", "pleural effusion"]
    table = label_table(samples, classes, absent="negative")
    np.testing.assert_array_equal(table["b.png"], [0, 0, 0, 0])
    np.testing.assert_array_equal(table["a.png"], [1, 0, 0, 1])


def test_label_table_names_image_with_missing_label():
    samples = read_like([("img1", {"Edema": 1.0}), ("img2", {"Edema": None})])
    with pytest.raises(RadZeroInputError, match=r"image 'img2'.*blank label for class 'Edema'"):
        label_table(samples, ["Edema"])
    with pytest.raises(RadZeroInputError, match=r"image 'img1'.*no label for class 'Atelectasis'"):
        label_table(samples, ["Atelectasis"])
    assert np.isnan(label_table(samples, ["Edema"], missing="exclude")["img2"][0])
