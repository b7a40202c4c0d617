"""The verdict building blocks (core.signal, core.heads) on the bundled detector and photos.

Figures quoted in the docstrings of nv12_widgets/core/signal.py: astronaut and chelsea
carry no text (reference peak 1.4e-5 and 3.3e-7: no signal, NV12 differences within
float32 rounding); coffee does (peak 1.0).
"""

from __future__ import annotations

import pytest

from nv12_widgets.core.heads import DBTextDetection, interpret
from nv12_widgets.core.signal import pair_evidence, signal_of


@pytest.mark.slow
def test_bundled_detector_signal_per_photo():
    from nv12_widgets.model import compare, demo_config, demo_image_paths, demo_model

    model, config = demo_model(), demo_config()
    got = {}
    for path in demo_image_paths():
        c = compare(model, path, config)
        name = model.output_names[0]
        ref, nv12 = c.outputs_reference[name], c.outputs_nv12[name]
        got[path.stem] = (signal_of(ref).has_signal, pair_evidence(ref, nv12).is_evidence)
    assert got == {
        "astronaut": (False, False),
        "coffee": (True, True),
        "chelsea": (False, False),
    }


@pytest.mark.slow
def test_db_interpreter_on_the_bundled_detector():
    from nv12_widgets.model import compare, demo_config, demo_image_paths, demo_model

    model = demo_model()
    det = DBTextDetection()
    found = {}
    for path in demo_image_paths():
        c = compare(model, path, demo_config())
        out = interpret(det, c.outputs_reference, c.outputs_nv12)
        found[path.stem] = (len(out["reference"]), out["value"])
    assert found["astronaut"] == (0, 1.0) and found["chelsea"] == (0, 1.0)
    n_coffee, f1_coffee = found["coffee"]
    assert n_coffee >= 1 and 0.0 <= f1_coffee <= 1.0
