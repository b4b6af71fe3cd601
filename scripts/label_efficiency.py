#!/usr/bin/env python
"""Label-efficiency table and plot from a fine-tuning sweep (1% / 10% / 100% of the training labels).

Finds every ``metrics.json`` below the given folders; a fine-tuning run's file holds ``task``,
``dataset``, ``data_fraction``, ``seed``, ``test`` ({metric: {"value": ...}}) and optionally ``zero_shot``
(the zero-shot model's metrics on the same test split). Files without ``task`` / ``data_fraction`` (or
without a numeric test metric) are skipped with a note on stderr; a second run of the same task, dataset,
fraction and seed is skipped too.

Writes to ``--out``: ``label_efficiency.md`` and ``label_efficiency.csv`` (one row per task x dataset x
metric x fraction: mean, std (ddof=1 when n >= 2, else 0) over seeds, n seeds, zero-shot value) and
``label_efficiency.png`` (one panel per task x dataset: Dice for segmentation, macro AUROC for
classification, x = fraction on a log axis, mean +- std over seeds, zero-shot as a dashed line).

    python scripts/label_efficiency.py runs/sweep_siim runs/sweep_rsna --out reports/label_efficiency
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from radzero.utils.atomic import atomic_write, atomic_write_text  # noqa: E402

HEADLINE = {"segmentation": "dice", "classification": "macro_auroc"}
COLUMNS = ["task", "dataset", "metric", "fraction", "n_seeds", "mean", "std", "zero_shot", "seeds"]
Key = tuple[str, str, str, float]  # task, dataset, metric, fraction


def _value(entry: Any) -> float | None:
    """A metric's number from ``{"value": v, ...}`` or a bare number; None when missing or not finite."""
    if isinstance(entry, dict):
        entry = entry.get("value")
    if isinstance(entry, bool) or not isinstance(entry, (int, float)) or not math.isfinite(entry):
        return None
    return float(entry)


def _metrics(block: Any) -> dict[str, float]:
    """The numeric metrics of a ``test`` / ``zero_shot`` block."""
    if not isinstance(block, dict):
        return {}
    values = {name: _value(entry) for name, entry in block.items()}
    return {name: v for name, v in values.items() if v is not None}


def collect(folders: list[Path]) -> tuple[list[dict], list[str]]:
    """Usable runs below ``folders`` and the notes for the files left out."""
    runs, notes, seen = [], [], {}
    for path in sorted({p.resolve() for folder in folders for p in folder.rglob("metrics.json")}):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            notes.append(f"skipping {path}: unreadable JSON ({err})")
            continue
        if not isinstance(data, dict) or "task" not in data or "data_fraction" not in data:
            notes.append(f"skipping {path}: no 'task' / 'data_fraction' key (not a fine-tuning run)")
            continue
        fraction = _value(data["data_fraction"])
        test = _metrics(data.get("test"))
        if fraction is None or not 0 < fraction <= 1 or not test:
            notes.append(f"skipping {path}: no fraction in (0, 1] or no numeric test metric")
            continue
        run = {"task": str(data["task"]), "dataset": str(data.get("dataset", "-")), "fraction": fraction,
               "seed": data.get("seed"), "test": test, "zero_shot": _metrics(data.get("zero_shot")),
               "path": path}
        ident = (run["task"], run["dataset"], fraction, str(run["seed"]))
        if ident in seen:
            notes.append(f"skipping {path}: same task, dataset, fraction and seed as {seen[ident]}")
            continue
        seen[ident] = path
        runs.append(run)
    return runs, notes


def summarise(runs: list[dict]) -> list[dict]:
    """One row per task x dataset x metric x fraction: mean, std over seeds, n seeds, zero-shot mean."""
    values: dict[Key, list[tuple[Any, float]]] = defaultdict(list)
    zero: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for run in runs:
        for metric, v in run["test"].items():
            values[(run["task"], run["dataset"], metric, run["fraction"])].append((run["seed"], v))
        for metric, v in run["zero_shot"].items():
            zero[(run["task"], run["dataset"], metric)].append(v)
    rows = []
    for key in sorted(values):
        task, dataset, metric, fraction = key
        numbers = np.array([v for _, v in values[key]])
        shot = zero.get((task, dataset, metric))
        rows.append({
            "task": task, "dataset": dataset, "metric": metric, "fraction": fraction,
            "n_seeds": len(numbers), "mean": float(numbers.mean()),
            "std": float(numbers.std(ddof=1)) if len(numbers) >= 2 else 0.0,
            "zero_shot": float(np.mean(shot)) if shot else None,
            "seeds": " ".join(str(s) for s, _ in sorted(values[key], key=lambda sv: str(sv[0]))),
        })
    return rows


