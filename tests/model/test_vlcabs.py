"""VL-CABS against a brute-force NumPy loop (docs/model.md) and lean-vs-naive equivalence."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from radzero.model.vlcabs import VLCABSHead, similarity_maps, vlcabs, vlcabs_logits
from radzero.utils.checks import RadZeroInputError


def _brute_vlcabs(text: np.ndarray, tokens: np.ndarray, tau: float) -> tuple[np.ndarray, np.ndarray]:
    n_texts, n_images = text.shape[0], tokens.shape[0]
    logits = np.zeros((n_texts, n_images))
    scores = np.zeros((n_images, n_texts, tokens.shape[1]))
    for b in range(n_images):
        v = tokens[b] / np.linalg.norm(tokens[b], axis=1, keepdims=True)
        for n in range(n_texts):
            t = text[n] / np.linalg.norm(text[n])
            s = np.array([t @ v[l] for l in range(len(v))]) / tau
            scores[b, n] = s
            a = np.exp(s - s.max())
            a /= a.sum()
            z = sum(a[l] * v[l] for l in range(len(v)))
            logits[n, b] = t @ z / np.linalg.norm(z)
    return logits, scores


def _inputs(n=6, b=4, l=10, d=8, seed=0, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    text = torch.randn(n, d, generator=g, dtype=dtype)
    tokens = torch.randn(b, l, d, generator=g, dtype=dtype)
    return text, tokens


@pytest.mark.parametrize("tau", [0.07, 0.3])
def test_vlcabs_matches_brute_force(tau):
    text, tokens = _inputs(dtype=torch.float64)
    logits, scores = vlcabs(text, tokens, tau)
    ref_logits, ref_scores = _brute_vlcabs(text.numpy(), tokens.numpy(), tau)
    assert logits.shape == (6, 4) and scores.shape == (4, 6, 10)
    np.testing.assert_allclose(logits.numpy(), ref_logits, atol=1e-10)
    np.testing.assert_allclose(scores.numpy(), ref_scores, atol=1e-10)
    assert float(logits.abs().max()) <= 1.0 + 1e-12


@pytest.mark.parametrize("chunk", [1, 3, None])
def test_lean_equals_naive_values_and_gradients(chunk):
    text, tokens = _inputs(n=9, b=5, l=17, d=12, seed=1)
    weights = torch.randn(9, 5, generator=torch.Generator().manual_seed(2))
    results = []
    for lean in (False, True):
        t = text.clone().requires_grad_()
        v = tokens.clone().requires_grad_()
        tau = torch.tensor(0.07, requires_grad=True)
        logits = vlcabs_logits(t, v, tau, chunk_size=chunk) if lean else vlcabs(t, v, tau)[0]
        (logits * weights).sum().backward()
        results.append((logits.detach(), t.grad, v.grad, tau.grad))
    for naive, lean in zip(*results):
        torch.testing.assert_close(lean, naive, atol=1e-5, rtol=1e-5)


def test_lean_gradcheck_float64():
    text, tokens = _inputs(n=3, b=3, l=5, d=4, seed=3, dtype=torch.float64)
    tau = torch.tensor(0.1, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda t, v, s: vlcabs_logits(t, v, s, chunk_size=2),
        (text.requires_grad_(), tokens.requires_grad_(), tau),
    )


def test_similarity_maps_drop_cls_and_reshape():
    scores = torch.arange(2 * 3 * 7, dtype=torch.float32).reshape(2, 3, 7)
    maps = similarity_maps(scores, (2, 3))
    assert maps.shape == (2, 3, 2, 3)
    assert torch.equal(maps[1, 2].flatten(), scores[1, 2, 1:])
    with pytest.raises(RadZeroInputError, match="grid"):
        similarity_maps(scores, (3, 3))


def test_head_tau_init_and_lean_switch():
    head = VLCABSHead(8, init_tau=0.07)
    assert float(head.tau) == pytest.approx(0.07)
    text, tokens = _inputs()
    naive, scores = head(text, tokens)
    lean, none = head(text, tokens, lean=True)
    assert none is None and scores.shape == (4, 6, 10)
    torch.testing.assert_close(lean, naive)


def test_bad_inputs():
    text, tokens = _inputs()
    with pytest.raises(RadZeroInputError, match="dim"):
        vlcabs(text[:, :5], tokens, 0.07)
    with pytest.raises(RadZeroInputError, match="at least one sentence"):
        vlcabs(text[:0], tokens, 0.07)
    with pytest.raises(RadZeroInputError, match="at least one image"):
        vlcabs_logits(text, tokens[:0], 0.07)
    with pytest.raises(RadZeroInputError, match=r"\(B, L, D\)"):
        vlcabs(text, tokens[0], 0.07)
    nan_tokens = tokens.clone()
    nan_tokens[1, 2, 3] = float("nan")
    with pytest.raises(RadZeroInputError, match="non-finite"):
        vlcabs_logits(text, nan_tokens, 0.07)
    with pytest.raises(RadZeroInputError, match="tau"):
        vlcabs(text, tokens, -1.0)
