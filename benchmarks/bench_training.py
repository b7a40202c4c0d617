"""Benchmark: the device-path training transform vs albumentations' own colour transforms.

Images per second on one core (OpenCV and the core's band pool limited to one thread), on
the bundled photos, each pipeline taking the same (H, W, 3) uint8 photo to a normalised
float32 tensor at the model size (224x224 by default), measured in rounds taken in turn:

* albumentations ``Resize + Normalize`` (the plain RGB training path: the reference);
* albumentations ``Resize + ColorJitter + Normalize`` and ``Resize + ToGray + Normalize``
  (colour augmentations people use for robustness);
* ``DevicePathTransform`` deterministic (``opencv`` and ``horizon`` profiles, and the
  generic float path), and random (two devices, chroma jitter, noise 0-2).

The ratio column is images/s relative to ``Resize + Normalize`` in the same run.

Usage: ``python benchmarks/bench_training.py [--size 224] [--rounds 5] [--images 30]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import cv2  # noqa: E402

import nv12_widgets.core.threads as threads  # noqa: E402
from nv12_widgets.core import load_image  # noqa: E402
from nv12_widgets.model import PreprocessConfig, demo_image_paths  # noqa: E402
from nv12_widgets.model.devicepath.training import DevicePathTransform, albumentations_transform  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    import albumentations as A

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--images", type=int, default=30, help="images per round")
    args = parser.parse_args(argv)
    cv2.setNumThreads(1)
    threads.PARALLEL_MIN_PIXELS = 1 << 62  # the core's band pool off: one core

    photos = [load_image(p) for p in demo_image_paths()]
    images = [photos[i % len(photos)] for i in range(args.images)]
    s = (args.size, args.size)
    mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    cfg = PreprocessConfig(mean=mean, std=std, divisor=255.0)

    def albu(*middle):
        return A.Compose([A.Resize(*s), *middle, A.Normalize(mean=mean, std=std)])

    base = albu()
    candidates = {
        "albumentations Resize + Normalize": lambda im: base(image=im)["image"],
        "albumentations + ColorJitter": (lambda c: lambda im: c(image=im)["image"])(
            albu(A.ColorJitter(p=1.0))
        ),
        "albumentations + ToGray": (lambda c: lambda im: c(image=im)["image"])(
            albu(A.ToGray(p=1.0))
        ),
    }
    for name, c in {
        "device path, generic float (bt601 full)": cfg,
        "device path, opencv profile": PreprocessConfig(mean=mean, std=std, profile="opencv"),
        "device path, horizon profile": PreprocessConfig(mean=mean, std=std, profile="horizon"),
    }.items():
        candidates[name] = DevicePathTransform.for_size(s, c)
    rnd = DevicePathTransform.for_size(
        s,
        cfg,
        devices=[PreprocessConfig(profile="opencv"), PreprocessConfig(profile="horizon"), cfg],
        noise=2.0,
        jitter_chroma=True,
        seed=0,
    )
    candidates["device path, random (3 devices, chroma jitter, noise)"] = rnd
    aug = A.Compose([A.Resize(*s), albumentations_transform(DevicePathTransform.for_size(s, cfg))])
    candidates["device path inside A.Compose (after A.Resize)"] = lambda im: aug(image=im)["image"]

    times: dict[str, list[float]] = {k: [] for k in candidates}
    for f in candidates.values():  # warm-up
        f(images[0])
    for _ in range(args.rounds):
        for name, f in candidates.items():
            t0 = time.perf_counter()
            for im in images:
                f(im)
            times[name].append((time.perf_counter() - t0) / len(images))
    ref = statistics.median(times["albumentations Resize + Normalize"])
    print(
        f"one core, {len(photos)} photos of {photos[0].shape[1]}x{photos[0].shape[0]} and up "
        f"-> {args.size}x{args.size}, {args.rounds} rounds x {args.images} images"
    )
    print(
        f"| {'transform':<56} | {'ms/image':>9} | {'images/s':>9} | {'vs Resize+Normalize':>19} |"
    )
    print(f"|{'-' * 58}|{'-' * 11}|{'-' * 11}|{'-' * 21}|")
    for name, ts in times.items():
        m = statistics.median(ts)
        print(f"| {name:<56} | {m * 1e3:9.2f} | {1 / m:9.1f} | {ref / m:18.2f}x |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
