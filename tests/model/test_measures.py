"""OutputMetrics.to_dict: the same plain values as ``dataclasses.asdict`` (its
independent reference), copies included."""

from __future__ import annotations

import dataclasses

import numpy as np

from nv12_widgets.model import Comparator, demo_config, demo_model


def _asdict(m) -> dict:
    d = dataclasses.asdict(m)
    d["shape"], d["notes"] = list(m.shape), list(m.notes)
    d["components"] = [_asdict(c) for c in m.components]
    return d


def test_to_dict_equals_asdict_on_real_heads():
    for name in ("detector", "orientation"):
        model, config = demo_model(name), demo_config(name).replace(noise_amplitude=1.0)
        image = np.random.default_rng(1).integers(0, 256, (180, 240, 3)).astype(np.uint8)
        c = Comparator(model).compare(image, config)
        for m in c.metrics.values():
            d = m.to_dict()
            assert d == _asdict(m)
            for key, value in d.items():  # nested values are copies, not the metrics' own
                if isinstance(value, dict | list) and value:
                    assert value is not getattr(m, key)
