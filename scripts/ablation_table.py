#!/usr/bin/env python
"""The ablation ladder's table and bar chart from a sweep of training runs (docs/ablation.md).

A run is a folder with ``snapshot/config.yaml`` (written by ``python -m radzero.train``); its rung is the
config's ``ablation_rung`` (``experiment=ablation/<rung>``; else a ``task_name`` of ``ablation_<rung>``), its
seed the config's ``seed``. Its benchmark numbers are ``<run>/eval/results.json`` (``python -m radzero.eval``);
with ``--evaluate`` a run without one is evaluated first:

    python -m radzero.eval ckpt_path=<run>/model hydra.run.dir=<run>/eval benchmark=<the run's> [--eval-arg ...]

(the run's phantom settings / ``paths.data_dir`` are passed on, so it is scored on its own benchmark data).

Writes to ``--out``: ``ablation.md`` (headline table: mean AUROC over the classification sets, CheXpert 5x200
accuracy, MS-CXR pointing / mIoU / CNR, ChestX-Det10 pointing, SIIM / RSNA Dice; and per-set AUROC), each cell
mean ± std over seeds (ddof=1; 0 for one seed), ``ablation.csv`` (every metric: rung, metric, n, mean, std,
seeds) and ``ablation.png`` (one bar panel per headline metric). A metric a run lacks is a blank cell; a
results.json that is not valid JSON or not in the results layout stops the script naming the file.

    python scripts/ablation_table.py logs/ablation_*/multiruns/<time> --out ablation/ --evaluate
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from radzero.utils.atomic import atomic_write, atomic_write_text  # noqa: E402

LADDER = ("clip", "vlcabs", "report_text", "radzero", "radzero_kl")
LABELS = {"clip": "CLIP baseline", "vlcabs": "+ VL-CABS", "report_text": "RadZero, report text",
          "radzero": "RadZero", "radzero_kl": "RadZero + KL"}
MEAN_AUROC = "classification/mean/macro_auroc"
# (column title, metric key) of the headline table; keys are task/dataset/metric of results.json
HEADLINE = (
    ("mean AUROC", MEAN_AUROC),
    ("CheXpert 5x200 acc", "classification/chexpert_5x200/top1_accuracy"),
    ("MS-CXR pointing", "grounding/ms_cxr/pointing_game"),
    ("MS-CXR mIoU", "grounding/ms_cxr/miou"),
    ("MS-CXR CNR", "grounding/ms_cxr/cnr"),
    ("ChestX-Det10 pointing", "grounding/chestxdet10/pointing_game"),
    ("SIIM Dice", "segmentation/siim/dice"),
    ("RSNA Dice", "segmentation/rsna/dice"),
)
TASKS = ("classification", "grounding", "segmentation")
PHANTOM_KEYS = ("cache_dir", "n_train", "seed")  # the keys of configs/phantom/default.yaml (others need "+")


class ResultsError(ValueError):
    """A results.json that is not usable; the message names the file."""


def _number(value: Any, where: str) -> float | None:
    """A metric value: a finite float, None for null / NaN; anything else is a ResultsError naming ``where``."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ResultsError(f"{where}: metric value {value!r} is not a number")
    return float(value) if math.isfinite(value) else None


