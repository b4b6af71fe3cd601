"""Bad inputs of the eval app (through its composed Hydra config)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from helpers.bad_input import _eval, _model_dir, _write, case


@case("eval: max_images=0")
def _(tmp):
    return _eval(tmp, "max_images=0"), ValueError, ["max_images=0", ">= 1"]


@case("eval: unknown protocol")
def _(tmp):
    return _eval(tmp, "protocol=mine"), ValueError, ["protocol='mine'", "radzero", "authors", "both"]


@case("eval: benchmark=radzero_release on a folder without the authors' files")
def _(tmp):
    return (_eval(tmp, "benchmark=radzero_release", f"paths.data_dir={tmp}", "datasets=[openi]"), FileNotFoundError,
            ["OpenI/custom.csv"])


@case("eval: max_images=-1")
def _(tmp):
    return _eval(tmp, "max_images=-1"), ValueError, ["max_images=-1"]


@case("eval: non-numeric batch size")
def _(tmp):
    return _eval(tmp, "batch_size=many"), ValueError, ["batch_size='many'"]


@case("eval: unknown device")
def _(tmp):
    return _eval(tmp, "device=tpu"), ValueError, ["device='tpu'", "cpu"]


@case("eval: CUDA on a machine without")
def _(tmp):
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    return _eval(tmp, "device=cuda"), ValueError, ["device='cuda'", "no CUDA device"]


@case("eval: unknown geometry")
def _(tmp):
    return _eval(tmp, "geometry=stretch"), ValueError, ["geometry='stretch'", "resize"]


@case("eval: unknown precision")
def _(tmp):
    return _eval(tmp, "precision=fp16"), ValueError, ["precision='fp16'"]


@case("eval: prompt template without a slot")
def _(tmp):
    return _eval(tmp, "prompt_template=Finding"), ValueError, ["prompt_template='Finding'", "{}"]


@case("eval: missing checkpoint")
def _(tmp):
    return _eval(tmp, ckpt=str(tmp / "gone.ckpt")), ValueError, ["gone.ckpt", "does not exist"]


@case("eval: folder without a model")
def _(tmp):
    (tmp / "empty").mkdir()
    return _eval(tmp, ckpt=str(tmp / "empty")), ValueError, [str(tmp / "empty"), "config.json"]


@case("eval: truncated model.safetensors")
def _(tmp):
    def truncate(folder):
        weights = folder / "model.safetensors"
        weights.write_bytes(weights.read_bytes()[:99])

    folder = _model_dir(tmp, truncate)
    return _eval(tmp, ckpt=str(folder)), ValueError, ["model.safetensors", "not a readable safetensors file"]


@case("eval: empty model.safetensors")
def _(tmp):
    folder = _model_dir(tmp, lambda f: (f / "model.safetensors").write_bytes(b""))
    return _eval(tmp, ckpt=str(folder)), ValueError, ["model.safetensors", "not a readable safetensors file"]


@case("eval: config.json is not JSON")
def _(tmp):
    folder = _model_dir(tmp, lambda f: (f / "config.json").write_text("{vision:"))
    return _eval(tmp, ckpt=str(folder)), ValueError, ["config.json", "not valid JSON"]


@case("eval: unknown key inside a saved config.json")
def _(tmp):
    def edit(folder):
        config = json.loads((folder / "config.json").read_text())
        config["vision"]["patch"] = 4
        (folder / "config.json").write_text(json.dumps(config))

    return _eval(tmp, ckpt=str(_model_dir(tmp, edit))), ValueError, ["config.json", "unknown key(s) ['patch']"]


@case("eval: maps image is a folder")
def _(tmp):
    (tmp / "images").mkdir()
    return (_eval(tmp, "task=maps", f"image={tmp / 'images'}", "prompts=[There is edema]"), OSError,
            [str(tmp / "images"), "is a folder, not an image file"])


@case("eval: maps image missing")
def _(tmp):
    return (_eval(tmp, "task=maps", f"image={tmp / 'x.png'}", "prompts=[There is edema]"), OSError,
            ["x.png", "not found"])


@case("eval: maps image corrupt")
def _(tmp):
    bad = _write(tmp / "broken.jpg", "not a jpeg at all")
    return _eval(tmp, "task=maps", f"image={bad}", "prompts=[There is edema]"), OSError, ["broken.jpg"]


@case("eval: maps without prompts")
def _(tmp):
    image = tmp / "cxr.png"
    Image.fromarray(np.zeros((40, 30), np.uint8)).save(image)
    return _eval(tmp, "task=maps", f"image={image}", "prompts=[]"), ValueError, ["at least one prompt"]


@case("eval: maps threshold outside [0, 1]")
def _(tmp):
    image = tmp / "cxr.png"
    Image.fromarray(np.zeros((40, 30), np.uint8)).save(image)
    return (_eval(tmp, "task=maps", f"image={image}", "prompts=[There is edema]", "threshold=2"), ValueError,
            ["threshold", "2"])


@case("eval: unknown dataset")
def _(tmp):
    return _eval(tmp, "datasets=[openi]"), ValueError, ["datasets=['openi']", "phantom"]


@case("eval: unknown task")
def _(tmp):
    return _eval(tmp, "task=detection"), ValueError, ["task='detection'", "classification"]
