"""Rule R3b: raw outputs that cannot be compared (NaN metrics), answers that can."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from nv12_widgets.model.judge.measures import OutputMetrics
from nv12_widgets.model.judge.verdict_rules import verdict_of

NAN = math.nan


def _m(nv12, noise, fmt, conv, guessed=False):
    base = OutputMetrics("det_boxes", (3, 4), "float32", NAN, NAN, NAN, NAN, *([NAN] * 6))
    task = lambda s: None if s is None else {"kind": "nms_gathered", "score": s}  # noqa: E731
    return replace(
        base,
        kind="nms_gathered",
        kind_guessed=guessed,
        answer_empty=False,
        notes=(
            "NV12 output shapes differ: reference (3, 4), this path (2, 4): its metrics are NaN",
        ),
        task_nv12=task(nv12),
        task_noise=task(noise),
        task_format=task(fmt),
        task_conversion=task(conv),
    )


@pytest.mark.parametrize(
    ("scores", "code"),
    [
        ((1.0, 0.8, 1.0, 1.0), "no-loss"),  # the NV12 answer is the reference's
        ((0.5, 1.0, 1.0, 0.5), "preprocessing"),  # the conversion alone changes it
        ((0.8, 0.8, 0.8, 1.0), "fragile"),  # as much as the noise
        ((0.5, 1.0, 0.5, 1.0), "format"),  # the format changes it, the noise does not
    ],
)
def test_task_losses_decide(scores, code):
    v = verdict_of([_m(*scores)])
    assert (v.code, v.rule) == (code, "R3b")
    assert v.loss_nv12 == pytest.approx(1 - scores[0])
    assert v.numbers["task_loss_conversion"] == pytest.approx(1 - scores[3])


def test_without_task_scores_or_trust_it_stays_unmeasurable():
    assert verdict_of([_m(0.5, 1.0, 1.0, None)]).code == "unmeasurable"
    assert verdict_of([_m(0.5, 1.0, 1.0, 0.5, guessed=True)]).rule == "R3"
