"""radzero.data.fractions: seeded, nested, label-stratified 1% / 10% / 100% subsets (GLoRIA / MGCA protocol).

Every expectation is computed here from the labels (strata, sizes, hashes), never by calling the module."""

from __future__ import annotations

import hashlib
from collections import defaultdict

import numpy as np
import pytest

from radzero.data.fractions import FractionSubset, nested_fraction_subsets, subset_summary, write_subset_ids

N = 2000
CLASSES = ["effusion", "opacity", "nodule", "pneumothorax", "hernia"]
FRACTIONS = [0.01, 0.1, 1.0]
EXPECTED_SIZE = {0.01: 20, 0.1: 200, 1.0: 2000}  # round(fraction * 2000)


@pytest.fixture(scope="module")
def dataset() -> tuple[list[str], np.ndarray]:
    """2,000 images, 5 classes of skewed prevalence (30%, 10%, 3%, 1%, exactly 3 positives), some NaN."""
    rng = np.random.default_rng(123)
    labels = (rng.random((N, 5)) < np.array([0.3, 0.1, 0.03, 0.01, 0.0])).astype(float)
    labels[rng.choice(N, size=3, replace=False), 4] = 1.0
    unknown = rng.random((N, 4)) < 0.05
    labels[:, :4][unknown & (labels[:, :4] == 0)] = np.nan  # unknown = negative for stratification
    ids = [f"img{i:05d}" for i in rng.permutation(N)]
    return ids, labels


@pytest.fixture(scope="module")
def subsets(dataset) -> dict[float, FractionSubset]:
    ids, labels = dataset
    return nested_fraction_subsets(ids, labels, CLASSES, FRACTIONS, seed=0)


def _strata(labels: np.ndarray) -> list[tuple[int, ...]]:
    """The label combination of each row, NaN counted as 0."""
    return [tuple(int(v == 1) for v in row) for row in labels]


def test_same_seed_same_ids_other_seed_other_ids(dataset, subsets):
    ids, labels = dataset
    again = nested_fraction_subsets(ids, labels, CLASSES, FRACTIONS, seed=0)
    other = nested_fraction_subsets(ids, labels, CLASSES, FRACTIONS, seed=1)
    for f in FRACTIONS:
        assert again[f].ids == subsets[f].ids and again[f].sha256 == subsets[f].sha256
    for f in (0.01, 0.1):
        assert set(other[f].ids) != set(subsets[f].ids)
    assert set(other[1.0].ids) == set(ids)


def test_independent_of_the_input_row_order(dataset, subsets):
    ids, labels = dataset
    perm = np.random.default_rng(7).permutation(N)
    shuffled_ids = [ids[i] for i in perm]
    shuffled = nested_fraction_subsets(shuffled_ids, labels[perm], CLASSES, FRACTIONS, seed=0)
    for f in FRACTIONS:
        assert set(shuffled[f].ids) == set(subsets[f].ids)
        assert shuffled[f].sha256 == subsets[f].sha256
        position = {i: k for k, i in enumerate(shuffled_ids)}  # ids come back in the input order
        assert [position[i] for i in shuffled[f].ids] == sorted(position[i] for i in shuffled[f].ids)


def test_nested_and_full_fraction_is_everything(dataset, subsets):
    ids, _ = dataset
    small, medium, full = (set(subsets[f].ids) for f in FRACTIONS)
    assert small < medium < full
    assert full == set(ids) and subsets[1.0].ids == tuple(ids)


def test_sizes_are_exact(subsets):
    for f in FRACTIONS:
        subset = subsets[f]
        assert len(set(subset.ids)) == len(subset.ids)
        assert set(subset.coverage_added) <= set(subset.ids)
        assert len(subset.ids) - len(subset.coverage_added) == EXPECTED_SIZE[f]
    assert subsets[1.0].coverage_added == ()


def test_each_stratum_within_one_of_its_quota(dataset, subsets):
    ids, labels = dataset
    members: dict[tuple[int, ...], list[str]] = defaultdict(list)
    for i, key in zip(ids, _strata(labels)):
        members[key].append(i)
    for f in FRACTIONS:
        stratified = set(subsets[f].ids) - set(subsets[f].coverage_added)
        for key, rows in members.items():
            taken = sum(i in stratified for i in rows)
            assert abs(taken - f * len(rows)) < 1, (f, key, taken, len(rows))


