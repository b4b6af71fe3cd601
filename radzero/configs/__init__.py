"""Hydra configs of the radzero apps (a package so the configs ship in the wheel; see ``radzero.CONFIG_DIR``)."""
