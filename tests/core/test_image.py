"""Image loading (Pillow and OpenCV readers, every conversion reported) and fitting."""

from __future__ import annotations

import io
import re
import warnings

import numpy as np
import PIL.Image
import pytest
from PIL import Image

from nv12_widgets.core import (
    READERS,
    ImageConversionWarning,
    InputError,
    crop_even,
    fit_image,
    load_image,
    load_image_with_notes,
    pad_even,
    rgb_to_nv12,
)

from .conftest import DATA, images


def encode(img: Image.Image, fmt: str = "PNG", **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def rgb_pattern() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (6, 10, 3), dtype=np.uint8)


def load_quietly(source, reader="pil"):
    """load_image() that fails on any warning (plain RGB must be silent)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return load_image(source, reader=reader)


# -- plain RGB: no notes, no warnings, exact pixels, every kind of source -----------------
@pytest.mark.parametrize("reader", READERS)
def test_plain_rgb_png(tmp_path, reader):
    rgb = rgb_pattern()
    data = encode(Image.fromarray(rgb))
    path = tmp_path / "rgb.png"
    path.write_bytes(data)
    out, notes = load_image_with_notes(path, reader=reader)
    assert notes == []
    assert out.dtype == np.uint8 and out.shape == (6, 10, 3)
    np.testing.assert_array_equal(out, rgb)
    for source in (path, str(path), data, bytearray(data), io.BytesIO(data)):
        np.testing.assert_array_equal(load_quietly(source, reader), rgb)
    with open(path, "rb") as fh:
        np.testing.assert_array_equal(load_quietly(fh, reader), rgb)


def test_opencv_reader_is_rgb_not_bgr():
    rgb = np.zeros((2, 3, 3), np.uint8)
    rgb[0, 0] = (255, 0, 0)  # pure red
    rgb[0, 1] = (0, 255, 0)
    rgb[0, 2] = (0, 0, 255)
    out = load_quietly(encode(Image.fromarray(rgb)), reader="opencv")
    assert out[0, 0].tolist() == [255, 0, 0]
    assert out[0, 1].tolist() == [0, 255, 0]
    assert out[0, 2].tolist() == [0, 0, 255]


def test_readers_agree_on_a_photo():
    rgb = np.ascontiguousarray(images()["coffee_238x322"])
    data = encode(Image.fromarray(rgb))
    np.testing.assert_array_equal(load_quietly(data, "pil"), rgb)
    np.testing.assert_array_equal(load_quietly(data, "opencv"), rgb)


# -- conversions are reported -------------------------------------------------------------
def check_reported(data, reader, pattern):
    """notes match pattern; load_image warns ImageConversionWarning with the same text."""
    out, notes = load_image_with_notes(data, reader=reader)
    assert notes, "conversion not reported"
    assert any(re.search(pattern, n) for n in notes), notes
    with pytest.warns(ImageConversionWarning) as record:
        again = load_image(data, reader=reader)
    assert [str(w.message) for w in record] == notes
    np.testing.assert_array_equal(again, out)
    assert out.dtype == np.uint8 and out.ndim == 3 and out.shape[2] == 3
    return out, notes


@pytest.mark.parametrize("reader", READERS)
def test_rgba_alpha_dropped(reader):
    rgba = np.dstack([rgb_pattern(), np.linspace(0, 255, 60).reshape(6, 10).astype(np.uint8)])
    out, _ = check_reported(encode(Image.fromarray(rgba, "RGBA")), reader, "alpha")
    np.testing.assert_array_equal(out, rgba[..., :3])  # dropped, not composited


@pytest.mark.parametrize("reader", READERS)
def test_la_grey_with_alpha(reader):
    grey = np.arange(60, dtype=np.uint8).reshape(6, 10) * 4
    la = Image.fromarray(np.dstack([grey, np.full_like(grey, 7)]), "LA")
    out, notes = check_reported(encode(la), reader, "alpha")
    assert any("grey" in n for n in notes)
    np.testing.assert_array_equal(out, np.repeat(grey[..., None], 3, axis=2))


@pytest.mark.parametrize("reader", READERS)
def test_grey_l(reader):
    grey = np.arange(60, dtype=np.uint8).reshape(6, 10) * 4
    out, _ = check_reported(encode(Image.fromarray(grey, "L")), reader, "grey.*expanded to RGB")
    np.testing.assert_array_equal(out, np.repeat(grey[..., None], 3, axis=2))


@pytest.mark.parametrize("reader", READERS)
def test_palette(reader):
    img = Image.new("P", (4, 2))
    img.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30])
    img.putdata([0, 1, 2, 3, 3, 2, 1, 0])
    out, _ = check_reported(encode(img), reader, "palette")
    r, g, b, o = [255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 20, 30]
    assert out.tolist() == [[r, g, b, o], [o, b, g, r]]


@pytest.mark.parametrize(
    ("reader", "expected"),
    # Pillow: round(v * 255 / 65535); OpenCV: v >> 8.
    [("pil", [0, 4, 128, 255]), ("opencv", [0, 3, 128, 255])],
)
def test_16_bit_grey(reader, expected):
    a16 = np.array([[0, 1000, 32896, 65535]], np.uint16)
    img = Image.fromarray(a16)
    assert img.mode == "I;16"
    out, _ = check_reported(encode(img), reader, "16-bit")
    assert out[..., 0].tolist() == [expected]
    assert (out[..., 0] == out[..., 1]).all() and (out[..., 0] == out[..., 2]).all()


@pytest.mark.parametrize("reader", READERS)
def test_cmyk_jpeg(reader):
    # C = 0, M = Y = 255, K = 0 is red; JPEG is lossy, so a few levels of slack.
    data = encode(Image.new("CMYK", (8, 8), (0, 255, 255, 0)), "JPEG", quality=100)
    out, _ = check_reported(data, reader, "CMYK")
    assert out.shape == (8, 8, 3)
    assert np.abs(out.astype(int) - [255, 0, 0]).max() <= 3


@pytest.mark.parametrize("reader", READERS)
def test_exif_orientation_6(reader):
    # Stored 40 wide x 20 high, left half red, right half blue; orientation 6 means
    # "rotate 90 degrees clockwise to display": upright it is 20 wide x 40 high with red
    # on top.
    stored = np.zeros((20, 40, 3), np.uint8)
    stored[:, :20] = (255, 0, 0)
    stored[:, 20:] = (0, 0, 255)
    img = Image.fromarray(stored)
    exif = img.getexif()
    exif[0x0112] = 6
    data = encode(img, "JPEG", exif=exif.tobytes(), quality=95)
    out, notes = check_reported(data, reader, "EXIF orientation")
    if reader == "pil":
        assert any("orientation 6" in n for n in notes)
    assert out.shape == (40, 20, 3)
    assert np.abs(out[:18].astype(int) - [255, 0, 0]).max() <= 8
    assert np.abs(out[22:].astype(int) - [0, 0, 255]).max() <= 8


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize(("shape", "orientation"), [((20, 20), 6), ((20, 40), 3), ((20, 40), 2)])
def test_exif_orientation_keeping_the_shape_is_reported(reader, shape, orientation):
    # A square turned 90 degrees, a 180-degree turn, a mirror: same shape, new pixels.
    h, w = shape
    stored = np.zeros((h, w, 3), np.uint8)
    stored[: h // 2] = (255, 0, 0)
    stored[h // 2 :, : w // 4] = (0, 0, 255)
    img = Image.fromarray(stored)
    exif = img.getexif()
    exif[0x0112] = orientation
    data = encode(img, "JPEG", exif=exif.tobytes(), quality=95)
    out, _ = check_reported(data, reader, "EXIF orientation")
    assert out.shape == (h, w, 3)
    # Pixels moved: the blue block is no longer (only) where it was stored.
    assert np.abs(out.astype(int) - stored).max() > 200


def test_exif_orientation_1_is_silent():
    img = Image.fromarray(np.full((8, 16, 3), 200, np.uint8))
    exif = img.getexif()
    exif[0x0112] = 1
    out = load_quietly(encode(img, "JPEG", exif=exif.tobytes(), quality=95))
    assert out.shape == (8, 16, 3)


# -- bad files ----------------------------------------------------------------------------
@pytest.mark.parametrize("reader", READERS)
def test_missing_path(tmp_path, reader):
    with pytest.raises(InputError, match=r"no image file at .*nope\.png.*check the path"):
        load_image(tmp_path / "nope.png", reader=reader)
    with pytest.raises(InputError, match="is a folder"):
        load_image(str(tmp_path), reader=reader)  # a directory is not an image file


@pytest.mark.parametrize("reader", READERS)
def test_corrupt_file(tmp_path, reader):
    path = tmp_path / "junk.png"
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 500, dtype=np.uint8).tobytes())
    with pytest.raises(InputError, match="corrupt"):
        load_image(path, reader=reader)
    # A valid PNG header with a damaged compressed stream.
    data = bytearray(encode(Image.fromarray(rgb_pattern().repeat(8, axis=0).repeat(8, axis=1))))
    i = data.index(b"IDAT")
    data[i + 100 : i + 160] = bytes(60)
    with pytest.raises(InputError, match="corrupt"):
        load_image(bytes(data), reader=reader)
    with pytest.raises(InputError, match="empty"):
        load_image(b"", reader=reader)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
@pytest.mark.parametrize("reader", READERS)
def test_truncated_file(reader, fmt):
    rgb = np.random.default_rng(1).integers(0, 256, (64, 80, 3), dtype=np.uint8)
    data = encode(Image.fromarray(rgb), fmt)
    with pytest.raises(InputError, match="truncated"):
        load_image(data[: len(data) // 2], reader=reader)


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("reader", READERS)
def test_decompression_bomb(monkeypatch, reader):
    monkeypatch.setattr(PIL.Image, "MAX_IMAGE_PIXELS", 100)
    small = encode(Image.new("RGB", (10, 10)))
    assert load_quietly(small, reader).shape == (10, 10, 3)  # at the limit: fine
    for side in (12, 30):  # 144 px: Pillow's warning zone; 900 px: over twice the limit
        data = encode(Image.new("RGB", (side, side)))
        with pytest.raises(InputError, match="decompression.bomb.*downscale"):
            load_image(data, reader=reader)


def test_float_image_refused():
    data = encode(Image.fromarray(np.ones((4, 4), np.float32)), "TIFF")
    with pytest.raises(InputError, match="floating-point image.*8-bit"):
        load_image(data)


def test_bad_arguments():
    data = encode(Image.fromarray(rgb_pattern()))
    with pytest.raises(InputError, match=r"reader='skimage' is not supported.*'pil', 'opencv'"):
        load_image(data, reader="skimage")
    with pytest.raises(InputError, match="takes a path, bytes or a binary file, got int"):
        load_image(42)
    assert issubclass(ImageConversionWarning, UserWarning)


# -- crop_even / pad_even -----------------------------------------------------------------
def test_crop_even():
    x = np.arange(5 * 7 * 3, dtype=np.uint8).reshape(5, 7, 3)
    c = crop_even(x)
    assert c.shape == (4, 6, 3)
    np.testing.assert_array_equal(c, x[:4, :6])
    assert np.shares_memory(c, x)
    assert crop_even(x[:4, :6]).shape == (4, 6, 3)
    assert crop_even(np.zeros((3, 3), np.float32)).shape == (2, 2)


@pytest.mark.parametrize("shape", [(1, 1, 3), (1, 500, 3), (7, 1)])
def test_crop_even_of_a_one_pixel_side_says_to_pad(shape):
    """It used to return an empty image, refused later as "rgb is empty (shape (0, 0, 3))"."""
    with pytest.raises(InputError, match="leaves no pixels; pad it instead"):
        crop_even(np.zeros(shape, np.uint8))
    assert min(pad_even(np.zeros(shape, np.uint8)).shape[:2]) == 2


def test_pad_even():
    x = np.arange(5 * 7 * 3, dtype=np.uint8).reshape(5, 7, 3)
    p = pad_even(x)
    assert p.shape == (6, 8, 3) and p.dtype == np.uint8
    np.testing.assert_array_equal(p[:5, :7], x)
    np.testing.assert_array_equal(p[5, :7], x[4])  # last row repeated
    np.testing.assert_array_equal(p[:5, 7], x[:, 6])  # last column repeated
    assert p[5, 7].tolist() == x[4, 6].tolist()
    even = x[:4, :6]
    assert pad_even(even) is even
    assert pad_even(np.zeros((2, 3), np.uint8)).shape == (2, 4)


def test_odd_photo_goes_through_helpers():
    with Image.open(DATA / "chelsea.png") as img:
        chelsea = np.array(img.convert("RGB"))
    assert chelsea.shape[1] % 2 == 1  # 451 wide
    with pytest.raises(InputError, match="crop_even"):
        rgb_to_nv12(chelsea)
    assert rgb_to_nv12(crop_even(chelsea)).shape == (300, 450)
    assert rgb_to_nv12(pad_even(chelsea)).shape == (300, 452)


def test_even_helpers_errors():
    with pytest.raises(InputError, match=r"\(H, W\) or \(H, W, C\)"):
        crop_even(np.zeros(4))
    with pytest.raises(InputError, match="numpy array"):
        pad_even([[1, 2, 3]])


# -- fit_image ----------------------------------------------------------------------------
def test_fit_resize():
    rgb = np.full((100, 200, 3), (10, 20, 30), np.uint8)
    out = fit_image(rgb, (64, 48))
    assert out.shape == (64, 48, 3) and out.dtype == np.uint8
    assert (out == (10, 20, 30)).all()
    assert fit_image(rgb, (100, 200)) is rgb
    assert fit_image(rgb[..., 0].copy(), (30, 40)).shape == (30, 40)


def test_fit_letterbox_wide():
    rgb = np.full((100, 200, 3), (10, 20, 30), np.uint8)
    out = fit_image(rgb, (50, 50), policy="letterbox")
    # scale = min(50/100, 50/200) = 0.25 -> 25 x 50, top = (50 - 25) // 2 = 12.
    assert out.shape == (50, 50, 3)
    assert (out[:12] == 114).all() and (out[37:] == 114).all()
    assert (out[12:37] == (10, 20, 30)).all()


def test_fit_letterbox_tall():
    rgb = np.full((120, 40, 3), 250, np.uint8)
    out = fit_image(rgb, (60, 60), policy="letterbox", interpolation="area")
    # scale = min(60/120, 60/40) = 0.5 -> 60 x 20, left = (60 - 20) // 2 = 20.
    assert (out[:, :20] == 114).all() and (out[:, 40:] == 114).all()
    assert (out[:, 20:40] == 250).all()


@pytest.mark.parametrize("source", [(400, 600), (517, 333), (240, 360), (416, 416), (33, 500)])
def test_fit_letterbox_topleft_equals_yolox_preproc(source):
    """YOLOX's ``preproc`` as ddddocr 1.6.1 ships it (its YOLOX detector's own
    preprocessing, an independent implementation): the image scaled by
    min(416 / h, 416 / w), sides rounded down, at the top-left of a grey-114 canvas."""
    ddddocr = pytest.importorskip("ddddocr")
    from ddddocr.core.detection_engine import DetectionEngine

    assert ddddocr  # the wheel is there
    bgr = np.random.default_rng(sum(source)).integers(0, 256, (*source, 3), dtype=np.uint8)
    theirs, _ratio = DetectionEngine.preproc(None, bgr, (416, 416))
    ours = fit_image(bgr, (416, 416), policy="letterbox-topleft", interpolation="bilinear")
    np.testing.assert_array_equal(ours.transpose(2, 0, 1), theirs.astype(np.uint8))


def test_fit_center_crop():
    rgb = np.random.default_rng(0).integers(0, 256, (100, 200, 3), dtype=np.uint8)
    # No scaling needed (scale = max(1, 0.5) = 1): exactly the centre 100 columns.
    out = fit_image(rgb, (100, 100), policy="center-crop")
    np.testing.assert_array_equal(out, rgb[:, 50:150])
    # With scaling the centre pixel survives: a 20x20 magenta block in a grey image.
    img = np.full((100, 200, 3), 60, np.uint8)
    img[40:60, 90:110] = (255, 0, 255)
    out = fit_image(img, (50, 50), policy="center-crop")
    assert out.shape == (50, 50, 3)
    assert out[25, 25].tolist() == [255, 0, 255]
    assert out[0, 0].tolist() == [60, 60, 60]


@pytest.mark.parametrize("policy", ["resize", "center-crop", "letterbox", "letterbox-topleft"])
@pytest.mark.parametrize("size", [(64, 64), (37, 91), (300, 20)])
def test_fit_output_sizes(policy, size):
    rgb = images()["astronaut_238x322"]
    for interpolation in ("bilinear", "area", "nearest", "bicubic"):
        out = fit_image(rgb, size, policy=policy, interpolation=interpolation)
        assert out.shape == (*size, 3) and out.dtype == np.uint8
        assert out.flags.c_contiguous


def test_fit_errors():
    rgb = np.zeros((4, 4, 3), np.uint8)
    with pytest.raises(InputError, match=r"policy='pad' is not supported.*'letterbox'"):
        fit_image(rgb, (2, 2), policy="pad")
    with pytest.raises(InputError, match=r"interpolation='lanczos' is not supported"):
        fit_image(rgb, (2, 2), interpolation="lanczos")
    with pytest.raises(InputError, match=r"size must be \(height, width\)"):
        fit_image(rgb, 5)
    with pytest.raises(InputError, match="size must be positive"):
        fit_image(rgb, (0, 4))
    with pytest.raises(InputError, match="must be uint8"):
        fit_image(rgb.astype(np.float32), (2, 2))
