import numpy as np
import pytest

from radzero.data.rle import rle_decode, rle_encode, rle_is_empty


def _readme_mask():
    m = np.zeros((4, 4), dtype=bool)
    m[1, 1] = m[2, 1] = m[2, 2] = True  # (row, col), 0-based
    return m


def test_readme_example():
    m = _readme_mask()
    assert np.flatnonzero(m.ravel(order="F")).tolist() == [5, 6, 10]
    assert rle_encode(m) == "5 2 3 1"
    np.testing.assert_array_equal(rle_decode("5 2 3 1", 4, 4), m)


def test_leading_space_and_whitespace():
    m = _readme_mask()
    np.testing.assert_array_equal(rle_decode(" 5 2 3 1", 4, 4), m)
    np.testing.assert_array_equal(rle_decode("5  2\t3 1 \n", 4, 4), m)


@pytest.mark.parametrize("empty", ["-1", " -1", "-1 ", "  -1\n"])
def test_empty(empty):
    assert rle_is_empty(empty)
    out = rle_decode(empty, 3, 5)
    assert out.shape == (3, 5) and out.dtype == bool and not out.any()
    assert rle_encode(np.zeros((3, 5), bool)) == "-1"


def test_non_square_is_column_major():
    m = np.zeros((2, 3), dtype=bool)
    m[0, 1] = True  # F index = 1 * 2 + 0 = 2
    assert rle_encode(m) == "2 1"
    np.testing.assert_array_equal(rle_decode("2 1", 2, 3), m)


def test_full_and_edges():
    m = np.ones((3, 4), bool)
    assert rle_encode(m) == "0 12"
    np.testing.assert_array_equal(rle_decode("0 12", 3, 4), m)
    m = np.zeros((3, 4), bool)
    m[-1, -1] = True
    assert rle_encode(m) == "11 1"


@pytest.mark.parametrize("seed", range(20))
def test_random_round_trip(seed):
    rng = np.random.default_rng(seed)
    h, w = rng.integers(1, 40, size=2)
    density = rng.uniform(0, 1)
    m = rng.uniform(size=(h, w)) < density
    s = rle_encode(m)
    np.testing.assert_array_equal(rle_decode(s, int(h), int(w)), m)
    if m.any():
        vals = list(map(int, s.split()))
        assert len(vals) % 2 == 0 and all(v > 0 for v in vals[1::2])
        assert sum(vals) == np.flatnonzero(m.ravel(order="F")).max() + 1


def test_round_trip_1024_blob():
    m = np.zeros((1024, 1024), bool)
    yy, xx = np.mgrid[:1024, :1024]
    m[(yy - 300) ** 2 / 80**2 + (xx - 700) ** 2 / 120**2 < 1] = True
    np.testing.assert_array_equal(rle_decode(" " + rle_encode(m), 1024, 1024), m)


@pytest.mark.parametrize(
    "bad, match",
    [
        ("5 2 3", "odd number"),
        ("5 2 x 1", "non-integer"),
        ("5 2 3.0 1", "non-integer"),
        ("5 -2", "negative"),
        ("-5 2", "negative"),
        ("15 2", "beyond"),
        ("0 17", "beyond"),
        ("", "empty"),
        ("   ", "empty"),
    ],
)
def test_malformed(bad, match):
    with pytest.raises(ValueError, match=match):
        rle_decode(bad, 4, 4)


def test_non_string_and_bad_shape():
    with pytest.raises(ValueError):
        rle_decode(None, 4, 4)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        rle_encode(np.zeros((2, 2, 2), bool))
