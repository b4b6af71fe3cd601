"""Evaluation results: ``results.json``, the Markdown table and per-dataset prediction CSVs.

``results.json`` layout (strict JSON: NaN / inf are written as null)::

    {"meta": {...},
     "<task>": {"<dataset>": {
         "metrics": {"<metric>": {"value": v, "ci95": [lo, hi], "n": items, "label": "..."}, ...},
         "per_class": {...}, "counts": {...}, "undefined": {...}, "files": {...}}}}

Every headline metric sits under ``metrics`` with its bootstrap 95 % interval; a metric that cannot
be computed (e.g. AUROC of a class without positives) has ``"value": null`` and an ``undefined``
reason instead of a number.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from radzero.utils.atomic import atomic_write_json, atomic_write_text

__all__ = [
    "headline",
    "json_safe",
    "markdown_table",
    "undefined_metric",
    "write_csv",
    "write_results",
]


def _number(value: Any) -> float | None:
    """Python float, or None for NaN / inf / None."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def headline(value: float, ci95: Sequence[float], n: int | None = None, label: str | None = None) -> dict[str, Any]:
    """One headline metric: ``{"value", "ci95": [lo, hi], "n", "label"}`` (non-finite -> null)."""
    out: dict[str, Any] = {"value": _number(value), "ci95": [_number(ci95[0]), _number(ci95[1])]}
    if n is not None:
        out["n"] = int(n)
    if label:
        out["label"] = label
    if out["value"] is None:
        out["undefined"] = "not computable on this data (see counts)"
    return out


def undefined_metric(reason: str, n: int | None = None, label: str | None = None) -> dict[str, Any]:
    """A headline metric that is undefined on this data, with the reason."""
    out: dict[str, Any] = {"value": None, "ci95": [None, None], "undefined": reason}
    if n is not None:
        out["n"] = int(n)
    if label:
        out["label"] = label
    return out


def json_safe(value: Any) -> Any:
    """Plain JSON types: NumPy scalars/arrays -> Python, NaN / inf -> None, Paths -> str."""
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return json_safe(value.tolist())
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return _number(value)
    if isinstance(value, Path):
        return str(value)
    return value


def write_results(path: str | Path, results: Mapping[str, Any]) -> Path:
    """Write ``results.json`` atomically (strict JSON)."""
    return atomic_write_json(path, json_safe(results))


def _format(value: float | None, digits: int = 3) -> str:
    return "undefined" if value is None else f"{value:.{digits}f}"


def _value_and_ci(metric: Mapping[str, Any] | None) -> list[str]:
    if metric is None:
        return ["–", "–"]
    lo, hi = metric.get("ci95", [None, None])
    return [_format(metric.get("value")), "–" if lo is None or hi is None else f"[{lo:.3f}, {hi:.3f}]"]


def _task_entries(results: Mapping[str, Any]) -> Iterable[tuple[str, str, Mapping[str, Any]]]:
    for task, datasets in results.items():
        if task in ("meta", "by_protocol") or not isinstance(datasets, Mapping):
            continue
        for dataset, entry in datasets.items():
            yield task, dataset, entry


def markdown_table(results: Mapping[str, Any]) -> str:
    """One row per headline metric: task | dataset | metric | value | 95% CI | n; with ``protocol=both`` a
    value and CI column per protocol; with the paper's published values (``paper`` entries) a paper column."""
    others = dict(results.get("by_protocol") or {})
    entries = list(_task_entries(results))
    with_paper = any(entry.get("paper") for _, _, entry in entries)
    first = str(((results.get("meta") or {}).get("protocols") or ["radzero"])[0])
    protocols = [first, *others]
    if others:
        head = ["task", "dataset", "metric", first, "95% CI"]
        for name in others:
            head += [name, "95% CI"]
    else:
        head = ["task", "dataset", "metric", "value", "95% CI"]
    head += ["n"] + (["paper"] if with_paper else [])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for task, dataset, entry in entries:
        metrics = dict(entry.get("metrics") or {})
        alternatives = [((other.get(task) or {}).get(dataset) or {}).get("metrics") or {} for other in others.values()]
        names = list(metrics) + [n for alt in alternatives for n in alt if n not in metrics]
        names = list(dict.fromkeys(names))
        paper = entry.get("paper") or {}
        for name in names:
            metric = metrics.get(name) or next((alt[name] for alt in alternatives if name in alt), {})
            labels = [(p, (m.get(name) or {}).get("label")) for p, m in zip(protocols, (metrics, *alternatives))]
            distinct = {text for _, text in labels if text}
            if len(distinct) > 1:  # e.g. Dice at a validation- vs a test-chosen threshold: name each
                label = f"{name} (" + "; ".join(f"{p}: {text}" for p, text in labels if text) + ")"
            else:
                label = f"{name} ({metric['label']})" if metric.get("label") else name
            cells = [task, dataset, label, *_value_and_ci(metrics.get(name))]
            for alt in alternatives:
                cells += _value_and_ci(alt.get(name))
            counts = [str((m or {}).get("n", "")) for m in (metrics.get(name), *(alt.get(name) for alt in alternatives))]
            cells.append(" / ".join(dict.fromkeys(c for c in counts if c)))
            if with_paper:
                cells.append(_format(paper[name]) if paper.get(name) is not None else "")
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_csv(path: str | Path, rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> Path:
    """Write rows (dicts) as CSV atomically; floats with 6 significant digits, None/NaN as empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return atomic_write_text(path, buffer.getvalue())


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return "" if not math.isfinite(float(value)) else f"{float(value):.6g}"
    return str(value)