def read_metrics(path: Path) -> tuple[dict[str, float], str]:
    """``results.json`` -> ({"task/dataset/metric": value}, meta.status); the per-run mean classification AUROC
    (over the sets that are not top-1 sets) under ``MEAN_AUROC``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ResultsError(f"{path}: not a readable JSON file ({error})") from None
    if not isinstance(data, dict):
        raise ResultsError(f"{path}: holds a JSON {type(data).__name__}, expected the results object of radzero.eval")
    metrics: dict[str, float] = {}
    aurocs = []
    for task in TASKS:
        datasets = data.get(task, {})
        if not isinstance(datasets, dict):
            raise ResultsError(f"{path}: '{task}' is a {type(datasets).__name__}, expected {{dataset: entry}}")
        for dataset, entry in datasets.items():
            block = entry.get("metrics", {}) if isinstance(entry, dict) else None
            if not isinstance(block, dict):
                raise ResultsError(f"{path}: {task}/{dataset} has no 'metrics' object")
            for name, metric in block.items():
                raw = metric.get("value") if isinstance(metric, dict) else metric
                value = _number(raw, f"{path}: {task}/{dataset}/{name}")
                if value is not None:
                    metrics[f"{task}/{dataset}/{name}"] = value
            if task == "classification" and "top1_accuracy" not in block:
                key = f"classification/{dataset}/macro_auroc"
                if key in metrics:
                    aurocs.append(metrics[key])
    if aurocs:
        metrics[MEAN_AUROC] = float(np.mean(aurocs))
    status = (data.get("meta") or {}).get("status", "unknown") if isinstance(data.get("meta"), dict) else "unknown"
    return metrics, str(status)


def _override_value(value: Any) -> str:
    text = str(value)
    return text if re.fullmatch(r"[\w./:+-]+", text) else "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def eval_overrides(config: dict[str, Any], run: Path, extra: list[str]) -> list[str]:
    """Hydra overrides of ``python -m radzero.eval`` for a run: its model, folder, benchmark and data roots;
    ``extra`` (KEY=VALUE) replaces any of them by key."""
    values: dict[str, str] = {"ckpt_path": str(run / "model"), "hydra.run.dir": str(run / "eval")}
    benchmark = config.get("benchmark") or {}
    if isinstance(benchmark, dict) and benchmark.get("name"):
        values["benchmark"] = str(benchmark["name"])
    data_dir = (config.get("paths") or {}).get("data_dir")
    if data_dir and "${" not in str(data_dir):
        values["paths.data_dir"] = str(data_dir)
    phantom = config.get("phantom") or {}
    if values.get("benchmark") == "phantom" and isinstance(phantom, dict):  # the run's own phantom settings
        for key, value in phantom.items():
            if key != "root" and value is not None and "${" not in str(value):
                values[f"{'' if key in PHANTOM_KEYS else '+'}phantom.{key}"] = value
    for item in extra:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"error: --eval-arg {item!r} is not KEY=VALUE")
        values = {k: v for k, v in values.items() if k.lstrip("+") != key.lstrip("+")}
        values[key] = value
    return [f"{key}={_override_value(value)}" for key, value in values.items()]


def find_runs(folders: list[Path]) -> list[Path]:
    """Run folders (holding ``snapshot/config.yaml``) at or below ``folders``."""
    found = {p.parent.parent.resolve() for folder in folders for p in folder.rglob("snapshot/config.yaml")}
    return sorted(found)


def rung_of(config: dict[str, Any]) -> str | None:
    rung = config.get("ablation_rung")
    if rung:
        return str(rung)
    task = str(config.get("task_name") or "")
    return task.removeprefix("ablation_") if task.startswith("ablation_") else None


def collect(folders: list[Path], evaluate: bool, eval_args: list[str]) -> tuple[list[dict], list[str]]:
    """Usable runs (rung, seed, metrics, path) and the notes for the ones left out."""
    runs, notes, seen = [], [], {}
    for run in find_runs(folders):
        config_path = run / "snapshot" / "config.yaml"
        try:
            config = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as error:
            notes.append(f"skipping {run}: {config_path} unreadable ({error})")
            continue
        rung = rung_of(config) if isinstance(config, dict) else None
        if rung is None:
            notes.append(f"skipping {run}: no ablation_rung in its snapshot config (not an experiment=ablation/* run)")
            continue
        results = run / "eval" / "results.json"
        if not results.is_file() and evaluate and (run / "model" / "config.json").is_file():
            command = [sys.executable, "-m", "radzero.eval", *eval_overrides(config, run, eval_args)]
            print("evaluating:", " ".join(command), file=sys.stderr, flush=True)
            if subprocess.run(command, check=False).returncode != 0:
                notes.append(f"skipping {run}: python -m radzero.eval failed (see its output above)")
                continue
        if not results.is_file():
            notes.append(f"skipping {run}: no eval/results.json (rerun with --evaluate, or: python -m radzero.eval "
                         f"ckpt_path={run / 'model'} hydra.run.dir={run / 'eval'})")
            continue
        metrics, status = read_metrics(results)
        if status != "complete":
            notes.append(f"{results}: meta.status is {status!r}; using the datasets it holds")
        ident = (rung, str(config.get("seed")))
        if ident in seen:
            notes.append(f"skipping {run}: same rung and seed as {seen[ident]}")
            continue
        seen[ident] = run
        runs.append({"rung": rung, "seed": config.get("seed"), "metrics": metrics, "path": run})
    return runs, notes


def _rung_order(rungs: set[str]) -> list[str]:
    return [r for r in LADDER if r in rungs] + sorted(rungs - set(LADDER))


def summarise(runs: list[dict]) -> dict[str, dict[str, dict[str, Any]]]:
    """{rung: {metric: {"n", "mean", "std", "seeds"}}}, plus {"_runs": n} per rung."""
    values: dict[str, dict[str, list[tuple[Any, float]]]] = defaultdict(lambda: defaultdict(list))
    for run in runs:
        for metric, value in run["metrics"].items():
            values[run["rung"]][metric].append((run["seed"], value))
    table: dict[str, dict[str, dict[str, Any]]] = {}
    for rung in _rung_order({run["rung"] for run in runs}):
        rows: dict[str, dict[str, Any]] = {"_runs": {"n": sum(run["rung"] == rung for run in runs)}}
        for metric, pairs in sorted(values[rung].items()):
            numbers = np.array([v for _, v in pairs], dtype=np.float64)
            rows[metric] = {"n": len(numbers), "mean": float(numbers.mean()),
                            "std": float(numbers.std(ddof=1)) if len(numbers) >= 2 else 0.0,
                            "seeds": " ".join(str(s) for s, _ in sorted(pairs, key=lambda p: str(p[0])))}
        table[rung] = rows
    return table


def _cell(entry: dict[str, Any] | None, n_runs: int) -> str:
    if entry is None:
        return ""
    text = f"{entry['mean']:.3f} ± {entry['std']:.3f}"
    return text if entry["n"] == n_runs else f"{text} (n={entry['n']})"


def _table(table: dict, columns: list[tuple[str, str]]) -> list[str]:
    lines = ["| rung | n | " + " | ".join(title for title, _ in columns) + " |",
             "|---|---:|" + "---:|" * len(columns)]
    for rung, rows in table.items():
        n = rows["_runs"]["n"]
        label = f"{rung} ({LABELS[rung]})" if rung in LABELS else rung
        lines.append(f"| {label} | {n} | " + " | ".join(_cell(rows.get(key), n) for _, key in columns) + " |")
    return lines


def markdown(table: dict) -> str:
    """The headline table and the per-set classification AUROC table."""
    sets = sorted({k.split("/")[1] for rows in table.values() for k in rows
                   if k.startswith("classification/") and k.endswith("/macro_auroc") and k != MEAN_AUROC
                   and f"classification/{k.split('/')[1]}/top1_accuracy" not in rows})
    lines = ["# Ablation ladder", "", "Mean ± std over seeds (n runs; a cell with fewer is marked). mean AUROC: "
             f"the macro AUROC averaged over each run's classification sets ({', '.join(sets) or 'none'}).", "",
             *_table(table, list(HEADLINE))]
    if sets:
        lines += ["", "## Classification AUROC per set", "",
                  *_table(table, [(name, f"classification/{name}/macro_auroc") for name in sets])]
    return "\n".join(lines) + "\n"


def csv_text(table: dict) -> str:
    """Every metric of every rung, full precision."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["rung", "metric", "n", "mean", "std", "seeds"])
    for rung, rows in table.items():
        for metric, entry in rows.items():
            if metric != "_runs":
                writer.writerow([rung, metric, entry["n"], repr(entry["mean"]), repr(entry["std"]), entry["seeds"]])
    return buffer.getvalue()


