"""Solving: which candidate pipeline explains a board dump, and with what normalisation.

A tensor dump is read in every layout its shape allows; per channel the dump is
``t = a * pixels + b`` and ``a``, ``b`` are solved by least squares (on a fixed random
subsample for ranking, then on all pixels for the best candidates); the residual is
``|(t - b) / a - pixels|`` in grey levels. A frame dump is compared byte by byte (Y and
UV planes apart). The candidates come from
:class:`~nv12_widgets.model.workflows.identify_candidates.CandidateMaker`; the results are
:class:`~nv12_widgets.model.workflows.identify_report.Explanation` objects.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import nv12_widgets.core as core
from nv12_widgets.core import NV12, InputError
from nv12_widgets.model.devicepath.config import PreprocessConfig
from nv12_widgets.model.workflows.identify_candidates import (
    Candidate,
    CandidateMaker,
    digest,
    merge,
)
from nv12_widgets.model.workflows.identify_report import Explanation

__all__ = ["FrameSearch", "TensorSearch", "solve_affine"]

_SAMPLE = 16384  # pixels the affine is solved on for ranking
_VERIFY = 8  # candidates (at least) re-solved and verified on all pixels
_MAX_FITS = 3  # fits (resize policy x interpolation) kept after the geometry stage
_SEED = 0


# ---------------------------------------------------------------------- affine solve
def solve_affine(t: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-column least squares ``t = a p + b``; (a, b) of shape (C,).

    A column whose pixels are constant takes the mean slope of the others (or 1).

    Examples
    --------
    >>> solve_affine(np.array([[1.0, 7.0], [3.0, 7.0], [5.0, 7.0]]), np.array([[0, 4], [1, 4], [2, 4]]))
    (array([2., 2.]), array([ 1., -1.]))
    """
    p = p.astype(np.float64)
    pm, tm = p.mean(0), t.mean(0)
    dp = p - pm
    var = np.einsum("ij,ij->j", dp, dp)
    cov = np.einsum("ij,ij->j", dp, t - tm)
    ok = var > 0
    a = np.empty_like(var)
    a[ok] = cov[ok] / var[ok]
    if not ok.all():
        a[~ok] = a[ok].mean() if ok.any() else 1.0
    b = tm - a * pm
    return a, b


def residual(t: np.ndarray, p: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(t - b) / a - p in pixel units; inf where a is (numerically) 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        safe = np.where(np.abs(a) > 1e-12, a, np.nan)
        r = (t - b) / safe - p
    return np.where(np.isnan(r), np.inf, r)


def stats(r: np.ndarray) -> tuple[float, float, float]:
    absr = np.abs(r)
    if not np.all(np.isfinite(absr)):
        return math.inf, math.inf, math.nan
    return float(absr.max()), float(absr.mean()), float(r.mean())


# ---------------------------------------------------------------------- tensor search
def interpretations(observed: Any) -> tuple[list[tuple[str, np.ndarray]], list[str]]:
    """The (layout name, (H, W, C) float64 view) readings of a dump, and notes."""
    if not isinstance(observed, np.ndarray):
        raise InputError(
            f"observed must be an NV12 frame or a numpy array (a tensor dump), got "
            f"{type(observed).__name__}; load dumps with nv12_widgets.model.load_tensor."
        )
    x = observed
    notes = []
    if x.dtype == np.bool_ or not (
        np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating)
    ):
        raise InputError(f"the dump must hold numbers (integer or float), got dtype {x.dtype}.")
    if x.size == 0:
        raise InputError(f"the dump has shape {x.shape}: it holds no values (an empty batch?).")
    if np.issubdtype(x.dtype, np.floating) and not np.all(np.isfinite(x)):
        raise InputError("the dump holds NaN or infinite values; it is not a valid model input.")
    prefix = ""
    if x.ndim == 4:
        if x.shape[0] != 1:
            notes.append(f"batch of {x.shape[0]}: the first item was compared")
        x = x[0]
        prefix = "N"
    if x.ndim == 2:
        return [("HW", x[..., None])], notes
    if x.ndim != 3:
        raise InputError(
            f"the dump has shape {observed.shape}; expected 4-D (N, C, H, W) / (N, H, W, C), "
            "3-D (C, H, W) / (H, W, C) or 2-D (H, W)."
        )
    out = []
    if x.shape[0] in (1, 3):
        out.append((prefix + "CHW", np.moveaxis(x, 0, -1)))
    if x.shape[2] in (1, 3):
        out.append((prefix + "HWC", x))
    if not out:
        raise InputError(
            f"the dump has shape {observed.shape}: no axis of 1 or 3 channels where NCHW or "
            "NHWC puts it; pass a (1, C, H, W) or (1, H, W, C) tensor with C = 1 or 3."
        )
    return out, notes


