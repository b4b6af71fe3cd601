"""Minimal, valid DICOM files (pydicom) for the SIIM / RSNA phantoms.

Pixel encodings vary on purpose so that readers must do the full display pipeline:
BitsStored 12 or 16, RescaleSlope / RescaleIntercept not always 1 / 0, WindowCenter / Width,
PhotometricInterpretation MONOCHROME2 and some MONOCHROME1 (inverted values), and optionally
RLE Lossless compression. Higher *displayed* value = brighter (bone) after the pipeline.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import PYDICOM_IMPLEMENTATION_UID, ExplicitVRLittleEndian, RLELossless

SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"

# (BitsStored, RescaleSlope, RescaleIntercept, max modality value)
ENCODINGS = (
    (12, 1.0, 0.0, 4095),
    (16, 1.0, 0.0, 65535),
    (16, 0.5, -512.0, 16383),
    (12, 2.0, 0.0, 8190),
    (12, 1.0, -1024.0, 3071),
)


def rle_encoder_available() -> bool:
    try:
        from pydicom.pixels.encoders import RLELosslessEncoder

        return bool(RLELosslessEncoder.is_available)
    except Exception:  # pragma: no cover - very old pydicom
        return False


def stored_values(img: np.ndarray, encoding: int, monochrome1: bool) -> np.ndarray:
    """float [0, 1] image -> stored uint16 pixel values for ``ENCODINGS[encoding]``."""
    bits, slope, intercept, mmax = ENCODINGS[encoding]
    m = img.astype(np.float64) * mmax
    if monochrome1:
        m = mmax - m
    stored = np.rint((m - intercept) / slope)
    return np.clip(stored, 0, (1 << bits) - 1).astype(np.uint16)


def write_dicom(path: str | Path, img: np.ndarray, meta: dict) -> None:
    """Write ``img`` (float32 (H, W) in [0, 1]) as a DICOM file.

    meta keys: sop_uid, study_uid, series_uid, patient_id, patient_sex, patient_age (int),
    view ("PA"/"AP"), encoding (index into ENCODINGS), monochrome1 (bool), rle (bool),
    study_date ("YYYYMMDD"), study_time ("HHMMSS"), pixel_spacing (mm), window_jitter (float),
    series_description.
    """
    mono1 = bool(meta["monochrome1"])
    arr = stored_values(img, meta["encoding"], mono1)  # (H, W) uint16
    ds = Dataset()
    ds.file_meta = _file_meta(meta)
    _study_tags(ds, meta)
    _pixel_tags(ds, img.shape, meta, mono1)
    if meta.get("rle") and rle_encoder_available():
        ds.compress(RLELossless, arr, generate_instance_uid=False)
    else:
        ds.PixelData = arr.astype("<u2").tobytes()
    ds.save_as(path, enforce_file_format=True)


def _file_meta(meta: dict) -> FileMetaDataset:
    fm = FileMetaDataset()
    fm.MediaStorageSOPClassUID = SECONDARY_CAPTURE
    fm.MediaStorageSOPInstanceUID = meta["sop_uid"]
    fm.TransferSyntaxUID = ExplicitVRLittleEndian
    fm.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    fm.ImplementationVersionName = "RADZERO_PHANTOM"
    return fm


def _study_tags(ds: Dataset, meta: dict) -> None:
    """SOP, study, series and patient attributes."""
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID = SECONDARY_CAPTURE
    ds.SOPInstanceUID = meta["sop_uid"]
    ds.StudyDate = meta["study_date"]
    ds.StudyTime = meta["study_time"]
    ds.ContentDate = meta["study_date"]
    ds.ContentTime = meta["study_time"]
    ds.AccessionNumber = ""
    ds.Modality = "CR"
    ds.ConversionType = "WSD"
    ds.ReferringPhysicianName = ""
    ds.SeriesDescription = meta.get("series_description", "view: " + meta["view"])
    ds.PatientName = meta["patient_id"]
    ds.PatientID = meta["patient_id"]
    ds.PatientBirthDate = ""
    ds.PatientSex = meta["patient_sex"]
    ds.PatientAge = f"{int(meta['patient_age']):03d}Y"
    ds.BodyPartExamined = "CHEST"
    ds.ViewPosition = meta["view"]
    ds.StudyInstanceUID = meta["study_uid"]
    ds.SeriesInstanceUID = meta["series_uid"]
    ds.StudyID = ""
    ds.SeriesNumber = 1
    ds.InstanceNumber = 1
    ds.PatientOrientation = ""


def _pixel_tags(ds: Dataset, shape: tuple[int, int], meta: dict, mono1: bool) -> None:
    """Image pixel module, rescale and window (over the modality values actually used)."""
    h, w = shape
    bits, slope, intercept, mmax = ENCODINGS[meta["encoding"]]
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME1" if mono1 else "MONOCHROME2"
    ds.Rows = h
    ds.Columns = w
    spacing = float(meta.get("pixel_spacing", 0.168))
    ds.PixelSpacing = [f"{spacing:.6g}", f"{spacing:.6g}"]
    ds.BitsAllocated = 16
    ds.BitsStored = bits
    ds.HighBit = bits - 1
    ds.PixelRepresentation = 0
    ds.RescaleIntercept = f"{intercept:g}"
    ds.RescaleSlope = f"{slope:g}"
    ds.RescaleType = "US"
    jit = float(meta.get("window_jitter", 1.0))
    # window over the modality values actually used, in the rescaled domain
    ds.WindowCenter = f"{mmax / 2.0:.1f}"
    ds.WindowWidth = f"{mmax * jit:.1f}"
    ds.LossyImageCompression = "00"