def plot(path: Path, table: dict) -> Path:
    """One panel per headline metric with a value: a bar per rung (mean), std as the error bar."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    panels = [(title, key) for title, key in HEADLINE if any(key in rows for rows in table.values())]
    columns = min(4, max(1, len(panels)))
    rows_n = max(1, math.ceil(len(panels) / columns))
    fig, axes = plt.subplots(rows_n, columns, figsize=(3.6 * columns, 3.2 * rows_n), dpi=100, squeeze=False)
    rungs = list(table)
    try:
        for ax in axes.flat[len(panels):]:
            ax.axis("off")
        for ax, (title, key) in zip(axes.flat, panels):
            means = [table[r][key]["mean"] if key in table[r] else np.nan for r in rungs]
            stds = [table[r][key]["std"] if key in table[r] else 0.0 for r in rungs]
            ax.bar(range(len(rungs)), means, yerr=stds, capsize=3, color=[f"C{i}" for i in range(len(rungs))])
            ax.set_xticks(range(len(rungs)), rungs, rotation=30, ha="right", fontsize=8)
            ax.set_title(title, fontsize=10)
            ax.grid(axis="y", alpha=0.3)
        fig.tight_layout()
        return atomic_write(path, lambda tmp: fig.savefig(tmp, format="png"))
    finally:
        plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, write the table, the CSV and the chart; 0 on success."""
    parser = argparse.ArgumentParser(prog="python scripts/ablation_table.py", description=__doc__.split("\n")[0])
    parser.add_argument("folders", nargs="+", type=Path, help="sweep / run folder(s), searched for runs")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--evaluate", action="store_true", help="run python -m radzero.eval for runs without results")
    parser.add_argument("--eval-arg", action="append", default=[], metavar="KEY=VALUE",
                        help="an override for python -m radzero.eval (repeatable), e.g. max_images=200")
    args = parser.parse_args(argv)
    missing = [str(f) for f in args.folders if not f.is_dir()]
    if missing:
        raise SystemExit(f"error: not a folder: {', '.join(missing)}")
    try:
        runs, notes = collect(args.folders, args.evaluate, args.eval_arg)
    except ResultsError as error:
        raise SystemExit(f"error: {error}") from None
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    if not runs:
        raise SystemExit(f"error: no ablation run with eval/results.json below {', '.join(map(str, args.folders))}")
    table = summarise(runs)
    atomic_write_text(args.out / "ablation.md", markdown(table))
    atomic_write_text(args.out / "ablation.csv", csv_text(table))
    plot(args.out / "ablation.png", table)
    print(f"{len(runs)} runs, {len(table)} rungs -> {args.out / 'ablation.md'}, .csv, .png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
