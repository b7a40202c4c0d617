"""compare() reads raw frame paths through core.sources: a path equals the frame it holds."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nv12_widgets.core import load_frame, rgb_to_nv12
from nv12_widgets.model import compare


def _same(a, b) -> None:
    assert a.metrics.keys() == b.metrics.keys()
    for name in a.metrics:
        for field in ("cosine_nv12", "cosine_noise", "cosine_format"):
            x, y = getattr(a.metrics[name], field), getattr(b.metrics[name], field)
            assert (math.isnan(x) and math.isnan(y)) or x == y, (name, field, x, y)
        np.testing.assert_array_equal(a.outputs_nv12[name], b.outputs_nv12[name])
    np.testing.assert_array_equal(a.nv12_input, b.nv12_input)
    assert a.nv12_frame == b.nv12_frame


@pytest.mark.parametrize("name", ["frame_32x24.nv12", "frame_32x24.raw"])
def test_compare_on_a_raw_frame_path_equals_compare_on_the_loaded_frame(
    tmp_path, conv_model, rgb_image, tiny_config, name
):
    path = tmp_path / name
    path.write_bytes(rgb_to_nv12(rgb_image).tobytes())
    by_path = compare(conv_model, str(path), tiny_config)
    by_frame = compare(conv_model, load_frame(path), tiny_config)
    _same(by_path, by_frame)


def test_compare_on_a_192x48_frame_path(tmp_path, conv_model, tiny_config):
    """The issue's own case: ``compare(model, "frame_192x48.nv12", cfg)``."""
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (48, 192, 3), dtype=np.uint8)
    path = tmp_path / "frame_192x48.nv12"
    path.write_bytes(rgb_to_nv12(rgb).tobytes())
    _same(
        compare(conv_model, path, tiny_config), compare(conv_model, load_frame(path), tiny_config)
    )
