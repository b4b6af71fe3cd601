"""CLI: ``python -m radzero.data.phantom out_dir=PATH n_train=2000 seed=0 [key=value ...]``.

Keys: out_dir (required), workers (default 2), cache (true: treat out_dir as an ensure_phantom
cache directory and print the dataset root), and every generator parameter
(``radzero.data.phantom.DEFAULTS``).
"""

from __future__ import annotations

import json
import sys

from omegaconf import OmegaConf

from .cache import ensure_phantom
from .generate import generate_phantom
from .params import DEFAULTS


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if any(a in ("-h", "--help", "help") for a in argv):
        print(__doc__)
        print("parameters and defaults:", json.dumps(DEFAULTS))
        return 0
    cfg = OmegaConf.to_container(OmegaConf.from_cli(argv), resolve=True)
    if "out_dir" not in cfg:
        print("error: out_dir=PATH is required", file=sys.stderr)
        return 2
    out_dir = cfg.pop("out_dir")
    cache = bool(cfg.pop("cache", False))
    if cache:
        root = ensure_phantom(out_dir, **cfg)
        print(root)
        return 0
    summary = generate_phantom(out_dir, **cfg)
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
