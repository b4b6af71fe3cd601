"""Small on-disk fixtures in the real dataset layouts (made-up rows, written in tmp_path)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest


def write_jpeg(path: Path, h: int, w: int, seed: int = 0, quality: int = 90) -> np.ndarray:
    from PIL import Image

    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:h, :w]
    img = (127 + 60 * np.sin(xx / 7.0) * np.cos(yy / 11.0) + rng.normal(0, 5, (h, w))).clip(0, 255)
    img = img.astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(img).save(path, quality=quality)
    return img


def write_png(path: Path, arr: np.ndarray) -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(arr).save(path)


def write_dicom(
    path: Path,
    pixels: np.ndarray,
    *,
    photometric: str = "MONOCHROME2",
    slope: float | None = None,
    intercept: float | None = None,
    window: tuple[float, float] | None = None,
    sop_uid: str | None = None,
    bits_stored: int | None = None,
) -> None:
    """Uncompressed single-frame DICOM (uint16 / int16 / uint8 pixels)."""
    import pydicom
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    pixels = np.ascontiguousarray(pixels)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.1.1"  # DX
    uid = sop_uid or generate_uid()
    meta.MediaStorageSOPInstanceUID = uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = uid
    ds.Modality = "DX"
    ds.PatientName = "Phantom^Test"
    ds.PatientID = "TEST0001"
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = photometric
    bits = pixels.dtype.itemsize * 8
    ds.BitsAllocated = bits
    ds.BitsStored = bits_stored or bits
    ds.HighBit = ds.BitsStored - 1
    ds.PixelRepresentation = 1 if pixels.dtype.kind == "i" else 0
    if slope is not None:
        ds.RescaleSlope = slope
        ds.RescaleIntercept = intercept or 0.0
    if window is not None:
        ds.WindowCenter, ds.WindowWidth = window
    ds.PixelData = pixels.tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    pydicom.dcmwrite(path, ds, enforce_file_format=True)


@pytest.fixture
def jpeg_factory():
    return write_jpeg


@pytest.fixture
def png_factory():
    return write_png


@pytest.fixture
def dicom_factory():
    return write_dicom
