"""Speed of the NV12 conversion core against OpenCV and the vendor's reference generator.

Run ``python benchmarks/bench_core.py`` (``--quick`` for fewer repeats, ``--accuracy``
to also print the accuracy figures of the generic conversions, a few minutes).

For a 1920x1080 and a 640x640 photo-like image (the bundled ``astronaut.png`` resized
with OpenCV) it prints the median time of

* ``rgb_to_nv12`` (full swing, BT.601, mean chroma) next to OpenCV's fastest equivalent,
  ``cv2.cvtColor(rgb, COLOR_RGB2YUV_I420)`` plus the repack of its U and V planes into
  one interleaved NV12 chroma plane (``cv2.merge``);
* ``nv12_to_rgb`` (full swing, BT.601, nearest upsampling) next to
  ``cv2.cvtColor(nv12, COLOR_YUV2RGB_NV12)``;
* ``rgb_to_nv12(profile="vendor-pil")`` next to the vendor's reference generator (the
  PIL ``YCbCr`` conversion with a per-byte Python loop that interleaves U and V, copied
  below from the vendor's note), after checking that both give the same bytes.

OpenCV's conversions are fixed point and studio swing; ours round the exact value once.
They are the speed yardstick, not the same arithmetic. All candidates of one size are
timed interleaved (one run of each per round, rotating the order, GC off), so a busy
machine slows them alike; the ratios are medians over the rounds of the per-round ratio.

Acceptance (issue 2): at 1080p both directions at most 4x OpenCV's time, and
``vendor-pil`` at least 3x faster than the reference generator. The exit status is 1 if a
check fails.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import PIL
from PIL import Image

import nv12_widgets
from nv12_widgets.core import NV12, nv12_to_rgb, rgb_to_nv12

IMAGE = Path(nv12_widgets.__file__).parent / "data" / "images" / "astronaut.png"
SIZES = ((1920, 1080), (640, 640))
MAX_OPENCV_RATIO = 4.0  # at 1080p, both directions
MIN_VENDOR_SPEEDUP = 3.0


# -- the vendor's reference generator, as published (seed 000) ---------------------------
def generate_nv12(img):  # PIL RGB image
    w, h = img.size
    y_data, u_data, v_data = img.convert("YCbCr").split()
    y_data_bytes = y_data.tobytes()
    u_data_bytes = u_data.resize((u_data.width // 2, u_data.height // 2)).tobytes()
    v_data_bytes = v_data.resize((v_data.width // 2, v_data.height // 2)).tobytes()
    uvuvuv_data = bytearray()
    for u_byte, v_byte in zip(u_data_bytes, v_data_bytes, strict=True):
        uvuvuv_data.extend([u_byte, v_byte])
    y = np.frombuffer(y_data_bytes, dtype=np.uint8).reshape(1, h, w, 1)
    uv = np.frombuffer(uvuvuv_data, dtype=np.uint8).reshape(1, h // 2, w // 2, 2)
    return y, uv


# -- OpenCV's fastest equivalents ----------------------------------------------------------
def opencv_rgb_to_nv12(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """I420 from OpenCV, its U and V planes interleaved into an NV12 chroma plane."""
    h, w = rgb.shape[:2]
    i420 = cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420).reshape(-1)
    n, q = h * w, h * w // 4
    u = i420[n : n + q].reshape(h // 2, w // 2)
    v = i420[n + q :].reshape(h // 2, w // 2)
    return i420[:n].reshape(h, w), cv2.merge([u, v])


def opencv_nv12_to_rgb(buf: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(buf, cv2.COLOR_YUV2RGB_NV12)


# -- timing ----------------------------------------------------------------------------------
def time_interleaved(fns: dict[str, Callable[[], object]], rounds: int, warmup: int = 2):
    """Seconds per call of each function, ``rounds`` interleaved runs each (GC off)."""
    names = list(fns)
    for _ in range(warmup):
        for name in names:
            fns[name]()
    times: dict[str, list[float]] = {name: [] for name in names}
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for r in range(rounds):
            shift = r % len(names)
            for name in names[shift:] + names[:shift]:
                t0 = time.perf_counter()
                fns[name]()
                times[name].append(time.perf_counter() - t0)
    finally:
        if gc_was_enabled:
            gc.enable()
    return {name: np.asarray(t) for name, t in times.items()}


def photo(width: int, height: int) -> np.ndarray:
    bgr = cv2.imread(str(IMAGE), cv2.IMREAD_COLOR)
    if bgr is None:
        raise SystemExit(f"cannot read {IMAGE}")
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    shrink = width * height < rgb.shape[0] * rgb.shape[1]
    interp = cv2.INTER_AREA if shrink else cv2.INTER_CUBIC
    return np.ascontiguousarray(cv2.resize(rgb, (width, height), interpolation=interp))


def bench_size(width: int, height: int, rounds: int, vendor_rounds: int) -> list[dict]:
    rgb = photo(width, height)
    frame = rgb_to_nv12(rgb)
    buf = np.frombuffer(frame.tobytes(), np.uint8).reshape(height * 3 // 2, width)
    pil = Image.fromarray(rgb, "RGB")

    # The vendor profile must reproduce the generator byte for byte.
    ref_y, ref_uv = generate_nv12(pil)
    got_y, got_uv = rgb_to_nv12(rgb, profile="vendor-pil").as_model_inputs()
    if not (np.array_equal(ref_y, got_y) and np.array_equal(ref_uv, got_uv)):
        raise SystemExit(f"{width}x{height}: vendor-pil differs from the reference generator")

    fast = time_interleaved(
        {
            "ours_enc": lambda: rgb_to_nv12(rgb, swing="full", matrix="bt601", chroma="mean"),
            "cv_enc": lambda: opencv_rgb_to_nv12(rgb),
            "ours_dec": lambda: nv12_to_rgb(
                frame, swing="full", matrix="bt601", upsample="nearest"
            ),
            "cv_dec": lambda: opencv_nv12_to_rgb(buf),
        },
        rounds,
    )
    slow = time_interleaved(
        {
            "ours_vendor": lambda: rgb_to_nv12(rgb, profile="vendor-pil"),
            "generator": lambda: generate_nv12(pil),
        },
        vendor_rounds,
        warmup=1,
    )
    size = f"{width}x{height}"
    return [
        {
            "size": size,
            "what": "rgb_to_nv12 full/bt601/mean",
            "ours": fast["ours_enc"],
            "ref": fast["cv_enc"],
            "ref_name": "cv2 RGB2YUV_I420 + merge U,V",
            "kind": "opencv",
        },
        {
            "size": size,
            "what": "nv12_to_rgb full/bt601/nearest",
            "ours": fast["ours_dec"],
            "ref": fast["cv_dec"],
            "ref_name": "cv2 YUV2RGB_NV12",
            "kind": "opencv",
        },
        {
            "size": size,
            "what": 'rgb_to_nv12 profile="vendor-pil"',
            "ours": slow["ours_vendor"],
            "ref": slow["generator"],
            "ref_name": "vendor generate_nv12 (bytes equal)",
            "kind": "vendor",
        },
    ]


def print_table(rows: list[dict], rounds: int, vendor_rounds: int) -> list[tuple[bool, str]]:
    print(
        f"Median of {rounds} interleaved runs ({vendor_rounds} for the vendor rows); "
        "ratio = median of per-round ratios."
    )
    header = f"{'size':<10} {'operation':<33} {'ours ms':>9} {'ref ms':>9}  {'ratio':<22} reference"
    print(header)
    print("-" * len(header))
    checks = []
    for row in rows:
        ours, ref = row["ours"], row["ref"]
        n = min(len(ours), len(ref))
        if row["kind"] == "opencv":
            ratio = float(np.median(ours[:n] / ref[:n]))
            shown = f"{ratio:5.2f}x OpenCV's time"
            if row["size"] == "1920x1080":
                checks.append(
                    (
                        ratio <= MAX_OPENCV_RATIO,
                        f"{row['what']} at {row['size']}: {ratio:.2f}x OpenCV "
                        f"(limit {MAX_OPENCV_RATIO:g}x)",
                    )
                )
        else:
            ratio = float(np.median(ref[:n] / ours[:n]))
            shown = f"{ratio:5.1f}x faster"
            checks.append(
                (
                    ratio >= MIN_VENDOR_SPEEDUP,
                    f"vendor-pil at {row['size']}: {ratio:.1f}x faster than the reference "
                    f"generator (need >= {MIN_VENDOR_SPEEDUP:g}x)",
                )
            )
        print(
            f"{row['size']:<10} {row['what']:<33} {np.median(ours) * 1e3:9.2f} "
            f"{np.median(ref) * 1e3:9.2f}  {shown:<22} {row['ref_name']}"
        )
    return checks


# -- accuracy (--accuracy) ---------------------------------------------------------------
_KR_KB = {"bt601": (0.299, 0.114), "bt709": (0.2126, 0.0722)}


def definition_rgb_to_yuv(rgb, swing, matrix):
    """Unrounded float64 Y, Cb, Cr from the BT.601 / BT.709 definition (last axis)."""
    kr, kb = _KR_KB[matrix]
    kg = 1.0 - kr - kb
    rgb = np.asarray(rgb, np.float64)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    y = kr * r + kg * g + kb * b
    cb = (b - y) / (2 * (1 - kb))
    cr = (r - y) / (2 * (1 - kr))
    if swing == "studio":
        return np.stack([16 + 219 / 255 * y, 128 + 224 / 255 * cb, 128 + 224 / 255 * cr], -1)
    return np.stack([y, 128 + cb, 128 + cr], -1)


def definition_yuv_to_rgb(yuv, swing, matrix):
    """Unrounded float64 R, G, B inverting the definition (last axis)."""
    kr, kb = _KR_KB[matrix]
    kg = 1.0 - kr - kb
    yuv = np.asarray(yuv, np.float64)
    y, u, v = yuv[..., 0], yuv[..., 1] - 128, yuv[..., 2] - 128
    if swing == "studio":
        y, u, v = (y - 16) * 255 / 219, u * 255 / 224, v * 255 / 224
    r = y + 2 * (1 - kr) * v
    b = y + 2 * (1 - kb) * u
    g = (y - kr * r - kb * b) / kg
    return np.stack([r, g, b], -1)


class Tally:
    """Mismatches of uint8 results against a float64 oracle, per channel."""

    def __init__(self, channels: int):
        self.n = 0
        self.diff = np.zeros(channels, np.int64)  # != rint(x) (ties to even)
        self.off_tie = np.zeros(channels, np.int64)  # != rint(x) and x not within 1e-6 of .5
        self.vs_up = np.zeros(channels, np.int64)  # != floor(x + 0.5) (ties up)
        self.maxdiff = 0
        self.tie_dist = 0.0  # largest |frac(x) - 0.5| where got != floor(x + 0.5)

    def add(self, got: np.ndarray, exact: np.ndarray) -> None:
        got = got.reshape(-1, got.shape[-1]).astype(np.int16)
        exact = exact.reshape(-1, exact.shape[-1])
        rint = np.clip(np.rint(exact), 0, 255)
        up = np.clip(np.floor(exact + (0.5 + 1e-9)), 0, 255)
        d = got != rint
        tie = np.abs(exact - np.floor(exact) - 0.5) < 1e-6
        self.n += got.shape[0]
        self.diff += d.sum(0)
        self.off_tie += (d & ~tie).sum(0)
        miss = got != up
        self.vs_up += miss.sum(0)
        self.maxdiff = max(self.maxdiff, int(np.abs(got - rint).max()))
        if miss.any():
            dist = np.abs(exact[miss] - np.floor(exact[miss]) - 0.5).max()
            self.tie_dist = max(self.tie_dist, float(dist))

    def line(self, label: str, names: str) -> str:
        def pct(a):
            return "/".join(f"{100 * x / self.n:.4f}" for x in a)

        far = f", all within {self.tie_dist:.1e} of a tie" if self.vs_up.any() else ""
        return (
            f"  {label:<38} n={self.n:>8}  {names} != rint {pct(self.diff)} %"
            f" (not at a tie {pct(self.off_tie)} %); != ties-up {pct(self.vs_up)} %{far};"
            f" max |diff| {self.maxdiff}"
        )


def all_colours(seed: int | None = None) -> np.ndarray:
    """Every 24-bit colour once, as a 4096x4096 image (shuffled with a seed)."""
    c = np.arange(1 << 24, dtype=np.uint32)
    if seed is not None:
        np.random.default_rng(seed).shuffle(c)
    rgb = np.stack([(c >> 16) & 255, (c >> 8) & 255, c & 255], -1).astype(np.uint8)
    return rgb.reshape(4096, 4096, 3)


def accuracy() -> None:
    from nv12_widgets.core import nv12_to_yuv444, rgb_to_yuv444, yuv444_to_rgb

    print("\nAccuracy of the generic paths against the float64 definition")
    print(
        "  (!= rint: differs from round-half-even of the float64 value; 'not at a tie'"
        " excludes values within 1e-6 of .5; != ties-up: differs from floor(x + 0.5),"
        " the rounding the core implements)"
    )
    grid = all_colours()
    shuffled = all_colours(seed=0)  # 4M random 2x2 blocks for the mean chroma
    photos = {
        name: np.array(Image.open(IMAGE.parent / name).convert("RGB"))
        for name in ("astronaut.png", "chelsea.png", "coffee.png")
    }
    for swing in ("full", "studio"):
        for matrix in ("bt601", "bt709"):
            print(f" {swing} / {matrix}")
            t = Tally(3)
            t.add(
                rgb_to_yuv444(grid, swing=swing, matrix=matrix),
                definition_rgb_to_yuv(grid, swing, matrix),
            )
            print(t.line("rgb_to_yuv444, all 2^24 colours", "Y/U/V"))
            for chroma in ("mean", "decimate"):
                t = Tally(2)
                frame = rgb_to_nv12(shuffled, swing=swing, matrix=matrix, chroma=chroma)
                ex = definition_rgb_to_yuv(shuffled, swing, matrix)[..., 1:]
                ex = (
                    ex.reshape(2048, 2, 2048, 2, 2).mean((1, 3))
                    if chroma == "mean"
                    else ex[::2, ::2]
                )
                t.add(frame.uv, ex)
                print(t.line(f"rgb_to_nv12 {chroma} chroma, 4M blocks", "U/V"))
            t_y, t_uv = Tally(1), Tally(2)
            for img in photos.values():
                img = img[: img.shape[0] // 2 * 2, : img.shape[1] // 2 * 2]
                frame = rgb_to_nv12(img, swing=swing, matrix=matrix)
                ex = definition_rgb_to_yuv(img, swing, matrix)
                t_y.add(frame.y[..., None], ex[..., :1])
                h, w = img.shape[:2]
                t_uv.add(frame.uv, ex[..., 1:].reshape(h // 2, 2, w // 2, 2, 2).mean((1, 3)))
            print(t_y.line("rgb_to_nv12 Y, 3 bundled photos", "Y"))
            print(t_uv.line("rgb_to_nv12 mean UV, 3 bundled photos", "U/V"))
            t = Tally(3)
            t.add(
                yuv444_to_rgb(grid, swing=swing, matrix=matrix),
                definition_yuv_to_rgb(grid, swing, matrix),
            )
            print(t.line("yuv444_to_rgb, all 2^24 codes", "R/G/B"))
            t = Tally(3)
            for k in range(64):  # 64 frames: every (Y, U, V) once through nearest NV12
                codes = np.arange(256, dtype=np.uint8)
                uv = np.stack(np.meshgrid(codes, codes, indexing="xy"), -1)  # U = col, V = row
                y = (4 * k + np.array([[0, 1], [2, 3]], np.uint8))[None, :, None, :]
                y = np.broadcast_to(y, (256, 2, 256, 2)).reshape(512, 512)
                frame = NV12(np.ascontiguousarray(y), np.ascontiguousarray(uv))
                got = nv12_to_rgb(frame, swing=swing, matrix=matrix)
                t.add(got, definition_yuv_to_rgb(nv12_to_yuv444(frame), swing, matrix))
            print(t.line("nv12_to_rgb nearest, all 2^24 codes", "R/G/B"))
    for matrix in ("bt601", "bt709"):
        exhaustive_mean_chroma("full", matrix)


def exhaustive_mean_chroma(swing: str, matrix: str) -> None:
    """Mean chroma for every possible 2x2 sum of R, G, B (1021^3 blocks) against exact
    rational arithmetic (ties up, clipped): the chroma kernel of rgb_to_nv12 (its
    INTER_AREA of 4 x RGB is exactly these sums)."""
    from fractions import Fraction

    from nv12_widgets.core.color import hi_byte_channels, hi_matrix, yuv_matrix

    kr, kb = (Fraction(str(k)) for k in _KR_KB[matrix])
    kg = 1 - kr - kb
    luma = (kr, kg, kb)
    scale = Fraction(224, 255) if swing == "studio" else Fraction(1)
    rows = [
        [scale * (int(c == 2) - luma[c]) / (2 * (1 - kb)) for c in range(3)],  # Cb
        [scale * (int(c == 0) - luma[c]) / (2 * (1 - kr)) for c in range(3)],  # Cr
    ]
    m_uv = hi_matrix(yuv_matrix(swing, matrix)[1:], 4.0)
    s = np.arange(1021, dtype=np.int64)
    sg, sb = np.meshgrid(s, s, indexing="ij")
    out = np.empty((1021, 1021, 2), np.uint8)
    bad, worst = 0, 0.0
    for sr in range(1021):
        sums = np.stack([np.full_like(sg, sr), sg, sb], -1).astype(np.uint16)
        hi_byte_channels(cv2.transform(sums, m_uv), out, (0, 1))
        for ch, coef in enumerate(rows):
            # value = 128 + (a . S) / 4 = num / den with integers (den = 4 * lcm).
            den = 4 * np.lcm.reduce([c.denominator for c in coef])
            a = [int(c * den / 4) for c in coef]
            num = 128 * den + a[0] * sr + a[1] * sg + a[2] * sb
            want = np.clip((2 * num + den) // (2 * den), 0, 255)
            miss = out[..., ch] != want
            if miss.any():
                bad += int(miss.sum())
                frac = (num[miss] % den) / den
                worst = max(worst, float(np.abs(frac - 0.5).max()))
    far = f", all within {worst:.1e} of a tie" if bad else ""
    print(
        f"  {swing} / {matrix} mean chroma, every 2x2 sum (1021^3 = 1.06e9 blocks x U, V) "
        f"vs exact rational ties-up rounding: {bad} mismatches "
        f"({100 * bad / (2 * 1021**3):.5f} %){far}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (noisier)")
    parser.add_argument("--accuracy", action="store_true", help="also print accuracy figures")
    args = parser.parse_args(argv)
    rounds, vendor_rounds = (15, 3) if args.quick else (61, 7)

    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    print(
        f"nv12_widgets core benchmark: Python {platform.python_version()}, numpy "
        f"{np.__version__}, OpenCV {cv2.__version__} ({cv2.getNumThreads()} threads), Pillow "
        f"{PIL.__version__}; {os.cpu_count()} CPUs, load average {load}"
    )
    rows = []
    for width, height in SIZES:
        rows += bench_size(width, height, rounds, vendor_rounds)
    checks = print_table(rows, rounds, vendor_rounds)
    print("\nAcceptance (issue 2):")
    for ok, text in checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {text}")
    if args.accuracy:
        accuracy()
    return 0 if all(ok for ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