def crop_to(x: np.ndarray, model_size, what: str) -> np.ndarray:
    if model_size is None:
        return x
    try:
        mh, mw = (int(v) for v in model_size)
    except (TypeError, ValueError):
        raise InputError(f"model_size must be (height, width), got {model_size!r}.") from None
    if mh <= 0 or mw <= 0 or mh > x.shape[0] or mw > x.shape[1]:
        raise InputError(
            f"model_size {model_size!r} does not fit in the {what} of {x.shape[0]}x{x.shape[1]} "
            "(h x w): it is the valid top-left region of a larger (aligned) dump."
        )
    return x[:mh, :mw]


def with_alternatives(cand: Candidate, alts, same: bool) -> Candidate:
    """Record the same pipeline after each alternative fit as byte-identical equivalents."""
    label = cand.label
    cand.label += _fit_label(cand.config.resize_policy, cand.config.interpolation, same)
    for policy, interp in alts:
        cfg = cand.config.replace(resize_policy=policy, interpolation=interp)
        cand.equivalents.append(
            Candidate(label + _fit_label(policy, interp, same), cfg, cand.path, cand.pixels)
        )
    return cand


def _fit_label(policy: str, interp: str, same_size: bool) -> str:
    return "" if same_size else f", {policy} ({interp})"


def score(t_s: np.ndarray, pixels: np.ndarray, idx: np.ndarray | None = None):
    """(max, mean) |residual| of the affine fit of ``pixels`` to the sampled dump."""
    p = pixels.reshape(-1, pixels.shape[-1])
    if idx is not None:
        p = p[idx]
    if p.shape[1] != t_s.shape[1]:
        return math.inf, math.inf
    a, b = solve_affine(t_s, p)
    mx, mean, _ = stats(residual(t_s, p, a, b))
    return mx, mean


#: The note of a candidate whose solved normalisation is not physical.
UNPHYSICAL = (
    "no physical normalisation (std > 0, mean within the code range) maps this pipeline's "
    "pixels to the dump: its normalisation is not reported"
)

#: The pixel-domain means a physical normalisation may have: the code range, widened by
#: one level (a truncating pipeline's offset is absorbed by the solved mean).
MEAN_RANGE = (-1.0, 256.0)
#: Slack on :data:`MEAN_RANGE` for the least-squares error of a solved mean (a mean of
#: exactly 256 - ``x / 256 - 1`` - solves to 256 plus float error).
MEAN_SLACK = 1e-3


def physical(config: PreprocessConfig) -> bool:
    """True when a solved normalisation can be a real one: divisor > 0, every std > 0
    and every pixel-domain mean within the code range (:data:`MEAN_RANGE`)."""
    lo, hi = MEAN_RANGE
    return (
        config.divisor > 0
        and all(s > 0 for s in config.pixel_std)
        and all(lo - MEAN_SLACK <= m <= hi + MEAN_SLACK for m in config.pixel_mean)
    )


