"""What moving the noise recomputes: the memoised task work gives the values of a cold run."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from nv12_widgets.core import signal_of
from nv12_widgets.core.heads import Binding, get
from nv12_widgets.model import Comparator, Model, PreprocessConfig, demo_image_paths
from nv12_widgets.model.judge.measures import component_measures, component_metrics, measure_path
from nv12_widgets.model.judge.task_results import judge_tasks, replaces_task

YOLO = PreprocessConfig(train_format="rgb", layout="NCHW", size=(320, 320), noise_amplitude=4.0)


def _nudenet() -> Model:
    pytest.importorskip("nudenet")
    path = Path(importlib.util.find_spec("nudenet").origin).parent / "320n.onnx"
    if not path.exists():
        pytest.skip("nudenet has no 320n.onnx")
    return Model(path)


def test_noise_moves_give_the_values_of_a_cold_comparison():
    """The noise slider on a YOLOv8 head: every value (per-output task, parts, task
    answers) equals a fresh Comparator's, and the noise path's task dict equals the
    per-output one merged with the binding's, computed here without any memo."""
    model = _nudenet()
    photo = next(p for p in demo_image_paths() if p.stem == "astronaut")
    warm = Comparator(model)
    warm.compare(photo, YOLO)
    kind = get("yolov8")
    for seed in (1, 2, 3):
        config = YOLO.replace(noise_seed=seed)
        c, cold = warm.compare(photo, config), Comparator(model).compare(photo, config)
        assert c.inferences == 1
        np.testing.assert_equal(c.metrics["output0"].to_dict(), cold.metrics["output0"].to_dict())
        (t,) = c.tasks.values()
        assert t.to_dict() == cold.tasks[t.name].to_dict()
        r, nz = c.outputs_reference["output0"], c.outputs_noise["output0"]
        legacy = measure_path(r, nz, signal=signal_of(r), kind="yolov8").task
        params = dict(t.binding.params)
        new = kind.agreement(kind.decode([r], **params), kind.decode([nz], **params))
        np.testing.assert_equal(
            c.metrics["output0"].task_noise, {**legacy, "kind": "yolov8", **new}
        )
        assert new["score"] == t.score("noise")


def test_component_measures_passed_in_give_the_same_parts():
    rng = np.random.default_rng(0)
    ref = {"boxes": rng.normal(100, 30, (50, 4)), "scores": rng.uniform(0, 1, (50, 3))}
    nv = {k: v + rng.normal(0, 0.01, v.shape) for k, v in ref.items()}
    noise = {k: v + rng.normal(0, 0.02, v.shape) for k, v in ref.items()}
    for matched, frame in ((ref, False), (nv, True), (None, False)):
        kwargs = {"nv12": nv, "noise": noise, "format": matched, "frame": frame}
        measured = component_measures(ref, nv12=nv, format=matched, frame=frame)
        a = component_metrics("y", ref, **kwargs)
        b = component_metrics("y", ref, measured=measured, **kwargs)
        np.testing.assert_equal([p.to_dict() for p in a], [p.to_dict() for p in b])


def test_replaces_task_only_where_nothing_of_the_per_output_task_survives():
    probs = {"prob": np.array([[0.1, 0.9]], np.float32)}
    chosen = judge_tasks([(Binding("classifier", ("prob",)), True)], probs, probs, probs, probs)
    assert replaces_task(chosen, "prob", "classifier", "noise")  # same keys, merged
    assert replaces_task(chosen, "prob", "dense", "noise")  # another kind: dropped
    assert not replaces_task(chosen, "other_output", "classifier", "noise")
    weak = judge_tasks(
        [(Binding("classifier", ("prob",), {}, 0.3), False)], probs, probs, probs, probs
    )
    assert not replaces_task(weak, "prob", "classifier", "noise")  # a weak guess: kept
    steps = np.full((1, 6, 5), 0.01, np.float32)
    steps[0, np.arange(6), [1, 0, 2, 2, 0, 3]] = 0.96
    seq = {"ctc": steps}
    text = judge_tasks([(Binding("ctc", ("ctc",)), True)], seq, seq, seq, seq)
    assert not replaces_task(text, "ctc", "ctc", "noise")  # decoded labels are kept
    assert replaces_task(text, "ctc", "classifier", "noise")
