"""Fixtures for the report layer tests."""

from __future__ import annotations

import importlib.util
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pytest

# Make a source checkout importable when nv12_widgets is not pip-installed (no-op otherwise).
_ROOT = Path(__file__).resolve().parents[2]
if importlib.util.find_spec("nv12_widgets") is None and str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from nv12_widgets.report import Finding  # noqa: E402

FIXED_TIME = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@pytest.fixture
def make_finding(rng: np.random.Generator):
    """Factory for a realistic finding; keyword arguments override the defaults."""

    def make(**overrides: Any) -> Finding:
        fields: dict[str, Any] = {
            "title": "NV12 round trip vs noise",
            "note": "Seen on coffee.png",
            "config": {
                "swing": "full",
                "divisor": 255,
                "mean": [0.485, 0.456, 0.406],
                "std": [0.229, 0.224, 0.225],
                "noise_amplitude": 2.0,
            },
            "metrics": {
                "sigmoid_0.tmp_0": {
                    "cosine_nv12": 0.99932,
                    "cosine_noise": 0.99996,
                    "sqnr_nv12_db": 31.25,
                }
            },
            "verdict": "The format itself dominates.",
            "images": {"Y plane": rng.integers(0, 256, (12, 16), dtype=np.uint8)},
            "context": {"model": "ch_PP-OCRv4_det_infer.onnx", "image": "coffee.png"},
            "created": FIXED_TIME,
        }
        fields.update(overrides)
        return Finding(**fields)

    return make
