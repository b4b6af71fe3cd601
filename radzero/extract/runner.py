"""The extraction run: cache look-up, batched backend calls, progress, output and summary."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any, Sequence

from radzero.utils.atomic import atomic_write_json
from radzero.utils.progress import RateLog, is_interactive

from .base import Extractor, Result
from .cache import ExtractionCache, cache_key
from .reports import Report, expand_with_metadata

__all__ = ["run_extraction", "summary_path_for"]

log = logging.getLogger(__name__)


def summary_path_for(output: str | Path) -> Path:
    output = Path(output)
    return output.with_name(output.stem + ".summary.json")


def _progress(enabled: bool):
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn,
                               TaskProgressColumn, TextColumn, TimeElapsedColumn,
                               TimeRemainingColumn)
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task):  # type: ignore[override]
            speed = task.finished_speed or task.speed
            return Text("  -- rep/s" if speed is None else f"{speed:7.1f} rep/s")

    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TaskProgressColumn(), RateColumn(), TimeElapsedColumn(), TextColumn("ETA"),
                    TimeRemainingColumn(), disable=not enabled, transient=False)


class _Flusher:
    """Buffers results from the backend's callback and writes them to the cache in small
    transactions (every `every` results or `interval` seconds): a kill loses little work."""

    def __init__(self, cache: ExtractionCache, identity: dict[str, str], every: int,
                 interval: float) -> None:
        self.cache, self.identity = cache, identity
        self.every, self.interval = max(1, every), interval
        self.buf: list[tuple[str, Result]] = []
        self.written: set[str] = set()
        self.last = time.monotonic()

    def add(self, key: str, res: Result) -> None:
        self.buf.append((key, res))
        if len(self.buf) >= self.every or time.monotonic() - self.last >= self.interval:
            self.flush()

    def flush(self) -> None:
        if self.buf:
            self.cache.put_many(self.buf, self.identity)
            self.written.update(k for k, _ in self.buf)
            self.buf = []
        self.last = time.monotonic()


def run_extraction(
    reports: Sequence[Report],
    extractor: Extractor,
    cache: ExtractionCache,
    output: str | Path | None = None,
    *,
    chunk_size: int = 1024,
    retry_failed: bool = False,
    drop_empty: bool = True,
    keep_failed: bool = False,
    progress: bool = True,
    flush_every: int = 64,
    flush_interval: float = 1.0,
    metadata_csv: str | Path | None = None,
    split_csv: str | Path | None = None,
    max_failures_listed: int = 1000,
) -> dict[str, Any]:
    """Extract key phrases for `reports`, using and filling `cache`; write the RadZero-style JSON
    to `output` (and `<stem>.summary.json` beside it). Returns the summary, plus the output
    records under "records" (not written to the summary file)."""
    t0 = time.perf_counter()
    ident = extractor.identity()
    failures: list[dict[str, Any]] = []
    keys: list[str | None] = []
    texts: dict[str, str] = {}
    for rep in reports:
        if rep.error:
            failures.append({"source": rep.source, "ids": rep.ids, "reason": rep.error, "stage": "input"})
            keys.append(None)
            continue
        k = cache_key(rep.text, ident["prompt_version"], ident["backend"], ident["model"])
        keys.append(k)
        texts.setdefault(k, rep.text)

    before = cache.get_many(texts)
    cached_done = sum(1 for k in texts if k in before and before[k].status == "done")
    cached_failed = sum(1 for k in texts if k in before and before[k].status == "failed")
    todo = [k for k in texts if k not in before or (retry_failed and before[k].status == "failed")]
    log.info("%d reports (%d unusable), %d unique texts: %d cached done, %d cached failed%s, %d to run "
             "[%s model=%s prompt=%s]", len(reports), sum(k is None for k in keys), len(texts),
             cached_done, cached_failed, " (retrying)" if retry_failed else " (skipped)",
             len(todo), ident["backend"], ident["model"] or "-", ident["prompt_version"] or "-")

    flusher = _Flusher(cache, ident, flush_every, flush_interval)
    n_ok = n_fail = 0
    t_run = time.perf_counter()
    interactive = progress and is_interactive()
    # no terminal (SLURM logs, | tee): a log line every 30 s instead of the live bar
    rate_log = RateLog(log, f"extract [{ident['backend']}]", len(todo), "reports") if progress and not interactive \
        else None
    with _progress(interactive) as prog:
        task = prog.add_task(f"extract [{ident['backend']}]", total=len(todo))
        try:
            for start in range(0, len(todo), max(1, chunk_size)):
                chunk = todo[start:start + chunk_size]
                seen: set[int] = set()

                def on_result(i: int, res: Result, chunk=chunk, seen=seen) -> None:
                    nonlocal n_ok, n_fail
                    if i in seen:
                        return
                    seen.add(i)
                    n_ok += res.ok
                    n_fail += not res.ok
                    flusher.add(chunk[i], res)
                    prog.advance(task)
                    if rate_log is not None:
                        rate_log.update()

                results = extractor.extract_batch([texts[k] for k in chunk], on_result)
                if len(results) != len(chunk):
                    raise RuntimeError(f"{type(extractor).__name__} returned {len(results)} results "
                                       f"for {len(chunk)} reports")
                for i, res in enumerate(results):  # backends that do not call on_result
                    on_result(i, res)
                flusher.flush()
        finally:
            flusher.flush()  # an exception or Ctrl-C keeps every finished report
    run_s = time.perf_counter() - t_run

    final = cache.get_many(texts)
    records: list[dict[str, Any]] = []
    n_sent: list[int] = []
    n_empty = 0
    for rep, k in zip(reports, keys):
        if k is None:
            continue
        row = final.get(k)
        if row is None or row.status != "done":
            reason = row.error if row is not None else "not processed"
            failures.append({"source": rep.source, "ids": rep.ids, "reason": reason, "stage": "extract"})
            if keep_failed:
                records.append({**rep.ids, "findings": rep.findings, "impression": rep.impression,
                                "key_phrases": [], "error": reason})
            continue
        phrases = list(row.key_phrases or [])
        n_sent.append(len(phrases))
        if not phrases:
            n_empty += 1
            if drop_empty:
                continue
        records.append({**rep.ids, "findings": rep.findings, "impression": rep.impression,
                        "key_phrases": phrases})
    if metadata_csv:
        records = expand_with_metadata(records, metadata_csv, split_csv)

    n_reports_ok = len(n_sent)
    summary: dict[str, Any] = {
        "backend": ident["backend"], "model": ident["model"], "prompt_version": ident["prompt_version"],
        "reports": len(reports),
        "unique_texts": len(texts),
        "done": n_ok,                       # extracted in this run
        "cached": cached_done,              # skipped: already done in the cache
        "failed": len(failures),            # reports without a result (inputs + extraction)
        "failed_inputs": sum(1 for f in failures if f["stage"] == "input"),
        "failed_extraction": sum(1 for f in failures if f["stage"] == "extract"),
        "failed_this_run": n_fail,          # unique texts whose extraction failed in this run
        "cached_failures_skipped": 0 if retry_failed else cached_failed,
        "reports_with_phrases": n_reports_ok - n_empty,
        "empty_reports_dropped": n_empty if drop_empty else 0,
        "records_written": len(records),
        "sentences_per_report": (sum(n_sent) / n_reports_ok) if n_reports_ok else 0.0,
        "sentences_total": sum(n_sent),
        "run_seconds": round(run_s, 3),
        "reports_per_second": round(len(todo) / run_s, 2) if run_s > 0 and todo else None,
        "elapsed_seconds": round(time.perf_counter() - t0, 3),
        "output": str(output) if output else None,
        "cache": cache.path,
        "failures": failures[:max_failures_listed],
        "failures_truncated": max(0, len(failures) - max_failures_listed),
    }
    if output:
        atomic_write_json(output, records)
        atomic_write_json(summary_path_for(output), summary)
    log.info("done %d, cached %d, failed %d (inputs %d, extraction %d), %.2f sentences/report, "
             "%d records -> %s", summary["done"], summary["cached"], summary["failed"],
             summary["failed_inputs"], summary["failed_extraction"], summary["sentences_per_report"],
             len(records), output)
    for f in failures[:20]:
        reason = f["reason"] if f["source"] and f["source"] in f["reason"] else f"{f['source']}: {f['reason']}"
        log.warning("failed: %s", reason)
    if len(failures) > 20:
        log.warning("... and %d more failures (see the summary JSON)", len(failures) - 20)
    return {**summary, "records": records}