class TensorSearch:
    """Which candidate explains a tensor dump (see the module docstring).

    Examples
    --------
    A (1, 3, 4, 4) dump normalised on the PC with mean 128, std 64:

    >>> rgb = np.random.default_rng(0).integers(0, 256, (4, 4, 3), dtype=np.uint8)
    >>> dump = ((rgb.astype(np.float32) - 128) / 64).transpose(2, 0, 1)[None]
    >>> search = TensorSearch(rgb, dump, None)
    >>> ranked, tried, notes = search.run(3)
    >>> best = ranked[0]
    >>> best.label, best.max_abs, [round(m, 6) for m in best.config.pixel_mean]
    ('PC, no NV12: RGB', 0.0, [128.0, 128.0, 128.0])
    >>> search.layout_of(best), search.quant_step(best)  # a float32 dump: no rounding step
    ('NCHW', 0.0)
    >>> half = TensorSearch(rgb, dump.astype(np.float16), None)
    >>> round(half.quant_step(half.run(1)[0][0]), 4)  # float16: 2^-10 of its largest value
    0.1211
    """

    kind = "tensor"

    def __init__(self, rgb: np.ndarray, observed: Any, model_size, tolerance: float = 1.0) -> None:
        self.maker = CandidateMaker(rgb)
        self.rgb = rgb
        self.tolerance = float(tolerance)
        readings, self.notes = interpretations(observed)
        self.readings = [(name, crop_to(v, model_size, "dump")) for name, v in readings]
        self.dtype = observed.dtype
        self._layout_names: dict[int, str] = {}
        self._samples: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._fits: dict[tuple[int, int], list] = {}
        self._tmax = max(float(np.max(np.abs(v))) if v.size else 0.0 for _, v in self.readings)
        self.count = 0

    def layout_of(self, e: Explanation) -> str | None:
        """How the dump was read for ``e`` ("NCHW", "NHWC", "CHW", "HWC", "HW")."""
        return self._layout_names.get(id(e), "NCHW" if "CHW" in str(e.config.layout) else "NHWC")

    def quant_step(self, e: Explanation) -> float:
        """The dump's own rounding step in pixel units (0 for float32/64 dumps)."""
        std = np.abs(np.asarray(e.config.pixel_std, np.float64))  # = 1 / |a|
        if np.issubdtype(self.dtype, np.integer):
            return float(std.max())
        if self.dtype == np.float16:  # 10-bit mantissa: step <= max|t| * 2^-10
            return float((self._tmax * 2.0**-10 * std).max())
        return 0.0

    def _fit_list(self, size: tuple[int, int]) -> list:
        if size not in self._fits:
            self._fits[size] = self.maker.fits(size)
        return self._fits[size]

    def _stage1(self, rng) -> tuple[list, dict]:
        """The PC candidates of every reading x fit x format, scored on the subsample."""
        stage1, best = [], {}
        for ri, (name, hwc) in enumerate(self.readings):
            h, w, c = hwc.shape
            if h < 2 or w < 2:
                continue
            n = min(_SAMPLE, h * w)
            idx = rng.choice(h * w, n, replace=False) if n < h * w else np.arange(h * w)
            t_s = hwc.reshape(-1, c)[idx].astype(np.float64)
            self._samples[ri] = (idx, t_s)
            same = self.rgb.shape[:2] == (h, w)
            for fi, (policy, interp, _, alts) in enumerate(self._fit_list((h, w))):
                base = self._base(name, (h, w), policy, interp)
                for fmt in ["gray"] if c == 1 else ["rgb", "bgr", "yuv444"]:
                    for cand in self.maker.pc(fmt, base):
                        with_alternatives(cand, alts, same)
                        self.count += 1
                        mx, mean = score(t_s, self._shrink(cand, idx))
                        stage1.append((mean, mx, cand, ri, fi, fmt))
                        for key in ((ri, fi), (ri, fi, fmt)):
                            best[key] = min(best.get(key, math.inf), mean)
        if not stage1:
            raise InputError("the dump is smaller than 2x2 pixels; nothing to compare.")
        return stage1, best

    def _stage2(self, kept: list, best: dict, tier: int = 1) -> list:
        """The NV12 candidates (of ``tier``) of the kept fits and formats, scored on the
        subsample."""
        pool = []
        for ri, fi in kept:
            name, hwc = self.readings[ri]
            h, w, c = hwc.shape
            policy, interp, _, alts = self._fit_list((h, w))[fi]
            fmts = ["gray"] if c == 1 else ["rgb", "bgr", "yuv444"]
            good = [f for f in fmts if best[(ri, fi, f)] <= 2 * best[(ri, fi)] + 3]
            idx, t_s = self._samples[ri]
            same = self.rgb.shape[:2] == (h, w)
            for cand in self.maker.nv12(good, self._base(name, (h, w), policy, interp), tier=tier):
                with_alternatives(cand, alts, same)
                self.count += 1
                mx, mean = score(t_s, self._shrink(cand, idx))
                pool.append((mean, mx, cand, ri, fi, cand.config.train_format))
        return pool

    def run(self, top: int):
        """(explanations ranked, candidates tried, notes)."""
        stage1, best = self._stage1(np.random.default_rng(_SEED))
        # Geometry: keep the best fits (per reading) overall.
        kept = self._kept_fits(stage1, best)
        pool = [s for s in stage1 if (s[3], s[4]) in kept] + self._stage2(kept, best)
        # The rarer pipelines (FFmpeg's swscale, a decode with the other matrix) unless a
        # usual one explains the dump within half a level (an integer / float16 dump:
        # always, its own rounding hides the difference).
        exact = self.dtype in (np.float32, np.float64)
        if not exact or min(entry[1] for entry in pool) > min(self.tolerance, 0.5):
            pool += self._stage2(kept, best, tier=2)
        # Merge byte-identical candidates (within one reading), rank on the subsample.
        groups: dict[tuple, list] = {}
        for entry in pool:
            groups.setdefault((entry[3], entry[2].digest), []).append(entry)
        merged = []
        for entries in groups.values():
            head = entries[0]
            for e in entries[1:]:
                head[2].equivalents += [e[2], *e[2].equivalents]
            merged.append(head)
        merged.sort(key=lambda s: (s[0], s[1]))
        n_verify = max(_VERIFY, top + 3)
        verified = [self._explain(cand, ri) for _, _, cand, ri, _, _ in merged[:n_verify]]
        rest = [
            self._explain_sampled(cand, ri, mean_s, mx_s)
            for mean_s, mx_s, cand, ri, _, _ in merged[n_verify : n_verify + top]
        ]
        self._layout_names = {
            id(e): self.readings[entry[3]][0] for e, entry in zip(verified, merged, strict=False)
        }
        verified.sort(key=lambda e: (e.mean_abs, e.max_abs))
        return verified + rest, self.count, self.notes

    def _kept_fits(self, stage1: list, best: dict) -> list[tuple[int, int]]:
        """(reading, fit) pairs worth the NV12 candidates: the best few overall plus the
        best of each resize policy (a letterbox whose bars straddle chroma blocks scores
        badly on the PC path but is the device's fit), all within 2 x best + 3 levels."""
        fit_keys = sorted({(ri, fi) for _, _, _, ri, fi, _ in stage1}, key=lambda k: best[k])
        kept = fit_keys[:_MAX_FITS]
        policies = set()
        for ri, fi in fit_keys:
            h, w = self.readings[ri][1].shape[:2]
            policy = self._fit_list((h, w))[fi][0]
            if policy not in policies:
                policies.add(policy)
                if (ri, fi) not in kept:
                    kept.append((ri, fi))
        return [k for k in kept if best[k] <= 2 * best[fit_keys[0]] + 3] or fit_keys[:1]

    def _base(self, name: str, size, policy: str, interp: str) -> dict:
        layout = "NCHW" if "CHW" in name else "NHWC"
        return dict(size=size, resize_policy=policy, interpolation=interp, layout=layout)

    @staticmethod
    def _shrink(cand: Candidate, idx: np.ndarray) -> np.ndarray:
        """Keep the candidate's digest and its sampled pixels; drop the full image (memory:
        a few hundred candidates of a large dump), rebuilt for the verified few."""
        cand.digest = digest(cand.pixels)
        cand.sample = cand.pixels.reshape(-1, cand.pixels.shape[-1])[idx]
        cand.pixels = None
        return cand.sample

    def _finish(self, cand: Candidate, a: np.ndarray, b: np.ndarray) -> PreprocessConfig:
        with np.errstate(divide="ignore", invalid="ignore"):
            std = 1.0 / a
            mean = -b / a
        if not (np.all(np.isfinite(std)) and np.all(np.isfinite(mean))) or np.any(std == 0):
            return cand.config.replace(divisor=1.0)
        return cand.config.replace(
            divisor=1.0, mean=tuple(float(v) for v in mean), std=tuple(float(v) for v in std)
        )

    def _explain(self, cand: Candidate, ri: int) -> Explanation:
        hwc = self.readings[ri][1]
        c = hwc.shape[-1]
        t = hwc.reshape(-1, c).astype(np.float64)
        p = self.maker.pixels(cand).reshape(-1, c)
        a, b = solve_affine(t, p)
        r = residual(t, p.astype(np.float64), a, b)
        mx, mean, bias = stats(r)
        planes = {}
        for ch in range(c):
            cmx, cmean, cbias = stats(r[:, ch])
            planes[f"c{ch}"] = {"max_abs": cmx, "mean_abs": cmean, "bias": cbias}
        return self._make(cand, a, b, mx, mean, bias, planes, True)

    def _explain_sampled(self, cand: Candidate, ri: int, mean: float, mx: float) -> Explanation:
        _, t_s = self._samples[ri]
        a, b = solve_affine(t_s, cand.sample)
        return self._make(cand, a, b, mx, mean, math.nan, {}, False)

    def _make(self, cand, a, b, mx, mean, bias, planes, verified) -> Explanation:
        cfg = self._finish(cand, a, b)
        is_physical = physical(cfg) and bool(np.all(np.isfinite(a))) and bool(np.all(a > 0))
        if not is_physical:  # never carry an absurd normalisation as if it were an answer
            return Explanation(
                label=cand.label,
                config=cand.config.replace(divisor=1.0),
                path=cand.path,
                max_abs=mx,
                mean_abs=mean,
                bias=bias,
                planes=planes,
                verified=verified,
                note=UNPHYSICAL,
                physical=False,
            )
        return Explanation(
            label=cand.label,
            config=cfg,
            path=cand.path,
            max_abs=mx,
            mean_abs=mean,
            bias=bias,
            planes=planes,
            verified=verified,
            equivalents=tuple(self._finish(e, a, b) for e in cand.equivalents),
            equivalent_labels=tuple(e.label for e in cand.equivalents),
            note=cand.note,
        )


