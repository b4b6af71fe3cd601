"""Evaluation tasks of ``python -m radzero.eval``, one module each: ``classification``, ``grounding``,
``segmentation`` and open-vocabulary ``maps``. ``radzero.eval.runner`` holds the task list
(``BENCHMARK_TASKS``, ``TASKS``) and drives them from the Hydra config; this package does not import
it (the runner imports the task modules)."""
