from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from radzero.data.io import ImageLoadError, image_size, is_dicom, load_image

pydicom = pytest.importorskip("pydicom")


def _testdata(name: str) -> str:
    from pydicom.data import get_testdata_file

    p = get_testdata_file(name)
    if p is None:
        pytest.skip(f"pydicom-data file {name} not available")
    return str(p)


# ------------------------------------------------------------------ real radiograph (pydicom-data)


@pytest.fixture(scope="module")
def rg1_uncr():
    return load_image(_testdata("RG1_UNCR.dcm"))


def test_rg1_basic(rg1_uncr):
    img = rg1_uncr
    assert img.dtype == np.float32 and img.shape == (1955, 1841)
    assert img.min() == 0.0 and img.max() == 1.0
    assert image_size(_testdata("RG1_UNCR.dcm")) == (1955, 1841)


@pytest.mark.parametrize(
    "compressed, reference",
    [("RG1_J2KR.dcm", "RG1_UNCR.dcm"), ("RG1_J2KI.dcm", "RG1_UNCI.dcm")],
)
def test_jpeg2000_variants_match_uncompressed(compressed, reference):
    """J2KR is lossless JPEG 2000 of UNCR; UNCI is the decoded lossy J2KI stored uncompressed.

    Both pairs must agree bit for bit at the raw-pixel level and after load_image."""
    a = pydicom.dcmread(_testdata(compressed))
    b = pydicom.dcmread(_testdata(reference))
    assert a.file_meta.TransferSyntaxUID.is_compressed
    np.testing.assert_array_equal(a.pixel_array, b.pixel_array)
    np.testing.assert_array_equal(load_image(_testdata(compressed)), load_image(_testdata(reference)))


def test_monochrome1_is_inverted(rg1_uncr):
    """RG1 is a MONOCHROME1 PA chest radiograph (raw: air = high values). After load_image
    the lungs must be dark and bone / mediastinum bright. The check compares mean
    intensities of coarse anatomical regions defined as fractions of the image, so it does not
    depend on exact positions: both lung fields (upper-middle third, left and right of
    centre) must be darker than the central mediastinum/spine column by a wide margin (measured:
    ~0.51 vs ~0.88). Were MONOCHROME1 not inverted the order would flip."""
    img = rg1_uncr
    h, w = img.shape

    def region(r0, r1, c0, c1):
        return float(img[int(r0 * h) : int(r1 * h), int(c0 * w) : int(c1 * w)].mean())

    lung_l = region(0.2, 0.45, 0.2, 0.35)
    lung_r = region(0.2, 0.45, 0.65, 0.8)
    mediastinum = region(0.2, 0.6, 0.45, 0.55)
    assert lung_l < mediastinum - 0.2
    assert lung_r < mediastinum - 0.2
    raw = pydicom.dcmread(_testdata("RG1_UNCR.dcm")).pixel_array.astype(float)
    # sanity: the raw MONOCHROME1 data has the opposite order
    assert raw[int(0.2 * h) : int(0.45 * h), int(0.2 * w) : int(0.35 * w)].mean() > raw[
        int(0.2 * h) : int(0.6 * h), int(0.45 * w) : int(0.55 * w)
    ].mean()


# ------------------------------------------------------------------ synthetic DICOM


def test_dicom_rescale_window_monochrome1_hand_computed(tmp_path, dicom_factory):
    """stored p -> modality LUT 2p - 100 -> LINEAR_EXACT window (c=50, w=200):
    (x - 50) / 200 + 0.5 clipped to [0, 1] -> MONOCHROME1 inversion -> 1 - v."""
    p = np.array([[0, 25, 50, 75], [100, 150, 200, 60]], dtype=np.uint16)
    path = tmp_path / "syn.dcm"
    dicom_factory(path, p, photometric="MONOCHROME1", slope=2.0, intercept=-100.0, window=(50.0, 200.0))
    ds = pydicom.dcmread(path)
    ds.VOILUTFunction = "LINEAR_EXACT"
    ds.save_as(path)
    x = 2.0 * p - 100.0
    expected = 1.0 - np.clip((x - 50.0) / 200.0 + 0.5, 0.0, 1.0)
    out = load_image(path)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, expected, atol=1e-6)


def test_dicom_negative_slope_and_monochrome1(tmp_path, dicom_factory):
    """No window: rescale -p + 1000 then MONOCHROME1 inversion => equals min-max of p."""
    p = np.array([[0, 10, 20], [30, 40, 4000]], dtype=np.uint16)
    path = tmp_path / "neg.dcm"
    dicom_factory(path, p, photometric="MONOCHROME1", slope=-1.0, intercept=1000.0)
    np.testing.assert_allclose(load_image(path), p / 4000.0, atol=1e-6)


def test_dicom_16bit_precision(tmp_path, dicom_factory):
    """Neighbouring 16-bit values stay distinct (no 8-bit quantisation before the end)."""
    p = np.arange(0, 65536, 1, dtype=np.uint16)[:65280].reshape(255, 256)
    path = tmp_path / "p16.dcm"
    dicom_factory(path, p)
    out = load_image(path)
    np.testing.assert_allclose(out, p / p.max(), atol=1e-6)
    assert len(np.unique(out)) == p.size


def test_dicom_signed_pixels(tmp_path, dicom_factory):
    p = np.array([[-1000, 0], [500, 1000]], dtype=np.int16)
    path = tmp_path / "signed.dcm"
    dicom_factory(path, p)
    np.testing.assert_allclose(load_image(path), (p + 1000) / 2000.0, atol=1e-6)


