"""``ensure_phantom``: a cache of phantom roots keyed by their parameters, safe for concurrent callers.

A root is generated into a hidden temp directory ``.<name>.tmp-<host>-<pid>-<random>`` beside its
final place and renamed into place atomically; temp / trash directories of dead processes on this
host are removed; only a root with a matching ``manifest.json`` is ever returned.
"""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from pathlib import Path

from .generate import generate_phantom
from .manifest import manifest_matches, params_key
from .params import DEFAULTS, normalize_params


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _cleanup_stale(cache_dir: Path, name: str) -> None:
    """Remove temp / trash dirs of ``name`` left by dead processes on this host."""
    host = socket.gethostname()
    for p in cache_dir.glob(f".{name}.*"):
        bits = p.name.split("-")
        try:
            if f".tmp-{host}-" not in p.name and f".trash-{host}-" not in p.name:
                continue
            pid = int(bits[-2])
        except (ValueError, IndexError):
            continue
        if not _pid_alive(pid):
            shutil.rmtree(p, ignore_errors=True)


def _replace_target(tmp: Path, target: Path, trash: Path, p: dict) -> Path:
    """Rename the finished ``tmp`` to ``target``, unless another caller's complete copy got there first."""
    if target.exists():
        if manifest_matches(target, p):  # someone else finished first
            return target
        try:
            os.rename(target, trash)
        except FileNotFoundError:
            pass
        shutil.rmtree(trash, ignore_errors=True)
    try:
        os.rename(tmp, target)
    except OSError:
        if manifest_matches(target, p):
            return target
        raise
    return target


def ensure_phantom(cache_dir: str | Path, n_train: int = DEFAULTS["n_train"], seed: int = DEFAULTS["seed"],
                   **sizes) -> Path:
    """Return the root of a complete phantom dataset with these parameters, generating it if needed.

    If ``cache_dir`` itself holds a complete matching dataset it is returned. Otherwise the
    dataset lives at ``cache_dir / f"phantom-n{n_train}-s{seed}-{key}"`` (key = hash of all
    parameters): returned as is when its manifest matches, else generated into a hidden temp
    directory beside it and renamed into place atomically. Concurrent callers are safe (the
    loser of the rename discards its copy). ``workers`` may be passed (default 2).
    """
    workers = int(sizes.pop("workers", 2) or 1)
    p = normalize_params(n_train, seed, **sizes)
    cache_dir = Path(cache_dir).absolute()
    if manifest_matches(cache_dir, p):
        return cache_dir
    target = cache_dir / f"phantom-n{p['n_train']}-s{p['seed']}-{params_key(p)}"
    if manifest_matches(target, p):
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    _cleanup_stale(cache_dir, target.name)
    token = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp = cache_dir / f".{target.name}.tmp-{token}"
    try:
        generate_phantom(tmp, workers=workers, **p)
        return _replace_target(tmp, target, cache_dir / f".{target.name}.trash-{token}", p)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
