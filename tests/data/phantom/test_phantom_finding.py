"""``Finding`` records: frozen, picklable, and their JSON form is the truth files' finding dict."""

from __future__ import annotations

import dataclasses
import json
import pickle

import numpy as np
import pytest

from radzero.data.phantom.finding import Finding
from radzero.data.phantom.spec import KINDS, make_finding, sample_findings

TRUTH_KEYS = ["kind", "sides", "severity", "lobe", "term", "uncertain", "change", "size"]


def test_round_trip_through_json_and_pickle():
    for i in range(200):
        for f in sample_findings(np.random.default_rng([11, i]), "mimic", has_prior=True):
            d = f.to_dict()
            assert list(d) == TRUTH_KEYS and isinstance(d["sides"], list)
            assert Finding.from_dict(json.loads(json.dumps(d))) == f
            assert pickle.loads(pickle.dumps(f)) == f


def test_frozen_and_sides_are_a_tuple():
    f = Finding("effusion", ["left"], "small")
    assert f.sides == ("left",)
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.kind = "edema"  # type: ignore[misc]
    assert hash(f) == hash(Finding("effusion", ("left",), "small"))


def test_from_dict_ignores_truth_parts():
    d = {**Finding("nodule", ("right",), "large", lobe="upper", size=18).to_dict(),
         "parts": [{"side": "right", "box": [1, 2, 3, 4], "area": 4}]}
    assert Finding.from_dict(d) == Finding("nodule", ("right",), "large", lobe="upper", size=18)


def test_make_finding_fixed_fields_override():
    rng = np.random.default_rng(0)
    f = make_finding(rng, "consolidation", term="pneumonia")
    assert f is not None and f.term == "pneumonia" and f.lobe in ("upper", "middle", "lower")
    for kind in KINDS:
        f = make_finding(np.random.default_rng(1), kind)
        assert f is None or f.kind == kind


def test_truth_findings_are_finding_dicts(phantom_root):
    truth = json.loads((phantom_root / "truth/mimic.json").read_text())
    n = 0
    for rec in truth:
        for d in rec["findings"]:
            assert list(d) == TRUTH_KEYS + ["parts"]
            assert Finding.from_dict(d).to_dict() == {k: d[k] for k in TRUTH_KEYS}
            n += 1
    assert n > 0
