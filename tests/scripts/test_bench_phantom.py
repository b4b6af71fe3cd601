"""scripts/bench_phantom.py: --help works, and a folder it did not create is never deleted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "bench_phantom.py"


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=300)


def test_help():
    done = _run("--help")
    assert done.returncode == 0 and "usage: python scripts/bench_phantom.py" in done.stdout


def test_an_existing_folder_survives_a_refused_run(tmp_path):
    (tmp_path / "mine.txt").write_text("keep me")
    done = _run(f"out_dir={tmp_path}", "n_train=2")
    assert done.returncode == 1 and "not empty" in done.stderr
    assert (tmp_path / "mine.txt").read_text() == "keep me"
