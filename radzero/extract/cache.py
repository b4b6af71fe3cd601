"""Persistent extraction cache: SQLite (WAL), one row per key.

key = sha256 of (report text, prompt version, backend, model). A row is `done` (key_phrases) or
`failed` (error). A re-run skips done rows; failed rows are retried only when asked.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from pathlib import Path
from typing import Iterable, Iterator

from .base import Result

__all__ = ["ExtractionCache", "cache_key", "CachedRow"]


def cache_key(text: str, prompt_version: str, backend: str, model: str) -> str:
    payload = json.dumps([text, prompt_version, backend, model], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class CachedRow(tuple):
    """(status, key_phrases | None, error | None, attempts)."""

    @property
    def status(self) -> str:
        return self[0]

    @property
    def key_phrases(self) -> list[str] | None:
        return self[1]

    @property
    def error(self) -> str | None:
        return self[2]


_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    key          TEXT PRIMARY KEY,
    status       TEXT NOT NULL CHECK (status IN ('done', 'failed')),
    key_phrases  TEXT,
    error        TEXT,
    attempts     INTEGER NOT NULL DEFAULT 1,
    backend      TEXT,
    model        TEXT,
    prompt_version TEXT,
    raw          TEXT,
    updated      REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS results_status ON results(status);
"""


class ExtractionCache:
    """`path=None` or ":memory:" keeps the cache in memory (no resume)."""

    def __init__(self, path: str | Path | None, timeout: float = 30.0) -> None:
        self.path = ":memory:" if path in (None, "", ":memory:") else str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(self.path, timeout=timeout)
        if self.path != ":memory:":
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.executescript(_SCHEMA)
        self.conn.commit()

    def get_many(self, keys: Iterable[str]) -> dict[str, CachedRow]:
        keys = list(dict.fromkeys(keys))
        out: dict[str, CachedRow] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            q = ("SELECT key, status, key_phrases, error, attempts FROM results WHERE key IN "
                 f"({','.join('?' * len(chunk))})")
            for key, status, kp, err, att in self.conn.execute(q, chunk):
                out[key] = CachedRow((status, json.loads(kp) if kp is not None else None, err, att))
        return out

    def put_many(self, items: Iterable[tuple[str, Result]], identity: dict[str, str]) -> int:
        now = time.time()
        rows = [(key, "done" if r.ok else "failed",
                 json.dumps(r.key_phrases, ensure_ascii=False) if r.ok else None,
                 r.error, r.attempts, identity.get("backend"), identity.get("model"),
                 identity.get("prompt_version"), None if r.ok else r.raw, now)
                for key, r in items]
        if rows:
            with self.conn:
                self.conn.executemany(
                    "INSERT OR REPLACE INTO results (key, status, key_phrases, error, attempts, "
                    "backend, model, prompt_version, raw, updated) VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
        return len(rows)

    def counts(self) -> dict[str, int]:
        return {s: n for s, n in self.conn.execute("SELECT status, COUNT(*) FROM results GROUP BY status")}

    def failures(self) -> Iterator[tuple[str, str]]:
        yield from self.conn.execute("SELECT key, error FROM results WHERE status='failed'")

    def __len__(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM results").fetchone()[0]

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "ExtractionCache":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
