"""The bad-input matrix: every case must fail with a message that names the offending file, row or key,
and must leave every file that existed before untouched (nothing written before is changed or deleted).

Cases cover the train / eval / extract apps (through their composed Hydra configs), the Python API and
every dataset reader. A case is ``setup(tmp) -> (call, exception type(s), [texts the message must hold])``.
The cases live by area in ``tests/helpers/bad_input_cases/`` (train_app, eval_app, extract_app, api, readers);
the registry (``case``, ``CASES``) and their shared helpers in ``tests/helpers/bad_input.py``.
"""

from __future__ import annotations

import helpers.bad_input_cases  # noqa: F401  (registers every case: train / eval / extract / API / readers)
import pytest
from helpers.bad_input import CASES, _out, _snapshot


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input(name, tmp_path, capsys):
    tmp = tmp_path / "case"
    tmp.mkdir()
    call, expected, texts = CASES[name](tmp)
    _out(tmp)
    before = _snapshot(tmp)
    with pytest.raises(expected) as error:
        call()
    message = str(error.value)
    missing = [text for text in texts if text not in message]
    print(f"\n[bad input] {name}: {type(error.value).__name__}: {message[:300]}")
    assert not missing, f"message lacks {missing}: {message}"
    assert "Secret^Name" not in message and "Secret" not in capsys.readouterr().err  # no patient fields
    after = _snapshot(tmp)
    changed = [path for path, state in before.items() if after.get(path) != state]
    assert not changed, f"files written before were changed or deleted: {changed}"


def test_the_matrix_has_enough_cases():
    print(f"\n[bad input] {len(CASES)} cases")
    assert len(CASES) >= 40
