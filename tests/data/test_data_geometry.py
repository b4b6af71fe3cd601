from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from radzero.data.transforms import (
    PadToSquare,
    Resize,
    ResizeCenterCrop,
    boxes_to_input,
    boxes_to_original,
    make_geometry,
    map_to_original,
    points_to_input,
    points_to_original,
)

S = 56  # network input
G = 7  # patch grid -> 8 px patches
SIZES = [(300, 200), (200, 300), (123, 457), (640, 640), (41, 29)]  # portrait, landscape, odd, square, upscale
KINDS = ["resize", "center_crop", "pad"]


def _input_coord_of_original_centres(p, H, W):
    """Continuous input coordinates of every original pixel centre."""
    ys = (np.arange(H) + 0.5) * p.scale[0] + p.offset[0]
    xs = (np.arange(W) + 0.5) * p.scale[1] + p.offset[1]
    return ys, xs


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("kind", KINDS)
def test_linear_ramp_is_exact(kind, size):
    """Bilinear interpolation reproduces a linear function exactly, so a ramp on the patch grid
    (value = patch column index) must come back as the analytic value of the input x coordinate
    of each original pixel centre: x_in / patch - 0.5 (away from the clamped borders)."""
    H, W = size
    p = make_geometry(kind, S).params((H, W))
    patch = S / G
    ramp_x = np.tile(np.arange(G, dtype=np.float64), (G, 1))
    ramp_y = ramp_x.T.copy()
    out_x = map_to_original(ramp_x, p)
    out_y = map_to_original(ramp_y, p)
    ys, xs = _input_coord_of_original_centres(p, H, W)
    top, left, bottom, right = p.valid
    # interior: at least one patch-half from the network-view borders (no clamping there)
    in_x = (xs >= left + patch / 2 + 1) & (xs <= right - patch / 2 - 1) & (xs >= patch / 2) & (xs <= S - patch / 2)
    in_y = (ys >= top + patch / 2 + 1) & (ys <= bottom - patch / 2 - 1) & (ys >= patch / 2) & (ys <= S - patch / 2)
    assert in_x.any() and in_y.any()
    exp_x = xs / patch - 0.5
    exp_y = ys / patch - 0.5
    np.testing.assert_allclose(out_x[np.ix_(in_y, in_x)], np.broadcast_to(exp_x[in_x], (in_y.sum(), in_x.sum())), atol=1e-9)
    np.testing.assert_allclose(out_y[np.ix_(in_y, in_x)], np.broadcast_to(exp_y[in_y, None], (in_y.sum(), in_x.sum())), atol=1e-9)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("kind", KINDS)
def test_nan_exactly_outside_view(kind, size):
    H, W = size
    p = make_geometry(kind, S).params((H, W))
    out = map_to_original(np.ones((G, G), np.float32), p)
    assert out.shape == (H, W)
    ys, xs = _input_coord_of_original_centres(p, H, W)
    seen = ((ys >= 0) & (ys < S))[:, None] & ((xs >= 0) & (xs < S))[None, :]
    assert np.array_equal(~np.isnan(out), seen)
    np.testing.assert_allclose(out[seen], 1.0, atol=1e-6)  # constant stays constant
    if kind in ("resize", "pad"):
        assert not np.isnan(out).any()
    if kind == "center_crop" and H != W:
        assert np.isnan(out).any()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("patch_rc", [(3, 3), (3, 1), (3, 5)])
def test_single_hot_patch_lands_on_the_right_original_pixels(kind, size, patch_rc):
    """One hot patch (i, j): after map_to_original, the maximum must sit on original pixels
    whose input position lies inside that patch, and every original pixel whose input
    position is the patch centre (within half an input pixel) must be at the maximum."""
    H, W = size
    p = make_geometry(kind, S).params((H, W))
    i, j = patch_rc
    patch = S // G
    m = np.zeros((G, G), np.float64)
    m[i, j] = 1.0
    out = map_to_original(m, p)
    ys, xs = _input_coord_of_original_centres(p, H, W)
    top, left, bottom, right = p.valid
    # patch centre must be visible for the test to make sense
    cy, cx = (i + 0.5) * patch, (j + 0.5) * patch
    if not (top <= cy < bottom and left <= cx < right):
        raise AssertionError("test set-up: patch centre outside the image region")
    if np.isnan(out).all():
        raise AssertionError("test set-up: nothing visible")
    mx = np.nanmax(out)
    assert mx > 0.5
    rr, cc = np.nonzero(out >= mx - 1e-9)
    assert ((ys[rr] >= i * patch) & (ys[rr] < (i + 1) * patch)).all()
    assert ((xs[cc] >= j * patch) & (xs[cc] < (j + 1) * patch)).all()
    # the original pixel containing the preimage of the patch centre is (near) the maximum
    ox, oy = points_to_original(np.array([cx, cy]), p)
    r0, c0 = min(int(oy), H - 1), min(int(ox), W - 1)
    # its centre is <= scale/2 input px from the patch centre, the S-map pixel centres 0.5 px;
    # bilinear values drop by 1/patch per input pixel along each axis
    assert out[r0, c0] >= 1.0 - 2 * (0.5 * max(p.scale) + 0.5) / patch - 1e-9
    # far from the patch the map is 0
    far = (np.abs(ys - cy)[:, None] > 2 * patch) | (np.abs(xs - cx)[None, :] > 2 * patch)
    vals = out[far]
    assert np.nanmax(np.abs(vals)) < 1e-12


