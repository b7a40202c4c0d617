"""Speed of ``identify_pipeline`` on a 640x640 photo, for a tensor dump and an NV12 frame.

Run ``python benchmarks/bench_identify.py`` (``--repeats N``, default 5).

The image is the bundled ``coffee.png`` resized to 640x640 with OpenCV. Cases:

* **tensor**: a BGR NCHW float32 dump through the ``horizon`` profile's NV12 path with
  ImageNet mean/std (the search also solves the normalisation);
* **tensor, resized**: the same pipeline but the source is the full 640x480 photo and the
  dump 320x320 letterboxed (the search adds the 12 resize policy x interpolation fits);
* **nv12**: a frame made with the first registered profile.

Each is timed next to a reference measured in the same run: one ``rgb_to_nv12`` plus one
``normalize`` call on the same image (what one candidate costs at least), and the ratio
is printed. Median over the repeats. Acceptance (issue 11): under 5 s at 640x640; the
exit status is 1 if a case is slower.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

import nv12_widgets
from nv12_widgets.core import (
    PROFILES,
    fit_image,
    load_image,
    normalize,
    nv12_to_format,
    rgb_to_nv12,
    to_layout,
)
from nv12_widgets.model import PreprocessConfig
from nv12_widgets.model.workflows.identify import identify_pipeline

IMAGE = Path(nv12_widgets.__file__).parent / "data" / "images" / "coffee.png"
LIMIT_S = 5.0


def _median(fn, repeats: int) -> tuple[float, object]:
    out = fn()  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)

    src = load_image(IMAGE)
    rgb = fit_image(src, (640, 640))
    cfg = PreprocessConfig(
        train_format="bgr",
        profile="horizon" if "horizon" in PROFILES else None,
        divisor=255.0,
        mean=(0.485, 0.456, 0.406),
        std=(0.229, 0.224, 0.225),
    )

    def dump_for(image):
        frame = rgb_to_nv12(image, profile=cfg.profile)
        pixels = nv12_to_format(frame, "bgr", **cfg.decode_kwargs())
        return to_layout(normalize(pixels, **cfg.normalize_params()), "NCHW")

    tensor = dump_for(rgb)
    small = fit_image(src, (320, 320), policy="letterbox", interpolation="bilinear")
    tensor_resized = dump_for(small)
    frame = rgb_to_nv12(rgb, profile=next(iter(PROFILES)))

    def reference():
        rgb_to_nv12(rgb)
        return normalize(rgb, divisor=255.0, mean=0.5, std=0.5)

    ref_s, _ = _median(reference, args.repeats)
    cases = [
        ("tensor 640x640", rgb, tensor),
        ("tensor 320x320 from 640x480", src, tensor_resized),
        ("nv12 640x640", rgb, frame),
    ]
    print(
        f"nv12_widgets {nv12_widgets.__version__}, numpy {np.__version__}, "
        f"python {platform.python_version()}, profiles: {', '.join(PROFILES)}"
    )
    print(
        f"reference: rgb_to_nv12 + normalize at 640x640 = {ref_s * 1e3:.2f} ms "
        f"(median of {args.repeats})"
    )
    print(f"{'case':<30}{'time (s)':>10}{'x reference':>13}{'candidates':>12}  result")
    failed = False
    for name, image, dump in cases:
        t, result = _median(
            lambda image=image, dump=dump: identify_pipeline(image, dump), args.repeats
        )
        ok = t < LIMIT_S
        failed |= not ok
        verdict = "identified" if result.identified else "NOT identified"
        print(
            f"{name:<30}{t:>10.3f}{t / ref_s:>13.0f}{result.candidates:>12}  "
            f"{verdict}: {result.best.label[:60]}{'' if ok else '  [SLOWER THAN 5 s]'}"
        )
    print(
        f"acceptance: every case under {LIMIT_S:.0f} s at 640x640: {'met' if not failed else 'NOT met'}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