class FrameSearch:
    """Which encoder made a frame dump (byte by byte, Y and UV planes apart).

    Examples
    --------
    >>> rgb = np.random.default_rng(0).integers(0, 256, (4, 4, 3), dtype=np.uint8)
    >>> search = FrameSearch(rgb, core.rgb_to_nv12(rgb, swing="studio"), None)
    >>> ranked, tried, notes = search.run(3)
    >>> ranked[0].label, ranked[0].max_abs
    ('NV12 studio bt601, chroma 2x2 mean, centre-sited', 0.0)
    >>> search.layout_of(ranked[0]), search.quant_step(ranked[0])  # bytes: no layout, exact
    (None, 0.0)
    """

    kind = "nv12"

    def __init__(self, rgb: np.ndarray, frame: NV12, model_size) -> None:
        self.maker = CandidateMaker(rgb)
        self.rgb = rgb
        self.notes: list[str] = []
        y, uv = frame.y, frame.uv
        if model_size is not None:
            y = crop_to(y, model_size, "frame")
            if y.shape[0] % 2 or y.shape[1] % 2:
                raise InputError(f"model_size {model_size!r} must be even for an NV12 frame.")
            uv = uv[: y.shape[0] // 2, : y.shape[1] // 2]
        self.y = np.ascontiguousarray(y)
        self.uv = np.ascontiguousarray(uv)
        self.count = 0

    def quant_step(self, e: Explanation) -> float:
        return 0.0

    def layout_of(self, e: Explanation) -> None:
        return None

    def _geometry(self, fits: list) -> list:
        """The best fits, scored by their luma affine-fitted to Y (absorbs the swing)."""
        h, w = self.y.shape
        rng = np.random.default_rng(_SEED)
        idx = rng.choice(h * w, min(_SAMPLE, h * w), replace=False)
        t_s = self.y.reshape(-1, 1)[idx].astype(np.float64)
        scores = []
        for fi, (policy, interp, _, _) in enumerate(fits):
            best = math.inf
            for m in core.MATRICES:
                cfg = PreprocessConfig(
                    train_format="gray", matrix=m, size=(h, w), resize_policy=policy,
                    interpolation=interp,
                )  # fmt: skip
                self.count += 1
                best = min(best, score(t_s, self.maker.run(cfg).reference_pixels, idx)[1])
            scores.append((best, fi))
        scores.sort()
        keep = [fi for _, fi in scores[:_MAX_FITS]]
        for _, fi in scores:  # and the best of each resize policy
            if fits[fi][0] not in {fits[k][0] for k in keep}:
                keep.append(fi)
        best = scores[0][0]
        return [fits[fi] for s, fi in scores if fi in keep and s <= 2 * best + 3]

    def run(self, top: int):
        """(explanations ranked, candidates tried, notes)."""
        h, w = self.y.shape
        fits = self.maker.fits((h, w))
        same = self.rgb.shape[:2] == (h, w)
        if len(fits) > 1:
            fits = self._geometry(fits)
        cands = []
        for policy, interp, _, alts in fits:
            base = dict(size=(h, w), resize_policy=policy, interpolation=interp)
            for cand in self.maker.frames(base):
                self.count += 1
                cands.append(with_alternatives(cand, alts, same))
        ranked = []
        for cand in merge(cands):
            ranked.append(self._explain(cand))
            swapped = self._explain(cand, swap=True)
            if swapped.max_abs < ranked[-1].max_abs:
                ranked[-1] = swapped
        ranked.sort(key=lambda e: (max(e.max_abs, 0.0), e.mean_abs))
        return ranked, self.count, self.notes

    def _explain(self, cand: Candidate, swap: bool = False) -> Explanation:
        n_y = self.y.size
        ours_y = cand.pixels[:n_y].astype(np.int16)
        ours_uv = cand.pixels[n_y:].reshape(self.uv.shape).astype(np.int16)
        obs_uv = self.uv[..., ::-1] if swap else self.uv
        dy = self.y.reshape(-1).astype(np.int16) - ours_y
        duv = obs_uv.astype(np.int16) - ours_uv
        ymx, ymean, ybias = stats(dy)
        cmx, cmean, cbias = stats(duv)
        total = np.abs(dy).sum(dtype=np.int64) + np.abs(duv).sum(dtype=np.int64)
        bias = (dy.sum(dtype=np.int64) + duv.sum(dtype=np.int64)) / (dy.size + duv.size)
        note = ""
        label = cand.label
        if swap:
            label += " [U/V swapped: the dump is NV21]"
            note = "the frame's chroma bytes are V, U (NV21): read it as NV21"
        return Explanation(
            label=label,
            config=cand.config,
            path="nv12",
            max_abs=max(ymx, cmx),
            mean_abs=float(total / (dy.size + duv.size)),
            bias=float(bias),
            planes={
                "y": {"max_abs": ymx, "mean_abs": ymean, "bias": ybias},
                "uv": {"max_abs": cmx, "mean_abs": cmean, "bias": cbias},
            },
            verified=True,
            equivalents=tuple(e.config for e in cand.equivalents),
            equivalent_labels=tuple(e.label for e in cand.equivalents),
            note=note,
        )
