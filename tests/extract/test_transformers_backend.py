"""The transformers backend: batched chat generation, re-ask rounds, failures recorded."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from radzero.extract.cache import ExtractionCache
from radzero.extract.reports import Report
from radzero.extract.runner import run_extraction
from radzero.extract.transformers_backend import TransformersExtractor


class StubPipeline:
    """Stands in for pipeline("text-generation"): answers from a script, records the calls."""

    def __init__(self, script):
        self.tokenizer = SimpleNamespace(chat_template="{{ messages }}", pad_token=None, eos_token="</s>",
                                         padding_side="right")
        self.model = SimpleNamespace(config=SimpleNamespace(_name_or_path="stub-model"))
        self.script = script
        self.calls = []

    def __call__(self, conversations, batch_size, **kw):
        self.calls.append((len(conversations), batch_size, kw))
        out = []
        for conv in conversations:
            report = conv[3]["content"]
            n_asks = (len(conv) - 4) // 2 + 1
            out.append([{"generated_text": self.script(report, n_asks)}])
        return out


def script(report: str, n_asks: int) -> str:
    if "garbage" in report:
        return "lorem ipsum"
    if "once" in report and n_asks == 1:
        return "{'key_phrases': ['single quotes are not JSON']}"
    return json.dumps({"key_phrases": [f"There is finding {report[-8:]}"]})


def test_batched_reask_and_failure_flow():
    pipe = StubPipeline(script)
    ex = TransformersExtractor(pipeline=pipe, batch_size=4, max_reasks=2, max_new_tokens=64)
    assert pipe.tokenizer.padding_side == "left" and pipe.tokenizer.pad_token == "</s>"
    res = ex.extract_batch(["FINDINGS: ok-1", "FINDINGS: once-2", "FINDINGS: garbage-3"])
    assert res[0].ok and res[0].attempts == 1
    assert res[1].ok and res[1].attempts == 2
    assert not res[2].ok and res[2].attempts == 3
    assert "invalid output after 3 answers: no JSON object found" in res[2].error
    assert [c[0] for c in pipe.calls] == [3, 2, 1]  # one batched call per round, failures only
    assert pipe.calls[0][2]["return_full_text"] is False and pipe.calls[0][2]["max_new_tokens"] == 64
    assert ex.identity() == {"backend": "transformers", "model": "stub-model",
                             "prompt_version": ex.prompt.cache_version}


def test_generation_error_is_recorded_not_raised():
    def boom(report, n):
        raise RuntimeError("CUDA out of memory")
    ex = TransformersExtractor(pipeline=StubPipeline(boom))
    res = ex.extract_batch(["FINDINGS: a", "FINDINGS: b"])
    assert not any(r.ok for r in res) and "CUDA out of memory" in res[0].error


def test_requires_chat_template():
    pipe = StubPipeline(script)
    pipe.tokenizer.chat_template = None
    with pytest.raises(ValueError, match="chat template"):
        TransformersExtractor(pipeline=pipe)


@pytest.mark.slow
def test_tiny_random_llama_end_to_end(tmp_path):
    """A real transformers pipeline with a 2-layer random Llama and a character tokenizer with a
    chat template set here: its output is garbage, so every report goes answer -> re-ask ->
    recorded failure, and the run finishes."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    vocab = {"<pad>": 0, "<s>": 1, "</s>": 2, "<unk>": 3}
    for c in [chr(i) for i in range(32, 127)] + ["\n"]:
        vocab.setdefault(c, len(vocab))
    tk = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tk.pre_tokenizer = pre_tokenizers.Split("", behavior="isolated")
    tk.decoder = decoders.Fuse()
    tok = transformers.PreTrainedTokenizerFast(tokenizer_object=tk, bos_token="<s>", eos_token="</s>",
                                               pad_token="<pad>", unk_token="<unk>")
    tok.chat_template = ("{% for m in messages %}<{{ m['role'][0] }}>{{ m['content'] }}\n{% endfor %}"
                         "{% if add_generation_prompt %}<a>{% endif %}")
    torch.manual_seed(0)
    cfg = transformers.LlamaConfig(vocab_size=len(vocab), hidden_size=32, intermediate_size=64,
                                   num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=4,
                                   max_position_embeddings=4096, bos_token_id=1, eos_token_id=2, pad_token_id=0)
    model = transformers.LlamaForCausalLM(cfg).eval()
    ex = TransformersExtractor(model=model, tokenizer=tok, device="cpu", torch_dtype=None,
                               model_name="tiny-random-llama", batch_size=2, max_new_tokens=8, max_reasks=1)
    reps = [Report(ids={"i": i}, findings=f"Report {i}. Small left pleural effusion.") for i in range(3)]
    with ExtractionCache(tmp_path / "c.sqlite") as cache:
        s = run_extraction(reps, ex, cache, tmp_path / "o.json", progress=False)
    assert s["failed"] == 3 and s["done"] == 0 and s["records_written"] == 0
    assert all("invalid output after 2 answers" in f["reason"] for f in s["failures"])
    assert ex.stats == {"generations": 6, "reasks": 3}
