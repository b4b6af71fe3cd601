"""The openai backend against a real HTTP server on 127.0.0.1 (tests/helpers/fake_server.py)."""

from __future__ import annotations

import socket

from radzero.extract.cache import ExtractionCache
from radzero.extract.openai_backend import OpenAIExtractor
from radzero.extract.reports import Report
from radzero.extract.runner import run_extraction
from helpers.fake_server import FakeChatServer


def make(srv: FakeChatServer, **kw) -> OpenAIExtractor:
    args = dict(base_url=srv.base_url, model="fake-model", timeout=0.3, connect_timeout=0.5,
                max_retries=2, backoff_base=0.01, backoff_max=0.05, max_reasks=2, concurrency=4)
    args.update(kw)
    return OpenAIExtractor(**args)


def rep(i: int, marker: str = "") -> Report:
    return Report(ids={"study_id": i}, findings=f"Report {i}. Small left effusion. {marker}".strip())


def test_valid_invalid_500_timeout(fake_server, tmp_path):
    markers = ["", "[[invalid-once]]", "[[invalid-always]]", "[[schema-always]]", "[[500-once]]",
               "[[500-always]]", "[[timeout-once]]", "[[timeout-always]]", "[[fenced]]"]
    reports = [rep(i, m) for i, m in enumerate(markers)]
    ex = make(fake_server)
    with ExtractionCache(tmp_path / "c.sqlite") as cache:
        summary = run_extraction(reports, ex, cache, tmp_path / "out.json", progress=False)
        failed_rows = dict(cache.failures())
    by_id = {f["ids"]["study_id"]: f["reason"] for f in summary["failures"]}
    ok_ids = {r["study_id"] for r in summary["records"]}
    assert ok_ids == {0, 1, 4, 6, 8}                      # retried / re-asked / fenced answers succeed
    assert set(by_id) == {2, 3, 5, 7} and len(failed_rows) == 4
    assert "invalid output after 3 answers: no JSON object found" in by_id[2]
    assert "is not of type 'array'" in by_id[3]
    assert "gave up after 3 tries: HTTP 500" in by_id[5]
    assert "gave up after 3 tries: timeout after 0.3 s" in by_id[7]
    assert summary["done"] == 5 and summary["failed"] == 4 and summary["cached"] == 0
    # the server saw exactly the calls the policy implies
    hits = {r.split("Report ", 1)[1].split(".", 1)[0]: n for r, n in fake_server.per_report.items()}
    assert hits == {"0": 1, "1": 2, "2": 3, "3": 3, "4": 2, "5": 3, "6": 2, "7": 3, "8": 1}
    # a re-ask carries the previous answer and the validation error
    reask = [body for r, is_reask, body in fake_server.hits if is_reask and "[[invalid-once]]" in r][0]
    assert reask["messages"][-2]["role"] == "assistant"
    assert "no JSON object found" in reask["messages"][-1]["content"]
    assert all(b.get("response_format") == {"type": "json_object"} for _, _, b in fake_server.hits)
    # the record carries the answer for its own report
    rec = next(r for r in summary["records"] if r["study_id"] == 8)
    assert rec["key_phrases"][0].startswith("There is finding for FINDINGS: Report 8.")


def test_concurrency_is_bounded():
    with FakeChatServer(delay_s=0.05) as srv:
        ex = make(srv, concurrency=3, timeout=5.0)
        res = ex.extract_batch([f"FINDINGS: report {i}" for i in range(24)])
    assert all(r.ok for r in res)
    assert 2 <= srv.max_in_flight <= 3


def test_response_format_dropped_when_rejected():
    with FakeChatServer(reject_response_format=True) as srv:
        ex = make(srv)
        res = ex.extract_batch(["FINDINGS: a", "FINDINGS: b"])
        assert all(r.ok for r in res)
        assert "response_format" not in srv.hits[-1][2]


def test_api_key_from_named_env_var(monkeypatch):
    monkeypatch.setenv("RADZERO_TEST_LLM_KEY", "sk-local-123")
    with FakeChatServer() as srv:
        ex = make(srv, api_key_env="RADZERO_TEST_LLM_KEY")
        assert ex.extract_batch(["FINDINGS: a"])[0].ok
        assert srv.headers[0].get("Authorization") == "Bearer sk-local-123"


def test_client_errors_and_refused_connections_become_failures():
    with FakeChatServer() as srv:
        res = make(srv, base_url=srv.base_url.replace("/v1", "/nope")).extract_batch(["FINDINGS: a"])
    assert not res[0].ok and "HTTP 404" in res[0].error
    with socket.socket() as s:  # a free port on 127.0.0.1 with nobody listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ex = OpenAIExtractor(base_url=f"http://127.0.0.1:{port}/v1", model="m", max_retries=1,
                         backoff_base=0.01, timeout=0.5, connect_timeout=0.5)
    res = ex.extract_batch(["FINDINGS: a"])
    assert not res[0].ok and "connection error" in res[0].error
