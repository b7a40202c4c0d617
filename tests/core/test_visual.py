"""Display helpers: what the widgets and the report put on screen."""

import cv2
import numpy as np
import pytest

from nv12_widgets.core import (
    InputError,
    crop_zoom,
    display_downscale,
    error_map,
    heatmap,
    image_like_output,
    output_heatmaps,
    png_bytes,
)


def test_error_map_amplifies_and_takes_the_channel_maximum():
    a = np.zeros((2, 3, 3), np.uint8)
    b = a.copy()
    b[0, 0] = (1, 3, 2)
    b[1, 2] = (40, 0, 0)
    out = error_map(a, b, gain=16)
    assert out.dtype == np.uint8 and out.shape == (2, 3)
    assert out[0, 0] == 48  # max(1, 3, 2) * 16
    assert out[1, 2] == 255  # saturates
    assert out[0, 1] == 0


def test_error_map_rejects_mismatched_shapes_and_bad_gain():
    with pytest.raises(InputError, match="same shape"):
        error_map(np.zeros((2, 2)), np.zeros((2, 3)))
    with pytest.raises(InputError, match="gain"):
        error_map(np.zeros((2, 2)), np.zeros((2, 2)), gain=0)


def test_heatmap_maps_range_ends_to_colormap_ends():
    x = np.array([[0.0, 0.5, 1.0]] * 8)
    rgb = heatmap(x, cmap="gray")
    assert rgb.shape == (8, 3, 3) and rgb.dtype == np.uint8
    assert rgb[0, 0].tolist() == [0, 0, 0] and rgb[0, 2].tolist() == [255, 255, 255]
    fixed = heatmap(x, vmin=0.0, vmax=2.0, cmap="gray")
    assert fixed[0, 2, 0] == 128  # 1.0 of 0..2 is mid-grey
    viridis = heatmap(x)
    assert not np.array_equal(viridis[0, 0], viridis[0, 2])
    assert heatmap(np.ones((4, 4)), cmap="gray").max() == 0  # constant -> low end


def test_heatmap_rejects_non_2d_and_unknown_cmap():
    with pytest.raises(InputError, match="2-D"):
        heatmap(np.zeros((2, 2, 2)))
    with pytest.raises(InputError, match="cmap"):
        heatmap(np.zeros((2, 2)), cmap="jet")


@pytest.mark.parametrize(
    ("shape", "expected"),
    [
        ((1, 1, 32, 40), (32, 40)),
        ((1, 32, 40, 1), (32, 40)),
        ((1, 32, 40), (32, 40)),
        ((32, 40), (32, 40)),
        ((1, 2), None),
        ((1, 1000), None),
        ((1, 3, 4, 4), None),
    ],
)
def test_image_like_output_shapes(shape, expected):
    out = image_like_output(np.zeros(shape, np.float32))
    assert (out is None and expected is None) or out.shape == expected


def test_display_downscale_keeps_codes_and_reports_factor():
    img = np.arange(100 * 60, dtype=np.uint32).reshape(100, 60).astype(np.uint8)
    same, f1 = display_downscale(img, max_side=100)
    assert f1 == 1 and same is img
    small, f = display_downscale(img, max_side=40)
    assert f == 3 and small.shape == (34, 20)
    assert np.array_equal(small, img[::3, ::3])


def test_png_bytes_is_lossless_for_grey_and_rgb():
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 256, (17, 9, 3), dtype=np.uint8)
    back = cv2.imdecode(np.frombuffer(png_bytes(rgb), np.uint8), cv2.IMREAD_COLOR)
    assert np.array_equal(back[..., ::-1], rgb)
    grey = rgb[..., 0].copy()
    back = cv2.imdecode(np.frombuffer(png_bytes(grey[..., None]), np.uint8), cv2.IMREAD_UNCHANGED)
    assert np.array_equal(back, grey)
    with pytest.raises(InputError):
        png_bytes(np.zeros((2, 2, 2), np.uint8))


def test_crop_zoom_centres_and_clamps():
    img = np.arange(100, dtype=np.uint8).reshape(10, 10)
    z = crop_zoom(img, 5, 5, half=1, scale=2)
    assert z.shape == (6, 6)
    assert z[0, 0] == img[4, 4] and z[5, 5] == img[6, 6] and z[2, 2] == img[5, 5]
    corner = crop_zoom(img, -3, 99, half=1, scale=1)  # clamped to (0, 9)
    assert corner.tolist() == img[0:2, 8:10].tolist()


def test_output_heatmaps_share_one_scale():
    a = np.zeros((8, 8), np.float32)
    b = a.copy()
    b[0, 0] = 1.0
    ra, rb, rd, scale = output_heatmaps(a, b)
    assert scale == {"lo": 0.0, "hi": 1.0, "diff_max": 1.0}
    assert np.array_equal(ra[1, 1], rb[1, 1])  # equal values, equal colours
    assert not np.array_equal(rb[0, 0], rb[1, 1])
    assert not np.array_equal(rd[0, 0], rd[1, 1])
    with pytest.raises(InputError):
        output_heatmaps(a, np.zeros((8, 9)))


def test_sequence_steps_against_a_plain_loop():
    from nv12_widgets.core import sequence_steps

    rng = np.random.default_rng(11)
    ref = rng.random((2, 30, 7))
    test = ref.copy()
    test[1, [3, 17, 29], 0] = 5.0  # item 1: three steps now pick class 0
    out = sequence_steps(ref, test, item=1, max_rows=2)
    expected = [t for t in range(30) if int(np.argmax(ref[1, t])) != int(np.argmax(test[1, t]))]
    assert out["differ"].tolist() == expected and out["steps"] == 30 and out["classes"] == 7
    assert [r["step"] for r in out["rows"]] == expected[:2] and out["truncated"] == len(expected) - 2
    first = out["rows"][0]
    assert first["test"] == 0 and first["test_score"] == 5.0
    assert first["reference"] == int(np.argmax(ref[1, expected[0]]))
    assert first["reference_score"] == float(ref[1, expected[0]].max())
    same = sequence_steps(ref[0], ref[0])  # (T, C) accepted
    assert same["differ"].size == 0 and same["rows"] == []
    for bad in (dict(reference=ref, test=ref[:1]), dict(reference=ref[..., :1], test=ref[..., :1])):
        with pytest.raises(InputError):
            sequence_steps(bad["reference"], bad["test"])
    with pytest.raises(InputError):
        sequence_steps(ref, ref, item=2)
