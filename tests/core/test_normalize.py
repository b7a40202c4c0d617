"""normalize / denormalize, to_layout, quantize / dequantize."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from nv12_widgets.core import (
    LAYOUTS,
    InputError,
    denormalize,
    dequantize,
    normalize,
    quantize,
    to_layout,
)

IMAGENET_MEAN = [123.675, 116.28, 103.53]
IMAGENET_STD = [58.395, 57.12, 57.375]


# -- normalize ----------------------------------------------------------------------------
def test_vendor_example_maps_to_minus_one_one():
    # mean 128, std 128, divisor 1: 0 -> -1, 128 -> 0, 255 -> 127/128; so [-1, 1).
    x = np.arange(256, dtype=np.uint8).reshape(1, 16, 16, 1).repeat(3, axis=3)
    out = normalize(x, mean=[128, 128, 128], std=[128, 128, 128], divisor=1)
    assert out.dtype == np.float32 and out.shape == x.shape
    assert out.min() == -1.0 and out.max() == 127 / 128
    assert out[0, 8, 0, 0] == 0.0
    np.testing.assert_array_equal(out, (x.astype(np.float64) - 128) / 128)


def test_scalar_parameters_and_divisor():
    x = np.array([[[0, 51, 255]]], np.uint8)
    out = normalize(x, divisor=255.0)
    np.testing.assert_allclose(out, [[[0.0, 0.2, 1.0]]], rtol=1e-6)
    # (x / 255 - 0.5) / 0.25
    out = normalize(x, divisor=255, mean=0.5, std=0.25)
    np.testing.assert_allclose(out, [[[-2.0, -1.2, 2.0]]], rtol=1e-6, atol=1e-6)


def test_per_channel_nhwc():
    x = np.zeros((2, 3, 4, 3), np.uint8)
    x[..., 0], x[..., 1], x[..., 2] = 10, 20, 30
    out = normalize(x, mean=[1, 2, 3], std=[1, 2, 4], layout="NHWC")
    assert out.shape == x.shape
    # (10 - 1) / 1, (20 - 2) / 2, (30 - 3) / 4
    assert out[1, 2, 3].tolist() == [9.0, 9.0, 6.75]
    assert (out[..., 2] == 6.75).all()
    # (H, W, C) works too.
    assert normalize(x[0], mean=[1, 2, 3], std=[1, 2, 4])[0, 0].tolist() == [9.0, 9.0, 6.75]


def test_per_channel_nchw():
    x = np.zeros((2, 3, 4, 5), np.uint8)  # N, C, H, W with C = 3
    x[:, 0], x[:, 1], x[:, 2] = 10, 20, 30
    out = normalize(x, mean=[1, 2, 3], std=[1, 2, 4], divisor=[1, 1, 2], layout="NCHW")
    assert out.shape == x.shape
    # (10 / 1 - 1) / 1, (20 / 1 - 2) / 2, (30 / 2 - 3) / 4
    assert out[1, :, 3, 4].tolist() == [9.0, 9.0, 3.0]
    assert (out[:, 2] == 3.0).all()
    # (C, H, W)
    assert normalize(x[0], mean=[1, 2, 3], layout="NCHW")[:, 0, 0].tolist() == [9, 18, 27]


def test_imagenet_against_float64():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (1, 8, 9, 3), dtype=np.uint8)
    out = normalize(x, mean=IMAGENET_MEAN, std=IMAGENET_STD)
    expected = (x / 1.0 - np.array(IMAGENET_MEAN)) / np.array(IMAGENET_STD)
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-6)
    # Does not modify the input; accepts floats and other ints.
    np.testing.assert_allclose(
        normalize(x.astype(np.int32), mean=IMAGENET_MEAN, std=IMAGENET_STD), out
    )
    assert x.dtype == np.uint8


@settings(max_examples=40, deadline=None)
@given(
    x=arrays(
        np.float32,
        st.tuples(st.integers(1, 3), st.integers(1, 4), st.integers(1, 4), st.just(3)),
        elements=st.floats(0, 255, width=32),
    ),
    mean=st.lists(st.floats(-300, 300), min_size=3, max_size=3),
    std=st.lists(st.floats(0.01, 300), min_size=3, max_size=3),
    divisor=st.sampled_from([1.0, 255.0, 0.5]),
    layout=st.sampled_from(LAYOUTS),
)
def test_property_round_trip(x, mean, std, divisor, layout):
    if layout == "NCHW":
        x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    y = normalize(x, divisor=divisor, mean=mean, std=std, layout=layout)
    assert y.shape == x.shape and y.dtype == np.float32
    back = denormalize(y, divisor=divisor, mean=mean, std=std, layout=layout)
    assert back.shape == x.shape and back.dtype == np.float32
    # float32 intermediate: relative error of |mean| / std + |x| / (d std) sized values.
    scale = (np.abs(np.array(mean)) + 255 / divisor) * divisor * 1e-5 + 1e-4
    assert np.abs(back.astype(np.float64) - x).max() <= scale.max()


def test_denormalize_inverse_of_vendor_example():
    y = np.array([[[-1.0, 0.0, 0.9921875]]], np.float32)
    assert denormalize(y, mean=128, std=128).tolist() == [[[0.0, 128.0, 255.0]]]
    assert denormalize(y, mean=128, std=128).dtype == np.float32


# -- to_layout ----------------------------------------------------------------------------
def test_to_layout():
    hwc = np.arange(2 * 3 * 4).reshape(2, 3, 4).astype(np.uint8)
    nchw = to_layout(hwc)
    assert nchw.shape == (1, 4, 2, 3) and nchw.dtype == np.uint8
    assert nchw.flags.c_contiguous
    assert nchw[0, 1, 1, 2] == hwc[1, 2, 1]
    nhwc = to_layout(hwc, "NHWC")
    assert nhwc.shape == (1, 2, 3, 4) and nhwc.flags.c_contiguous
    np.testing.assert_array_equal(nhwc[0], hwc)
    with pytest.raises(InputError, match=r"layout='CHW' is not supported.*'NCHW', 'NHWC'"):
        to_layout(hwc, "CHW")
    with pytest.raises(InputError, match=r"\(H, W, C\) array, got shape \(1, 2, 3, 4\)"):
        to_layout(hwc[None])


# -- quantize -----------------------------------------------------------------------------
def test_rknn_dequantize_example():
    out = dequantize(np.array([124], np.uint8), 4.625256, 136)
    assert out.dtype == np.float32
    # (124 - 136) * 4.625256 = -55.503072
    assert out[0] == pytest.approx(-55.503072, rel=1e-7)
    assert out[0] == np.float32(-55.503072)


def test_quantize_unit_and_rounding():
    x = np.array([-1.0, -0.5, 0.0, 0.5, 1.5, 2.5, 0.26], np.float64)
    # round half to even: -0.5 -> 0, 0.5 -> 0, 1.5 -> 2, 2.5 -> 2; 0.26 / 0.1 -> 3
    assert quantize(x, 1.0, 0).tolist() == [-1, 0, 0, 0, 2, 2, 0]
    assert quantize(x, 0.1, 0).tolist() == [-10, -5, 0, 5, 15, 25, 3]
    assert quantize(x, 1.0, 10, "uint8").tolist() == [9, 10, 10, 10, 12, 12, 10]
    # RKNN example, the other way round: -55.503072 -> 124.
    assert quantize(np.array([-55.503072]), 4.625256, 136, "uint8").tolist() == [124]


def test_quantize_saturates():
    x = np.array([-1e9, -129.0, -128.0, 127.0, 128.0, 1e9])
    q = quantize(x, 1.0, 0, "int8")
    assert q.dtype == np.int8
    assert q.tolist() == [-128, -128, -128, 127, 127, 127]
    u = quantize(x, 1.0, 0, "uint8")
    assert u.dtype == np.uint8
    assert u.tolist() == [0, 0, 0, 127, 128, 255]
    assert quantize(np.array([1000.0]), 1.0, 200, "uint8").tolist() == [255]


@pytest.mark.parametrize(
    ("dtype", "zp"), [("int8", 0), ("int8", -3), ("uint8", 128), ("uint8", 136)]
)
def test_quantize_round_trip(dtype, zp):
    lo, hi = (-128, 127) if dtype == "int8" else (0, 255)
    q = np.arange(lo, hi + 1).astype(dtype)
    scale = 0.0123
    x = dequantize(q, scale, zp)
    assert x.dtype == np.float32
    np.testing.assert_allclose(x, (q.astype(np.float64) - zp) * scale, rtol=1e-6)
    np.testing.assert_array_equal(quantize(x, scale, zp, dtype), q)
    # Any real within half a step of a code goes to that code.
    jitter = np.random.default_rng(0).uniform(-0.49, 0.49, q.shape) * scale
    np.testing.assert_array_equal(quantize(x.astype(np.float64) + jitter, scale, zp, dtype), q)


def test_dequantize_wide_ints():
    q = np.array([-(2**20), 0, 2**20], np.int32)
    assert dequantize(q, 0.5, 0).tolist() == [-(2**19), 0, 2**19]


def test_quantize_errors():
    x = np.zeros(3)
    for bad_scale in (0, -1.0, np.inf, np.nan):
        with pytest.raises(InputError, match="scale must be a positive finite number"):
            quantize(x, bad_scale, 0)
        with pytest.raises(InputError, match="scale must be a positive finite number"):
            dequantize(np.zeros(3, np.int8), bad_scale, 0)
    with pytest.raises(InputError, match=r"zero_point must be an integer in -128\.\.127, got 136"):
        quantize(x, 1.0, 136, "int8")
    with pytest.raises(InputError, match=r"zero_point must be an integer in 0\.\.255, got -1"):
        quantize(x, 1.0, -1, "uint8")
    with pytest.raises(InputError, match="zero_point must be an integer.*got 0.5"):
        quantize(x, 1.0, 0.5)
    with pytest.raises(InputError, match=r"dtype='int16' is not supported.*'int8', 'uint8'"):
        quantize(x, 1.0, 0, "int16")
    with pytest.raises(InputError, match="integer codes, got float32"):
        dequantize(np.zeros(3, np.float32), 1.0, 0)


# -- normalize errors ---------------------------------------------------------------------
def test_normalize_errors():
    x = np.zeros((1, 4, 4, 3), np.uint8)
    with pytest.raises(InputError, match="std must not be 0.*std=1"):
        normalize(x, std=0)
    with pytest.raises(InputError, match="std must not be 0"):
        normalize(x, std=[1, 0, 1])
    with pytest.raises(InputError, match="divisor must not be 0.*divisor=1"):
        normalize(x, divisor=0)
    with pytest.raises(InputError, match="divisor must not be 0"):
        denormalize(x, divisor=[0, 1, 1])
    with pytest.raises(
        InputError, match=r"mean has 2 values but the data has 3 channels.*mean=\[v, v, v\]"
    ):
        normalize(x, mean=[1, 2])
    with pytest.raises(InputError, match="std has 4 values but the data has 3 channels"):
        normalize(x, std=[1, 2, 3, 4])
    with pytest.raises(InputError, match="std has 3 values but the data has 4 channels"):
        normalize(x, std=[1, 2, 3], layout="NCHW")  # NCHW reads axis 1 (4) as channels
    with pytest.raises(InputError, match="mean must be a number or one value per channel"):
        normalize(x, mean=[[1, 2, 3]])
    with pytest.raises(InputError, match="mean must be finite"):
        normalize(x, mean=np.nan)
    with pytest.raises(InputError, match="std must be finite"):
        normalize(x, std=[1, np.inf, 1])
    with pytest.raises(InputError, match=r"layout='HWC' is not supported"):
        normalize(x, layout="HWC")
    with pytest.raises(InputError, match=r"layout='NCHW' needs \(C, H, W\) or \(N, C, H, W\)"):
        normalize(np.zeros((4, 4)), layout="NCHW")
    with pytest.raises(InputError, match="channel axis"):
        normalize(np.float32(3.0))
