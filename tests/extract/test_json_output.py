from __future__ import annotations

import pytest

from radzero.extract.base import InvalidOutput, find_json_object, parse_key_phrases
from radzero.extract.prompt import Prompt, default_prompt_path


@pytest.mark.parametrize("text", [
    '{"key_phrases": ["There is small left pleural effusion", "There is no pneumothorax"]}',
    'Here is the answer:\n```json\n{"key_phrases": ["There is small left pleural effusion", "There is no pneumothorax"]}\n```',
    'Sure. {"key_phrases": ["There is small left pleural effusion", "There is no pneumothorax."]} Hope it helps {x}',
    '{"note": 1} {"key_phrases": ["There is small left pleural effusion", "There is no pneumothorax", "there is no pneumothorax"]}',
])
def test_parse_key_phrases_robust(text):
    out = parse_key_phrases(text) if "note" not in text else None
    if out is None:  # the first object has the wrong schema: reported, not guessed
        with pytest.raises(InvalidOutput, match="key_phrases"):
            parse_key_phrases(text)
        return
    assert out == ["There is small left pleural effusion", "There is no pneumothorax"]


@pytest.mark.parametrize("text,msg", [
    ("", "empty response"),
    ("There is effusion.", "no JSON object"),
    ('{"key_phrases": "There is effusion"}', "is not of type 'array'"),
    ('{"key_phrases": [1, 2]}', "is not of type 'string'"),
    ('{"phrases": []}', "'key_phrases' is a required property"),
    ("['There is effusion']", "no JSON object"),  # a Python literal is not JSON
])
def test_parse_key_phrases_rejects(text, msg):
    with pytest.raises(InvalidOutput, match=msg):
        parse_key_phrases(text)


def test_never_evaluates_model_output(tmp_path):
    marker = tmp_path / "pwned"
    evil = f"__import__('pathlib').Path({str(marker)!r}).write_text('x')"
    with pytest.raises(InvalidOutput):
        parse_key_phrases(evil)
    with pytest.raises(InvalidOutput):
        find_json_object("{" + evil + "}")
    assert not marker.exists()


def test_prompt_config_and_version():
    p = Prompt.load(default_prompt_path())
    assert p.version == "v1"
    assert p.cache_version.startswith("v1+")
    msgs = p.messages("FINDINGS: No effusion.")
    assert [m["role"] for m in msgs] == ["system", "user", "assistant", "user"]
    assert msgs[-1]["content"].endswith("FINDINGS: No effusion.")
    assert parse_key_phrases(p.example_output)  # the one-shot example obeys the schema itself
    assert "bad JSON" in p.reask("bad JSON")["content"]
    edited = Prompt(**{**p.__dict__, "system": p.system + " Be brief."})
    assert edited.version == p.version and edited.cache_version != p.cache_version