@pytest.mark.parametrize("size", [(300, 200), (200, 300), (333, 250), (41, 29)])
def test_resize_equals_one_torch_interpolate(size):
    """For the plain resize, 'undo' is ONE F.interpolate of the grid to (H, W) (align_corners=False),
    the RadZero authors' map-to-image step (no detour through the S x S network input)."""
    H, W = size
    p = Resize(S).params((H, W))
    m = torch.rand(2, 3, G, G, dtype=torch.float64)
    ref = F.interpolate(m, size=(H, W), mode="bilinear", align_corners=False)
    out = map_to_original(m, p)
    assert isinstance(out, torch.Tensor) and out.shape == (2, 3, H, W)
    torch.testing.assert_close(out, ref, atol=1e-10, rtol=0)


def test_map_to_original_numpy_and_tensor_agree():
    p = PadToSquare(S).params((300, 200))
    m = np.random.default_rng(0).random((G, G)).astype(np.float32)
    a = map_to_original(m, p)
    b = map_to_original(torch.from_numpy(m), p)
    assert isinstance(a, np.ndarray) and a.dtype == np.float32
    np.testing.assert_allclose(a, b.numpy(), atol=0)
    with pytest.raises(ValueError):
        map_to_original(m, p, original_size=(200, 300))


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("kind", KINDS)
def test_points_and_boxes_round_trip(kind, size):
    H, W = size
    p = make_geometry(kind, S).params((H, W))
    rng = np.random.default_rng(1)
    pts = rng.uniform(0, 1, (50, 2)) * [W, H]
    np.testing.assert_allclose(points_to_original(points_to_input(pts, p), p), pts, atol=1e-9)
    boxes = np.concatenate([pts, rng.uniform(1, 20, (50, 2))], axis=1)
    np.testing.assert_allclose(boxes_to_original(boxes_to_input(boxes, p), p), boxes, atol=1e-9)
    # the whole image maps onto the image region of the input
    full = boxes_to_input([[0, 0, W, H]], p)[0]
    top, left, bottom, right = p.valid
    if kind == "pad":
        np.testing.assert_allclose(full, [left, top, right - left, bottom - top], atol=1e-9)
    clipped = boxes_to_input([[0, 0, W, H]], p, clip=True)[0]
    np.testing.assert_allclose(clipped, [left, top, right - left, bottom - top], atol=1e-9)


@pytest.mark.parametrize("size", [(300, 200), (200, 300)])
@pytest.mark.parametrize("kind", KINDS)
def test_image_and_geometry_agree(kind, size):
    """A bright rectangle drawn in the original appears where boxes_to_input says, and mapping
    the transformed image back approximates the original."""
    H, W = size
    img = np.zeros((H, W), np.float32)
    box = (W * 0.3, H * 0.4, W * 0.25, H * 0.2)  # x, y, w, h (integers here)
    x, y, w, h = (int(round(v)) for v in box)
    img[y : y + h, x : x + w] = 1.0
    g = make_geometry(kind, S, interpolation="area")
    out, p = g(img)
    assert out.shape == (S, S) and out.dtype == np.float32
    bx, by, bw, bh = boxes_to_input([[x, y, w, h]], p)[0]
    inside = out[int(np.ceil(by)) + 1 : int(by + bh) - 1, int(np.ceil(bx)) + 1 : int(bx + bw) - 1]
    assert inside.size and inside.min() > 0.99
    mask = np.zeros((S, S), bool)
    mask[max(0, int(by) - 1) : int(np.ceil(by + bh)) + 1, max(0, int(bx) - 1) : int(np.ceil(bx + bw)) + 1] = True
    assert out[~mask].max() < 1e-6
    # input image as a full-resolution "map" (identity upsampling) -> back to the original
    back = map_to_original(out, p)
    seen = ~np.isnan(back)
    err = np.abs(back[seen] - img[seen])
    assert np.mean(err) < 0.05


def test_pad_geometry_details():
    p = PadToSquare(S).params((300, 200))
    assert p.valid == (0, 9, 56, 46) and p.scale == (56 / 300, 37 / 200)
    p = PadToSquare(S).params((200, 300))
    assert p.valid == (9, 0, 46, 56)
    out, _ = PadToSquare(S, pad_value=0.0)(np.ones((200, 300), np.float32))
    assert out[:9].max() == 0 and out[46:].max() == 0 and out[9:46].min() > 0.99


def test_center_crop_geometry_details():
    p = ResizeCenterCrop(S).params((300, 200))
    assert p.scale == (84 / 300, 56 / 200) and p.offset == (-14.0, 0.0)
    img = np.tile(np.arange(300, dtype=np.float32)[:, None], (1, 200))
    out, _ = ResizeCenterCrop(S, interpolation="linear")(img)
    # input row k samples original row (k + 14 + 0.5) / 0.28 - 0.5
    exp = (np.arange(S) + 14 + 0.5) / 0.28 - 0.5
    np.testing.assert_allclose(out[:, 10], exp, atol=1e-3)


def test_unknown_geometry():
    with pytest.raises(ValueError, match="unknown geometry"):
        make_geometry("stretch", 10)
