"""docs/architecture.md's import rules, checked on every module of the package (ast, all import forms)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "radzero"

# package -> the radzero packages it may import (docs/architecture.md); itself is always allowed
ALLOWED = {
    "utils": set(),
    "model": {"utils"},
    "loss": {"utils"},
    "data": {"utils"},
    "predictor": {"model", "data", "eval", "utils"},
    "eval": {"model", "data", "utils", "predictor", "training"},
    "training": {"model", "loss", "data", "eval", "utils"},
    "train": {"training", "data", "model", "utils"},
    "extract": {"data", "utils"},
    "prepare": {"data", "utils"},
    "finetune": {"model", "data", "eval", "training", "utils"},
    "convert": {"model", "utils"},
}
# the only module of another app that eval may reach into
NARROW = {("eval", "training"): {"radzero.training.lightning_checkpoint"},
          ("finetune", "training"): {"radzero.training.checkpoint_io"},
          ("predictor", "eval"): {"radzero.eval.inference", "radzero.eval.checkpoint"}}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    return [n for n in names if n.startswith("radzero.")]


def _edges() -> list[tuple[str, str, str, str]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[0] == "__init__":
            continue
        source = parts[0]
        for name in _imports(path):
            target = name.split(".")[1]
            if target != source and target in ALLOWED:
                out.append((source, target, name, str(path.relative_to(PACKAGE))))
    return out


def test_the_library_never_imports_the_apps():
    edges = _edges()
    assert len(edges) > 50  # the scan sees the package
    bad = [(s, t, n, f) for s, t, n, f in edges if t not in ALLOWED[s]]
    assert not bad, "\n".join(f"{f}: {s} imports {n}" for s, t, n, f in bad)


@pytest.mark.parametrize("pair", sorted(NARROW))
def test_narrow_cross_app_imports(pair):
    allowed = NARROW[pair]
    used = {n for s, t, n, f in _edges() if (s, t) == pair and not any(n.startswith(a + ".") for a in allowed)}
    # "radzero.training.lightning_checkpoint.load_x" counts as the module; anything else is a violation
    assert used <= allowed, sorted(used - allowed)
