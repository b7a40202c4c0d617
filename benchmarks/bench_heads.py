"""Cost of decoding a detector head and judging the answer, per comparison.

Run ``python benchmarks/bench_heads.py`` (``--quick`` for fewer rounds).

The head is nudenet 3.4.2's YOLOv8 ``320n.onnx`` output ``[1, 22, 2100]`` on the
bundled ``astronaut.png`` (the reference) and the same head slightly perturbed (class
scores +-1e-3, boxes +-0.5 px: a test path). One comparison is what the tool does per
output and path: decode both heads (``yolov8``: threshold, xywh -> xyxy, class-aware
NMS) and compute the task agreement (matching, P/R/F1, AP@0.5, IoU, shift); the
component split with its per-part cosine / SQNR / max error is timed too. The
yardstick is a bare ``session.run`` of the same model at 320x320 measured in the same
run (one thread), interleaved round by round (GC off); the figures are medians.

A second head, "busy", has 400 anchors above the confidence threshold (a crowded
scene) to show the NMS cost when many boxes survive the threshold.

Acceptance (issue 18): decoding + task agreement at most 1 ms per comparison on the
real 2100-anchor head. The exit status is 1 if it fails.
"""

from __future__ import annotations

import argparse
import gc
import platform
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np

import nv12_widgets
from nv12_widgets.core.heads import compare_components, get

IMAGE = Path(nv12_widgets.__file__).parent / "data" / "images" / "astronaut.png"
MAX_MS = 1.0


def nudenet_session():
    import nudenet.nudenet as nn
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    sess = ort.InferenceSession(
        str(Path(nn.__file__).with_name("320n.onnx")), options, providers=["CPUExecutionProvider"]
    )
    blob = nn._read_image(cv2.imread(str(IMAGE)), 320)[0]
    return sess, blob


def perturbed(head: np.ndarray, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = head.copy()
    out[0, :4] += rng.uniform(-0.5, 0.5, out[0, :4].shape).astype(out.dtype)
    out[0, 4:] += rng.uniform(-1e-3, 1e-3, out[0, 4:].shape).astype(out.dtype)
    return out


def busy(head: np.ndarray, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = head.copy()
    idx = rng.choice(out.shape[2], 400, replace=False)
    out[0, 4 + rng.integers(0, out.shape[1] - 4, 400), idx] = rng.uniform(0.3, 0.95, 400)
    return out


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1e3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    args = parser.parse_args(argv)
    rounds = 30 if args.quick else 200
    sess, blob = nudenet_session()
    (head,) = sess.run(None, {"images": blob})
    kind = get("yolov8")
    cases = {"real": (head, perturbed(head))}
    cases["busy"] = (busy(head), perturbed(busy(head)))

    def compare(ref, test):
        return kind.agreement(kind.decode([ref]), kind.decode([test]))

    jobs = {"session.run 320x320": lambda: sess.run(None, {"images": blob})}
    for name, (ref, test) in cases.items():
        jobs[f"decode + agreement ({name})"] = lambda r=ref, t=test: compare(r, t)
        jobs[f"components ({name})"] = lambda r=ref, t=test: compare_components("yolov8", [r], [t])
    for fn in jobs.values():  # warm up
        fn()
    times: dict[str, list[float]] = {k: [] for k in jobs}
    gc.disable()
    try:
        for i in range(rounds):
            names = list(jobs)
            names = names[i % len(names) :] + names[: i % len(names)]
            for name in names:
                times[name].append(timed(jobs[name]))
    finally:
        gc.enable()
    run = statistics.median(times["session.run 320x320"])
    print(f"nv12_widgets {nv12_widgets.__version__}, numpy {np.__version__}, "
          f"OpenCV {cv2.__version__}, {platform.machine()}, {rounds} rounds")  # fmt: skip
    print(f"heads: real {len(kind.decode([head]))} detection(s) of 2100 anchors; "
          f"busy {len(kind.decode([cases['busy'][0]]))}")  # fmt: skip
    print(f"{'per comparison':34s} {'median ms':>10s} {'x session.run':>14s}")
    for name, values in times.items():
        med = statistics.median(values)
        print(f"{name:34s} {med:10.3f} {med / run:14.3f}")
    real = statistics.median(times["decode + agreement (real)"])
    ok = real <= MAX_MS
    print(
        f"acceptance: decode + agreement {real:.3f} ms <= {MAX_MS} ms: {'met' if ok else 'NOT met'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
