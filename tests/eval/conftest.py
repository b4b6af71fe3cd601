"""Fixtures of the eval tests: a tiny phantom (session) and a tiny saved model."""

from __future__ import annotations

from pathlib import Path

import pytest

from radzero.data.phantom import ensure_phantom


@pytest.fixture(scope="session")
def eval_phantom_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.getbasetemp() / "eval_phantom"


@pytest.fixture(scope="session")
def eval_phantom_root(eval_phantom_cache) -> Path:
    from helpers.eval_helpers import TINY_PHANTOM

    return ensure_phantom(eval_phantom_cache, **TINY_PHANTOM)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    from helpers.eval_helpers import tiny_model

    directory = tmp_path_factory.mktemp("tiny_model")
    tiny_model().save_pretrained(directory)
    return directory
