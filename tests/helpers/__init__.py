"""Test utilities shared across test folders (lightning-hydra-template's tests/helpers)."""