def test_dicom_without_suffix_detected_by_magic(tmp_path, dicom_factory):
    p = np.arange(6, dtype=np.uint16).reshape(2, 3)
    path = tmp_path / "noext"
    dicom_factory(path, p)
    assert is_dicom(path)
    np.testing.assert_allclose(load_image(path), p / 5.0, atol=1e-6)


def test_truncated_dicom_names_file(tmp_path, dicom_factory):
    p = (np.arange(64 * 64) % 4096).astype(np.uint16).reshape(64, 64)
    path = tmp_path / "trunc.dcm"
    dicom_factory(path, p)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 3000])
    with pytest.raises(ImageLoadError, match="trunc.dcm"):
        load_image(path)


def test_garbage_dicom_names_file(tmp_path):
    path = tmp_path / "junk.dcm"
    path.write_bytes(b"not a dicom at all" * 10)
    with pytest.raises(ImageLoadError, match="junk.dcm"):
        load_image(path)


def test_no_patient_fields_in_errors_or_logs(tmp_path, dicom_factory, caplog):
    p = np.zeros((8, 8), dtype=np.uint16)
    path = tmp_path / "pat.dcm"
    dicom_factory(path, p)
    data = path.read_bytes()
    path.write_bytes(data[:-50])
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ImageLoadError) as ei:
        load_image(path)
    text = str(ei.value) + caplog.text
    assert "Phantom" not in text and "TEST0001" not in text


# ------------------------------------------------------------------ JPEG / PNG


def test_jpeg_8bit(tmp_path, jpeg_factory):
    path = tmp_path / "a.jpg"
    jpeg_factory(path, 40, 30, quality=100)
    out = load_image(path)
    from PIL import Image

    ref = np.asarray(Image.open(path).convert("L"), dtype=np.float32) / 255.0
    assert out.shape == (40, 30) and out.dtype == np.float32
    np.testing.assert_array_equal(out, ref)
    assert image_size(path) == (40, 30)


def test_png_8bit_and_rgb(tmp_path, png_factory):
    a = np.array([[0, 51], [204, 255]], dtype=np.uint8)
    png_factory(tmp_path / "g.png", a)
    np.testing.assert_allclose(load_image(tmp_path / "g.png"), a / 255.0, atol=1e-7)
    rgb = np.stack([a, a, a], -1)
    png_factory(tmp_path / "c.png", rgb)
    np.testing.assert_allclose(load_image(tmp_path / "c.png"), a / 255.0, atol=1e-7)


def test_png_16bit_minmax(tmp_path, png_factory):
    a = np.array([[100, 200], [300, 4195]], dtype=np.uint16)
    png_factory(tmp_path / "s.png", a)
    np.testing.assert_allclose(load_image(tmp_path / "s.png"), (a - 100) / 4095.0, atol=1e-6)


def test_truncated_jpeg_names_file(tmp_path, jpeg_factory):
    path = tmp_path / "cut.jpg"
    jpeg_factory(path, 256, 256)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageLoadError, match="cut.jpg"):
        load_image(path)


def test_missing_file(tmp_path):
    with pytest.raises(ImageLoadError, match="not found"):
        load_image(tmp_path / "nope.jpg")


def test_jpeg_draft_min_side(tmp_path, jpeg_factory):
    path = tmp_path / "big.jpg"
    jpeg_factory(path, 1200, 1000)
    small = load_image(path, min_side=240)
    assert small.shape == (300, 250)  # 1/4 DCT scaling, shorter side still >= 240
    assert load_image(path, min_side=600).shape == (1200, 1000)  # 1/2 would be < 600
    full = load_image(path)
    assert full.shape == (1200, 1000)
    # the draft is a low-pass of the same picture
    import cv2

    ref = cv2.resize(full, (250, 300), interpolation=cv2.INTER_AREA)
    assert np.abs(ref - small).mean() < 0.02


def test_is_dicom_by_suffix(tmp_path):
    assert is_dicom(Path("x.DCM"))
    assert not is_dicom(Path("x.jpg"))
    assert not is_dicom(tmp_path / "missing_file")  # no suffix, unreadable -> False


@pytest.mark.parametrize("name", ["RG1_UNCR.dcm", "CT_small.dcm", "MR_small.dcm"])
def test_fast_lut_path_matches_pydicom(name, monkeypatch):
    """The float32 rescale + window path equals pydicom's apply_modality_lut / apply_voi_lut."""
    import radzero.data.io as io_mod

    path = _testdata(name)
    fast = load_image(path)
    monkeypatch.setattr(io_mod, "_fast_luts", lambda arr, ds, apply_voi: None)
    ref = load_image(path)
    np.testing.assert_allclose(fast, ref, atol=2e-6)


def test_fast_lut_path_window_variants(tmp_path, dicom_factory, monkeypatch):
    import radzero.data.io as io_mod

    p = (np.arange(40 * 50) * 37 % 4096).astype(np.uint16).reshape(40, 50)
    outs = {}
    for func in ("LINEAR", "LINEAR_EXACT"):
        path = tmp_path / f"{func}.dcm"
        dicom_factory(path, p, slope=1.5, intercept=-1024.0, window=(1500.0, 2000.0), bits_stored=12)
        ds = pydicom.dcmread(path)
        ds.VOILUTFunction = func
        ds.save_as(path)
        outs[func] = load_image(path)
    monkeypatch.setattr(io_mod, "_fast_luts", lambda arr, ds, apply_voi: None)
    for func, fast in outs.items():
        np.testing.assert_allclose(fast, load_image(tmp_path / f"{func}.dcm"), atol=2e-6)
    # apply_voi=False ignores the window: plain min-max of the stored values
    np.testing.assert_allclose(load_image(tmp_path / "LINEAR.dcm", apply_voi=False), p / p.max(), atol=1e-6)
