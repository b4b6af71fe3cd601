"""Evaluation tasks of ``python -m radzero.eval``: classification, grounding, segmentation and
open-vocabulary maps, one module each; ``runner.run_eval`` drives them from the Hydra config."""

from radzero.eval.tasks.runner import BENCHMARK_TASKS, TASKS, run_eval, selected_tasks

__all__ = ["BENCHMARK_TASKS", "TASKS", "run_eval", "selected_tasks"]
