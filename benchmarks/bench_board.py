"""Speed of the board loop's reading: probe_read against decoding the same frames once.

Run ``python benchmarks/bench_board.py`` (``--quick``: 3 rounds instead of 7).

For 640x480 and 1920x1080 probe frames decoded by a simulated fixed-point board (Ascend
AIPP's BT.601 narrow CSC, :func:`nv12_widgets.devices.ascend.ascend_aipp_nv12_to_rgb`)
it prints the median time of :func:`nv12_widgets.model.workflows.probe.probe_read` (regenerating
the designs, the least squares, the bit-exact search, the upsampling hypotheses) and of
the yardstick, OpenCV's ``cvtColor(COLOR_YUV2RGB_NV12)`` of the four frames, timed
interleaved (one run of each per round), with the median per-round ratio. No acceptance
threshold: the figure says what a reading costs next to one decode of its frames.
"""

from __future__ import annotations

import argparse
import statistics
import time

import cv2
import numpy as np

from nv12_widgets.core.probe import probe_frames
from nv12_widgets.devices.ascend import ascend_aipp_nv12_to_rgb
from nv12_widgets.model.workflows.probe import probe_read


def _time(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    rounds = 3 if ap.parse_args().quick else 7
    print(f"{'size':>10} {'probe_read':>12} {'cv2 decode x4':>14} {'ratio':>8}  exact")
    for w, h in ((640, 480), (1920, 1080)):
        frames = probe_frames(w, h)
        board = {p.design: ascend_aipp_nv12_to_rgb(p.frame, "bt601-narrow") for p in frames}
        raws = [np.frombuffer(p.frame.tobytes(), np.uint8).reshape(-1, w) for p in frames]
        ours, ref, ratios = [], [], []
        exact = probe_read(board).exact
        for _ in range(rounds):
            a = _time(lambda board=board: probe_read(board))
            b = _time(lambda raws=raws: [cv2.cvtColor(r, cv2.COLOR_YUV2RGB_NV12) for r in raws])
            ours.append(a)
            ref.append(b)
            ratios.append(a / b)
        print(
            f"{f'{w}x{h}':>10} {statistics.median(ours) * 1e3:>10.1f}ms "
            f"{statistics.median(ref) * 1e3:>12.2f}ms {statistics.median(ratios):>7.0f}x  {exact}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
