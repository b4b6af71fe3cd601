"""`python -m radzero.extract input.path=<reports> [extractor=rules|openai|transformers] ...`

Examples:
    python -m radzero.extract input.path=/data/mimic-cxr/2.0.0/files
    python -m radzero.extract input.path=/data/mimic-cxr/2.0.0/files extractor=openai \\
        extractor.base_url=http://127.0.0.1:8000/v1 extractor.model=meta-llama/Llama-3.3-70B-Instruct \\
        input.metadata_csv=/data/mimic-cxr-jpg/2.0.0/mimic-cxr-2.0.0-metadata.csv \\
        input.split_csv=/data/mimic-cxr-jpg/2.0.0/mimic-cxr-2.0.0-split.csv
    python -m radzero.extract input.path=... retry_failed=true      # retry only the failures
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import hydra
from omegaconf import DictConfig, OmegaConf

from radzero.utils.app_exit import exit_for_input_error
from radzero.utils.validate import number, writable_dir

from .cache import ExtractionCache
from .reports import load_reports
from .runner import run_extraction

log = logging.getLogger("radzero.extract")


def run(cfg: DictConfig) -> dict[str, Any]:
    """Run one extraction from a composed `extract` config; returns the summary."""
    logging.getLogger("radzero").setLevel(cfg.get("log_level", "INFO"))
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one INFO line per request otherwise
    inp = cfg.input
    id_cols = list(inp.id_cols) if inp.get("id_cols") is not None else None
    limit = number(inp.get("limit"), "input.limit", minimum=1, integer=True, allow_none=True)
    for key in ("chunk_size", "flush_every"):
        number(cfg.get(key, 1), key, minimum=1, integer=True)
    writable_dir(Path(str(cfg.output)).parent, "output (its folder)")
    if cfg.cache.get("path"):
        writable_dir(Path(str(cfg.cache.path)).parent, "cache.path (its folder)")
    reports = load_reports(inp.path, inp.format, inp.findings_col, inp.impression_col, id_cols, limit)
    log.info("read %d reports from %s", len(reports), inp.path)
    extractor = hydra.utils.instantiate(cfg.extractor, _convert_="all")
    try:
        with ExtractionCache(cfg.cache.path) as cache:
            summary = run_extraction(
                reports, extractor, cache, cfg.output,
                chunk_size=cfg.chunk_size, retry_failed=cfg.retry_failed, drop_empty=cfg.drop_empty,
                keep_failed=cfg.keep_failed, progress=cfg.progress, flush_every=cfg.flush_every,
                flush_interval=cfg.flush_interval, metadata_csv=inp.get("metadata_csv"),
                split_csv=inp.get("split_csv"))
    finally:
        extractor.close()
    short = {k: v for k, v in summary.items() if k not in ("failures", "records")}
    log.info("summary: %s", json.dumps(short))
    return summary


@hydra.main(version_base="1.3", config_path="../configs", config_name="extract")
def main(cfg: DictConfig) -> None:
    """Hydra entry point; a bad input exits with status 1 and a one-line reason naming the file, row or key."""
    log.debug("config:\n%s", OmegaConf.to_yaml(cfg))
    try:
        run(cfg)
    except (ValueError, FileNotFoundError) as error:  # ConfigError, unreadable / empty inputs, bad tables
        exit_for_input_error(error, log)


if __name__ == "__main__":
    main()