def _fmt(v: float | None, digits: int = 4) -> str:
    return "-" if v is None else f"{v:.{digits}f}"


def markdown(rows: list[dict]) -> str:
    """The table as Markdown."""
    lines = ["# Label efficiency", "",
             "| task | dataset | metric | fraction | n seeds | mean ± std | zero-shot |",
             "|---|---|---|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['task']} | {r['dataset']} | {r['metric']} | {r['fraction']:g} | {r['n_seeds']} | "
                     f"{_fmt(r['mean'])} ± {_fmt(r['std'])} | {_fmt(r['zero_shot'])} |")
    return "\n".join(lines) + "\n"


def csv_text(rows: list[dict]) -> str:
    """The table as CSV (full precision; empty zero_shot when none was reported)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({**r, "zero_shot": "" if r["zero_shot"] is None else repr(r["zero_shot"]),
                         "mean": repr(r["mean"]), "std": repr(r["std"])})
    return buffer.getvalue()


def _panels(rows: list[dict]) -> list[tuple[str, str, str, list[dict]]]:
    """(task, dataset, headline metric, its rows by fraction); other tasks use their first metric."""
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in rows:
        groups[(r["task"], r["dataset"])].append(r)
    panels = []
    for (task, dataset), group in sorted(groups.items()):
        metrics = sorted({r["metric"] for r in group})
        metric = HEADLINE.get(task) if HEADLINE.get(task) in metrics else metrics[0]
        panels.append((task, dataset, metric, sorted((r for r in group if r["metric"] == metric),
                                                    key=lambda r: r["fraction"])))
    return panels


def plot(path: Path, rows: list[dict]) -> Path:
    """One panel per task x dataset: headline metric against the fraction (log x), zero-shot dashed."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    panels = _panels(rows)
    fig, axes = plt.subplots(1, len(panels), figsize=(4.5 * len(panels), 3.8), dpi=100, squeeze=False)
    try:
        for ax, (task, dataset, metric, group) in zip(axes[0], panels):
            x = [r["fraction"] for r in group]
            ax.errorbar(x, [r["mean"] for r in group], yerr=[r["std"] for r in group], marker="o", capsize=4,
                        label="fine-tuned (mean ± std)")
            shot = group[0]["zero_shot"]
            if shot is not None:
                ax.axhline(shot, linestyle="--", color="0.4", label="zero-shot")
            ax.set_xscale("log")
            ax.set_xticks(x, [f"{100 * f:g}%" for f in x])
            ax.minorticks_off()
            ax.set(xlabel="fraction of training labels", ylabel=metric, title=f"{task} · {dataset}")
            ax.grid(alpha=0.3)
            ax.legend(fontsize=8)
        fig.tight_layout()
        return atomic_write(path, lambda tmp: fig.savefig(tmp, format="png"))
    finally:
        plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, write the table and the plot; 0 on success."""
    parser = argparse.ArgumentParser(prog="python scripts/label_efficiency.py", description=__doc__.split("\n")[0])
    parser.add_argument("folders", nargs="+", type=Path, help="sweep folder(s), searched for metrics.json")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    args = parser.parse_args(argv)
    missing = [str(f) for f in args.folders if not f.is_dir()]
    if missing:
        raise SystemExit(f"error: not a folder: {', '.join(missing)}")
    runs, notes = collect(args.folders)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    if not runs:
        raise SystemExit(f"error: no usable metrics.json (with 'task', 'data_fraction' and test metrics) below "
                         f"{', '.join(str(f) for f in args.folders)}")
    rows = summarise(runs)
    out = args.out
    atomic_write_text(out / "label_efficiency.md", markdown(rows))
    atomic_write_text(out / "label_efficiency.csv", csv_text(rows))
    plot(out / "label_efficiency.png", rows)
    print(f"{len(runs)} runs, {len(rows)} rows -> {out / 'label_efficiency.md'}, .csv, .png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
