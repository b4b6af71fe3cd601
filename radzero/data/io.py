"""Image I/O: JPEG / PNG (Pillow) and DICOM (pydicom) -> float32 (H, W) in [0, 1].

Conventions
- 8-bit JPEG / PNG: ``x / 255`` (the files are already windowed for display).
- 16-bit PNG / TIFF and DICOM: min-max normalised to [0, 1] at the very end (bit usage
  varies between sources, so dividing by 65535 would give arbitrarily dark images).
- DICOM: Modality LUT (RescaleSlope / RescaleIntercept or a Modality LUT Sequence), then the
  VOI LUT Sequence or the first Window Center / Width (``apply_voi=True``), then min-max, then
  MONOCHROME1 is inverted so that higher = brighter (bone bright, air dark). The common case
  (rescale + LINEAR / LINEAR_EXACT window) runs in float32 (24-bit mantissa: 16-bit levels stay
  distinct, relative rounding ~1e-7); LUT sequences and SIGMOID go through pydicom's ``apply_modality_lut`` /
  ``apply_voi_lut`` in float64. Presentation LUT
  Shape is not applied: in DX objects ``INVERSE`` merely restates MONOCHROME1.
- Compressed DICOM transfer syntaxes decode through pydicom's pixel handlers (pylibjpeg,
  pylibjpeg-libjpeg, pylibjpeg-openjpeg, pylibjpeg-rle).
- ``dicom_scaling="authors"``: the authors' DICOM reading instead (their ``read_from_dicom``): the stored
  pixels times 255 / max, rounded and saturated to 8 bits (OpenCV ``convertScaleAbs``; no modality / VOI
  LUT, no minimum subtracted), MONOCHROME1 inverted (255 - x); returned as x / 255.
- Any failure (missing, corrupt, truncated, unsupported) raises ``ImageLoadError`` naming the
  file. Messages never contain DICOM patient fields.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

__all__ = [
    "DICOM_SCALINGS",
    "DICOM_SUFFIXES",
    "ImageLoadError",
    "image_size",
    "is_dicom",
    "load_image",
    "pil_to_float",
]

DICOM_SUFFIXES = (".dcm", ".dicom", ".dic")
DICOM_SCALINGS = ("radzero", "authors")  # LUTs + min-max (default) | the authors' 255 / max


class ImageLoadError(OSError):
    """An image could not be read; the message names the file."""


def is_dicom(path: str | os.PathLike) -> bool:
    """By suffix, else by the ``DICM`` magic at byte 128."""
    p = Path(path)
    if p.suffix.lower() in DICOM_SUFFIXES:
        return True
    if p.suffix.lower() in (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp"):
        return False
    try:
        with open(p, "rb") as f:
            f.seek(128)
            return f.read(4) == b"DICM"
    except OSError:
        return False


def load_image(
    path: str | os.PathLike,
    *,
    apply_voi: bool = True,
    min_side: int | None = None,
    dicom_scaling: str = "radzero",
) -> np.ndarray:
    """Read a radiograph as float32 (H, W) in [0, 1].

    ``min_side``: optional speed-up for training only. JPEGs are then decoded with Pillow's
    DCT scaling (``Image.draft``) to the smallest 1/2^k size whose shorter side is still
    >= ``min_side``; the returned image is then smaller than the original. Leave ``None``
    wherever original-pixel geometry matters (evaluation), or take the size from
    ``image_size(path)``. ``dicom_scaling``: "radzero" (LUTs, min-max) or "authors" (module docstring).
    """
    if dicom_scaling not in DICOM_SCALINGS:
        raise ValueError(f"dicom_scaling must be one of {DICOM_SCALINGS}, got {dicom_scaling!r}")
    path = Path(path)
    if path.is_dir():
        raise ImageLoadError(f"{path} is a folder, not an image file: give the path of one JPEG / PNG / DICOM")
    if not path.is_file():
        raise ImageLoadError(f"image file not found: {path}")
    try:
        if is_dicom(path):
            img = _load_dicom_authors(path) if dicom_scaling == "authors" else _load_dicom(path, apply_voi=apply_voi)
        else:
            img = _load_pil(path, min_side=min_side)
    except ImageLoadError:
        raise
    except Exception as e:  # noqa: BLE001 - re-raised with the file name
        raise ImageLoadError(f"cannot read image {path}: {type(e).__name__}: {e}") from e
    if img.ndim != 2 or img.size == 0:
        raise ImageLoadError(f"cannot read image {path}: unexpected pixel shape {img.shape}")
    if not np.isfinite(img).all():
        raise ImageLoadError(f"cannot read image {path}: non-finite pixel values")
    return img


def image_size(path: str | os.PathLike) -> tuple[int, int]:
    """(H, W) from the header only (no pixel decode)."""
    path = Path(path)
    try:
        if is_dicom(path):
            import pydicom

            ds = pydicom.dcmread(path, stop_before_pixels=True)
            return int(ds.Rows), int(ds.Columns)
        from PIL import Image

        with Image.open(path) as im:
            w, h = im.size
        return int(h), int(w)
    except FileNotFoundError:
        raise ImageLoadError(f"image file not found: {path}") from None
    except Exception as e:  # noqa: BLE001
        raise ImageLoadError(f"cannot read image header {path}: {type(e).__name__}: {e}") from e


# --------------------------------------------------------------------------- Pillow


def _load_pil(path: Path, *, min_side: int | None) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as im:
        if min_side is not None and im.format == "JPEG":
            w, h = im.size
            scale = 1
            while scale < 8 and min(w, h) // (scale * 2) >= min_side:
                scale *= 2
            if scale > 1:
                im.draft(im.mode, (w // scale, h // scale))
        im.load()  # forces the full decode: truncated files raise here
        return pil_to_float(im)


def pil_to_float(im) -> np.ndarray:
    """A Pillow image as float32 (H, W) in [0, 1] (8-bit: x / 255; 16-bit / 32-bit: min-max)."""
    mode = im.mode
    if mode in ("1", "L", "P", "RGB", "RGBA", "LA", "CMYK", "YCbCr", "PA", "RGBX"):
        if mode != "L":
            im = im.convert("L")
        return np.asarray(im, dtype=np.float32) / np.float32(255.0)
    if mode.startswith("I;16") or mode in ("I", "F"):
        arr = np.asarray(im)
        if arr.dtype.byteorder not in ("=", "|"):
            arr = arr.astype(arr.dtype.newbyteorder("="))
        return _minmax(arr.astype(np.float64))
    raise ValueError(f"unsupported Pillow image mode {mode!r}")


# --------------------------------------------------------------------------- DICOM


def _dicom_luts():
    try:  # pydicom >= 3
        from pydicom.pixels import apply_modality_lut, apply_voi_lut
    except ImportError:  # pydicom 2.x
        from pydicom.pixel_data_handlers.util import apply_modality_lut, apply_voi_lut
    return apply_modality_lut, apply_voi_lut


def _load_dicom(path: Path, *, apply_voi: bool) -> np.ndarray:
    import pydicom

    apply_modality_lut, apply_voi_lut = _dicom_luts()
    ds = pydicom.dcmread(path)
    if "PixelData" not in ds:
        raise ValueError("DICOM has no Pixel Data element")
    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2")).upper()
    n_frames = int(ds.get("NumberOfFrames", 1) or 1)
    if n_frames > 1:
        raise ValueError(f"multi-frame DICOM ({n_frames} frames) is not supported")
    arr = ds.pixel_array
    if photometric not in ("MONOCHROME1", "MONOCHROME2"):
        # colour radiographs are rare; take luminance of the decoded RGB
        if arr.ndim == 3 and arr.shape[-1] == 3:
            if photometric.startswith("YBR"):
                from pydicom.pixels import convert_color_space

                arr = convert_color_space(arr, photometric, "RGB")
            arr = arr.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
            return _minmax(arr)
        raise ValueError(f"unsupported Photometric Interpretation {photometric!r}")
    x = _fast_luts(arr, ds, apply_voi)
    if x is None:  # LUT sequences, SIGMOID, degenerate windows: pydicom's implementation
        x = apply_modality_lut(arr, ds)
        if apply_voi and ("VOILUTSequence" in ds or "WindowCenter" in ds):
            x = apply_voi_lut(x, ds, index=0)
        x = np.asarray(x, dtype=np.float64)
    out = _minmax(x)
    if photometric == "MONOCHROME1":
        out = np.float32(1.0) - out
    return out


def _load_dicom_authors(path: Path) -> np.ndarray:
    """The authors' ``read_from_dicom``: |x * 255 / max| rounded, saturated to 0..255, MONOCHROME1 -> 255 - x."""
    import pydicom

    ds = pydicom.dcmread(path)
    if "PixelData" not in ds:
        raise ValueError("DICOM has no Pixel Data element")
    arr = np.asarray(ds.pixel_array)
    if arr.ndim != 2:
        raise ValueError(f"dicom_scaling='authors' reads single-frame grey images, got pixel shape {arr.shape}")
    top = float(arr.max())
    scaled = np.zeros(arr.shape) if top == 0 else np.abs(arr.astype(np.float64) * (255.0 / top))
    x = np.clip(np.rint(scaled), 0, 255)
    if str(ds.get("PhotometricInterpretation", "MONOCHROME2")).upper() == "MONOCHROME1":
        x = 255.0 - x
    return (x / 255.0).astype(np.float32)


