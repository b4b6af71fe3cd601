"""Text preparation before NegEx matching: de-identification, HTML entities, case and spelling
variants ("air-space" -> "airspace")."""

from __future__ import annotations

import re

from radzero.data.readers.reports import DEID_RE


def normalize(text: str) -> str:
    """Lower-cased, de-identified, whitespace-collapsed text with spelling variants unified."""
    t = DEID_RE.sub(" ", text)
    t = t.replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&")
    t = t.lower()
    t = re.sub(r"\bair[- ]space", "airspace", t)
    t = re.sub(r"\bcardio[- ]mediastinal", "cardiomediastinal", t)
    t = re.sub(r"\bcardio[- ]pulmonary", "cardiopulmonary", t)
    t = re.sub(r"\bmid[- ]lung", "midlung", t)
    t = re.sub(r"\bwell[- ]expanded", "well-expanded", t)
    t = re.sub(r"\bx-?ray", "xray", t)
    t = re.sub(r"\b(?:left|right) (?:side )?(?:greater|more|worse|larger) than (?:left|right)(?: side)?",
               "bilateral", t)
    t = re.sub(r"\s+", " ", t)
    return t.strip()
