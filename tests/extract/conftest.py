from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from helpers.fake_server import FakeChatServer
from helpers.mimic_layout import REPORT_1

FIXTURES = Path(__file__).parent / "fixtures"

# the example MIMIC report (the same text the MIMIC reader tests use)
MIMIC_REPORT = REPORT_1


def iu_reports_path() -> Path | None:
    """NLMCXR_reports.tgz inside the installed torchxrayvision package (found without importing it)."""
    spec = importlib.util.find_spec("torchxrayvision")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / "NLMCXR_reports.tgz"
    return path if path.is_file() else None


@pytest.fixture
def fake_server():
    with FakeChatServer(sleep_s=1.0, max_requests=2000) as srv:
        yield srv


@pytest.fixture
def mimic_tree(tmp_path: Path) -> Path:
    """files/p1X/p<subject>/s<study>.txt with one good report, one without sections, one empty."""
    root = tmp_path / "files"
    (root / "p10" / "p10000001").mkdir(parents=True)
    (root / "p10" / "p10000001" / "s50000001.txt").write_text(MIMIC_REPORT)
    (root / "p10" / "p10000002").mkdir(parents=True)
    (root / "p10" / "p10000002" / "s50000002.txt").write_text(
        "                                 FINAL REPORT\n INDICATION:  ___ with cough.\n\n"
        " PA and lateral views of the chest.  The lungs are clear.  No pleural effusion.\n")
    (root / "p11" / "p11000003").mkdir(parents=True)
    (root / "p11" / "p11000003" / "s50000003.txt").write_text("   FINAL REPORT\n\n")
    return root
