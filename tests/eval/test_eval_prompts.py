"""Class prompts: default names, ensembles, errors, and the two ways of combining an ensemble by brute force."""

from __future__ import annotations

import pytest
import torch
from helpers.eval_helpers import tiny_model

from radzero.eval.inference import encode_prompts
from radzero.eval.prompts import ClassPrompts, build_class_prompts, default_name
from radzero.utils.checks import RadZeroInputError


def test_prompts_default_names_and_errors():
    assert default_name("Pleural_Thickening") == "pleural thickening"
    prompts = build_class_prompts(["Edema", "Pleural Effusion"], ensembles={"Edema": ["edema", "There is edema"]})
    assert prompts == {"Edema": ["edema", "There is edema"], "Pleural Effusion": ["There is pleural effusion"]}
    with pytest.raises(RadZeroInputError, match="class list is empty"):
        build_class_prompts([])
    with pytest.raises(RadZeroInputError, match="empty prompt"):
        build_class_prompts(["Edema"], ensembles={"Edema": []})
    with pytest.raises(RadZeroInputError, match="unknown class"):
        build_class_prompts(["Edema"], names={"Oedema": "x"})


def test_prompt_ensembles_features_and_logits_by_brute_force():
    net = tiny_model()
    cpu = torch.device("cpu")
    prompts = {"Edema": ["There is edema", "edema is present", "pulmonary edema"], "Mass": ["There is a mass"]}
    tokens = torch.randn(3, 1 + 16, 32)  # (B, L, D) stand-in vision tokens
    single = encode_prompts(net, [p for v in prompts.values() for p in v], cpu)  # (4, D)
    logits_each, _ = net.head(single, tokens)  # (4, B)
    by_logits = ClassPrompts.encode(net, prompts, cpu, "logits")
    got = by_logits.class_scores(net.head(by_logits.features, tokens)[0].T)
    torch.testing.assert_close(got[:, 0], logits_each[:3].mean(0))
    torch.testing.assert_close(got[:, 1], logits_each[3])
    by_features = ClassPrompts.encode(net, prompts, cpu, "features")
    mean_feature = torch.stack([single[:3].mean(0), single[3]])
    torch.testing.assert_close(by_features.class_scores(net.head(by_features.features, tokens)[0].T),
                               net.head(mean_feature, tokens)[0].T)
