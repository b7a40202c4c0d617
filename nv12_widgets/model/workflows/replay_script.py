"""The ``replay.py`` a repro bundle carries (:mod:`nv12_widgets.model.workflows.bundle`).

It must run with numpy and onnxruntime only (a vendor's engineer has neither this
package nor its dependencies), so it is kept here as text and never imported. Its
metrics re-implement :func:`nv12_widgets.core.compare_arrays`'s definitions in plain
numpy (float64: cosine 0 when a norm is 0, 1 when identical; SQNR
``10 log10(|a|^2 / |a - b|^2)``, inf when identical; max ``|a - b|``), so replaying a
bundle also checks those numbers independently.
"""

from __future__ import annotations

__all__ = ["REPLAY_PY"]

REPLAY_PY = r'''"""Replay an nv12_widgets repro bundle: python replay.py [--rtol 1e-5] [--atol 1e-5]

Needs only numpy and onnxruntime. Re-runs, from the files of this folder:
  1. the device's preprocessing graph (preprocess.onnx) on the raw NV12 frame
     (frame/frame.nv12, size in frame/frame.json) -> the device input tensor;
  2. the model (model.onnx, possibly the slice up to the first diverging node) on each
     path's input tensor (inputs/*.npy) -> the expected outputs (expected/*/*.npy);
  3. every number of README.md / numbers.json (cosine, SQNR, max |diff|) from the arrays.
Prints one line per check; exit code 0 when every number is reproduced, 1 otherwise.
"""

import argparse
import json
import math
import os
import sys

import numpy as np
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))


def path(*parts):
    return os.path.join(HERE, *parts)


def metrics(a, b):
    fa = np.asarray(a, np.float64).ravel()
    fb = np.asarray(b, np.float64).ravel()
    na, nb = math.sqrt(float(fa @ fa)), math.sqrt(float(fb @ fb))
    if na == 0.0 or nb == 0.0:
        cos = 0.0
    elif np.array_equal(fa, fb):
        cos = 1.0
    else:
        cos = float(np.clip((fa @ fb) / (na * nb), -1.0, 1.0))
    d = fa - fb
    noise, signal = float(d @ d), float(fa @ fa)
    if noise == 0.0:
        sqnr = float("inf")
    elif signal == 0.0:
        sqnr = float("-inf")
    else:
        sqnr = float(10.0 * np.log10(signal / noise))
    return {"cosine": cos, "sqnr_db": sqnr, "max_abs": float(np.max(np.abs(d))) if d.size else 0.0}


def close(x, y, rtol, atol):
    if isinstance(y, str):
        y = float(y)
    if math.isinf(x) or math.isinf(y) or math.isnan(x) or math.isnan(y):
        return (x == y) or (math.isnan(x) and math.isnan(y))
    return abs(x - y) <= atol + rtol * abs(y)


def session(name):
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    return ort.InferenceSession(path(name), opts, providers=["CPUExecutionProvider"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rtol", type=float, default=1e-5)
    ap.add_argument("--atol", type=float, default=1e-5)
    args = ap.parse_args()
    with open(path("numbers.json"), encoding="utf-8") as f:
        numbers = json.load(f)
    failures = 0

    def report(ok, text):
        nonlocal failures
        failures += 0 if ok else 1
        print(("ok    " if ok else "FAIL  ") + text)

    def present(*names):
        missing = [n for n in names if not os.path.exists(path(n))]
        for n in missing:
            print(f"skip  {n} is not in the bundle")
        return not missing

    pre = numbers.get("preprocess")
    if pre and present(pre["model"], pre["frame"], pre["expected"]):
        w, h = pre["width"], pre["height"]
        raw = np.fromfile(path(pre["frame"]), np.uint8)
        y = raw[: w * h].reshape(1, h, w, 1)
        uv = raw[w * h :].reshape(1, h // 2, w // 2, 2)
        got = session(pre["model"]).run(None, {pre["inputs"][0]: y, pre["inputs"][1]: uv})[0]
        want = np.load(path(pre["expected"]))
        diff = float(np.max(np.abs(got.astype(np.float64) - want))) if want.size else 0.0
        report(diff <= args.atol, f"preprocess.onnx(frame) == {pre['expected']} (max |diff| {diff:.3g})")
    run = numbers.get("model_run")
    if run and present(run["model"]):
        sess = session(run["model"])
        names = [o.name for o in sess.get_outputs()]
        for p, files in run["paths"].items():
            if not present(*run["inputs"][p].values()):
                continue
            feeds = {k: np.load(path(v)) for k, v in run["inputs"][p].items()}
            outs = dict(zip(names, sess.run(names, feeds)))
            for out_name, fname in files.items():
                if not present(fname):
                    continue
                want = np.load(path(fname))
                got = outs[out_name].astype(np.float64)
                diff = float(np.max(np.abs(got - want))) if want.size else 0.0
                tol = args.atol + args.rtol * float(np.max(np.abs(want))) if want.size else 0.0
                report(diff <= tol, f"{run['model']} on {p}: {out_name} == {fname} (max |diff| {diff:.3g})")
    for c in numbers.get("comparisons", []):
        if not present(c["a"], c["b"]):
            continue
        a, b = np.load(path(c["a"])), np.load(path(c["b"]))
        got = metrics(a, b.reshape(a.shape) if b.size == a.size else b)
        ok = all(close(got[k], c[k], args.rtol, args.atol) for k in ("cosine", "sqnr_db", "max_abs"))
        report(ok, f"{c['label']}: cosine {got['cosine']:.6f} (README {float(c['cosine']):.6f}), "
                   f"SQNR {got['sqnr_db']:.2f} dB, max |diff| {got['max_abs']:.6g}")
    print("every number reproduced" if failures == 0 else f"{failures} check(s) failed")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
'''
