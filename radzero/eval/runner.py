"""Run the evaluation described by a composed ``radzero/configs/eval.yaml``: model -> tasks -> results."""

from __future__ import annotations

import logging
import platform
import time
from dataclasses import asdict
from typing import Any

import torch
from omegaconf import DictConfig

from radzero.data.phantom.prepare import prepare_phantom
from radzero.eval.checkpoint import load_model
from radzero.eval.context import EvalContext
from radzero.eval.experiment_loggers import log_results
from radzero.eval.protocols import context_for, selected_protocols, spec_for
from radzero.eval.results import markdown_table, write_results
from radzero.eval.samples import as_plain
from radzero.eval.settings import check_config, maps_prompts
from radzero.eval.tasks.classification import evaluate_classification
from radzero.eval.tasks.grounding import evaluate_grounding
from radzero.eval.tasks.maps import open_vocabulary_maps
from radzero.eval.tasks.segmentation import evaluate_segmentation
from radzero.utils.atomic import atomic_write_text
from radzero.utils.instantiate import instantiate_group
from radzero.utils.resolvers import register_resolvers
from radzero.utils.validate import number

logger = logging.getLogger(__name__)

__all__ = ["BENCHMARK_TASKS", "TASKS", "run_eval", "selected_tasks"]

BENCHMARK_TASKS = {
    "classification": evaluate_classification,
    "grounding": evaluate_grounding,
    "segmentation": evaluate_segmentation,
}
TASKS = (*BENCHMARK_TASKS, "maps", "all")


def selected_tasks(task: Any) -> list[str]:
    """``all`` -> the three benchmark tasks; a name, a list or comma-separated names -> those (checked)."""
    names = [task] if isinstance(task, str) else list(task or [])
    names = [n.strip() for name in names for n in str(name).split(",") if n.strip()]
    unknown = [n for n in names if n not in TASKS]
    if not names or unknown:
        raise ValueError(
            f"task={task!r}: choose from {list(TASKS)} (a list for several: task=[classification,grounding])"
        )
    if "maps" in names and len(names) > 1:
        raise ValueError("task=maps runs alone (it needs image= and prompts=)")
    if "all" in names:
        return list(BENCHMARK_TASKS)
    return names


def build_context(cfg: DictConfig) -> EvalContext:
    """Check the settings, then load the model named by ``ckpt_path``."""
    settings = check_config(cfg)
    net = load_model(cfg.get("ckpt_path"), cfg.get("tokenizer_dir")).to(settings["device"])
    return EvalContext(net=net, **settings)


def _datasets(cfg: DictConfig, tasks: list[str]) -> dict[str, list[str]]:
    """Dataset names per task, filtered by ``datasets=[...]``; unknown names are an error."""
    available = {task: [n for n, spec in (cfg.benchmark.get(task) or {}).items() if spec is not None]
                 for task in tasks}
    wanted = as_plain(cfg.get("datasets"))
    if wanted is None:
        return available
    wanted = [wanted] if isinstance(wanted, str) else list(wanted)
    known = {n for names in available.values() for n in names}
    unknown = sorted(set(wanted) - known)
    if unknown:
        raise ValueError(f"datasets={unknown} not in benchmark '{cfg.benchmark.get('name')}' for task(s) {tasks}; "
                         f"available: {available}")
    return {task: [n for n in names if n in wanted] for task, names in available.items()}


def run_eval(cfg: DictConfig) -> dict[str, Any]:
    """Evaluate; writes results.json / results.md (benchmark tasks) or maps/ (task=maps); returns the results."""
    register_resolvers()  # ${radzero.run_id:...} of logger=wandb
    tasks = selected_tasks(cfg.get("task", "all"))
    protocols = selected_protocols(cfg.get("protocol", "radzero"))
    torch.manual_seed(int(cfg.get("seed", 0)))
    ctx = build_context(cfg)
    ctx.net.eval()
    if tasks == ["maps"]:
        threshold = number(cfg.get("threshold"), "threshold", minimum=0, allow_none=True)
        return {"maps": open_vocabulary_maps(ctx, cfg.get("image"), maps_prompts(cfg.get("prompts")), threshold)}
    prepare_phantom(cfg, keys=("benchmark",))  # benchmark=phantom: generate (or find cached) before reading
    results: dict[str, Any] = {"meta": {**_meta(cfg, ctx, tasks), "protocols": protocols}}
    results_path = ctx.output_dir / "results.json"
    # meta.status says what the file is: "running" (partial: datasets so far), "interrupted" / "failed"
    # (partial, with the reason), "complete"
    results["meta"]["status"] = "running"
    datasets = _datasets(cfg, tasks)
    try:
        for position, protocol in enumerate(protocols):
            run_ctx = context_for(ctx, protocol, primary=position == 0)
            # the first protocol's entries are results[task][dataset]; a second one's go to results["by_protocol"]
            target = results if position == 0 else results.setdefault("by_protocol", {}).setdefault(protocol, {})
            for task, names in datasets.items():
                if not names and position == 0:
                    logger.warning("benchmark '%s' has no %s dataset", cfg.benchmark.get("name"), task)
                for name in names:
                    logger.info("%s / %s (protocol %s) ...", task, name, protocol)
                    raw = cfg.benchmark[task][name]
                    entry = BENCHMARK_TASKS[task](run_ctx, name, spec_for(raw, protocol))
                    entry["protocol"] = protocol
                    if raw.get("paper") is not None:  # the paper's published values, shown beside ours
                        entry["paper"] = as_plain(raw.get("paper"))
                    target.setdefault(task, {})[name] = entry
                    write_results(results_path, results)  # progress survives a later failure
    except BaseException as error:
        interrupted = isinstance(error, KeyboardInterrupt)
        results["meta"].update(status="interrupted" if interrupted else "failed",
                               stopped_by=str(error) or type(error).__name__)
        results["meta"]["seconds"] = round(time.time() - results["meta"]["started"], 1)
        write_results(results_path, results)
        logger.error("evaluation %s: %s holds only the datasets finished before (meta.status)",
                     results["meta"]["status"], results_path)
        raise
    results["meta"]["status"] = "complete"
    results["meta"]["seconds"] = round(time.time() - results["meta"]["started"], 1)
    write_results(results_path, results)
    table = markdown_table(results)
    atomic_write_text(ctx.output_dir / "results.md", table)
    print(table, flush=True)
    logger.info("wrote %s and %s", results_path, ctx.output_dir / "results.md")
    log_results(instantiate_group(cfg.get("logger"), "logger"), results, ctx.output_dir)
    return results


def _meta(cfg: DictConfig, ctx: EvalContext, tasks: list[str]) -> dict[str, Any]:
    return {
        "ckpt_path": str(cfg.get("ckpt_path")),
        "benchmark": cfg.benchmark.get("name"),
        "tasks": tasks,
        "model": asdict(ctx.net.config),
        "tau": float(ctx.net.tau.detach()),
        "image_size": int(ctx.net.vision.image_size),
        "geometry": ctx.geometry,
        "device": str(ctx.device),
        "precision": ctx.precision,
        "bf16_autocast": ctx.device.type == "cuda" and ctx.precision == "bf16",
        "image_processor": (ctx.net.image_processor_config or {}).get("image_processor_type"),
        "minmax_8bit": ctx.minmax_8bit,
        "n_bootstrap": ctx.n_bootstrap,
        "seed": ctx.seed,
        "max_images": ctx.max_images,
        "prompt_template": ctx.prompt_template,
        "prompt_combine": ctx.prompt_combine,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "started": time.time(),
    }
