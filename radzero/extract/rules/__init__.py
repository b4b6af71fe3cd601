"""Offline rule-based backend: no model, deterministic, fast.

Per sentence (split by ``radzero.data.readers.reports.split_sentences``): find finding mentions
(lexicon + organ statements such as "heart size is normal", ``mentions``), find NegEx/ConText-style
triggers and give each mention a status (positive / negated / uncertain, ``negation``), collect its
severity, descriptors and location (``modifiers``), and print it with a template (``phrases``):

    positive   "There is <severity> <descriptor> <laterality> <finding> [of <location>]"
    uncertain  "There may be ..."
    negated    "There is no ..."

Comparison with earlier studies ("new", "unchanged", "increased", "compared to prior", ...) is
never printed: only whitelisted modifier words are copied into the sentence.
"""

from .backend import RULES_VERSION, RulesExtractor
from .mentions import Mention
from .phrases import analyze_sentence, extract_phrases

__all__ = ["RulesExtractor", "Mention", "analyze_sentence", "extract_phrases", "RULES_VERSION"]
