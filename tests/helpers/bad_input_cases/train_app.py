"""Bad inputs of the train app (through its composed Hydra config)."""

from __future__ import annotations

import torch
from omegaconf import open_dict
from training.conftest import compose_train

from helpers.bad_input import _out, _phantom, _train, case


@case("train: non-numeric learning rate")
def _(tmp):
    return _train(tmp, "optimizer.lr=abc"), ValueError, ["optimizer.lr", "'abc'", "not a number"]


@case("train: zero global batch size")
def _(tmp):
    return _train(tmp, "data.datamodule.global_batch_size=0"), ValueError, ["data.datamodule.global_batch_size"]


@case("train: negative warm-up")
def _(tmp):
    return _train(tmp, "scheduler.warmup_steps=-1"), ValueError, ["scheduler.warmup_steps", ">= 0"]


@case("train: fractional seed")
def _(tmp):
    return _train(tmp, "seed=1.5"), ValueError, ["seed=1.5", "integer"]


@case("train: output folder is a file")
def _(tmp):
    from radzero.train import train

    cfg = compose_train(["callbacks.zero_shot=null"], _out(tmp), _phantom(tmp))
    with open_dict(cfg):
        cfg.paths.output_dir = str(tmp / "out" / "notes.txt")
    return lambda: train(cfg), ValueError, ["paths.output_dir", "notes.txt", "not a folder"]


@case("train: resume from a missing checkpoint")
def _(tmp):
    return (_train(tmp, f"ckpt_path={tmp / 'nope.ckpt'}"), RuntimeError,
            ["ckpt_path=", "nope.ckpt", "does not exist"])


@case("train: resume from a truncated checkpoint")
def _(tmp):
    bad = tmp / "half.ckpt"
    torch.save({"state_dict": {"w": torch.zeros(1000)}}, bad)
    bad.write_bytes(bad.read_bytes()[:300])
    return _train(tmp, f"ckpt_path={bad}"), RuntimeError, ["half.ckpt", "not a complete checkpoint"]


@case("train: resume from another config's checkpoint")
def _(tmp):
    other = tmp / "other.ckpt"
    torch.save({"state_dict": {"net.align.blocks.7.norm1.weight": torch.zeros(3)}}, other)
    return (_train(tmp, f"ckpt_path={other}"), ValueError,
            ["other.ckpt", "another model config", "unexpected: net.align.blocks.7.norm1.weight"])


@case("train: missing data folder")
def _(tmp):
    from radzero.train import train

    cfg = compose_train(["data=mimic", "callbacks.zero_shot=null"], _out(tmp), _phantom(tmp), phantom=False)
    with open_dict(cfg):
        cfg.paths.data_dir = str(tmp / "no_such_data")
    return lambda: train(cfg), FileNotFoundError, ["no_such_data", "paths.data_dir"]


@case("train: key typo in the model config")
def _(tmp):
    from hydra.errors import ConfigCompositionException

    out = _out(tmp)
    return (lambda: compose_train(["model.vision.widht=3"], out, _phantom(tmp)), ConfigCompositionException,
            ["model.vision.widht"])


@case("train: init_from a folder without a model")
def _(tmp):
    (tmp / "empty").mkdir()
    return (_train(tmp, f"model.init_from={tmp / 'empty'}", "debug=fdr"), FileNotFoundError,
            [str(tmp / "empty" / "config.json"), "not found"])


@case("train: unknown text encoder")
def _(tmp):
    return _train(tmp, "model.text.name=gpt", "debug=fdr"), ValueError, ["unknown text encoder 'gpt'"]


@case("train: unknown key of a vision encoder")
def _(tmp):
    return (_train(tmp, "+model.vision.widht=3", "debug=fdr"), ValueError,
            ["model.vision (name: small_vit)", "['widht']"])
