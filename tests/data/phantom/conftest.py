"""A tiny phantom data root, generated once per test session."""

from __future__ import annotations

import pytest

TINY = dict(
    n_train=12,
    seed=0,
    n_validate=3,
    n_mscxr=5,
    n_chexpert_test=5,
    n_5x200_per_class=2,
    n_chestxdet10=6,
    n_siim=9,
    n_rsna=9,
    min_size=96,
    max_size=160,
    det_size=128,
    dicom_size=128,
    max_internal=128,
)


@pytest.fixture(scope="session")
def tiny_params() -> dict:
    return dict(TINY)


@pytest.fixture(scope="session")
def phantom_root(tmp_path_factory):
    from radzero.data.phantom import generate_phantom

    root = tmp_path_factory.mktemp("phantom") / "root"
    generate_phantom(root, workers=1, **TINY)
    return root
