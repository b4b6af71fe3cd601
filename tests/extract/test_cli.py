"""The Hydra entry point: configs compose, backends instantiate, a run writes output + summary."""

from __future__ import annotations

import json
from pathlib import Path

import hydra
import pytest
from hydra import compose, initialize_config_dir

from radzero.extract.__main__ import run
from radzero.extract.openai_backend import OpenAIExtractor
from radzero.extract.prompt import Prompt, default_prompt_path
from helpers.fake_server import FakeChatServer

from radzero import CONFIG_DIR

CONFIGS = str(CONFIG_DIR)


def cfg_for(*overrides: str):
    with initialize_config_dir(config_dir=CONFIGS, version_base="1.3"):
        return compose(config_name="extract", overrides=list(overrides))


def test_rules_run_on_mimic_tree(mimic_tree, tmp_path):
    out = tmp_path / "out" / "kp.json"
    cfg = cfg_for(f"input.path={mimic_tree}", f"output={out}", f"cache.path={tmp_path / 'c.sqlite'}",
                  "progress=false")
    assert cfg.extractor._target_ == "radzero.extract.rules.RulesExtractor"
    summary = run(cfg)
    records = json.loads(out.read_text())
    assert [(r["subject_id"], r["study_id"]) for r in records] == [(10000001, 50000001), (10000002, 50000002)]
    assert records[0]["key_phrases"][0] == "There is small left pleural effusion"
    assert records[1]["key_phrases"] == ["There is no consolidation", "There is no pleural effusion"]
    saved = json.loads(out.with_name("kp.summary.json").read_text())
    assert saved["failed"] == 1 and saved["failed_inputs"] == 1
    assert "s50000003.txt" in saved["failures"][0]["reason"]
    assert saved["done"] == 2 and saved["sentences_per_report"] == summary["sentences_per_report"]
    assert run(cfg)["cached"] == 2  # second run: all from the cache


def test_openai_config_instantiates_and_runs(mimic_tree, tmp_path):
    with FakeChatServer() as srv:
        cfg = cfg_for(f"input.path={mimic_tree}", "extractor=openai", f"extractor.base_url={srv.base_url}",
                      "extractor.model=fake", f"output={tmp_path / 'kp.json'}", "cache.path=null",
                      "progress=false")
        ex = hydra.utils.instantiate(cfg.extractor, _convert_="all")
        assert isinstance(ex, OpenAIExtractor) and ex.concurrency == 16
        assert ex.prompt == Prompt.load(default_prompt_path())  # the config group is the prompt file
        summary = run(cfg)
    assert summary["done"] == 2 and summary["failed"] == 1 and len(srv.hits) == 2


def test_transformers_config_composes():
    cfg = cfg_for("input.path=x", "extractor=transformers")
    assert cfg.extractor._target_ == "radzero.extract.transformers_backend.TransformersExtractor"
    assert cfg.extractor.prompt.version == "v1" and cfg.extractor.batch_size == 8


def test_missing_input_path_is_an_error():
    cfg = cfg_for()
    with pytest.raises(Exception, match="input.path"):
        run(cfg)
