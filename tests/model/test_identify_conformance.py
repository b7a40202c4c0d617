"""Conformance: identify_pipeline names the pipeline that made a tensor (and a frame).

The dumps are made by the package's own executor (``Pipeline.run``: the tensor the
model is fed on the device path, float where a profile decodes to float) for every
device profile (and the generic keyword encoder) x training format x layout x resize
policy. The full product is ~500 searches; it is subsampled deterministically so that
every profile meets every format, every layout and every resize policy, on a small image
to stay fast.
"""

from __future__ import annotations

import numpy as np
import pytest

import nv12_widgets.core as core
from nv12_widgets.model import PreprocessConfig, identify_pipeline
from nv12_widgets.model.devicepath.pipeline import Pipeline

SIZE = (16, 16)
LAYOUTS = ("NCHW", "NHWC")
POLICIES = tuple(core.RESIZE_POLICIES)
PROFILES = [None, *core.PROFILES]  # None: the generic keyword encoder / decoder


def _has_yuv444(profile):
    return profile is None or core.PROFILES[profile].upsample in core.CHROMA_UPSAMPLING


def _cases():
    out = []
    for p, profile in enumerate(PROFILES):
        fmts = [f for f in core.TRAIN_FORMATS if f != "yuv444" or _has_yuv444(profile)]
        for f, fmt in enumerate(fmts):
            i = p + f
            out.append((profile, fmt, LAYOUTS[i % 2], POLICIES[i % len(POLICIES)]))
        # fewer formats than policies: each policy the loop missed, once, in rgb
        seen = {c[3] for c in out if c[0] == profile}
        for k, policy in enumerate(q for q in POLICIES if q not in seen):
            out.append((profile, "rgb", LAYOUTS[(p + k + 1) % 2], policy))
    return out


@pytest.fixture(scope="module")
def rgb():
    """24x40 of a photo (aspect 0.6: the three resize policies give different images)."""
    from nv12_widgets.model import demo_image_paths

    path = next(p for p in demo_image_paths() if p.stem == "coffee")
    return np.ascontiguousarray(core.load_image(path)[130:154, 210:250])


def _config(profile, fmt, layout, policy, **kw):
    fields = dict(swing="studio", matrix="bt709", chroma="decimate") if profile is None else {}
    return PreprocessConfig(
        train_format=fmt, profile=profile, layout=layout, size=SIZE, resize_policy=policy,
        divisor=255.0, mean=0.45, std=0.25, **fields, **kw,
    )  # fmt: skip


def _same_pipeline(c, want) -> bool:
    keys = ("profile", "resize_policy", "train_format")
    if want.profile is None:
        keys += ("swing", "matrix")
    return all(getattr(c, k) == getattr(want, k) for k in keys)


def test_the_cases_cover_every_profile_format_layout_and_policy():
    cases = _cases()
    assert {c[0] for c in cases} == set(PROFILES)
    assert {c[1] for c in cases} == set(core.TRAIN_FORMATS)
    for profile in PROFILES:
        assert {c[2] for c in cases if c[0] == profile} == set(LAYOUTS)
        assert {c[3] for c in cases if c[0] == profile} == set(POLICIES)


@pytest.mark.parametrize("profile,fmt,layout,policy", _cases())
def test_identify_names_the_pipeline_of_its_own_tensor(rgb, profile, fmt, layout, policy):
    cfg = _config(profile, fmt, layout, policy)
    tensor = Pipeline.for_size(cfg, SIZE, layout=layout).run(rgb).device_tensor
    result = identify_pipeline(rgb, tensor)
    assert result.identified and result.best.max_abs < 1e-3, result.summary()
    assert result.config.layout == layout
    named = [c for c in result.best.configs if _same_pipeline(c, cfg)]
    assert named, result.summary()
    np.testing.assert_allclose(result.config.pixel_mean, cfg.pixel_mean, rtol=1e-3)
    np.testing.assert_allclose(result.config.pixel_std, cfg.pixel_std, rtol=1e-3)
    # the answer replays: its pipeline feeds the same tensor
    again = Pipeline.for_size(named[0], SIZE, layout=layout).run(rgb).device_tensor
    np.testing.assert_allclose(again, tensor, atol=2e-3)


@pytest.mark.parametrize("profile", PROFILES)
def test_identify_names_the_encoder_of_its_own_frame(rgb, profile):
    policy = POLICIES[PROFILES.index(profile) % len(POLICIES)]
    cfg = _config(profile, "rgb", "NHWC", policy)
    frame = Pipeline.for_size(cfg, SIZE).run(rgb).frame
    result = identify_pipeline(rgb, frame)
    assert result.identified and result.best.max_abs == 0, result.summary()
    keys = ("profile", "resize_policy") + (("swing", "matrix", "chroma") if profile is None else ())
    assert any(all(getattr(c, k) == getattr(cfg, k) for k in keys) for c in result.best.configs)


@pytest.mark.parametrize("fmt", ["rgb", "bgr"])
def test_openvino_f32_is_told_from_openvino(rgb, fmt):
    for profile, other in (("openvino-f32", "openvino"), ("openvino", "openvino-f32")):
        cfg = _config(profile, fmt, "NCHW", "resize")
        tensor = Pipeline.for_size(cfg, SIZE, layout="NCHW").run(rgb).device_tensor
        result = identify_pipeline(rgb, tensor)
        assert result.identified and result.best.max_abs < 1e-3, result.summary()
        profiles = {c.profile for c in result.best.configs}
        assert profile in profiles and other not in profiles, result.summary()


@pytest.mark.parametrize("matrix,decode_matrix", [("bt709", "bt601"), ("bt601", "bt709")])
def test_a_decode_matrix_mismatch_is_named(rgb, matrix, decode_matrix):
    cfg = _config(None, "rgb", "NCHW", "resize").replace(matrix=matrix, decode_matrix=decode_matrix)
    tensor = Pipeline.for_size(cfg, SIZE, layout="NCHW").run(rgb).device_tensor
    result = identify_pipeline(rgb, tensor)
    assert result.identified and result.best.max_abs < 1e-3, result.summary()
    assert any(
        (c.matrix, c.effective_decode_matrix) == (matrix, decode_matrix)
        for c in result.best.configs
    ), result.summary()
