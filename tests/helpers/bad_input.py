"""The bad-input matrix's registry and the helpers its cases share (the runner: tests/test_bad_input_matrix.py).

A case is ``setup(tmp) -> (call, exception type(s), [texts the message must hold])``, registered with
``@case(name)`` in one of the area modules of ``helpers.bad_input_cases``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from training.conftest import compose_train

from helpers.eval_helpers import compose_eval, tiny_model
from radzero import CONFIG_DIR

CASES: dict[str, Callable] = {}


def case(name: str):
    def register(setup: Callable) -> Callable:
        CASES[name] = setup
        return setup

    return register


def _snapshot(root: Path) -> dict[str, tuple[str, int]]:
    return {str(p.relative_to(root)): (hashlib.sha1(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in root.rglob("*") if p.is_file()}


def _out(tmp: Path) -> Path:
    """An output folder that already holds the user's files (they must survive every failure)."""
    out = tmp / "out"
    out.mkdir(exist_ok=True)
    (out / "notes.txt").write_text("my notes")
    (out / "metrics.json").write_text('{"from": "an earlier run"}')
    return out


def _phantom(tmp: Path) -> Path:
    return tmp.parent.parent / "matrix_phantom"  # shared across cases (generated once, tiny)


def _train(tmp: Path, *overrides: str):
    from radzero.train import train

    cfg = compose_train(["callbacks.zero_shot=null", *overrides], _out(tmp),
                        _phantom(tmp))
    return lambda: train(cfg)


def _eval(tmp: Path, *overrides: str, ckpt: str | None = None):
    from radzero.eval.runner import run_eval

    if ckpt is None:
        tiny_model().save_pretrained(tmp / "model")
        ckpt = str(tmp / "model")
    cfg = compose_eval([f"ckpt_path={ckpt}", *overrides], _out(tmp), _phantom(tmp))
    return lambda: run_eval(cfg)


def _extract(tmp: Path, path: Path, *overrides: str):
    from radzero.extract.__main__ import run

    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose(config_name="extract", overrides=[f"input.path={path}", f"output_dir={_out(tmp)}",
                                                         "progress=false", *overrides])
    return lambda: run(cfg)


def _model_dir(tmp: Path, edit: Callable[[Path], None] | None = None) -> Path:
    folder = tmp / "model"
    tiny_model().save_pretrained(folder)
    if edit is not None:
        edit(folder)
    return folder


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path
