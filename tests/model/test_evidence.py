"""A comparison's evidence: judged on first read, equal to judging at once, and the
per-output task taken from the binding's answers equal to decoding again."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from onnx import TensorProto, helper

from nv12_widgets.core import InputError, task_agreement
from nv12_widgets.model import Comparator, PreprocessConfig, demo_config, demo_model
from nv12_widgets.model.judge import task_results
from nv12_widgets.model.judge.results import Evidence
from nv12_widgets.model.judge.task_results import judge_tasks, per_output_task


def _identity(shape=(1, 3, 8, 8)):
    x, y = (helper.make_tensor_value_info(n, TensorProto.FLOAT, list(shape)) for n in "xy")
    g = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g", [x], [y])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


def _ramp(h=8, w=8):
    return (np.arange(h * w * 3, dtype=np.uint32).reshape(h, w, 3) * 7 % 256).astype(np.uint8)


def test_evidence_is_judged_once_on_first_read(monkeypatch):
    calls = []
    real = task_results.judge_paths

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr("nv12_widgets.model.workflows.compare.judge_paths", counting)
    c = Comparator(_identity()).compare(_ramp(), PreprocessConfig(noise_amplitude=1.0))
    assert calls == []  # nothing judged yet
    first = c.metrics
    assert calls == [1] and c.metrics is first and c.tasks is c.evidence.tasks
    assert calls == [1]


def test_reusing_the_bindings_answers_changes_no_number(monkeypatch):
    """On the real text detector (a guessed DB binding): the noise path's per-output
    task taken from the binding's answers gives the very metrics of decoding again."""
    model = demo_model("detector")
    config = demo_config("detector").replace(noise_amplitude=1.5, noise_seed=3)
    rng = np.random.default_rng(0)
    image = np.full((200, 260, 3), 235, np.uint8)
    for y, x in rng.integers(10, 180, (12, 2)):  # dark "words" on light paper
        image[y : y + 12, x : x + 60] = 20
    reused = Comparator(model).compare(image, config)
    assert reused.metrics["sigmoid_0.tmp_0"].task_noise["reference_boxes"] > 0
    monkeypatch.setattr(
        "nv12_widgets.model.workflows.compare.per_output_task", lambda *a, **k: None
    )
    decoded = Comparator(model).compare(image, config)
    assert reused.to_dict() == decoded.to_dict()
    assert reused.verdict().code == decoded.verdict().code


def test_a_chosen_kind_that_cannot_read_is_refused_by_compare_itself():
    with pytest.raises(InputError):
        Comparator(_identity()).compare(_ramp(), output_kinds={"y": "classifier"})


def test_evidence_judged_in_another_thread_while_the_comparator_goes_on():
    comparator = Comparator(_identity())
    pending = [
        comparator.compare(_ramp(), PreprocessConfig(noise_amplitude=0.1 * (i + 1)))
        for i in range(6)
    ]
    expected = [p.to_dict() for p in pending]
    again = [comparator.compare(_ramp(), p.config) for p in pending]
    out: list = [None] * len(again)

    def read(i):
        out[i] = again[i].to_dict()

    threads = [threading.Thread(target=read, args=(i,)) for i in range(len(again))]
    for t in threads:
        t.start()
    comparator.compare(_ramp(), PreprocessConfig(noise_amplitude=2.0)).to_dict()
    for t in threads:
        t.join()
    assert out == expected


def test_evidence_given_at_once():
    e = Evidence({"y": 1}, {"t": 2})
    assert e.metrics == {"y": 1} and e.tasks == {"t": 2}


@pytest.mark.parametrize(
    ("kind", "reference", "test"),
    [
        ("classifier", np.array([[0.1, 0.7, 0.2]]), np.array([[0.6, 0.3, 0.1]])),
        (
            "dense",
            np.pad(np.full((1, 1, 6, 6), 0.9, np.float32), ((0, 0), (0, 0), (4, 6), (4, 6))),
            np.pad(np.full((1, 1, 7, 6), 0.9, np.float32), ((0, 0), (0, 0), (4, 5), (4, 6))),
        ),
        (
            "sequence",
            np.eye(5, dtype=np.float32)[[0, 1, 1, 0, 2, 3, 0]][None],
            np.eye(5, dtype=np.float32)[[0, 1, 0, 0, 2, 4, 0]][None],
        ),
    ],
)
def test_per_output_task_equals_decoding_again(kind, reference, test):
    """The task dict built from a binding's memoised answers is exactly what
    ``core.heads.task_agreement`` computes from the two arrays (its independent path)."""
    from nv12_widgets.core.heads import Binding, get

    binding = Binding(get(kind).name, ("y",), {}, 0.5, "a guess")
    ref, other = {"y": reference}, {"y": test}
    tasks = judge_tasks([(binding, False)], ref, other, other, ref)
    for path, (a, b) in {"nv12": (ref, other), "noise": (ref, other), "format": (ref, ref)}.items():
        expected = task_agreement(a["y"], b["y"], kind)
        assert per_output_task(tasks, "y", kind, path) == expected, path
    assert per_output_task(tasks, "z", kind, "noise") is None
    params = dict(list(get(kind).params().items())[:1])
    if params:  # a binding decoded with its own parameters is not the per-output task
        tuned = Binding(get(kind).name, ("y",), params, 0.5, "tuned")
        assert (
            per_output_task(
                judge_tasks([(tuned, False)], ref, other, other, ref), "y", kind, "noise"
            )
            is None
        )