def _first(value) -> float:
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        return float(value[0])
    return float(value)


def _fast_luts(arr: np.ndarray, ds, apply_voi: bool) -> np.ndarray | None:
    """Rescale + LINEAR / LINEAR_EXACT window in float32 (float64 for 32-bit pixels), or None
    when pydicom's general implementation is needed. Output is only defined up to an affine
    map, which the final min-max removes: clip((x - c) / w + 0.5, 0, 1) with PS3.3 C.11.2.1.2's
    c - 0.5 and w - 1 for LINEAR."""
    if ds.get("ModalityLUTSequence") or (apply_voi and ds.get("VOILUTSequence")):
        return None
    x = arr.astype(np.float32 if arr.dtype.itemsize <= 2 else np.float64)
    if "RescaleSlope" in ds and "RescaleIntercept" in ds:
        slope, intercept = float(ds.RescaleSlope), float(ds.RescaleIntercept)
        if slope != 1.0:
            x *= np.float32(slope)
        if intercept != 0.0:
            x += np.float32(intercept)
    if not apply_voi or ds.get("WindowCenter") is None or ds.get("WindowWidth") is None:
        return x
    func = str(ds.get("VOILUTFunction", "LINEAR") or "LINEAR").upper()
    c, w = _first(ds.WindowCenter), _first(ds.WindowWidth)
    if func == "LINEAR":
        c, w = c - 0.5, w - 1.0
    elif func != "LINEAR_EXACT":
        return None
    if not w > 0:
        return None
    x -= np.float32(c)
    x *= np.float32(1.0 / w)
    x += np.float32(0.5)
    np.clip(x, 0.0, 1.0, out=x)
    return x


def _minmax(x: np.ndarray) -> np.ndarray:
    lo = float(x.min())
    hi = float(x.max())
    if hi <= lo:
        return np.zeros(x.shape, dtype=np.float32)
    if x.dtype == np.float32:
        out = x - np.float32(lo)
        out *= np.float32(1.0 / (hi - lo))
        np.clip(out, 0.0, 1.0, out=out)
        return out
    return ((x - lo) / (hi - lo)).astype(np.float32)