def test_every_class_with_positives_is_present_and_counted(dataset, subsets):
    ids, labels = dataset
    row = {i: k for k, i in enumerate(ids)}
    assert np.nansum(labels[:, 4]) == 3  # the rare class
    assert len(subsets[0.01].coverage_added) >= 1  # 1% of 2,000 would otherwise miss it
    for f in FRACTIONS:
        chosen = labels[[row[i] for i in subsets[f].ids]]
        expected = {name: int(np.sum(chosen[:, c] == 1)) for c, name in enumerate(CLASSES)}
        assert subsets[f].per_class_positive == expected
        assert all(count >= 1 for count in expected.values()), (f, expected)


def test_min_positive_two_keeps_nesting(dataset):
    ids, labels = dataset
    out = nested_fraction_subsets(ids, labels, CLASSES, [0.01, 0.05, 0.1, 1.0], seed=3, min_positive=2)
    row = {i: k for k, i in enumerate(ids)}
    previous: set[str] = set()
    for f in (0.01, 0.05, 0.1, 1.0):
        chosen = labels[[row[i] for i in out[f].ids]]
        assert (np.nansum(chosen == 1, axis=0) >= 2).all()
        assert previous <= set(out[f].ids)
        previous = set(out[f].ids)


def test_sha256_matches_hashlib(subsets):
    for f in FRACTIONS:
        text = "\n".join(sorted(subsets[f].ids))
        assert subsets[f].sha256 == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_write_ids_and_summary(tmp_path, subsets):
    subset = subsets[0.1]
    path = write_subset_ids(tmp_path / "sub" / "train_10pct.txt", subset)
    assert path.read_text(encoding="utf-8").splitlines() == list(subset.ids)
    summary = subset_summary(subset)
    assert summary["fraction"] == 0.1 and summary["seed"] == 0 and summary["n_images"] == len(subset.ids)
    assert summary["sha256"] == subset.sha256 and summary["per_class_positive"] == subset.per_class_positive


@pytest.mark.parametrize("fraction", [0, 0.0, 1.5, -0.1, float("nan")])
def test_fraction_outside_the_unit_interval(dataset, fraction):
    ids, labels = dataset
    with pytest.raises(ValueError, match="outside"):
        nested_fraction_subsets(ids, labels, CLASSES, [fraction, 1.0], seed=0)


def test_fraction_too_small_for_one_image(dataset):
    ids, labels = dataset
    with pytest.raises(ValueError, match="0.0001.*no image"):
        nested_fraction_subsets(ids, labels, CLASSES, [0.0001], seed=0)


def test_duplicate_ids(dataset):
    ids, labels = dataset
    with pytest.raises(ValueError, match="duplicate ids.*img"):
        nested_fraction_subsets(ids[:-1] + [ids[0]], labels, CLASSES, FRACTIONS, seed=0)


def test_labels_shape_mismatch(dataset):
    ids, labels = dataset
    with pytest.raises(ValueError, match="shape"):
        nested_fraction_subsets(ids, labels[:-1], CLASSES, FRACTIONS, seed=0)
    with pytest.raises(ValueError, match="shape"):
        nested_fraction_subsets(ids, labels, CLASSES[:-1], FRACTIONS, seed=0)


def test_unattainable_min_positive_names_the_class(dataset):
    ids, labels = dataset
    with pytest.raises(ValueError, match=r"'hernia'.*only 3 positive"):
        nested_fraction_subsets(ids, labels, CLASSES, FRACTIONS, seed=0, min_positive=4)


def test_labels_other_than_zero_one_nan(dataset):
    ids, labels = dataset
    bad = labels.copy()
    bad[0, 0] = -1
    with pytest.raises(ValueError, match="0, 1 or NaN"):
        nested_fraction_subsets(ids, bad, CLASSES, FRACTIONS, seed=0)


def test_many_close_fractions_stay_nested_and_exact():
    rng = np.random.default_rng(5)
    for trial in range(20):
        n = int(rng.integers(20, 300))
        labels = (rng.random((n, 3)) < [0.4, 0.15, 0.05]).astype(float)
        ids = [f"r{k}" for k in range(n)]
        fractions = sorted(set(np.round(rng.uniform(1.0 / n, 1.0, size=5), 4).tolist()))
        out = nested_fraction_subsets(ids, labels, ["a", "b", "c"], fractions, seed=trial, min_positive=0)
        previous: set[str] = set()
        for f in fractions:
            assert previous <= set(out[f].ids)
            assert len(out[f].ids) == int(np.floor(f * n + 0.5))
            previous = set(out[f].ids)
