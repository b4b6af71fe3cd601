"""Backend for a local chat model through a transformers text-generation pipeline.

Reports go through the model in batches (the tokenizer's chat template builds the prompt); answers
that are not a valid {"key_phrases": [...]} object are re-asked, with the validation error, in
further batched rounds, up to `max_reasks` times. torch and transformers are imported only here.
"""

from __future__ import annotations

import logging
from typing import Any, Mapping, Sequence

from .base import Extractor, InvalidOutput, ProgressCallback, Result, parse_key_phrases
from .prompt import Prompt

__all__ = ["TransformersExtractor"]

log = logging.getLogger(__name__)


class TransformersExtractor(Extractor):
    backend = "transformers"

    def __init__(
        self,
        model: Any = None,
        tokenizer: Any = None,
        prompt: Prompt | Mapping[str, Any] | str | None = None,
        batch_size: int = 8,
        max_new_tokens: int = 512,
        max_reasks: int = 2,
        device: Any = None,
        device_map: Any = None,
        torch_dtype: str | None = "auto",
        do_sample: bool = False,
        model_name: str | None = None,
        model_kwargs: Mapping[str, Any] | None = None,
        generate_kwargs: Mapping[str, Any] | None = None,
        pipeline: Any = None,
    ) -> None:
        self.prompt = Prompt.load(prompt)
        self.batch_size = int(batch_size)
        self.max_new_tokens = int(max_new_tokens)
        self.max_reasks = int(max_reasks)
        self.do_sample = bool(do_sample)
        self.generate_kwargs = dict(generate_kwargs or {})
        if pipeline is None:
            if model is None:
                raise ValueError("give `model` (hub id, local folder or a model object) or `pipeline`")
            pipeline = self._build_pipeline(model, tokenizer, device, device_map, torch_dtype,
                                            dict(model_kwargs or {}))
        self.pipe = pipeline
        tok = self.pipe.tokenizer
        if tok.pad_token is None:
            tok.pad_token = tok.eos_token
        tok.padding_side = "left"  # decoder-only batched generation
        if getattr(tok, "chat_template", None) is None:
            raise ValueError("the tokenizer has no chat template; set tokenizer.chat_template")
        if model_name is None:
            model_name = model if isinstance(model, str) else getattr(
                getattr(self.pipe.model, "config", None), "_name_or_path", type(self.pipe.model).__name__)
        self._model_name = str(model_name)
        self.stats = {"generations": 0, "reasks": 0}

    @staticmethod
    def _build_pipeline(model: Any, tokenizer: Any, device: Any, device_map: Any,
                        torch_dtype: str | None, model_kwargs: dict[str, Any]) -> Any:
        from transformers import pipeline

        kwargs: dict[str, Any] = {"model": model, "model_kwargs": model_kwargs}
        if tokenizer is not None:
            kwargs["tokenizer"] = tokenizer
        if device_map is not None:
            kwargs["device_map"] = device_map
        elif device is not None:
            kwargs["device"] = device
        if torch_dtype is not None and isinstance(model, str):
            import inspect

            # transformers >= 4.56 calls it `dtype`, older releases `torch_dtype`
            name = "dtype" if "dtype" in inspect.signature(pipeline).parameters else "torch_dtype"
            kwargs[name] = torch_dtype
        return pipeline("text-generation", **kwargs)

    @property
    def model(self) -> str:
        return self._model_name

    @property
    def prompt_version(self) -> str:
        return self.prompt.cache_version

    @staticmethod
    def _text_of(output: Any) -> str:
        """The new assistant text from one pipeline output (string or chat list)."""
        if isinstance(output, list):
            output = output[0]
        gen = output["generated_text"] if isinstance(output, dict) else output
        if isinstance(gen, list):  # full chat returned: take the last assistant message
            gen = gen[-1].get("content", "") if gen else ""
        return gen if isinstance(gen, str) else str(gen)

    def _generate(self, conversations: list[list[dict[str, str]]]) -> list[str]:
        gen_kwargs = {"max_new_tokens": self.max_new_tokens, "do_sample": self.do_sample,
                      "return_full_text": False, **self.generate_kwargs}
        outputs = self.pipe(conversations, batch_size=self.batch_size, **gen_kwargs)
        self.stats["generations"] += len(conversations)
        return [self._text_of(o) for o in outputs]

    def extract_batch(self, texts: Sequence[str],
                      on_result: ProgressCallback | None = None) -> list[Result]:
        results: list[Result | None] = [None] * len(texts)
        convs = {i: self.prompt.messages(t) for i, t in enumerate(texts)}
        errors: dict[int, str] = {}
        answers: dict[int, str] = {}
        for round_ in range(self.max_reasks + 1):
            if not convs:
                break
            idx = sorted(convs)
            try:
                outs = self._generate([convs[i] for i in idx])
            except Exception as e:  # e.g. out of memory on one batch: record, don't crash the run
                log.exception("generation failed")
                for i in idx:
                    results[i] = Result.failure(f"generation failed: {type(e).__name__}: {e}",
                                                attempts=round_ + 1)
                    if on_result:
                        on_result(i, results[i])  # type: ignore[arg-type]
                return [r for r in results]  # type: ignore[misc]
            nxt = {}
            for i, out in zip(idx, outs):
                try:
                    results[i] = Result(parse_key_phrases(out), attempts=round_ + 1)
                    if on_result:
                        on_result(i, results[i])  # type: ignore[arg-type]
                except InvalidOutput as e:
                    errors[i], answers[i] = str(e), out
                    nxt[i] = convs[i] + [{"role": "assistant", "content": out},
                                         self.prompt.reask(str(e))]
            if round_ < self.max_reasks:
                self.stats["reasks"] += len(nxt)
            convs = nxt
        for i in convs:
            results[i] = Result.failure(
                f"invalid output after {self.max_reasks + 1} answers: {errors[i]}",
                attempts=self.max_reasks + 1, raw=answers[i])
            if on_result:
                on_result(i, results[i])  # type: ignore[arg-type]
        return [r if r is not None else Result.failure("not run") for r in results]

    def close(self) -> None:
        self.pipe = None
