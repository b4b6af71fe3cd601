"""``python -m radzero.eval`` and ``Predictor`` on the authors' snapshot and on radzero folders."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from helpers.eval_helpers import compose_eval, tiny_model
from helpers.authors_snapshot import build_authors_snapshot
from radzero import Predictor
from radzero.data.transforms import make_geometry
from radzero.eval.runner import run_eval
from radzero.utils.checks import RadZeroInputError
from radzero.utils.errors import ConfigError


@pytest.fixture(scope="module")
def phantom_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.getbasetemp() / "eval_phantom"  # shared with the other eval tests


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory) -> Path:
    return build_authors_snapshot(tmp_path_factory.mktemp("authors") / "RadZero", seed=4)


@pytest.fixture(scope="module")
def image(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("img") / "cxr.png"
    Image.fromarray((np.random.default_rng(1).random((96, 72)) * 255).astype(np.uint8)).save(path)
    return path


def test_every_benchmark_task_runs_on_the_snapshot_in_fp32(tmp_path, phantom_cache, snapshot):
    results = run_eval(compose_eval([f"ckpt_path={snapshot}", "precision=fp32"], tmp_path, phantom_cache))
    assert results["meta"]["precision"] == "fp32" and not results["meta"]["bf16_autocast"]
    assert results["meta"]["image_processor"] == "BlipImageProcessor"
    assert results["meta"]["model"]["vision"]["pos_embed_interpolation"] == "legacy"
    assert results["classification"]["chexpert_test"]["metrics"]["macro_auroc"]["ci95"]
    assert results["grounding"]["ms_cxr"]["metrics"]["pointing_game"]["value"] is not None
    assert results["segmentation"]["siim"]["metrics"]["dice"]["ci95"]


def test_maps_task_on_the_snapshot_equals_the_predictor(tmp_path, phantom_cache, snapshot, image):
    prompts = ["There is pleural effusion", "There is cardiomegaly"]
    out = run_eval(compose_eval([f"ckpt_path={snapshot}", "task=maps", f"image={image}",
                                 "prompts=[There is pleural effusion,There is cardiomegaly]", "threshold=0.45",
                                 "precision=fp32"], tmp_path, phantom_cache))["maps"]
    prediction = Predictor.from_pretrained(snapshot, device="cpu").predict(image, prompts)
    for k, entry in enumerate(out["prompts"]):
        assert entry["probability"] == pytest.approx(float(prediction.probs[k]), abs=1e-7)
        mask = np.asarray(Image.open(tmp_path / entry["mask"])) > 0
        assert np.array_equal(mask, prediction.prob_maps[k] > 0.45)


def test_the_snapshot_refuses_geometries_its_processor_cannot_undo(tmp_path, phantom_cache, snapshot):
    with pytest.raises(RadZeroInputError, match="geometry='pad'.*use geometry=resize"):
        run_eval(compose_eval([f"ckpt_path={snapshot}", "geometry=pad", "task=classification",
                               "datasets=[chexpert_test]"], tmp_path, phantom_cache))
    with pytest.raises(ConfigError, match=r"precision='fp16': choose one of \['bf16', 'fp32'\]"):
        run_eval(compose_eval([f"ckpt_path={snapshot}", "precision=fp16"], tmp_path, phantom_cache))


def test_minmax_8bit_stretches_the_image_first(snapshot):
    """The authors' batch evaluation min-max scales every image to 0..255: a dim image gives the same
    prediction as its stretched copy with minmax_8bit, and a different one without."""
    rng = np.random.default_rng(2)
    bright = (rng.random((64, 64)) * 255).astype(np.uint8)
    bright[0, 0], bright[0, 1] = 0, 255
    dim = (bright // 2 + 20).astype(np.uint8)
    stretched = Predictor.from_pretrained(snapshot, device="cpu", minmax_8bit=True).predict(dim, "There is edema")
    plain = Predictor.from_pretrained(snapshot, device="cpu").predict(bright, "There is edema")
    raw = Predictor.from_pretrained(snapshot, device="cpu").predict(dim, "There is edema")
    np.testing.assert_allclose(stretched.prob_maps, plain.prob_maps, atol=0.02)
    assert np.abs(raw.prob_maps - plain.prob_maps).max() > 1e-3


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("model")
    tiny_model(seed=3).save_pretrained(directory)
    return directory


@pytest.mark.parametrize("geometry", ["resize", "pad", "center_crop"])
def test_predictor_on_a_radzero_folder(model_dir, image, geometry):
    """probs = sigmoid(logit / tau) of the model's own forward; maps at the original size, NaN where unseen."""
    predictor = Predictor.from_pretrained(model_dir, device="cpu", geometry=geometry)
    texts = ["There is edema", "There is no pneumothorax"]
    out = predictor.predict(image, texts)
    H, W = 96, 72
    assert out.prob_maps.shape == (2, H, W) and out.probs.shape == (2,)
    net = predictor.net
    pixels, _ = predictor.transform(predictor.load(image))
    tokens = net.tokenize(texts)
    with torch.no_grad():
        features = net(pixels[None], tokens["input_ids"], tokens["attention_mask"])
        logits = net.logits(features.text, features.tokens)[:, 0]  # (2,)
    np.testing.assert_allclose(out.probs, torch.sigmoid(logits / net.tau).detach().numpy(), atol=1e-6)
    params = make_geometry(geometry, net.vision.image_size).params((H, W))
    ys = (np.arange(H) + 0.5) * params.scale[0] + params.offset[0]
    seen_rows = (ys >= 0) & (ys < net.vision.image_size)
    assert np.array_equal(~np.isnan(out.prob_maps[0]).any(axis=1), seen_rows)
    assert (geometry == "center_crop") == bool(np.isnan(out.prob_maps).any())


def test_predictor_inputs_and_bad_input(model_dir, image):
    predictor = Predictor.from_pretrained(model_dir, device="cpu")
    from_path = predictor.predict(image, "There is edema")
    as_array = predictor.predict(np.asarray(Image.open(image)), ["There is edema"])
    as_pil = predictor.predict(Image.open(image), "There is edema")
    as_float = predictor.predict(np.asarray(Image.open(image)) / 255.0, "There is edema")
    for other in (as_array, as_pil, as_float):
        np.testing.assert_allclose(other.prob_maps, from_path.prob_maps, atol=1e-6)
    with pytest.raises(RadZeroInputError, match="at least one non-empty text"):
        predictor.predict(image, [])
    with pytest.raises(RadZeroInputError, match=r"float image must be finite and in \[0, 1\]"):
        predictor.predict(np.full((8, 8), 300.0), "There is edema")
    with pytest.raises(RadZeroInputError, match="image must be a path"):
        predictor.predict(np.zeros((2, 8, 8), dtype=np.int64), "There is edema")
    with pytest.raises(OSError, match="image file not found"):
        predictor.predict(Path(image).with_name("missing.png"), "There is edema")
    assert json.loads(json.dumps(from_path.texts)) == ["There is edema"]
