"""The task-aware verdict rules on constructed metrics (truth known by construction)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from nv12_widgets.core.format_parts import FormatErrorParts
from nv12_widgets.model.judge.measures import OutputMetrics, answer_of, component_metrics
from nv12_widgets.model.judge.results import CONVERSION_RATIO, NO_LOSS, ROUNDING_FLOOR, verdict
from nv12_widgets.model.judge.verdict_rules import answers_agree, task_score, verdict_of


def _m(nv12, noise, fmt, conv, name="y", **kw) -> OutputMetrics:
    m = OutputMetrics(name, (1, 4), "float32", 1 - nv12, 1 - noise, 1 - fmt, 1 - conv, *[0.0] * 6)
    return replace(m, **kw)


SAME, CHANGED = {"score": 1.0}, {"score": 0.5}


def test_conversion_below_the_rounding_floor_is_not_a_preprocessing_blame():
    lf = 1e-6  # a grey page: the format loses almost nothing
    lc = ROUNDING_FLOOR * 0.8
    assert lc > CONVERSION_RATIO * max(lf, NO_LOSS)  # the relative rule alone would blame
    v = verdict(_m(3 * ROUNDING_FLOOR, 0.0, lf, lc))
    assert v.code == "format" and v.numbers["conversion_material"] is False
    # above the floor: blamed
    v = verdict(_m(3 * ROUNDING_FLOOR, 0.0, lf, ROUNDING_FLOOR * 1.5))
    assert (v.code, v.rule) == ("preprocessing", "R5")
    # below the floor, but the conversion changes the task answer: blamed, and said
    v = verdict(_m(3 * ROUNDING_FLOOR, 0.0, lf, lc, task_conversion=CHANGED))
    assert (v.code, v.rule) == ("preprocessing", "R5") and "changes the task answer" in v.text


def test_answers_agree_and_losses_within_rounding_say_no_visible_effect():
    m = _m(3e-5, 0.0, 2e-5, 2e-5, task_nv12=SAME, task_format=SAME, task_conversion=SAME)
    v = verdict(m)
    assert (v.code, v.rule, v.title) == ("no-loss", "R4b", "No visible effect")
    assert "within what a correct fixed-point device's rounding costs" in v.text
    # an answer that changes is never "no visible effect"
    assert verdict(replace(m, task_nv12=CHANGED)).rule != "R4b"
    # without task answers, the loss rules decide as before
    assert verdict(_m(3e-5, 0.0, 2e-5, 2e-5)).rule != "R4b"


def test_empty_reference_answer_gives_no_signal_whatever_the_peak():
    # evidence by the raw values (peak above 1e-3), but the task answers nothing
    m = _m(1e-2, 1e-3, 1e-3, 1e-4, task_nv12=SAME, answer_empty=True,
           answer_reason="no detection above 0.25")  # fmt: skip
    v = verdict(m)
    assert (v.code, v.rule) == ("no-signal", "R2") and "no detection above 0.25" in v.text
    # the NV12 path hallucinates a detection: it takes part
    assert verdict(replace(m, task_nv12=CHANGED)).code != "no-signal"
    # a non-empty answer takes part even when the raw-value rule says no signal
    quiet = _m(1e-2, 1e-3, 1e-2, 1e-3, status_nv12="no-signal", answer_empty=False)
    assert verdict(quiet).code == "format"
    assert verdict(replace(quiet, answer_empty=None)).code == "no-signal"


def test_a_head_is_judged_part_by_part():
    # whole tensor: the box rows (peak ~300) drown the class scores
    rng = np.random.default_rng(0)
    boxes = rng.uniform(0, 320, (1, 4, 50))
    scores = rng.uniform(0, 0.05, (1, 3, 50))
    scores[0, 1, 7] = 0.9
    bad = scores.copy()
    bad[0, 1, 7] = 0.4  # the conversion halves the only detection's score
    ref = {"boxes": boxes, "scores": scores}
    parts = component_metrics("y", ref, nv12={"boxes": boxes, "scores": bad}, noise=ref, format=ref)
    whole = np.concatenate([boxes, scores], axis=1)
    whole_bad = np.concatenate([boxes, bad], axis=1)
    from nv12_widgets.core import compare_arrays

    assert compare_arrays(whole, whole_bad).cosine > 0.9999  # invisible on the whole tensor
    m = _m(1 - compare_arrays(whole, whole_bad).cosine, 0.0, 0.0, 1e-6, components=parts)
    v = verdict_of([m])
    assert (v.code, v.output) == ("preprocessing", "y[scores]")
    assert m.to_dict()["components"][1]["name"] == "y[scores]"


def test_format_verdict_names_what_was_lost():
    luma = FormatErrorParts(0.4, 0.0, "studio", "luma")
    v = verdict_of([_m(1e-3, 0.0, 1e-3, 1e-6)], format_parts=luma)
    assert v.title.endswith("luma requantisation")
    assert "studio-swing luma requantisation" in v.text and "4:2:0 chroma" not in v.title
    chroma = FormatErrorParts(0.1, 3.0, "studio", "chroma")
    v = verdict_of([_m(1e-3, 0.0, 1e-3, 1e-6)], format_parts=chroma)
    assert "mostly the 4:2:0 chroma" in v.text and v.numbers["format_parts"]["dominant"] == "chroma"


def test_task_helpers():
    assert task_score({"kind": "classifier", "top1": 0.0}) == 0.0
    assert task_score({"kind": "sequence", "exact_match": 1.0}) == 1.0
    assert task_score({"kind": "other"}) is None
    assert answers_agree({"score": float("nan")}) is None
    text = np.zeros((1, 1, 32, 32), np.float32)
    text[0, 0, 8:16, 4:28] = 0.9
    assert answer_of(text, "db") == (False, "")  # one DB box
    empty, why = answer_of(text * 0.3, "db")  # peak 0.27 < thresh 0.3: no box
    assert empty and "thresh=0.3" in why
    assert answer_of(text * 0.4, "db")[0] is True  # mean 0.36 < box_thresh 0.6: no box
    assert answer_of(text * 0.4, "dense") == (False, "")  # the guess: pixels above 0.3
    assert answer_of(text * 0.3, "dense")[0] is True
    assert answer_of(text, "other") == (None, "") and answer_of(text, None) == (None, "")


@pytest.mark.slow
def test_dense_map_below_its_threshold_is_no_signal_by_the_task():
    """The bundled PP-OCRv4 detector on astronaut: no pixel above the DB threshold 0.3."""
    from nv12_widgets.model import compare, demo_config, demo_image_paths, demo_model

    path = next(p for p in demo_image_paths() if p.stem == "astronaut")
    c = compare(demo_model(), path, demo_config().replace(profile="opencv"))
    m = c.metrics["sigmoid_0.tmp_0"]
    assert m.answer_empty is True and "threshold 0.3" in m.answer_reason
    v = c.verdict()
    assert (v.code, v.rule) == ("no-signal", "R2") and "answers nothing" in v.text


def test_a_single_value_output_that_moved_is_never_no_loss(tmp_path):
    """A (1, 1) sigmoid score: its cosine is 1 whatever it does, so the verdict used to
    say "No measurable loss" while the score moved; it now says it cannot judge by the
    cosine and gives how far each path moved the value."""
    from onnx import TensorProto, helper, numpy_helper
    from onnx_builders import make_model

    from nv12_widgets.model import PreprocessConfig, compare

    rng = np.random.default_rng(0)
    init = [
        numpy_helper.from_array(rng.normal(0, 0.5, (4, 3, 3, 3)).astype(np.float32), "w"),
        numpy_helper.from_array(np.zeros(4, np.float32), "b"),
        numpy_helper.from_array(rng.normal(0, 1.5, (1, 4)).astype(np.float32), "fc"),
    ]
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("GlobalAveragePool", ["c"], ["g"]),
        helper.make_node("Flatten", ["g"], ["f"]),
        helper.make_node("Gemm", ["f", "fc"], ["logit"], transB=1),
        helper.make_node("Sigmoid", ["logit"], ["p"]),
    ]
    model = make_model(
        nodes,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 16, 16])],
        [helper.make_tensor_value_info("p", TensorProto.FLOAT, [1, 1])],
        init,
    )
    ramp = np.linspace(0, 255, 16 * 16 * 3).reshape(16, 16, 3).astype(np.uint8)
    image = np.ascontiguousarray(np.dstack([ramp[..., 0], ramp[::-1, :, 1], ramp[:, ::-1, 2]]))
    c = compare(model, image, PreprocessConfig())
    m = c.metrics["p"]
    moved = abs(float(c.outputs_nv12["p"][0, 0]) - float(c.outputs_reference["p"][0, 0]))
    assert moved > 1e-4 and m.max_abs_nv12 == pytest.approx(moved)
    v = c.verdict()
    assert v.code == "unmeasurable" and v.code != "no-loss"
    assert "single value" in v.text and f"{m.max_abs_nv12:.3g}" in v.text
    assert sum("single value" in n for n in m.notes) == 1  # one note, not one per path


def test_a_logit_map_below_0_3_is_judged_by_its_numbers_not_called_empty():
    """A (1, 1, H, W) map of logits (all < 0.3) was guessed a DB probability map and
    judged "No signal on this image" (no pixel above 0.3) while the NV12 path moved it."""
    from onnx import TensorProto, helper, numpy_helper
    from onnx_builders import make_model

    from nv12_widgets.model import PreprocessConfig, compare

    rng = np.random.default_rng(0)
    init = [
        numpy_helper.from_array(rng.normal(0, 0.5, (1, 3, 3, 3)).astype(np.float32), "w"),
        numpy_helper.from_array(np.array([-8.0], np.float32), "b"),
    ]
    model = make_model(
        [helper.make_node("Conv", ["x", "w", "b"], ["logits"], pads=[1, 1, 1, 1])],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 32, 32])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 1, 32, 32])],
        init,
    )
    yy, xx = np.mgrid[0:32, 0:32]
    image = np.dstack([xx * 8, yy * 8, (xx + yy) * 4]).astype(np.uint8)
    c = compare(model, image, PreprocessConfig())
    assert c.outputs_reference["logits"].max() < 0.3
    assert "db(logits)" not in c.tasks
    v = c.verdict()
    assert v.code != "no-signal" and c.metrics["logits"].cosine_nv12 < 1.0


def test_an_output_that_moved_unmeasurably_is_not_hidden_behind_one_without_loss():
    """Severity: unmeasurable > no-loss. A single-value output that moved (its cosine
    is +-1 whatever the change) names the verdict, not the flag beside it that lost
    nothing."""
    from nv12_widgets.core import signal_of
    from nv12_widgets.model.judge.measures import measure_path, output_metrics

    def metrics(name, ref, moved):
        same, off = measure_path(ref, ref), measure_path(ref, moved)
        return output_metrics(name, ref, nv12=off, noise=same, format=same, conversion=off,
                              signal=signal_of(ref), kind="other")  # fmt: skip

    p = metrics("p", np.array([[0.5]]), np.array([[0.52]]))
    flag = metrics("flag", np.arange(1.0, 9.0), np.arange(1.0, 9.0))
    assert verdict_of([flag]).code == "no-loss"
    v = verdict_of([flag, p])
    assert v.code == "unmeasurable" and v.output == "p"
