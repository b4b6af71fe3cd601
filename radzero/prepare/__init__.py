"""``python -m radzero.prepare``: the authors' benchmark files built from the official dataset releases.

One module per dataset (``siim``, ``chexpert_5x200``, ``padchest``), each writing the authors' file formats
under ``out_dir`` and returning its manifest entry; ``manifest`` merges the entries into
``<out_dir>/manifest.json``. Recipes and findings: docs/prepare.md.
"""

from __future__ import annotations

__all__ = ["DATASETS", "OUTPUTS"]

DATASETS = ("siim", "chexpert_5x200", "padchest")
# the files each dataset's step may write, relative to out_dir (an existing one that radzero.prepare did not
# write, e.g. the authors' own SIIM/test.csv, is never overwritten without overwrite=true)
OUTPUTS = {
    "siim": tuple(f"SIIM/{s}.csv" for s in ("train", "validation", "test"))
    + tuple(f"SIIM/splits/{s}.txt" for s in ("train", "validation", "test")),
    "chexpert_5x200": ("Chexpert/chexpert_5x200.csv", "Chexpert/chexpert5x200_image.csv",
                       "Chexpert/chexpert5x200_text.json"),
    "padchest": ("PadChest/manual_image.json", "PadChest/padchest_multi_label_image.csv",
                 "PadChest/padchest_multi_label_text.json"),
}
