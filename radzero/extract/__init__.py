"""Finding-sentence extraction: reports -> "There is / There may be / There is no <finding>" sentences.

Backends behind one interface (`Extractor.extract_batch(texts) -> list[Result]`): `rules` (offline),
`openai` (any OpenAI-compatible endpoint), `transformers` (local chat model). `run_extraction`
adds the SQLite cache, progress, output JSON and summary. CLI: `python -m radzero.extract`.
"""

from .base import KEY_PHRASES_SCHEMA, Extractor, InvalidOutput, Result, find_json_object, parse_key_phrases
from .cache import ExtractionCache, cache_key
from .prompt import Prompt
from .reports import Report, load_reports
from .rules import RulesExtractor, analyze_sentence, extract_phrases
from .runner import run_extraction

__all__ = [
    "KEY_PHRASES_SCHEMA", "Extractor", "InvalidOutput", "Result", "find_json_object", "parse_key_phrases",
    "ExtractionCache", "cache_key", "Prompt", "Report", "load_reports",
    "RulesExtractor", "analyze_sentence", "extract_phrases", "run_extraction",
    "OpenAIExtractor", "TransformersExtractor",
]


def __getattr__(name: str):  # backends with heavier imports load on first use
    if name == "OpenAIExtractor":
        from .openai_backend import OpenAIExtractor
        return OpenAIExtractor
    if name == "TransformersExtractor":
        from .transformers_backend import TransformersExtractor
        return TransformersExtractor
    raise AttributeError(name)
