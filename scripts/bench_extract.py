#!/usr/bin/env python
"""Throughput of the extraction backends.

    python scripts/bench_extract.py [--openai-reports 2000] [--delay 0.02] [--concurrency 16]

rules:  reports/s over the IU-CXR reports shipped in torchxrayvision (data/NLMCXR_reports.tgz),
        or over a generated corpus when that package is missing; backend alone and the whole
        run (SQLite cache + output JSON).
openai: reports/s against a local OpenAI-compatible server on 127.0.0.1 that answers valid JSON
        after a fixed delay, at the given concurrency (ideal = concurrency / delay).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.append(str(REPO / "tests"))  # the fake OpenAI-compatible server lives in tests/helpers

from radzero.extract.cache import ExtractionCache  # noqa: E402
from radzero.extract.openai_backend import OpenAIExtractor  # noqa: E402
from radzero.extract.reports import Report, iter_openi_reports  # noqa: E402
from radzero.extract.rules import RulesExtractor  # noqa: E402
from radzero.extract.runner import run_extraction  # noqa: E402
from helpers.fake_server import FakeChatServer  # noqa: E402


def iu_reports() -> tuple[list[Report], str]:
    spec = importlib.util.find_spec("torchxrayvision")
    if spec and spec.submodule_search_locations:
        path = Path(list(spec.submodule_search_locations)[0]) / "data" / "NLMCXR_reports.tgz"
        if path.is_file():
            return [r for r in iter_openi_reports(path) if not r.error], f"IU-CXR ({path.name})"
    return generated_reports(4000), "generated corpus (torchxrayvision not installed)"


def generated_reports(n: int, seed: int = 0) -> list[Report]:
    rng = random.Random(seed)
    pos = ["Small left pleural effusion.", "Mild cardiomegaly.", "Patchy opacity in the right lower lobe.",
           "Bibasilar atelectasis.", "Moderate hiatal hernia.", "Calcified granuloma in the left upper lobe.",
           "Right internal jugular central venous catheter tip in the SVC.", "Possible right lower lobe pneumonia."]
    neg = ["No pneumothorax.", "No pleural effusion or pneumothorax.", "The lungs are clear.",
           "Heart size is normal.", "No focal consolidation.", "No acute bony abnormality."]
    out = []
    for i in range(n):
        sents = rng.sample(pos, rng.randint(0, 3)) + rng.sample(neg, rng.randint(2, 5))
        rng.shuffle(sents)
        out.append(Report(ids={"id": i}, findings=" ".join(sents), impression=rng.choice(
            ["No acute cardiopulmonary process.", "Stable exam.", sents[0]])))
    return out


def bench_rules(reports: list[Report], source: str) -> dict:
    ex = RulesExtractor()
    texts = [r.text for r in reports]
    t0 = time.perf_counter()
    res = ex.extract_batch(texts)
    dt = time.perf_counter() - t0
    n_sent = sum(len(r.key_phrases or []) for r in res)
    with tempfile.TemporaryDirectory() as d:
        with ExtractionCache(Path(d) / "c.sqlite") as cache:
            s = run_extraction(reports, ex, cache, Path(d) / "o.json", progress=False)
    return {"source": source, "reports": len(texts), "backend_reports_per_s": round(len(texts) / dt, 1),
            "run_reports_per_s": s["reports_per_second"], "run_seconds": s["run_seconds"],
            "sentences_per_report": round(n_sent / len(texts), 2),
            "share_with_sentence": round(sum(1 for r in res if r.key_phrases) / len(texts), 4)}


def _serve(queue, delay: float, max_requests: int) -> None:  # child process: the test server
    with FakeChatServer(delay_s=delay, max_requests=max_requests) as srv:
        queue.put(srv.base_url)
        queue.get()  # until the parent says stop
        queue.put(srv.max_in_flight)


def bench_openai(n: int, delay: float, concurrency: int) -> dict:
    """The server runs in its own process, so the numbers are the client's (httpx + asyncio +
    JSON validation + cache), not the Python test server's."""
    import multiprocessing as mp

    reports = generated_reports(n, seed=1)
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    proc = ctx.Process(target=_serve, args=(q, delay, 4 * n + 100), daemon=True)
    proc.start()
    try:
        url = q.get(timeout=60)
        ex = OpenAIExtractor(base_url=url, model="bench", concurrency=concurrency, timeout=30.0)
        ex.extract_batch([f"warm-up {i}" for i in range(concurrency)])
        c0, t0 = time.process_time(), time.perf_counter()
        res = ex.extract_batch([f"{r.text} #{i}" for i, r in enumerate(reports)])
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        ok = sum(r.ok for r in res)
        with tempfile.TemporaryDirectory() as d:  # whole run: cache + chunking + output
            with ExtractionCache(Path(d) / "c.sqlite") as cache:
                s = run_extraction(reports, ex, cache, Path(d) / "o.json", progress=False, chunk_size=1024)
        q.put("stop")
        max_in_flight = q.get(timeout=30)
    finally:
        proc.join(timeout=10)
        if proc.is_alive():
            proc.terminate()
    return {"reports": n, "delay_s": delay, "concurrency": concurrency, "ok": ok,
            "backend_reports_per_s": round(n / dt, 1), "ideal_reports_per_s": round(concurrency / delay, 1),
            "client_cpu_ms_per_report": round(1000 * cpu / n, 2),
            "run_reports_per_s": s["reports_per_second"], "unique_texts_in_run": s["unique_texts"],
            "server_max_in_flight": max_in_flight}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--openai-reports", type=int, default=2000)
    ap.add_argument("--delay", type=float, default=0.02)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    args = ap.parse_args()

    reports, source = iu_reports()
    out = {"machine": {"cpus": os.cpu_count(), "loadavg_1m": round(os.getloadavg()[0], 2)},
           "rules": bench_rules(reports, source),
           "openai": bench_openai(args.openai_reports, args.delay, args.concurrency)}
    r, o = out["rules"], out["openai"]
    print(f"rules  : {r['reports']} reports from {r['source']}: backend {r['backend_reports_per_s']} reports/s, "
          f"full run (cache+output) {r['run_reports_per_s']} reports/s; "
          f"{r['sentences_per_report']} sentences/report, {100 * r['share_with_sentence']:.1f}% with >= 1")
    print(f"openai : {o['reports']} reports, 127.0.0.1 server delay {o['delay_s'] * 1000:.0f} ms, "
          f"concurrency {o['concurrency']}: backend {o['backend_reports_per_s']} reports/s "
          f"(ideal {o['ideal_reports_per_s']}), full run {o['run_reports_per_s']} reports/s, "
          f"client CPU {o['client_cpu_ms_per_report']} ms/report, max in flight {o['server_max_in_flight']}")
    print(json.dumps(out, indent=2))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
