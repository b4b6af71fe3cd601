"""Renderer: masks where the findings are, patient-side convention, severities, SIIM regions."""

from __future__ import annotations

import numpy as np
import pytest

from radzero.data.phantom.finding import Finding
from radzero.data.phantom.lateral import render_lateral
from radzero.data.phantom.render import render_frontal


def _f(kind, sides=(), severity="moderate", **kw):
    return Finding(kind, tuple(sides), severity, lobe=kw.get("lobe"), term=kw.get("term"))


def _render(findings, seed=0, h=300, w=260):
    img, parts = render_frontal({"height": h, "width": w, "findings": findings, "view": "PA"},
                                np.random.default_rng(seed))
    assert img.shape == (h, w) and img.dtype == np.float32
    assert 0.0 <= img.min() and img.max() <= 1.0
    return img, parts


@pytest.mark.parametrize("kind,lobe", [("effusion", None), ("pneumothorax", None), ("consolidation", "lower"),
                                       ("consolidation", "upper"), ("nodule", "upper"), ("mass", "middle"),
                                       ("atelectasis", None)])
@pytest.mark.parametrize("side", ["right", "left"])
def test_patient_side_convention(kind, lobe, side):
    """Patient's right is on the image's LEFT."""
    for seed in range(3):
        _, parts = _render([_f(kind, [side], lobe=lobe)], seed=seed)
        assert len(parts) == 1 and parts[0].side == side and parts[0].area > 10
        ys, xs = np.nonzero(parts[0].full(300, 260))
        assert (xs.mean() < 130) == (side == "right"), (kind, side, xs.mean())


def test_bilateral_and_global_findings():
    _, parts = _render([_f("edema", ["right", "left"]), _f("cardiomegaly", [])])
    assert sorted(str(p.side) for p in parts) == ["None", "left", "right"]
    assert all(p.area > 50 for p in parts)


@pytest.mark.parametrize("kind", ["effusion", "pneumothorax", "nodule", "mass", "atelectasis"])
def test_severity_increases_area(kind):
    areas = {}
    for sev in ("small", "large"):
        areas[sev] = np.mean([_render([_f(kind, ["left"], sev, lobe="upper")], seed=s)[1][0].area for s in range(4)])
    assert areas["large"] > 1.3 * areas["small"], areas


def test_cardiomegaly_enlarges_heart():
    widths = {}
    for sev in ("small", "large"):
        boxes = [_render([_f("cardiomegaly", [], sev)], seed=s)[1][0].bbox() for s in range(4)]
        widths[sev] = np.mean([b[2] - b[0] for b in boxes])
    assert widths["large"] > widths["small"]


def test_findings_change_the_image_where_the_mask_is():
    base, _ = _render([], seed=3)
    for kind, brighter in (("effusion", True), ("consolidation", True), ("mass", True), ("pneumothorax", False)):
        img, parts = _render([_f(kind, ["right"], "large", lobe="lower")], seed=3)
        m = parts[0].full(300, 260)
        diff = float((img[m] - base[m]).mean())
        assert (diff > 0.05) if brighter else (diff < -0.02), (kind, diff)


def test_masks_follow_upsampling():
    img, parts = render_frontal({"height": 700, "width": 600, "findings": [_f("nodule", ["left"], lobe="upper")],
                                 "view": "AP"}, np.random.default_rng(5), max_internal=200)
    assert img.shape == (700, 600)
    x1, y1, x2, y2 = parts[0].bbox()
    assert 0 <= x1 < x2 <= 600 and 0 <= y1 < y2 <= 700
    m = parts[0].full(700, 600)
    assert img[m].mean() > img[y1:y2, x1:x2][~m[y1:y2, x1:x2]].mean()


def test_lateral_renders():
    img = render_lateral({"height": 200, "width": 180, "findings": [_f("effusion", ["left"])]}, np.random.default_rng(0))
    assert img.shape == (200, 180) and 0.0 <= img.min() and img.max() <= 1.0 and img.std() > 0.05


def test_bilateral_pneumothorax_gives_two_siim_rows(tmp_path):
    from radzero.data.phantom.workers import run_task
    from radzero.data.rle import rle_decode

    meta = {"sop_uid": "1.2.3.4", "study_uid": "1.2.3.2", "series_uid": "1.2.3.3", "patient_id": "PHANTOM-X",
            "patient_sex": "F", "patient_age": 40, "view": "PA", "encoding": 2, "monochrome1": True, "rle": True,
            "study_date": "20180101", "study_time": "101010", "window_jitter": 1.0}
    task = {"key": ("siim", 0, 0), "render": "frontal", "seed": [1, 2, 3], "max_internal": 128, "masks": True,
            "spec": {"height": 160, "width": 160, "view": "PA",
                     "findings": [_f("pneumothorax", ["right", "left"], "large")]},
            "out": {"type": "dcm", "path": str(tmp_path / "x.dcm"), "dicom": meta}}
    res = run_task(task)
    assert len(res["rles"]) == 2
    masks = [rle_decode(r, 160, 160) for r in res["rles"]]
    assert all(m.any() for m in masks) and not (masks[0] & masks[1]).any()
    union = np.unpackbits(res["mask"], count=160 * 160).reshape(160, 160).astype(bool)
    assert np.array_equal(union, masks[0] | masks[1])
    # the DICOM decodes to the rendered image (MONOCHROME1 + rescale + RLE)
    from radzero.data.io import load_image

    x = load_image(tmp_path / "x.dcm")
    assert x.shape == (160, 160)
    cols = np.nonzero(masks[0])[1].mean(), np.nonzero(masks[1])[1].mean()
    assert min(cols) < 80 < max(cols)
    # pneumothorax regions are dark (lucent) after the reader inverts MONOCHROME1
    assert x[masks[0] | masks[1]].mean() < x.mean()
