"""Check reader output against the files on disk (existence, header size, full decode)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TypeVar

from radzero.data.io import image_size, load_image
from radzero.data.readers._common import DataFormatError, ErrorPolicy

log = logging.getLogger(__name__)

__all__ = ["validate_samples"]

T = TypeVar("T")


def validate_samples(
    samples: Sequence[T],
    *,
    decode: bool = False,
    check_size: bool = True,
    on_error: str = "raise",
) -> list[T]:
    """Return the samples that pass; errors name the sample's image_id and file.

    - the image exists and its header can be read;
    - ``check_size``: the header (H, W) equals ``original_size`` when the sample has one;
    - ``decode``: the whole image decodes (catches truncated / corrupt files; slow).
    """
    errors = ErrorPolicy("validate_samples", on_error)
    ok: list[T] = []
    for s in samples:
        path = s.image_path  # type: ignore[attr-defined]
        with errors.guard(f"image_id={s.image_id} ({path})"):  # type: ignore[attr-defined]
            size = image_size(path)
            want = getattr(s, "original_size", None)
            if check_size and want is not None and tuple(want) != tuple(size):
                raise DataFormatError(f"header size {size} (H, W) != recorded {tuple(want)}")
            if decode:
                img = load_image(path)
                if img.shape != size:
                    raise DataFormatError(f"decoded shape {img.shape} != header size {size}")
            ok.append(s)
    errors.finish()
    log.info("validate_samples: %d of %d samples passed", len(ok), len(samples))
    return ok
