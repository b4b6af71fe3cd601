"""The bad-input matrix's cases, one module per area; importing this package registers them all."""

from helpers.bad_input_cases import api, eval_app, extract_app, readers, train_app

__all__ = ["api", "eval_app", "extract_app", "readers", "train_app"]
