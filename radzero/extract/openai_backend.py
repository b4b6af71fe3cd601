"""Backend for any OpenAI-compatible chat endpoint (vLLM, TGI, Ollama, llama.cpp server, ...).

Concurrency: an asyncio.Semaphore bounds the requests in flight (a back-off sleep holds no slot).
Transport retries: 5xx, 408, 429, timeouts and connection errors, with exponential back-off and
jitter (Retry-After honoured). Output: response_format json_object when the server supports it
("auto" drops it after a 400 that names it), the first JSON object found in the text, validated
against {"key_phrases": [str, ...]}; an invalid answer is re-asked with the validation error, up
to `max_reasks` times. Nothing the model returns is ever evaluated as code.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
from typing import Any, Mapping, Sequence

import httpx

from .base import Extractor, InvalidOutput, ProgressCallback, Result, parse_key_phrases
from .prompt import Prompt

__all__ = ["OpenAIExtractor", "TransportError"]

log = logging.getLogger(__name__)

_RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


class TransportError(RuntimeError):
    """The endpoint could not give an answer after all retries (or refused the request)."""


class OpenAIExtractor(Extractor):
    backend = "openai"

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8000/v1",
        model: str = "meta-llama/Llama-3.3-70B-Instruct",
        prompt: Prompt | Mapping[str, Any] | str | None = None,
        api_key_env: str | None = "OPENAI_API_KEY",
        concurrency: int = 16,
        timeout: float = 120.0,
        connect_timeout: float = 10.0,
        max_retries: int = 5,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
        max_reasks: int = 5,
        temperature: float = 0.0,
        max_tokens: int | None = 1024,
        response_format: str | None = "auto",  # "auto" | "json_object" | None
        extra_body: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be >= 1")
        if response_format not in ("auto", "json_object", None, "none"):
            raise ValueError("response_format must be auto, json_object or null")
        self.base_url = base_url.rstrip("/")
        self._model = model
        self.prompt = Prompt.load(prompt)
        self.api_key_env = api_key_env
        self.concurrency = int(concurrency)
        self.timeout = float(timeout)
        self.connect_timeout = float(connect_timeout)
        self.max_retries = int(max_retries)
        self.backoff_base = float(backoff_base)
        self.backoff_max = float(backoff_max)
        self.max_reasks = int(max_reasks)
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.response_format = None if response_format == "none" else response_format
        self._use_json_mode = self.response_format is not None
        self.extra_body = dict(extra_body or {})
        self.headers = {"Content-Type": "application/json", **dict(headers or {})}
        key = os.environ.get(api_key_env) if api_key_env else None
        if key:
            self.headers["Authorization"] = f"Bearer {key}"
        elif api_key_env:
            log.info("environment variable %s is not set: sending no API key", api_key_env)
        self.stats = {"requests": 0, "retries": 0, "reasks": 0}

    @property
    def model(self) -> str:
        return self._model

    @property
    def prompt_version(self) -> str:
        return self.prompt.cache_version

    # ------------------------------------------------------------------ HTTP
    def _client(self) -> httpx.AsyncClient:
        limits = httpx.Limits(max_connections=self.concurrency,
                              max_keepalive_connections=self.concurrency)
        timeout = httpx.Timeout(self.timeout, connect=self.connect_timeout)
        return httpx.AsyncClient(base_url=self.base_url, headers=self.headers, timeout=timeout,
                                 limits=limits)

    def _backoff(self, attempt: int, retry_after: str | None = None) -> float:
        if retry_after:
            try:
                return min(self.backoff_max, max(0.0, float(retry_after)))
            except ValueError:
                pass
        delay = min(self.backoff_max, self.backoff_base * (2 ** attempt))
        return delay * (0.5 + random.random() / 2)  # jitter in [delay/2, delay]

    async def _chat(self, client: httpx.AsyncClient, sem: asyncio.Semaphore,
                    messages: list[dict[str, str]]) -> str:
        """One chat completion with transport retries; returns the message content."""
        last = ""
        attempt = 0
        while attempt <= self.max_retries:
            body: dict[str, Any] = {"model": self._model, "messages": messages,
                                    "temperature": self.temperature, **self.extra_body}
            if self.max_tokens is not None:
                body["max_tokens"] = self.max_tokens
            json_mode = self._use_json_mode
            if json_mode:
                body["response_format"] = {"type": "json_object"}
            retry_after = None
            async with sem:
                self.stats["requests"] += 1
                try:
                    resp = await client.post("/chat/completions", json=body)
                except httpx.TimeoutException as e:
                    last = f"timeout after {self.timeout:g} s ({type(e).__name__})"
                    resp = None
                except httpx.TransportError as e:
                    last = f"connection error: {type(e).__name__}: {e}"
                    resp = None
            if resp is not None:
                if resp.status_code == 200:
                    try:
                        data = resp.json()
                        return data["choices"][0]["message"]["content"] or ""
                    except (ValueError, KeyError, IndexError, TypeError) as e:
                        raise InvalidOutput(f"unexpected response body ({type(e).__name__}): "
                                            f"{resp.text[:200]!r}") from None
                text = resp.text[:300]
                if (resp.status_code in (400, 422) and json_mode and self.response_format == "auto"
                        and "response_format" in text):
                    if self._use_json_mode:
                        log.warning("endpoint rejects response_format json_object; sending none from now on")
                    self._use_json_mode = False
                    continue  # not counted as a retry
                if resp.status_code not in _RETRY_STATUS:
                    raise TransportError(f"HTTP {resp.status_code} from {self.base_url}: {text}")
                last = f"HTTP {resp.status_code}: {text}"
                retry_after = resp.headers.get("retry-after")
            if attempt < self.max_retries:
                self.stats["retries"] += 1
                await asyncio.sleep(self._backoff(attempt, retry_after))
            attempt += 1
        raise TransportError(f"gave up after {self.max_retries + 1} tries: {last}")

    async def _extract_one(self, client: httpx.AsyncClient, sem: asyncio.Semaphore,
                           text: str) -> Result:
        messages = self.prompt.messages(text)
        error, content = "", None
        calls = 0
        for ask in range(self.max_reasks + 1):
            calls += 1
            try:
                content = await self._chat(client, sem, messages)
                return Result(parse_key_phrases(content), attempts=calls)
            except InvalidOutput as e:
                error = str(e)
                if ask < self.max_reasks:
                    self.stats["reasks"] += 1
                    messages = messages + [{"role": "assistant", "content": content or ""},
                                           self.prompt.reask(error)]
                    content = None
            except TransportError as e:
                return Result.failure(f"request failed: {e}", attempts=calls)
        return Result.failure(f"invalid output after {calls} answers: {error}", attempts=calls,
                              raw=content)

    # ------------------------------------------------------------------ API
    async def aextract_batch(self, texts: Sequence[str],
                             on_result: ProgressCallback | None = None) -> list[Result]:
        sem = asyncio.Semaphore(self.concurrency)
        results: list[Result | None] = [None] * len(texts)
        async with self._client() as client:

            async def run(i: int, text: str) -> None:
                try:
                    res = await self._extract_one(client, sem, text)
                except Exception as e:  # a bug must not lose the batch: record it
                    log.exception("unexpected error on report %d", i)
                    res = Result.failure(f"unexpected error: {type(e).__name__}: {e}")
                results[i] = res
                if on_result is not None:
                    on_result(i, res)

            await asyncio.gather(*(run(i, t) for i, t in enumerate(texts)))
        return [r if r is not None else Result.failure("not run") for r in results]

    def extract_batch(self, texts: Sequence[str],
                      on_result: ProgressCallback | None = None) -> list[Result]:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self.aextract_batch(texts, on_result))
        raise RuntimeError("extract_batch called inside a running event loop: "
                           "await aextract_batch(...) instead")
