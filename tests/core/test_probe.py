"""Probe frame designs: sample points are exact, chroma is flat around them."""

from __future__ import annotations

import numpy as np
import pytest

from nv12_widgets.core import InputError, upsample_uv
from nv12_widgets.core.probe import PROBE_DESIGNS, probe_frame, probe_frames


@pytest.mark.parametrize("size", [(64, 64), (320, 240), (130, 98)])
def test_points_read_their_codes_under_any_upsampling(size):
    for p in probe_frames(*size):
        assert p.frame.shape == (size[1], size[0])
        if not len(p.points):
            assert p.design == "edges"
            continue
        r, c = p.points.T
        assert (p.frame.y[r, c] == p.codes[:, 0]).all()
        for mode in ("nearest", "bilinear"):  # OpenCV's exact bilinear, centre-sited
            up = upsample_uv(p.frame.uv, p.frame.height, p.frame.width, mode)
            assert (up[r, c] == p.codes[:, 1:]).all(), (p.design, mode)


def test_designs_cover_what_they_promise():
    patches, ramps, edges, ties = probe_frames(320, 320)
    codes = patches.codes
    for axis in range(3):  # near-limit codes on every axis
        assert {0, 1, 254, 255} <= set(codes[:, axis].tolist())
    assert {16, 235} <= set(codes[:, 0].tolist()) and {16, 240} <= set(codes[:, 1].tolist())
    for axis in range(3):  # every code of each axis along the ramps
        assert set(ramps.codes[:, axis].tolist()) == set(range(256))
    assert len(np.unique(edges.frame.uv[..., 0])) == 3  # two stripe levels and mid-grey
    assert len(ties.codes) == 320 * 320 // 4
    assert probe_frame("ties", 96, 64, seed=3).codes.tolist() == probe_frame("ties", 96, 64, seed=3).codes.tolist()  # fmt: skip
    assert probe_frame("ties", 96, 64, seed=3).codes.tolist() != probe_frame("ties", 96, 64, seed=4).codes.tolist()  # fmt: skip
    assert [p.design for p in probe_frames(64, 64)] == list(PROBE_DESIGNS)


@pytest.mark.parametrize("bad", [dict(design="x"), dict(width=63), dict(height=32), dict(seed=-1)])
def test_bad_arguments_are_input_errors(bad):
    kw = {"design": "patches", "width": 64, "height": 64, **bad}
    seed = kw.pop("seed", 0)
    with pytest.raises(InputError):
        probe_frame(kw["design"], kw["width"], kw["height"], seed=seed)


def test_points_other_than_ties_survive_a_4_tap_chroma_filter():
    import cv2

    for p in probe_frames(320, 240, designs=("patches", "ramps")):
        up = cv2.resize(p.frame.uv, (320, 240), interpolation=cv2.INTER_CUBIC)
        r, c = p.points.T
        assert (up[r, c] == p.codes[:, 1:]).all(), p.design
