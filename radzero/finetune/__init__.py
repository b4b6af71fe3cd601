"""``python -m radzero.finetune``: stage 2 of the RadZero recipe, a segmentation head or a linear probe on the
aligned stage-1 model with the label-efficiency protocol (1% / 10% / 100% nested subsets); docs/finetune.md."""
