"""model.pixel: one pixel read on every path, checked against the arrays by hand."""

from __future__ import annotations

import numpy as np
import pytest

from nv12_widgets.core import InputError
from nv12_widgets.model import PreprocessConfig, compare
from nv12_widgets.model.judge.pixel import largest_error, pixel_readout, plane_pixel


@pytest.fixture(scope="module")
def cmp(conv_model):
    rng = np.random.default_rng(3)
    img = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
    config = PreprocessConfig(
        train_format="bgr", swing="studio", divisor=255.0, mean=(0.5, 0.4, 0.3),
        std=(0.2, 0.25, 0.3), profile="horizon",
    )  # fmt: skip
    return compare(conv_model, img, config)


def test_readout_matches_the_arrays(cmp):
    r, c = 5, 3
    px = pixel_readout(cmp, r, c)
    f = cmp.nv12_frame
    # NV12 4:2:0: one U V pair per 2x2 block, interleaved U V U V in the UV plane
    uv_bytes = f.uv_interleaved_image()
    assert (px.y, px.u, px.v) == (
        f.y[r, c],
        uv_bytes[r // 2, c - c % 2],
        uv_bytes[r // 2, c - c % 2 + 1],
    )
    assert px.nv12_rgb == tuple(cmp.nv12_rgb()[r, c])
    assert px.reference == tuple(cmp.reference_input[r, c])
    assert px.nv12 == tuple(cmp.nv12_input[r, c])
    # normalisation written out plainly: (x / divisor - mean) / std, BGR order
    mean, std = np.array([0.5, 0.4, 0.3]), np.array([0.2, 0.25, 0.3])
    expected = (cmp.reference_input[r, c] / 255.0 - mean) / std
    np.testing.assert_allclose(px.reference_normalised, expected, rtol=1e-5, atol=1e-6)
    expected_dev = (cmp.nv12_input[r, c] / 255.0 - mean) / std
    np.testing.assert_allclose(px.nv12_normalised, expected_dev, rtol=1e-5, atol=1e-6)
    err = cmp.nv12_input[r, c].astype(int) - cmp.reference_input[r, c].astype(int)
    assert px.error == tuple(err)
    assert px.error_map == min(255, 16 * int(np.abs(err).max()))
    labels = [k for k, _ in px.rows()]
    assert labels[0] == "Y, U, V codes" and "reference BGR" in labels


def test_readout_rejects_a_pixel_outside(cmp):
    with pytest.raises(InputError, match="outside the 8 x 8"):
        pixel_readout(cmp, 8, 0)


def test_largest_error_is_the_argmax_of_the_error(cmp):
    r, c = largest_error(cmp)
    err = np.abs(cmp.nv12_input.astype(int) - cmp.reference_input.astype(int)).max(axis=2)
    assert err[r, c] == err.max() > 0


@pytest.mark.parametrize(
    ("plane", "x", "y", "shown", "expected"),
    [
        ("y", 0, 0, (64, 64), (0, 0)),
        ("y", 63.9, 63.9, (64, 64), (31, 31)),
        ("y", 200, -5, (64, 64), (0, 31)),  # clamped
        ("rgb", 33, 17, (64, 64), (8, 16)),
        ("error", 33, 17, (32, 32), (17, 31)),  # x past the edge: clamped
        ("u", 5, 5, (16, 16), (10, 10)),  # U is (16, 16): chroma (5, 5) -> block (10, 10)
        ("v", 31.9, 0, (32, 32), (0, 30)),  # shown 2x: chroma col 15 -> frame col 30
        ("uv", 6, 0, (32, 16), (0, 6)),  # byte 6 = U of chroma column 3
        ("uv", 7, 0, (32, 16), (0, 6)),  # byte 7 = V of chroma column 3
    ],
)
def test_plane_pixel(plane, x, y, shown, expected):
    assert plane_pixel(plane, x, y, shown[0], shown[1], (32, 32)) == expected


def test_plane_pixel_rejects_bad_input():
    with pytest.raises(InputError, match="unknown plane"):
        plane_pixel("w", 0, 0, 1, 1, (2, 2))
    with pytest.raises(InputError, match="positive"):
        plane_pixel("y", 0, 0, 0, 1, (2, 2))


@pytest.mark.parametrize(("row", "col"), [(10, 10), (0, 0), (19, 3), (25, 40)])
def test_marked_zoom_outlines_the_centre_pixel(row, col):
    from nv12_widgets.core import crop_zoom
    from nv12_widgets.model.judge.pixel import MARKER_RGB, marked_zoom

    rng = np.random.default_rng(1)
    img = rng.integers(0, 200, (20, 30), dtype=np.uint8)  # no value equals the marker
    z = marked_zoom(img, row, col, half=4, scale=5)
    plain = crop_zoom(img, row, col, half=4, scale=5)
    assert z.shape == (*plain.shape, 3)
    marked = np.all(z == MARKER_RGB, axis=2)
    ys, xs = np.nonzero(marked)
    # the outline is one enlarged pixel: a 5x5 square border, on the clamped pixel
    r, c = min(row, 19), min(col, 29)
    top, left = (r - max(0, r - 4)) * 5, (c - max(0, c - 4)) * 5
    assert (ys.min(), ys.max(), xs.min(), xs.max()) == (top, top + 4, left, left + 4)
    assert marked.sum() == 16
    # everything else is the zoom itself
    assert np.array_equal(z[~marked][:, 0], plain[~marked])
    # and the outlined block is the pixel asked for
    assert np.all(plain[top + 1 : top + 4, left + 1 : left + 4] == img[r, c])


@pytest.mark.parametrize("profile", ["openvino-f32", "tidl"])
@pytest.mark.parametrize("fmt", ["rgb", "bgr"])
def test_readout_equals_the_tensor_fed_for_float_decode_profiles(conv_model, profile, fmt):
    from nv12_widgets.model import Model, Pipeline

    rng = np.random.default_rng(5)
    img = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
    config = PreprocessConfig(
        train_format=fmt, profile=profile, mean=(0.5, 0.4, 0.3), std=(0.2, 0.25, 0.3)
    )
    cmp = compare(conv_model, img, config)
    assert cmp.nv12_input.dtype == np.float32
    # the tensor the model was fed, rebuilt independently of the comparison
    model = conv_model if isinstance(conv_model, Model) else Model(conv_model)
    fed = Pipeline.for_model(model, config).run(img).device_tensor
    np.testing.assert_array_equal(cmp.tensors["nv12"], fed)
    fractional = 0
    for r in range(0, 8, 3):
        for c in range(8):
            px = pixel_readout(cmp, r, c)
            want = fed[0, :, r, c] if cmp.layout == "NCHW" else fed[0, r, c, :]
            assert px.nv12_normalised == tuple(float(v) for v in want)
            assert px.nv12 == tuple(float(v) for v in cmp.nv12_input[r, c])
            # (x / 255 - mean) / std by hand from the untruncated value
            by_hand = (np.array(px.nv12) / 255.0 - np.array([0.5, 0.4, 0.3])) / np.array(
                [0.2, 0.25, 0.3]
            )
            np.testing.assert_allclose(px.nv12_normalised, by_hand, rtol=1e-5, atol=1e-5)
            fractional += any(v != int(v) for v in px.nv12)
            assert any("." in value for _, value in px.rows()[3:4]) or not any(
                v != int(v) for v in px.nv12
            )
    assert fractional > 0  # the profile feeds fractions: they must be read out
