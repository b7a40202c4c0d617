"""format_error_parts against OpenCV's own full-range YCrCb conversion (an independent
implementation of BT.601), on grey pages and colour textures."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from nv12_widgets.core import InputError, rgb_to_nv12
from nv12_widgets.core.convert import upsample_uv
from nv12_widgets.core.format_parts import format_error_parts


def _opencv_parts(rgb: np.ndarray, frame) -> tuple[float, float]:
    """RMS error (grey levels) of the two one-part-kept decodes, computed with cv2's
    float YCrCb conversion (full range, values in 0..1, delta 0.5)."""
    x = rgb.astype(np.float32) / 255.0
    ycrcb = cv2.cvtColor(x, cv2.COLOR_RGB2YCrCb)  # exact float Y, Cr, Cb
    uv = upsample_uv(frame.uv, frame.height, frame.width, "nearest").astype(np.float32) / 255.0
    chroma_kept = ycrcb.copy()
    chroma_kept[..., 0] = frame.y.astype(np.float32) / 255.0
    luma_kept = ycrcb.copy()
    luma_kept[..., 1], luma_kept[..., 2] = uv[..., 1], uv[..., 0]  # Cr = V, Cb = U
    err = [cv2.cvtColor(v, cv2.COLOR_YCrCb2RGB) * 255.0 - rgb for v in (chroma_kept, luma_kept)]
    return tuple(float(np.sqrt(np.mean(np.square(e)))) for e in err)


@pytest.mark.parametrize("seed", [0, 1])
def test_parts_equal_opencv_one_part_kept_decodes(seed):
    rng = np.random.default_rng(seed)
    rgb = rng.integers(40, 216, (16, 24, 3), dtype=np.uint8)  # in gamut: no clipping
    frame = rgb_to_nv12(rgb, swing="full")
    p = format_error_parts(rgb, frame, swing="full")
    luma, chroma = _opencv_parts(rgb, frame)
    assert p.luma_rms == pytest.approx(luma, rel=2e-3)
    assert p.chroma_rms == pytest.approx(chroma, rel=2e-3)
    assert p.dominant == "chroma" and p.label == "4:2:0 chroma"  # random colours


def test_grey_page_loses_luma_only_and_only_in_studio_swing():
    page = np.full((32, 48, 3), 231, np.uint8)
    cv2.putText(page, "ab", (2, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (37, 37, 37), 2)
    studio = format_error_parts(page, rgb_to_nv12(page, swing="studio"), swing="studio")
    assert studio.chroma_rms < 1e-9 and studio.luma_rms > 0.1
    assert studio.label == "studio-swing luma requantisation"
    full = format_error_parts(page, rgb_to_nv12(page, swing="full"), swing="full")
    assert full.luma_rms < 1e-9 and full.dominant == "none"  # full-swing grey is exact
    assert full.label == "nothing measurable"
    assert set(full.to_dict()) >= {"luma_rms", "chroma_rms", "dominant", "label"}


def test_bad_input():
    rgb = np.zeros((4, 4, 3), np.uint8)
    with pytest.raises(InputError, match="NV12"):
        format_error_parts(rgb, rgb)
    with pytest.raises(InputError, match="image of the frame"):
        format_error_parts(rgb[:2], rgb_to_nv12(rgb))
