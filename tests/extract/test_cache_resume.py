"""Persistent cache: re-runs skip finished reports, interrupted runs resume, failures retry alone."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Sequence

import pytest

from radzero.extract.base import Extractor, Result
from radzero.extract.cache import ExtractionCache, cache_key
from radzero.extract.openai_backend import OpenAIExtractor
from radzero.extract.prompt import Prompt
from radzero.extract.reports import Report, load_reports
from radzero.extract.rules import RulesExtractor
from radzero.extract.runner import run_extraction, summary_path_for
from helpers.fake_server import FakeChatServer

REPO = Path(__file__).resolve().parents[2]


class CountingExtractor(Extractor):
    """Rules backend that counts the texts it is given and can fail after N of them."""

    backend = "counting"

    def __init__(self, fail_after: int | None = None) -> None:
        self.inner = RulesExtractor()
        self.seen: Counter[str] = Counter()
        self.fail_after = fail_after

    def extract_batch(self, texts: Sequence[str], on_result=None) -> list[Result]:
        out = []
        for i, t in enumerate(texts):
            if self.fail_after is not None and sum(self.seen.values()) >= self.fail_after:
                raise RuntimeError("injected crash")
            self.seen[t] += 1
            res = self.inner.extract_batch([t])[0]
            out.append(res)
            if on_result:
                on_result(i, res)
        return out


def reports(n: int) -> list[Report]:
    return [Report(ids={"study_id": i}, findings=f"Report {i}: small left pleural effusion. No pneumothorax.")
            for i in range(n)]


def test_cache_key_depends_on_every_part():
    base = cache_key("t", "v1", "openai", "m")
    assert len(base) == 64
    assert len({base, cache_key("t2", "v1", "openai", "m"), cache_key("t", "v2", "openai", "m"),
                cache_key("t", "v1", "rules", "m"), cache_key("t", "v1", "openai", "m2")}) == 5


def test_rerun_skips_done_and_output_is_atomic(tmp_path):
    reps = reports(30) + [reports(1)[0]]  # a duplicate text is extracted once
    db, out = tmp_path / "cache.sqlite", tmp_path / "out" / "kp.json"
    ex = CountingExtractor()
    with ExtractionCache(db) as cache:
        s1 = run_extraction(reps, ex, cache, out, progress=False, chunk_size=7)
    assert s1["done"] == 30 and s1["cached"] == 0 and s1["records_written"] == 31
    assert sum(ex.seen.values()) == 30
    assert sqlite3.connect(db).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    ex2 = CountingExtractor()
    with ExtractionCache(db) as cache:
        s2 = run_extraction(reps, ex2, cache, out, progress=False)
    assert sum(ex2.seen.values()) == 0 and s2["cached"] == 30 and s2["done"] == 0
    data = json.loads(out.read_text())
    assert len(data) == 31 and data[0]["key_phrases"] == ["There is small left pleural effusion",
                                                          "There is no pneumothorax"]
    summ = json.loads(summary_path_for(out).read_text())
    assert summ["cached"] == 30 and summ["sentences_per_report"] == 2.0
    assert not [p for p in out.parent.iterdir() if p.name.endswith(".tmp")]


def test_injected_crash_then_resume_without_redoing(tmp_path):
    reps = reports(50)
    db = tmp_path / "cache.sqlite"
    ex = CountingExtractor(fail_after=23)
    with ExtractionCache(db) as cache, pytest.raises(RuntimeError, match="injected crash"):
        run_extraction(reps, ex, cache, tmp_path / "o.json", progress=False, chunk_size=10, flush_every=1000)
    with ExtractionCache(db) as cache:
        assert cache.counts() == {"done": 23}  # every finished report was flushed before the crash
    ex2 = CountingExtractor()
    with ExtractionCache(db) as cache:
        s = run_extraction(reps, ex2, cache, tmp_path / "o.json", progress=False, chunk_size=10)
    assert sum(ex2.seen.values()) == 27 and max(ex2.seen.values()) == 1
    assert not set(ex.seen) & set(ex2.seen)
    assert s["cached"] == 23 and s["done"] == 27 and s["records_written"] == 50


def test_failures_are_recorded_and_retried_alone(tmp_path):
    reps = [Report(ids={"i": i}, findings=f"Report {i}. {'[[500-once]]' if i in (3, 7) else ''}")
            for i in range(10)]
    db = tmp_path / "c.sqlite"
    with FakeChatServer() as srv:
        def ex():
            return OpenAIExtractor(base_url=srv.base_url, model="m", max_retries=0, backoff_base=0.01,
                                   timeout=2.0, concurrency=4)
        with ExtractionCache(db) as cache:
            s1 = run_extraction(reps, ex(), cache, tmp_path / "o.json", progress=False)
        assert s1["failed"] == 2 and s1["done"] == 8
        assert {f["ids"]["i"] for f in s1["failures"]} == {3, 7}
        assert all("HTTP 500" in f["reason"] for f in s1["failures"])
        n_hits = srv.total
        with ExtractionCache(db) as cache:  # plain re-run: failures stay failures, nothing is sent
            s2 = run_extraction(reps, ex(), cache, tmp_path / "o.json", progress=False)
        assert srv.total == n_hits and s2["cached_failures_skipped"] == 2 and s2["failed"] == 2
        with ExtractionCache(db) as cache:  # retry_failed: only the two failures are sent again
            s3 = run_extraction(reps, ex(), cache, tmp_path / "o.json", progress=False, retry_failed=True)
        assert srv.total == n_hits + 2 and s3["failed"] == 0 and s3["cached"] == 8
        assert s3["records_written"] == 10


def _cached_keys(db: Path) -> set[str]:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return {k for (k,) in con.execute("SELECT key FROM results WHERE status='done'")}
        finally:
            con.close()
    except sqlite3.OperationalError:
        return set()


@pytest.mark.slow
def test_cli_killed_halfway_resumes(tmp_path):
    """SIGKILL a `python -m radzero.extract` run after >= 12 cached rows; the re-run sends only
    the reports that were not cached (server hits counted per report)."""
    n = 60
    root = tmp_path / "files"
    for i in range(n):
        d = root / "p10" / f"p{10000000 + i}"
        d.mkdir(parents=True)
        (d / f"s{50000000 + i}.txt").write_text(
            f" FINAL REPORT\n FINDINGS: Report {i:03d}. Mild cardiomegaly.\n\n IMPRESSION: No effusion.\n")
    db, out = tmp_path / "cache.sqlite", tmp_path / "kp.json"
    with FakeChatServer(delay_s=0.05) as srv:
        cmd = [sys.executable, "-m", "radzero.extract", f"input.path={root}", "extractor=openai",
               f"extractor.base_url={srv.base_url}", "extractor.model=fake-model",
               "extractor.concurrency=2", "extractor.backoff_base=0.01", "chunk_size=16", "flush_every=1",
               "progress=false", f"output={out}", f"cache.path={db}", f"hydra.run.dir={tmp_path / 'hydra'}"]
        env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        try:
            while len(_cached_keys(db)) < 12:
                assert proc.poll() is None, proc.stdout.read().decode()[-3000:]
                assert time.monotonic() < deadline, "no progress within 60 s"
                time.sleep(0.02)
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.wait(timeout=30)
        cached = _cached_keys(db)
        assert 12 <= len(cached) < n and not out.exists()
        first_run_hits = len(srv.hits)

        rc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
        assert rc.returncode == 0, rc.stdout[-3000:] + rc.stderr[-3000:]
        second = Counter(r for r, reask, _ in srv.hits[first_run_hits:] if not reask)

    version = Prompt.load(None).cache_version
    texts = {r.text: cache_key(r.text, version, "openai", "fake-model") for r in load_reports(root)}
    for text, key in texts.items():
        sent = second["Report:\n" + text]
        assert sent == (0 if key in cached else 1), (text, sent)
    assert sum(second.values()) == n - len(cached)
    records = json.loads(out.read_text())
    assert len(records) == n
    assert all(r["key_phrases"][0].startswith(f"There is finding for FINDINGS: {r['findings'][:10]}")
               for r in records)
    summ = json.loads(summary_path_for(out).read_text())
    assert summ["cached"] == len(cached) and summ["done"] == n - len(cached) and summ["failed"] == 0
