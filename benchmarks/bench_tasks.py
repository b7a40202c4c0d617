"""What reading the task costs per comparison, on a 2100-anchor YOLOv8 head.

nudenet 3.4.2's ``320n.onnx`` (``(1, 22, 2100)``) on the bundled astronaut photo: the
time of one ``Comparator.compare`` when only the noise seed moves (one inference; the
other paths cached), and of the task work inside it (``model.task_results.task_metrics``:
bindings, decoding, agreement of every path, the head's parts), against the bare
inference measured in the same run. Run: ``PYTHONPATH=. python benchmarks/bench_tasks.py``.

"task work after a noise move" is what ``compare`` adds for the task when only the noise
outputs are new (fresh arrays each call): the judged tasks (one decode, the agreements,
the head's parts measured on the noise path; the rest memoised on the cached outputs)
plus the per-output task of the noise path where no trusted task replaces it. The
issue's budget for it is 1 ms.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

from nv12_widgets.core import load_image
from nv12_widgets.core.heads import get, task_agreement
from nv12_widgets.model import Comparator, Model, PreprocessConfig, demo_image_paths
from nv12_widgets.model.judge.task_results import (
    _MEMO,
    judge_paths,
    replaces_task,
    task_metrics,
)


def best_ms(fn, repeat: int = 15) -> float:
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * min(times)


def main() -> int:
    spec = importlib.util.find_spec("nudenet")
    if spec is None:
        print("nudenet is not installed: pip install --no-deps nudenet==3.4.2")
        return 0
    model = Model(Path(spec.origin).parent / "320n.onnx")
    photo = next(p for p in demo_image_paths() if p.stem == "astronaut")
    comparator = Comparator(model)
    config = PreprocessConfig(size=(320, 320))
    c = comparator.compare(photo, config)
    paths = {
        "reference": c.outputs_reference,
        "nv12": c.outputs_nv12,
        "noise": c.outputs_noise,
        "format": c.outputs_format,
    }
    head = c.outputs_reference["output0"]
    kind = get("yolov8")
    seed = iter(range(1, 10**6))

    def cold():
        _MEMO.clear()
        task_metrics(model, c.metrics, paths)

    def after_noise_move():
        p = dict(paths, noise={n: a.copy() for n, a in c.outputs_noise.items()})
        tasks = judge_paths(model, p)
        for name, m in c.metrics.items():
            if not replaces_task(tasks, name, m.kind, "noise"):
                task_agreement(p["reference"][name], p["noise"][name], m.kind)
        task_metrics(model, c.metrics, p, tasks=tasks)

    def copy_only():
        return {n: a.copy() for n, a in c.outputs_noise.items()}

    answer = kind.decode([head])
    tensor = comparator.pipeline(config).reference_tensor(load_image(photo))
    rows = [
        ("bare inference (Model.run)", best_ms(lambda: model.run({model.image_input: tensor}))),
        ("compare, noise seed moved (1 inference)",
         best_ms(lambda: comparator.compare(photo, config.replace(noise_seed=next(seed))), 8)),
        ("  of which task_metrics, all decodes cached", best_ms(lambda: task_metrics(model, c.metrics, paths))),
        ("  task_metrics, 4 paths decoded", best_ms(cold)),
        ("  task work after a noise move", best_ms(after_noise_move, 30) - best_ms(copy_only, 30)),
        ("yolov8 decode of one path (2100 anchors, NMS)", best_ms(lambda: kind.decode([head]))),
        ("detection agreement of one pair", best_ms(lambda: kind.agreement(answer, answer))),
    ]  # fmt: skip
    bare = rows[0][1]
    print(f"{'step':48s} {'ms':>8s} {'x bare':>8s}")
    for name, ms in rows:
        print(f"{name:48s} {ms:8.2f} {ms / bare:8.3f}")
    work = dict(rows)["  task work after a noise move"]
    print(
        f"task work after a noise move: {work:.2f} ms, budget 1 ms: {'met' if work <= 1 else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
