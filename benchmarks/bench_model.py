"""Benchmark: a Comparator after a noise change vs a bare onnxruntime run.

For the bundled PP-OCRv4 text detector at 320x320 on a bundled photo, measures in the
same run, in blocks taken in turn (so machine load affects all alike):

* ``session.run`` on a prepared (1, 3, 320, 320) float32 tensor with the Model's own
  session, and with a session built with onnxruntime's default options;
* ``Comparator.compare`` after changing only ``noise_amplitude`` (a new value every
  time, so the noise path is never cached): image hash, cached fit / reference / NV12
  / format paths, noise, normalisation, one inference, the Comparison. Its evidence
  (metrics, task answers) is judged when first read (``Evidence``), so a second row
  times compare *and* reading every metric and task, what the dashboard does.

Acceptance (issue 8): median compare time <= 1.10x the median bare run, and the Model's
session no slower than a session with onnxruntime's default options.

Usage: ``python benchmarks/bench_model.py [--repeats 40] [--image astronaut]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings

import onnxruntime as ort

from nv12_widgets.core import load_image, normalize, rgb_to_format, to_layout
from nv12_widgets.model import Comparator, demo_config, demo_image_paths, demo_model

ACCEPTANCE = 1.10


class _Stub:
    """A Model whose ``run`` returns stored outputs (copies): no inference."""

    def __init__(self, model, outputs) -> None:
        self._model, self._outputs = model, outputs

    def __getattr__(self, name):
        return getattr(self._model, name)

    def run(self, feeds):
        return {k: v.copy() for k, v in self._outputs.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=40)
    parser.add_argument("--image", default="astronaut", choices=["astronaut", "coffee", "chelsea"])
    args = parser.parse_args(argv)

    model = demo_model("detector")
    config = demo_config("detector")
    path = next(p for p in demo_image_paths() if p.stem == args.image)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        image = load_image(path)
    image.flags.writeable = False  # as the dashboard does: a frozen image is hashed once
    comparator = Comparator(model)
    first = comparator.compare(image, config)  # fills the caches (reference, NV12, ...)

    # The same tensor compare() feeds on its reference path.
    tensor = to_layout(
        normalize(
            rgb_to_format(first.fitted_image, config.train_format), **config.normalize_params()
        ),
        "NCHW",
    )
    feeds = {model.image_input: tensor}
    for _ in range(3):  # warm-up
        model.session.run(None, feeds)
    default_session = ort.InferenceSession(model.model_bytes, providers=["CPUExecutionProvider"])
    control_session = ort.InferenceSession(model.model_bytes, providers=["CPUExecutionProvider"])
    for _ in range(3):  # warm-up
        default_session.run(None, feeds)
        control_session.run(None, feeds)

    # Blocks of each measurement in turn (round robin), with a pause between blocks so
    # that one session's spinning threads never compete with the next block's: machine
    # load drifts affect all three alike, thread pools do not interfere.
    bare: list[float] = []
    bare_default: list[float] = []
    bare_control: list[float] = []
    noise_change: list[float] = []
    noise_read: list[float] = []
    inferences: set[int] = set()
    block = 5

    def run_session(session, into: list[float]) -> None:
        for _ in range(block):
            t = time.perf_counter()
            session.run(None, feeds)
            into.append(time.perf_counter() - t)

    counter = iter(range(10**9))

    def run_compare() -> None:
        for _ in range(block):
            amplitude = 0.5 + 0.01 * (next(counter) % 150)  # never the same key twice
            changed = config.replace(noise_amplitude=amplitude)  # the user's change, untimed
            t = time.perf_counter()
            cmp = comparator.compare(image, changed)
            noise_change.append(time.perf_counter() - t)
            inferences.add(cmp.inferences)

    def run_compare_read() -> None:
        for _ in range(block):
            amplitude = 0.5 + 0.01 * (next(counter) % 150)
            changed = config.replace(noise_amplitude=amplitude)
            t = time.perf_counter()
            cmp = comparator.compare(image, changed)
            cmp.metrics, cmp.tasks  # noqa: B018 - judged on this first read
            noise_read.append(time.perf_counter() - t)

    # The same compare with the inference replaced by the cached reference outputs: the
    # Comparator's own work alone (pipeline run lookups, noise, normalisation, metrics).
    own: list[float] = []
    own_read: list[float] = []
    stub = Comparator(model)
    stub.compare(image, config)
    stored = dict(first.outputs_reference)
    stub.model = _Stub(model, stored)

    def run_own() -> None:
        for _ in range(block):
            amplitude = 0.5 + 0.01 * (next(counter) % 150)
            changed = config.replace(noise_amplitude=amplitude)
            t = time.perf_counter()
            cmp = stub.compare(image, changed)
            own.append(time.perf_counter() - t)
            t = time.perf_counter()
            cmp.metrics, cmp.tasks  # noqa: B018
            own_read.append(time.perf_counter() - t)

    blocks = [
        run_own,
        lambda: run_session(model.session, bare),
        lambda: run_session(default_session, bare_default),
        lambda: run_session(control_session, bare_control),
        run_compare,
        run_compare_read,
    ]
    for r in range(max(1, args.repeats // block)):
        # rotate the order each round: no measurement always follows the same other one
        for k in range(len(blocks)):
            blocks[(r + k) % len(blocks)]()
            time.sleep(0.05)

    med = {k: statistics.median(v) * 1e3 for k, v in {
        "bare": bare, "default": bare_default, "control": bare_control,
        "compare": noise_change, "own": own, "read": noise_read,
        "own_read": own_read}.items()}  # fmt: skip
    ratio = med["compare"] / med["bare"]
    rows = [
        ("session.run (Model's session)", med["bare"], 1.0),
        ("session.run (onnxruntime defaults)", med["default"], med["default"] / med["bare"]),
        ("session.run (defaults, a 2nd session)", med["control"], med["control"] / med["bare"]),
        ("Comparator.compare after a noise change", med["compare"], ratio),
        ("  its own work (inference stubbed)", med["own"], med["own"] / med["bare"]),
        ("compare + reading its metrics and tasks", med["read"], med["read"] / med["bare"]),
        ("  reading them (the judging, stubbed run)", med["own_read"],
         med["own_read"] / med["bare"]),
    ]  # fmt: skip
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"PP-OCRv4 detector, {config.size[0]}x{config.size[1]}, image {args.image} "
        f"({image.shape[1]}x{image.shape[0]}), {args.repeats} repeats, "
        f"{os.cpu_count()} CPUs, load {load:.1f}, Model threads {model.threads}"
    )
    print(f"| {'measurement':<42} | {'median ms':>9} | {'x bare':>6} |")
    print(f"|{'-' * 44}|{'-' * 11}|{'-' * 8}|")
    for name, ms, r in rows:
        print(f"| {name:<42} | {ms:>9.2f} | {r:>6.2f} |")
    print(f"inferences per compare after a noise change: {sorted(inferences)}")
    print(f"compare's own work after a noise change: {med['compare'] - med['bare']:.2f} ms")
    print(
        f"bare run + own work measured alone: {(med['bare'] + med['own']) / med['bare']:.3f}x "
        "(less sensitive to the thread pools' interplay under load)"
    )
    ok = ratio <= ACCEPTANCE and inferences == {1}
    print(
        f"acceptance: compare <= {ACCEPTANCE}x bare run -> {'PASS' if ok else 'FAIL'} ({ratio:.2f}x)"
    )
    # Two sessions with the very same default options differ by the run's noise: the
    # Model's session is "no slower" when it is within that measured noise of the
    # default session (and never more than 3 % slower).
    noise = abs(med["control"] / med["default"] - 1.0)
    limit = 1.0 + min(max(noise, 0.01), 0.03)
    session_ok = med["bare"] <= limit * med["default"]
    print(
        "acceptance: Model's session no slower than onnxruntime's defaults (limit "
        f"{limit:.2f}x: the two default sessions differ by {noise:.1%}) -> "
        f"{'PASS' if session_ok else 'FAIL'} ({med['bare'] / med['default']:.2f}x)"
    )
    return 0 if ok and session_ok else 1


if __name__ == "__main__":
    sys.exit(main())
