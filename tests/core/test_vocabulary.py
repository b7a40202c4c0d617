"""The metric vocabulary: names, formats and colour thresholds (nv12_widgets.core.vocabulary)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nv12_widgets.core import cosine_similarity, sqnr_db
from nv12_widgets.core import vocabulary as V


@pytest.mark.parametrize(
    ("cosine", "db"), [(V.COSINE_GOOD, V.SQNR_GOOD_DB), (V.COSINE_FAIR, V.SQNR_FAIR_DB)]
)
def test_sqnr_thresholds_are_the_cosine_thresholds_for_a_small_orthogonal_error(cosine, db):
    # x plus an error orthogonal to it, sized so that the cosine is exactly the threshold
    rng = np.random.default_rng(0)
    x = rng.standard_normal(10_000)
    e = rng.standard_normal(10_000)
    e -= x * (e @ x) / (x @ x)
    tan = math.tan(math.acos(cosine))
    e *= tan * np.linalg.norm(x) / np.linalg.norm(e)
    assert cosine_similarity(x, x + e) == pytest.approx(cosine, abs=1e-9)
    assert sqnr_db(x, x + e) == pytest.approx(db, abs=0.05)


def test_levels_at_the_thresholds_and_formats():
    assert [V.metric_level("cosine_nv12", v) for v in (0.9999, 0.99989, 0.999, 0.9989)] == [
        "good", "fair", "fair", "poor",
    ]  # fmt: skip
    assert V.metric_level("sqnr_nv12_db", math.inf) == "good"
    assert V.metric_level("cosine_nv12", math.nan) is None
    assert V.metric_level("cosine_nv12", None) is None
    assert V.metric_level("max_abs_nv12", 0.0) is None
    assert V.format_metric("cosine_noise", 0.5) == "0.500000"
    assert V.format_metric("sqnr_noise_db", -math.inf) == "−∞"
    assert V.format_metric("shape", [1, 4, 16, 16]) == "1x4x16x16"
    assert V.format_metric("notes", ["a", "b"]) == "a; b"
    assert V.format_metric("cosine_custom", 1) == "1"
    assert V.metric_spec("sqnr_nv12_db").header == "SQNR NV12 (dB)"


def test_every_listed_key_is_in_the_vocabulary_and_names_are_unique():
    keys = [m.key for m in V.METRICS]
    assert len(set(keys)) == len(keys)
    for group in (V.DASHBOARD_KEYS, V.CLI_KEYS, V.SIGNAL_KEYS):
        assert set(group) <= set(keys)
    assert all(V.is_known(k) for k in keys) and not V.is_known("cosine_custom")
    assert [level for level, _ in V.legend_items()] == list(V.LEVELS)
    assert V.LEGEND_NOTE in V.LEGEND
